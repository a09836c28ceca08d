/*
 * Boot modules: the files of the boot image (a cpio "newc" archive that
 * QEMU loads with -initrd). Each regular file becomes a read-only module
 * object; init receives a handle to each. The archive's memory is never
 * freed, so a module's data stays valid for the kernel's lifetime.
 */
#ifndef KERN_MODULE_H
#define KERN_MODULE_H

#include "kern/kobj.h"

struct vm_object;

struct module {
	struct kobj obj;
	char name[32];
	const void *data;
	size_t size;
	struct vm_object *vmo; /* its memory object once asked for (kern/module_object.h), with a ref */
};

/* Creates a module per regular file; returns the count or an error. */
int module_scan(const void *archive, size_t len);
int module_count(void);
struct module *module_at(int i);
struct module *module_find(const char *name);

#endif
