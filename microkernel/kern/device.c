/* Devices for user-space drivers; see kern/device.h. */
#include "kern/device.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/task.h"
#include "kern/usercopy.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_map.h"
#include "lib/string.h"
#include "uapi/dev.h"
#include "uapi/errors.h"

#define MAX_DEVICE_OBJECTS 32

static struct kobj *objects[MAX_DEVICE_OBJECTS];
static int nobjects;

int device_add(const char *name, paddr_t base, uint64_t size, uint32_t line)
{
	if (nobjects + 2 > MAX_DEVICE_OBJECTS)
		return -E_FULL;
	struct devmem *d = kmem_alloc(sizeof(*d));
	struct irq *q = line ? kmem_alloc(sizeof(*q)) : 0;
	if (!d || (line && !q)) {
		kmem_free(d, sizeof(*d));
		return -E_NOMEM;
	}
	kobj_init(&d->obj, OBJ_DEVMEM); /* the table's reference; never dropped */
	memcpy(d->name, name, strnlen(name, sizeof(d->name) - 1));
	d->base = PAGE_DOWN(base);
	d->size = PAGE_UP(base + size) - d->base;
	objects[nobjects++] = &d->obj;
	if (q) {
		kobj_init(&q->obj, OBJ_IRQ);
		memcpy(q->name, d->name, sizeof(q->name));
		q->line = line;
		objects[nobjects++] = &q->obj;
	}
	return 0;
}

int device_count(void)
{
	return nobjects;
}

struct kobj *device_object(int i)
{
	return i >= 0 && i < nobjects ? objects[i] : 0;
}

static struct irq *irq_of_line(uint32_t line)
{
	for (int i = 0; i < nobjects; i++)
		if (objects[i]->type == OBJ_IRQ &&
		    container_of(objects[i], struct irq, obj)->line == line)
			return container_of(objects[i], struct irq, obj);
	return 0;
}

void device_interrupt(uint32_t line)
{
	struct irq *q = irq_of_line(line);
	if (!q || !q->note) {
		/* Nobody listens: leave it claimed (masked) rather than loop. */
		klog("irq %u: no driver bound; line stays masked\n", line);
		return;
	}
	q->pending = true;
	notify_deliver(q->note, q->bits);
}

int64_t sys_dev_info(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_NONE, R_READ, &h);
	if (err)
		return err;
	struct dev_info info = { 0 };
	if (h->obj->type == OBJ_DEVMEM) {
		struct devmem *d = container_of(h->obj, struct devmem, obj);
		info.base = d->base;
		info.size = d->size;
		memcpy(info.name, d->name, sizeof(info.name));
	} else if (h->obj->type == OBJ_IRQ) {
		struct irq *q = container_of(h->obj, struct irq, obj);
		info.irq = q->line;
		memcpy(info.name, q->name, sizeof(info.name));
	} else {
		return -E_BADH;
	}
	return copy_to_user(t->task, a[1], &info, sizeof(info));
}

int64_t sys_dev_map(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	struct task *k = t->task;
	uaddr_t va = a[1];
	int err = handle_lookup(k->handles, (int64_t)a[0], OBJ_DEVMEM, R_MAP, &h);
	if (err)
		return err;
	struct devmem *d = container_of(h->obj, struct devmem, obj);
	if (va & PAGE_MASK)
		return -E_INVAL;
	if (va < USER_LO || va >= USER_HI || d->size > USER_HI - va)
		return -E_RANGE;
	if (vm_range_mapped(k, va, d->size) || vm_region_overlaps(k, va, d->size))
		return -E_BUSY;
	/* Page tables first (creating them is harmless), so the mapping
	 * itself cannot fail halfway. */
	for (uint64_t off = 0; off < d->size; off += PAGE_SIZE)
		if (!sv39_walk(k->pt_root, va + off, true))
			return -E_NOMEM;
	/* Device pages are not RAM frames: the task's frame accounting and
	 * teardown leave them alone (pmm_owns is false for them). */
	for (uint64_t off = 0; off < d->size; off += PAGE_SIZE)
		pmap_enter(sv39_walk(k->pt_root, va + off, false), d->base + off,
			   PTE_R | PTE_W | PTE_A | PTE_D);
	return 0;
}

int64_t sys_irq_bind(struct thread *t, const uint64_t *a)
{
	struct handle *hq, *hn;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_IRQ, R_CONTROL, &hq);
	if (!err)
		err = handle_lookup(t->task->handles, (int64_t)a[1], OBJ_NOTIFY, R_SEND, &hn);
	if (!err && a[2] == 0)
		err = -E_INVAL;
	if (err)
		return err;
	struct irq *q = container_of(hq->obj, struct irq, obj);
	struct notify *n = container_of(hn->obj, struct notify, obj);
	kobj_get(&n->obj);
	if (q->note)
		kobj_put(&q->note->obj);
	q->note = n;
	q->bits = a[2];
	arch_irq_enable(q->line);
	return 0;
}

int64_t sys_irq_ack(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_IRQ, R_CONTROL, &h);
	if (err)
		return err;
	struct irq *q = container_of(h->obj, struct irq, obj);
	if (q->pending) {
		q->pending = false;
		arch_irq_complete(q->line);
	}
	return 0;
}

/* The console server's output, through the kernel so that kernel log
 * lines fall between its lines, never inside (the kernel runs one call
 * at a time: the bytes go out in one piece). Only the holder of the
 * UART's registers may write, the bytes copied in whole before any goes
 * out, so a bad buffer writes nothing. */
int64_t sys_console_write(struct thread *t, const uint64_t *a)
{
	static char buf[CONSOLE_WRITE_MAX]; /* one hart, no preemption in the kernel */
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_DEVMEM, R_MAP, &h);
	if (err)
		return err;
	struct devmem *d = container_of(h->obj, struct devmem, obj);
	if (strcmp(d->name, "uart") != 0)
		return -E_INVAL;
	uint64_t len = a[2];
	if (len > CONSOLE_WRITE_MAX)
		return -E_INVAL;
	err = copy_from_user(t->task, buf, a[1], len);
	if (err)
		return err;
	arch_console_write_raw(buf, len);
	return (int64_t)len;
}
