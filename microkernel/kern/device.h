/*
 * Devices for user-space drivers: device-memory objects (a physical
 * register range a driver may map) and interrupt objects (a line whose
 * interrupts become bits on a notification).
 *
 * An interrupt, step by step: the line fires -> the kernel claims it from
 * the interrupt controller and signals the bound notification -> the
 * driver's thread wakes, serves the device, calls SYS_IRQ_ACK -> the
 * kernel completes the claim and the line may fire again.
 */
#ifndef KERN_DEVICE_H
#define KERN_DEVICE_H

#include "kern/ipc.h"
#include "kern/kobj.h"

struct devmem {
	struct kobj obj;
	char name[16];
	paddr_t base;
	uint64_t size;
};

struct irq {
	struct kobj obj;
	char name[16];
	uint32_t line;
	struct notify *note; /* bound notification (holds a reference), or NULL */
	uint64_t bits;
	bool pending;        /* claimed, not yet acknowledged */
};

/* Creates the objects for a device found at boot (irq 0: none). */
int device_add(const char *name, paddr_t base, uint64_t size, uint32_t irq);
int device_count(void);
struct kobj *device_object(int i); /* devmem and irq objects, in order */

/* An interrupt arrived on line (claimed by the arch code). */
void device_interrupt(uint32_t line);

int64_t sys_dev_info(struct thread *t, const uint64_t *a);
int64_t sys_dev_map(struct thread *t, const uint64_t *a);
int64_t sys_irq_bind(struct thread *t, const uint64_t *a);
int64_t sys_irq_ack(struct thread *t, const uint64_t *a);
int64_t sys_console_write(struct thread *t, const uint64_t *a);

#endif
