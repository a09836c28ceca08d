/* The shared pager loop; see pagers/common/pager.h. */
#include "pagers/common/pager.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"

#define PAGE 4096ul

struct pager_object *pager_object_new(struct pager *p, uint64_t size, long *err)
{
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++) {
		struct pager_object *o = &p->objects[i];
		if (o->vmo)
			continue;
		long h = vmo_create(size, p->ep, (uint64_t)i + 1);
		if (h < 0) {
			*err = h;
			return 0;
		}
		o->vmo = (int)h;
		o->size = size;
		o->data = 0;
		o->epoch = PAGER_EPOCH_FIRST;
		return o;
	}
	*err = -E_FULL;
	return 0;
}

void pager_object_drop(struct pager *p, struct pager_object *obj)
{
	if (p->ops->terminate)
		p->ops->terminate(p, obj);
	sys_handle_close(obj->vmo);
	*obj = (struct pager_object){ 0 };
}

void pager_undo_create(void *ctx, const struct ipc_request *req,
		       const struct ipc_response *resp)
{
	struct pager *p = ctx;
	for (int i = 0; i < PAGER_MAX_OBJECTS && resp->nhandles; i++)
		if (p->objects[i].vmo && p->objects[i].vmo == resp->handles[0])
			pager_object_drop(p, &p->objects[i]);
}

static struct pager_object *object_of(struct pager *p, uint64_t badge)
{
	if (badge == 0 || badge > PAGER_MAX_OBJECTS || !p->objects[badge - 1].vmo)
		return 0;
	return &p->objects[badge - 1];
}

/* Wires empty slots until `want` are ready. Slots still holding a frame
 * refuse the wiring (E_BUSY) and are skipped. */
static void pool_fill(struct pager *p, uint32_t want)
{
	for (uint32_t slot = 0; slot < p->pool_cap && p->pool_count < want; slot++) {
		if (p->pool_ready[slot])
			continue;
		/* E_BUSY: the slot kept its page (a supply that found the
		 * object page already there leaves it): still zero, usable. */
		long r = mem_wire(p->pool_base + slot * PAGE, PAGE, VM_R | VM_W);
		if (r == 0 || r == -E_BUSY) {
			p->pool_ready[slot] = 1;
			p->pool_free[p->pool_count++] = slot;
		}
	}
}

void pager_pool_refill(struct pager *p)
{
	pool_fill(p, p->pool_size);
}

/* A pool page for the next fault; with the pool empty, one is wired (and
 * so zeroed by the kernel) on the spot. */
static void *pool_take(struct pager *p)
{
	if (p->pool_count == 0)
		pool_fill(p, 1);
	if (p->pool_count == 0)
		return 0;
	uint32_t slot = p->pool_free[--p->pool_count];
	p->pool_ready[slot] = 0; /* its frame is about to leave */
	return (void *)(p->pool_base + slot * PAGE);
}

/* Answers a fault with a cluster of pages from offset on. Without a fill
 * operation the pages are zeros, which the kernel makes itself. */
static long fault_cluster(struct pager *p, struct pager_object *obj, uint64_t offset,
			  struct ipc_msg *m)
{
	uint64_t n = p->cluster;
	if (n > (obj->size - offset) / PAGE)
		n = (obj->size - offset) / PAGE;
	if (!p->ops->fill)
		return pager_supply_recv(obj->vmo, offset, 0, n, VM_R | VM_W | VM_X, obj->epoch,
					 p->ep, m);
	vm_unmap(p->stage_base, p->cluster * PAGE); /* pages a supply left behind */
	int err = (int)mem_wire(p->stage_base, n * PAGE, VM_R | VM_W);
	for (uint64_t i = 0; !err && p->ops->fill && i < n; i++)
		err = p->ops->fill(p, obj, offset + i * PAGE, (void *)(p->stage_base + i * PAGE));
	if (err) {
		p->failed++;
		pager_fail(obj->vmo, offset, 1, err, obj->epoch);
		return ipc_recv(p->ep, m, 0);
	}
	return pager_supply_recv(obj->vmo, offset, (void *)p->stage_base, n, VM_R | VM_W | VM_X,
				 obj->epoch, p->ep, m);
}

/* Handles one FAULT; returns the status of the receive that follows
 * (the next message is then in m). */
