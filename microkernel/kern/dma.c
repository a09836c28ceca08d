/* DMA pins for user-space drivers; see kern/dma.h and uapi/dma.h. */
#include "kern/dma.h"

#include "arch/riscv/memlayout.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/module_object.h"
#include "kern/pmm.h"
#include "kern/task.h"
#include "kern/usercopy.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_object.h"
#include "uapi/dma.h"
#include "uapi/errors.h"
#include "arch/riscv/trapframe.h"

struct kobj dma_obj = { OBJ_DMA, 1 }; /* static: never destroyed */

_Static_assert(DMA_PIN_PER_PAGE * VPE_PIN_ONE == VPE_PIN_MASK, "the pin count's bits");

static size_t pin_size(uint64_t n)
{
	return sizeof(struct dma_pin) + n * sizeof(paddr_t);
}

uint32_t dma_pin_count(struct vm_object *o, uint64_t page)
{
	uint64_t e = vmo_lookup(o, page);
	return e & VPE_PRESENT ? (uint32_t)((e & VPE_PIN_MASK) / VPE_PIN_ONE) : 0;
}

/* Gives back what a pin holds: the pin counts, the frames, the object. */
/* A frame the device filled (DMA_DEVICE_FILLS): into the object if the
 * transfer succeeded and nobody made the page meanwhile, else freed. */
static void unfilled_done(struct dma_pin *p, uint64_t i)
{
	uint64_t *s = vmo_slot(p->vmo, p->first + i, false); /* made at pin time */
	if (p->filled && s && !(*s & VPE_PRESENT)) {
		*s = (*s & VPE_PAGED) | p->frames[i] | VPE_PRESENT | VPE_DIRTY;
		p->vmo->resident++;
		p->vmo->minor++;
		return; /* the object has the pin's reference now */
	}
	pmm_unref(p->frames[i]);
}

static void pin_destroy(struct kobj *k)
{
	struct dma_pin *p = container_of(k, struct dma_pin, obj);
	for (uint64_t i = 0; i < p->n; i++) {
		if ((p->unfilled >> i) & 1) {
			unfilled_done(p, i);
			continue;
		}
		uint64_t *s = vmo_slot(p->vmo, p->first + i, false);
		KASSERT(s && (*s & VPE_PRESENT) && PAGE_DOWN(*s) == p->frames[i]);
		KASSERT(*s & VPE_PIN_MASK);
		*s -= VPE_PIN_ONE;
		if (p->device_writes)
			*s |= VPE_DIRTY;
		pmm_unref(p->frames[i]);
	}
	struct task *payer = p->payer;
	size_t size = pin_size(p->n);
	kobj_put(&p->vmo->obj);
	kmem_free(p, size);
	task_kmem_uncharge(payer, size);
	kobj_put(&payer->obj);
}

void dma_init(void)
{
	kobj_register(OBJ_PIN, pin_destroy);
}

struct pin_args {
	struct vm_object *o;
	uint64_t first, n;
	bool writes, fills;
	uaddr_t out;
};

/* Step 1: every argument, the caller's rights and the output array. */
static int pin_check(struct thread *t, const uint64_t *a, struct pin_args *pa)
{
	struct task *k = t->task;
	struct handle *hd, *hv;
	uint32_t flags = (uint32_t)a[4];
	pa->writes = flags & DMA_DEVICE_WRITES;
	pa->fills = flags & DMA_DEVICE_FILLS;
	int err = handle_lookup(k->handles, (int64_t)a[0], OBJ_DMA, R_CONTROL, &hd);
	if (!err)
		err = handle_lookup(k->handles, (int64_t)a[1], OBJ_VMO,
				    R_READ | (pa->writes ? R_MAP : 0), &hv);
	if (err)
		return err;
	pa->o = container_of(hv->obj, struct vm_object, obj);
	if (pa->writes && !module_object_writable(pa->o))
		return -E_PERM; /* a boot module's pages are read-only, to devices too */
	pa->n = a[3];
	pa->out = a[5];
	if ((a[2] & PAGE_MASK) || pa->n == 0 || pa->n > DMA_PIN_MAX ||
	    (flags & ~(DMA_DEVICE_WRITES | DMA_DEVICE_FILLS)) || (pa->fills && !pa->writes))
		return -E_INVAL;
	pa->first = a[2] >> PAGE_SHIFT;
	if (pa->first >= pa->o->npages || pa->n > pa->o->npages - pa->first)
		return -E_RANGE;
	if (!pa->out)
		return pa->n <= DMA_PIN_REGS ? 0 : -E_INVAL;
	return user_check(k, pa->out, pa->n * sizeof(uint64_t), true);
}

/* Whether the kernel may make a missing page of o (cache entry e) itself,
 * as zeros: an object with no pager, or an anonymous one (the default
 * pager's) with nothing below whose page was never paged out (its
 * existence map, as vm_fault reads it). */
static bool kernel_fills(const struct vm_object *o, uint64_t e)
{
	return !o->pager || (o->anon && !o->backing && !(e & VPE_PAGED));
}

