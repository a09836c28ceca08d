/*
 * A boot module as a memory object, so that programs are mapped, not
 * copied (docs/DESIGN.md section 2).
 *
 * Lifecycle:
 *   1. At boot (module_objects_init) each module's bytes are copied once into
 *      fresh frames (the boot image's bytes are only 4-byte aligned in the
 *      cpio archive), which become the pages of a memory object: all
 *      resident from the start, write-protected, the tail of the last page
 *      zero. The object has no pager, so nothing ever evicts them. (If
 *      memory ran out at boot, the first SYS_MODULE_OBJECT tries again.)
 *   2. The module keeps that object for the kernel's lifetime; every later
 *      call hands out a handle to the same object (R_READ | R_MAP |
 *      R_GRANT), so every program started from the module maps the same
 *      frames: two running copies share their text.
 *   3. Tasks map it shared read-only (text) or private (data, copy on
 *      write). A shared writable mapping is refused: module_object_writable
 *      says so to every map call.
 */
#ifndef KERN_MODULE_OBJECT_H
#define KERN_MODULE_OBJECT_H

#include "kern/module.h"
#include "kern/thread.h"
#include "kern/vm/vm_object.h"

/* The module's object, made if need be; NULL if out of memory (then
 * nothing is left behind, and a later call tries again). */
struct vm_object *module_object(struct module *m);

/* Makes every module's object (at boot, after module_scan). */
void module_objects_init(void);

/* False for a module's object: its pages may be mapped shared only
 * without VM_W. */
bool module_object_writable(const struct vm_object *o);

/* SYS_MODULE_OBJECT (module h with R_READ) -> object handle. */
int64_t sys_module_object(struct thread *t, const uint64_t *a);

#endif
