/*
 * Devices in user space: drivers get a device-memory handle (the
 * registers) and an interrupt handle from init. An interrupt is delivered
 * as bits on a notification; the line stays masked until SYS_IRQ_ACK.
 */
#ifndef UAPI_DEV_H
#define UAPI_DEV_H

#include <stdint.h>

struct dev_info {
	uint64_t base;   /* physical address of the registers (devmem) */
	uint64_t size;   /* bytes, page multiple */
	uint32_t irq;    /* interrupt number (irq) */
	uint32_t pad;
	char name[16];   /* "uart", "virtio0", ... */
};
_Static_assert(sizeof(struct dev_info) == 40, "dev_info ABI");

/* System-wide memory figures (SYS_VM_STATS). */
struct vm_stats {
	uint64_t frames_total, frames_free;
	uint64_t faults_minor;   /* resolved from a page cache or by the kernel */
	uint64_t faults_major;   /* sent to a pager */
	uint64_t faults_kernel;  /* anonymous pages zero-filled by the kernel */
	uint64_t supplies;       /* pages supplied by pagers */
	uint64_t objects;        /* live memory objects */
	uint64_t requests;       /* outstanding pager requests */
	uint64_t faults_cow;     /* writes that copied a page up into a shadow */
};
_Static_assert(sizeof(struct vm_stats) == 72, "vm_stats ABI");

#endif