static long handle_fault(struct pager *p, struct ipc_msg *m)
{
	uint64_t offset = m->w[0];
	struct pager_object *obj = object_of(p, m->badge);
	p->faults++;
	if (!obj || offset >= obj->size)
		return ipc_recv(p->ep, m, 0); /* an object we no longer know */
	obj->epoch = PAGER_EPOCH(m->w[1]);
	if (PAGER_KIND(m->w[1]) == FAULT_UNLOCK) {
		/* A write to a page we supplied write-protected: allowed (a
		 * pager that tracks writes would note the page dirty here). */
		long r = pager_lock(obj->vmo, offset, 1, LOCK_UNLOCK, obj->epoch);
		if (r < 0)
			uprintf("%s: unlock failed: %s\n", p->name, err_name(r));
		return ipc_recv(p->ep, m, 0);
	}
	if (p->cluster > 1)
		return fault_cluster(p, obj, offset, m);
	/* Pool empty and nothing to fill in: let the kernel zero the page
	 * (the cold path; zeroing is then on the fault's critical path). */
	if (p->pool_count == 0 && !p->ops->fill)
		return pager_supply_recv(obj->vmo, offset, 0, 1, VM_R | VM_W | VM_X, obj->epoch,
					 p->ep, m);
	void *page = pool_take(p);
	int err = page ? (p->ops->fill ? p->ops->fill(p, obj, offset, page) : 0) : -E_NOMEM;
	if (err) {
		p->failed++;
		pager_fail(obj->vmo, offset, 1, err, obj->epoch);
		return ipc_recv(p->ep, m, 0);
	}
	/* Keep the pool from running dry: top it up while nobody waits,
	 * i.e. supply without receiving, refill, then receive. */
	if (p->pool_count < p->pool_low) {
		long r = pager_supply(obj->vmo, offset, page, 1, VM_R | VM_W | VM_X, obj->epoch);
		if (r < 0)
			uprintf("%s: supply failed: %s\n", p->name, err_name(r));
		pager_pool_refill(p);
		return ipc_recv(p->ep, m, 0);
	}
	return pager_supply_recv(obj->vmo, offset, page, 1, VM_R | VM_W | VM_X, obj->epoch, p->ep,
				 m);
}

/* The object is being rebound to another pager: hand back what we hold
 * for it (ops->release), then say so. The object is no longer ours. */
static long handle_release(struct pager *p, struct ipc_msg *m)
{
	struct pager_object *obj = object_of(p, m->badge);
	if (obj) {
		obj->epoch = (uint32_t)m->w[1];
		if (p->ops->release)
			p->ops->release(p, obj);
		long r = pager_ctl(obj->vmo, PAGER_CTL_RELEASED, 0, 0, 0, obj->epoch);
		if (r < 0)
			uprintf("%s: release failed: %s\n", p->name, err_name(r));
		if (p->ops->terminate)
			p->ops->terminate(p, obj);
		sys_handle_close(obj->vmo);
		obj->vmo = 0;
	}
	return ipc_recv(p->ep, m, 0);
}

static long handle_terminate(struct pager *p, struct ipc_msg *m)
{
	struct pager_object *obj = object_of(p, m->badge);
	if (obj) {
		if (p->ops->terminate)
			p->ops->terminate(p, obj);
		sys_handle_close(obj->vmo);
		obj->vmo = 0;
	}
	return ipc_recv(p->ep, m, 0);
}

/* A client request through the libipc table; answers and receives. */
static long handle_request(struct pager *p, struct ipc_msg *m)
{
	struct ipc_server *s = &p->server;
	struct ipc_request *req = &s->req;
	req->label = IPC_TAG_LABEL(m->tag);
	req->words = IPC_TAG_WORDS(m->tag);
	req->nhandles = IPC_TAG_HANDLES(m->tag);
	req->badge = m->badge;
	for (int i = 0; i < IPC_REG_WORDS; i++)
		req->w[i] = m->w[i];
	for (uint32_t i = 0; i < req->nhandles && i < IPC_MAX_HANDLES; i++)
		req->handles[i] = s->buf->handles[i];
	/* Long requests (a file server's paths) come through the buffer;
	 * longer than a message can be: refused by every handler's range. */
	if (req->words > IPC_MAX_WORDS)
		req->words = IPC_MAX_WORDS + 1;
	else
		for (uint32_t i = IPC_REG_WORDS; i < req->words; i++)
			req->w[i] = s->buf->mr[i];
	long status = ipc_dispatch(s, req, &s->resp);
	struct ipc_response *r = &s->resp;
	uint32_t words = r->words > IPC_MAX_WORDS ? IPC_MAX_WORDS : r->words;
	m->tag = IPC_TAG((uint32_t)-status, words, r->nhandles);
	for (int i = 0; i < IPC_REG_WORDS; i++)
		m->w[i] = r->w[i];
	for (uint32_t i = IPC_REG_WORDS; i < words; i++)
		s->buf->mr[i] = r->w[i];
	for (uint32_t i = 0; i < r->nhandles; i++) {
		s->buf->handles[i] = r->handles[i];
		s->buf->rights[i] = r->rights[i];
	}
	return ipc_server_answer(s, p->ep, m);
}

long pager_run(struct pager *p)
{
	long err = ipc_buffer_setup(p->server.buf);
	if (err)
		return err;
	pager_pool_refill(p);
	struct ipc_msg m;
	err = ipc_recv(p->ep, &m, 0);
	for (;;) {
		if (err == -E_DEAD || err == -E_CANCELED || err == -E_BADH)
			return err;
		if (err) {
			err = ipc_recv(p->ep, &m, 0);
			continue;
		}
		/* Only the kernel's own messages (IPC_TAG_KERNEL, which no
		 * task can send) speak for objects; anything else is a client
		 * request, checked by the handler table. */
		uint32_t label = IPC_TAG_LABEL(m.tag);
		bool kernel = m.tag & IPC_TAG_KERNEL;
		if (kernel && label == PAGER_FAULT)
			err = handle_fault(p, &m);
		else if (kernel && label == PAGER_TERMINATE)
			err = handle_terminate(p, &m);
		else if (kernel && label == PAGER_RELEASE)
			err = handle_release(p, &m);
		else
			err = handle_request(p, &m);
	}
}