/* Step 2: each page resident, or fillable now (kernel zero-fill object),
 * and able to take one more pin. Frames for missing pages are taken
 * here, into fresh[] (0: the page is resident); on failure they go back
 * and nothing has changed but leaves allocated in the object. */
static int pin_prepare(struct task *k, const struct pin_args *pa, paddr_t *fresh)
{
	int err = 0;
	uint64_t i;
	for (i = 0; i < pa->n && !err; i++) {
		uint64_t *s = vmo_slot(pa->o, pa->first + i, true);
		fresh[i] = 0;
		if (!s)
			err = -E_NOMEM;
		else if ((*s & VPE_PRESENT) && (*s & VPE_PIN_MASK) == VPE_PIN_MASK)
			err = -E_BUSY;
		else if ((*s & VPE_PRESENT) && pa->writes && (*s & VPE_NOWRITE))
			err = -E_BUSY; /* the pager write-protected it */
		else if (!(*s & VPE_PRESENT) && !kernel_fills(pa->o, *s))
			err = -E_AGAIN; /* only the pager (or the object below) can bring it in */
		else if (!(*s & VPE_PRESENT) &&
			 !(fresh[i] = pa->fills ? vm_frame_raw_for(k) : vm_frame_for(k)))
			err = -E_NOMEM;
	}
	if (err)
		while (i-- > 0)
			if (fresh[i])
				pmm_unref(fresh[i]);
	return err;
}

/* Step 3, which cannot fail: fill, pin, reference. */
static void pin_commit(struct dma_pin *p, const struct pin_args *pa, paddr_t *fresh,
		       uint64_t *addrs)
{
	for (uint64_t i = 0; i < pa->n; i++) {
		uint64_t *s = vmo_slot(pa->o, pa->first + i, false);
		if (fresh[i] && pa->fills) { /* the pin's alone until the unpin */
			p->unfilled |= 1ull << i;
			p->frames[i] = fresh[i]; /* its reference is the pin's */
			addrs[i] = fresh[i];
			continue;
		}
		if (fresh[i]) {
			*s = fresh[i] | VPE_PRESENT;
			pa->o->resident++;
			pa->o->minor++;
		}
		*s += VPE_PIN_ONE;
		p->frames[i] = PAGE_DOWN(*s);
		pmm_ref(p->frames[i]);
		addrs[i] = p->frames[i];
	}
}

/* Undoes steps 1 and 2 when the handle table is full. */
static void pin_abort(struct dma_pin *p, const struct pin_args *pa, const paddr_t *fresh,
		      size_t size, struct task *k)
{
	for (uint64_t i = 0; i < pa->n; i++)
		if (fresh[i])
			pmm_unref(fresh[i]);
	kmem_free(p, size);
	task_kmem_uncharge(k, size);
}

int64_t sys_dma_pin(struct thread *t, const uint64_t *a)
{
	struct task *k = t->task;
	struct pin_args pa;
	int err = pin_check(t, a, &pa);
	if (err)
		return err;
	size_t size = pin_size(pa.n);
	if (task_kmem_charge(k, size))
		return -E_NOMEM;
	struct dma_pin *p = kmem_alloc(size);
	paddr_t fresh[DMA_PIN_MAX];
	err = p ? pin_prepare(k, &pa, fresh) : -E_NOMEM;
	if (err) {
		if (p)
			kmem_free(p, size);
		task_kmem_uncharge(k, size);
		return err;
	}
	/* The handle first: the last step that can fail. The pin is not
	 * reachable through it before the commit below (one hart, no
	 * kernel preemption: nothing runs in between). */
	kobj_init(&p->obj, OBJ_PIN);
	int h = handle_install(k->handles, &p->obj, R_READ, 0);
	if (h < 0) {
		pin_abort(p, &pa, fresh, size, k);
		return h;
	}
	kobj_put(&p->obj); /* the handle holds it now */
	p->vmo = pa.o;
	kobj_get(&pa.o->obj);
	p->payer = k;
	kobj_get(&k->obj);
	k->is_pager = true; /* a driver: it may use the reserve, its memory is not paged */
	p->first = pa.first;
	p->n = pa.n;
	p->device_writes = pa.writes;
	p->filled = false;
	p->unfilled = 0;
	_Static_assert(DMA_PIN_MAX <= 64, "one bit a page");
	uint64_t addrs[DMA_PIN_MAX];
	pin_commit(p, &pa, fresh, addrs);
	if (!pa.out) {
		for (uint64_t i = 0; i < pa.n; i++)
			t->tf.x[REG_A0 + 1 + i] = addrs[i];
		return h;
	}
	err = copy_to_user(k, pa.out, addrs, pa.n * sizeof(uint64_t));
	KASSERT(err == 0); /* checked, and nothing since could unmap it */
	return h;
}

int64_t sys_dma_unpin(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_PIN, 0, &h);
	if (err)
		return err;
	if (a[1] > 1)
		return -E_INVAL;
	container_of(h->obj, struct dma_pin, obj)->filled = a[1] == 1;
	return handle_close(t->task->handles, (int64_t)a[0]);
}
