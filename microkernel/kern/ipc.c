/* Synchronous IPC and notifications: the slow path; see kern/ipc.h. */
#include "kern/ipc.h"

#include "kern/arch.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/syscall.h"
#include "kern/usercopy.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"
#include "kern/vm/vm_pager.h"

#define A(t, i) ((t)->tf.x[REG_A0 + (i)])

_Static_assert(IPC_REG_WORDS_K == IPC_REG_WORDS, "kernel message size");

static uint64_t next_endpoint_id = 1;
static void (*endpoint_died)(struct endpoint *ep); /* ipc_on_endpoint_death */

void ipc_on_endpoint_death(void (*fn)(struct endpoint *ep))
{
	endpoint_died = fn;
}

static void endpoint_destroy(struct kobj *o)
{
	struct endpoint *ep = container_of(o, struct endpoint, obj);
	/* Waiters hold no reference: another thread of their task may close
	 * the last handle under them. They end as if it were destroyed. */
	waitq_wake_all(&ep->sendq, -E_CANCELED);
	waitq_wake_all(&ep->recvq, -E_CANCELED);
	/* Objects and requests hold references: none can remain. */
	KASSERT(list_empty(&ep->objects) && list_empty(&ep->fallbacks));
	while (!list_empty(&ep->kmsgs)) {
		struct ipc_kmsg *m = list_entry(ep->kmsgs.next, struct ipc_kmsg, link);
		list_del(&m->link);
		if (m->delivered)
			m->delivered(m);
	}
	list_del(&ep->owner_link);
	struct task *payer = ep->payer;
	kmem_free(ep, sizeof(*ep));
	task_kmem_uncharge(payer, sizeof(*ep));
	kobj_put(&payer->obj);
}

static void idle_doorbell_off(struct notify *n);

static void notify_destroy(struct kobj *o)
{
	struct notify *n = container_of(o, struct notify, obj);
	idle_doorbell_off(n);
	waitq_wake_all(&n->waiters, -E_CANCELED); /* as in endpoint_destroy */
	struct task *payer = n->payer;
	kmem_free(n, sizeof(*n));
	task_kmem_uncharge(payer, sizeof(*n));
	kobj_put(&payer->obj);
}

void ipc_init(void)
{
	kobj_register(OBJ_ENDPOINT, endpoint_destroy);
	kobj_register(OBJ_NOTIFY, notify_destroy);
}

/* Installs a new object's handle; on failure the object is released. */
static int64_t install_new(struct thread *t, struct kobj *o, uint32_t rights)
{
	int h = handle_install(t->task->handles, o, rights, 0);
	kobj_put(o); /* the handle holds the only reference now */
	return h;
}

int64_t ipc_endpoint_create(struct thread *t, const uint64_t *a)
{
	if (handle_room(t->task->handles, 1))
		return -E_FULL;
	if (task_kmem_charge(t->task, sizeof(struct endpoint)))
		return -E_NOMEM;
	struct endpoint *ep = kmem_alloc(sizeof(*ep));
	if (!ep) {
		task_kmem_uncharge(t->task, sizeof(*ep));
		return -E_NOMEM;
	}
	kobj_init(&ep->obj, OBJ_ENDPOINT);
	ep->payer = t->task;
	kobj_get(&t->task->obj);
	ep->id = next_endpoint_id++;
	list_init(&ep->kmsgs);
	list_init(&ep->objects);
	list_init(&ep->fallbacks);
	waitq_init(&ep->sendq);
	waitq_init(&ep->recvq);
	ep->owner = t->task;
	list_add_tail(&t->task->endpoints, &ep->owner_link);
	return install_new(t, &ep->obj, R_SEND | R_RECV | R_GRANT | R_CONTROL);
}

int64_t ipc_notify_create(struct thread *t, const uint64_t *a)
{
	if (handle_room(t->task->handles, 1))
		return -E_FULL;
	if (task_kmem_charge(t->task, sizeof(struct notify)))
		return -E_NOMEM;
	struct notify *n = kmem_alloc(sizeof(*n));
	if (!n) {
		task_kmem_uncharge(t->task, sizeof(*n));
		return -E_NOMEM;
	}
	kobj_init(&n->obj, OBJ_NOTIFY);
	n->payer = t->task;
	kobj_get(&t->task->obj);
	waitq_init(&n->waiters);
	n->idle_word = 0;
	list_init(&n->idle_link);
	return install_new(t, &n->obj, R_SEND | R_RECV | R_GRANT | R_CONTROL);
}

static int lookup_ep(struct thread *t, uint32_t need, struct endpoint **ep,
		     uint64_t *badge)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)A(t, 0), OBJ_ENDPOINT, need, &h);
	if (err)
		return err;
	*ep = container_of(h->obj, struct endpoint, obj);
	if (badge)
		*badge = h->badge;
	return (*ep)->dead;
}

static int check_tag(uint64_t tag)
{
	if ((tag & ~IPC_TAG_VALID_MASK) || IPC_TAG_WORDS(tag) > IPC_MAX_WORDS ||
	    IPC_TAG_HANDLES(tag) > IPC_MAX_HANDLES)
		return -E_INVAL;
	return 0;
}

/* A timeout in ns (0: none) as a timebase deadline. */
static int deadline_of(uint64_t ns, uint64_t *deadline)
{
	if (ns == 0) {
		*deadline = TIMEOUT_NEVER;
		return 0;
	}
	if (ns > 3600ull * 1000000000ull)
		return -E_INVAL;
	*deadline = arch_time() + ns / 1000 * arch_timebase_hz() / 1000000 + 1;
	return 0;
}

#define BUF_MR(b) ((b) + offsetof(struct ipc_buffer, mr[IPC_REG_WORDS]))
#define BUF_HANDLES(b) ((b) + offsetof(struct ipc_buffer, handles))
#define BUF_RIGHTS(b) ((b) + offsetof(struct ipc_buffer, rights))

struct xfer {
	uint64_t words[IPC_MAX_WORDS - IPC_REG_WORDS];
	int32_t hs[IPC_MAX_HANDLES];
	uint32_t rights[IPC_MAX_HANDLES];
	struct handle *src[IPC_MAX_HANDLES];
};

/* Reads and checks the buffer part of s's message for delivery to r. */
static int xfer_prepare(struct thread *s, struct thread *r, uint64_t tag, struct xfer *x)
{
	uint32_t words = IPC_TAG_WORDS(tag), nh = IPC_TAG_HANDLES(tag);
	if (!s->ipc_buffer)
		return -E_INVAL; /* sender named buffer content without a buffer */
	if (!r->ipc_buffer || user_check_mapped(r->task, r->ipc_buffer, sizeof(struct ipc_buffer), true))
		return -E_RANGE; /* the receiver cannot take a long message */
	int err = 0;
	if (words > IPC_REG_WORDS)
		err = copy_from_user_mapped(s->task, x->words, BUF_MR(s->ipc_buffer),
				     (words - IPC_REG_WORDS) * sizeof(uint64_t));
	if (!err && nh)
		err = copy_from_user_mapped(s->task, x->hs, BUF_HANDLES(s->ipc_buffer), nh * sizeof(int32_t));
	if (!err && nh)
		err = copy_from_user_mapped(s->task, x->rights, BUF_RIGHTS(s->ipc_buffer),
				     nh * sizeof(uint32_t));
	for (uint32_t i = 0; !err && i < nh; i++)
		err = handle_lookup(s->task->handles, x->hs[i], OBJ_NONE, R_GRANT, &x->src[i]);
	if (!err && nh)
		err = handle_room(r->task->handles, nh);
	return err;
}

static void xfer_commit(struct thread *r, uint64_t tag, struct xfer *x)
{
	uint32_t words = IPC_TAG_WORDS(tag), nh = IPC_TAG_HANDLES(tag);
	if (words > IPC_REG_WORDS)
		copy_to_user_mapped(r->task, BUF_MR(r->ipc_buffer), x->words,
			     (words - IPC_REG_WORDS) * sizeof(uint64_t));
	for (uint32_t i = 0; i < nh; i++) {
		struct handle *h = x->src[i];
		x->hs[i] = handle_install(r->task->handles, h->obj, h->rights & x->rights[i],
					  h->badge);
	}
	if (nh)
		copy_to_user_mapped(r->task, BUF_HANDLES(r->ipc_buffer), x->hs, nh * sizeof(int32_t));
}

/*
 * Moves the message in s's registers (and buffer) into r's registers (and
 * buffer), with `badge` in a6. Everything is checked first; on error
 * nothing changed. Consumes nothing; wakes nobody.
 */
static int transfer(struct thread *s, struct thread *r, uint64_t badge)
{
	uint64_t tag = A(s, 1);
	int err = check_tag(tag);
	if (err)
		return err;
	if (IPC_TAG_WORDS(tag) > IPC_REG_WORDS || IPC_TAG_HANDLES(tag)) {
		struct xfer x;
		err = xfer_prepare(s, r, tag, &x);
		if (err)
			return err;
		xfer_commit(r, tag, &x);
	}
	A(r, 0) = 0;
	A(r, 1) = tag & ~IPC_TAG_FLAGS_MASK;
	for (int i = 2; i < 6; i++)
		A(r, i) = A(s, i);
	A(r, 6) = badge;
	return 0;
}

/* A receiver that takes a new call without answering the last one
 * loses that reply right; the old caller learns of it. */
static void drop_reply(struct thread *server)
{
	struct thread *c = server->reply_to;
	if (!c)
		return;
	server->reply_to = 0;
	c->reply_server = 0;
	c->ipc_state = IPC_NONE;
	thread_wake(c, -E_CANCELED);
}

static void link_reply(struct thread *server, struct thread *caller)
{
	drop_reply(server);
	server->reply_to = caller;
	caller->reply_server = server;
	caller->ipc_state = IPC_REPLY_WAIT;
}

/* Takes the first queued caller whose message can be delivered to r. */
static bool receive_queued(struct endpoint *ep, struct thread *r)
{
	while (!list_empty(&ep->sendq.head)) {
		struct thread *s = list_entry(ep->sendq.head.next, struct thread, qlink);
		int err = transfer(s, r, s->ipc_badge);
		if (err) {
			thread_wake(s, err);
			continue;
		}
		list_del(&s->qlink); /* s stays blocked (and keeps its deadline) */
		s->wq = 0;
		link_reply(r, s);
		return true;
	}
	return false;
}

/* Writes a kernel message into r's registers and runs its callback. */
static void kmsg_deliver(struct ipc_kmsg *m, struct thread *r)
{
	A(r, 0) = 0;
	A(r, 1) = m->tag;
	for (int i = 0; i < IPC_REG_WORDS; i++)
		A(r, 2 + i) = m->w[i];
	A(r, 6) = m->badge;
	if (m->delivered)
		m->delivered(m);
}

void ipc_kmsg_post(struct endpoint *ep, struct ipc_kmsg *m, bool run_now)
{
	list_init(&m->link);
	if (ep->dead || list_empty(&ep->recvq.head)) {
		list_add_tail(&ep->kmsgs, &m->link);
		return;
	}
	struct thread *r = list_entry(ep->recvq.head.next, struct thread, qlink);
	r->ipc_state = IPC_NONE;
	if (run_now)
		thread_wake_run(r, 0);
	else
		thread_wake(r, 0);
	kmsg_deliver(m, r);
}

void ipc_kmsg_cancel(struct ipc_kmsg *m)
{
	if (list_on_list(&m->link))
		list_del(&m->link);
}

/* The endpoint and deadline of a receive (a0, a6), checked. */
static int recv_args(struct thread *t, struct endpoint **ep, uint64_t *deadline)
{
	int err = lookup_ep(t, R_RECV, ep, 0);
	return err ? err : deadline_of(A(t, 6), deadline);
}

/* Receives on ep, already checked: kernel messages first, then queued
 * senders, else the thread waits. */
static int64_t recv_on(struct thread *t, struct endpoint *ep, uint64_t deadline)
{
	if (!list_empty(&ep->kmsgs)) {
		struct ipc_kmsg *m = list_entry(ep->kmsgs.next, struct ipc_kmsg, link);
		list_del(&m->link);
		kmsg_deliver(m, t);
		return 0;
	}
	if (receive_queued(ep, t))
		return 0;
	t->ipc_state = IPC_RECV_WAIT;
	thread_block(t, &ep->recvq, deadline);
	return SYS_BLOCKED;
}

int64_t ipc_recv(struct thread *t, const uint64_t *a)
{
	struct endpoint *ep;
	uint64_t deadline;
	int err = recv_args(t, &ep, &deadline);
	return err ? err : recv_on(t, ep, deadline);
}

/* Hands t's message to the first waiting receiver and wakes it. */
static int64_t deliver_to_receiver(struct thread *t, struct endpoint *ep, uint64_t badge,
				   struct thread **out)
{
	struct thread *r = list_entry(ep->recvq.head.next, struct thread, qlink);
	int err = transfer(t, r, badge);
	if (err)
		return err; /* the receiver keeps waiting */
	r->ipc_state = IPC_NONE;
	thread_wake(r, 0);
	*out = r;
	return 0;
}

int64_t ipc_call(struct thread *t, const uint64_t *a)
{
	struct endpoint *ep;
	uint64_t badge, deadline;
	int err = lookup_ep(t, R_SEND, &ep, &badge);
	if (!err)
		err = check_tag(A(t, 1));
	if (!err)
		err = deadline_of(A(t, 6), &deadline);
	if (err)
		return err;
	if (list_empty(&ep->recvq.head)) {
		t->ipc_badge = badge;
		t->ipc_state = IPC_CALL_WAIT;
		thread_block(t, &ep->sendq, deadline);
		return SYS_BLOCKED;
	}
	struct thread *r;
	err = deliver_to_receiver(t, ep, badge, &r);
	if (err)
		return err;
	link_reply(r, t);
	thread_block(t, 0, deadline);
	return SYS_BLOCKED;
}

int64_t ipc_send(struct thread *t, const uint64_t *a)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = lookup_ep(t, R_SEND, &ep, &badge);
	if (!err)
		err = check_tag(A(t, 1));
	if (err)
		return err;
	if (list_empty(&ep->recvq.head))
		return -E_AGAIN;
	struct thread *r;
	return deliver_to_receiver(t, ep, badge, &r);
}

int64_t ipc_reply(struct thread *t, const uint64_t *a)
{
	struct thread *c = t->reply_to;
	if (!c)
		return -E_NOENT; /* no reply right: never received, or already used */
	int err = transfer(t, c, 0);
	t->reply_to = 0;
	c->reply_server = 0;
	c->ipc_state = IPC_NONE;
	thread_wake(c, err);
	return err;
}

int64_t ipc_reply_recv(struct thread *t, const uint64_t *a)
{
	struct endpoint *ep;
	uint64_t deadline;
	int err = recv_args(t, &ep, &deadline); /* before replying: all or nothing */
	if (err)
		return err;
	if (t->reply_to)
		ipc_reply(t, a); /* a failed reply already told the caller */
	return recv_on(t, ep, deadline);
}

int64_t ipc_notify_signal(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)A(t, 0), OBJ_NOTIFY, R_SEND, &h);
	if (err)
		return err;
	notify_deliver(container_of(h->obj, struct notify, obj), A(t, 1));
	return 0;
}

void notify_deliver(struct notify *n, uint64_t bits)
{
	n->bits |= bits;
	if (n->bits && !list_empty(&n->waiters.head)) {
		struct thread *w = list_entry(n->waiters.head.next, struct thread, qlink);
		A(w, 1) = n->bits;
		n->bits = 0;
		thread_wake(w, 0);
	}
}

/* --- idle doorbells (SYS_NOTIFY_IDLE) ------------------------------------ */

static struct list idle_doorbells = LIST_INIT(idle_doorbells);

static void idle_doorbell_off(struct notify *n)
{
	if (!n->idle_word)
		return;
	list_del(&n->idle_link);
	pmm_unref(n->idle_frame);
	task_kmem_uncharge(n->payer, PAGE_SIZE);
	n->idle_word = 0;
}

int64_t ipc_notify_idle(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)A(t, 0), OBJ_NOTIFY, R_SEND, &h);
	if (err)
		return err;
	struct notify *n = container_of(h->obj, struct notify, obj);
	if (n->payer != t->task)
		return -E_PERM; /* the creator's own: it is charged for the frame */
	uaddr_t addr = A(t, 1);
	uint64_t bits = A(t, 2);
	pte_t *e = 0;
	if (addr && ((addr & 7) || !bits || !(e = vm_own_frame(t->task, PAGE_DOWN(addr))))) {
		if (task_may_log(t->task))
			klog("ipc: task %u (%s): no idle doorbell at %lx: %s\n", t->task->id,
			     t->task->name, (unsigned long)addr,
			     bits ? "not a word of a wired page of its own" : "no bits");
		return -E_INVAL;
	}
	idle_doorbell_off(n);
	if (!addr)
		return 0;
	/* The frame is held (the word stays readable whatever the task does
	 * with the page), so it is charged as the task's kernel memory. */
	if (task_kmem_charge(t->task, PAGE_SIZE))
		return -E_NOMEM;
	n->idle_frame = pte_pa(*e);
	pmm_ref(n->idle_frame);
	n->idle_word = (uint64_t *)((char *)pa_to_kva(n->idle_frame) + (addr & PAGE_MASK));
	n->idle_bits = bits;
	list_add_tail(&idle_doorbells, &n->idle_link);
	return 0;
}

bool notify_idle_ring(void)
{
	bool rang = false;
	list_for_each(pos, &idle_doorbells) {
		struct notify *n = list_entry(pos, struct notify, idle_link);
		if (__atomic_exchange_n(n->idle_word, 0, __ATOMIC_ACQ_REL)) {
			notify_deliver(n, n->idle_bits);
			rang = true;
		}
	}
	return rang;
}

int64_t ipc_notify_wait(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	uint64_t deadline;
	int err = handle_lookup(t->task->handles, (int64_t)A(t, 0), OBJ_NOTIFY, R_RECV, &h);
	if (!err)
		err = deadline_of(A(t, 1), &deadline);
	if (err)
		return err;
	struct notify *n = container_of(h->obj, struct notify, obj);
	if (n->bits) {
		A(t, 1) = n->bits;
		n->bits = 0;
		return 0;
	}
	A(t, 1) = 0;
	thread_block(t, &n->waiters, deadline);
	return SYS_BLOCKED;
}

int64_t ipc_set_buffer(struct thread *t, const uint64_t *a)
{
	uint64_t va = A(t, 0);
	if (va && (va & 7))
		return -E_INVAL;
	if (va) {
		int err = user_check(t->task, va, sizeof(struct ipc_buffer), true);
		if (err)
			return err;
	}
	t->ipc_buffer = va;
	return 0;
}

static void kill_endpoint(struct endpoint *ep, int err)
{
	ep->dead = err;
	waitq_wake_all(&ep->sendq, err);
	waitq_wake_all(&ep->recvq, err);
	list_del(&ep->owner_link);
	ep->owner = 0;
	/* Its objects may hold the last references: keep ep until done. */
	kobj_get(&ep->obj);
	if (endpoint_died)
		endpoint_died(ep); /* the VM: its objects fail over or fail */
	kobj_put(&ep->obj);
}

int64_t ipc_destroy(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)A(t, 0), OBJ_ENDPOINT, R_CONTROL, &h);
	if (err)
		return err;
	struct endpoint *ep = container_of(h->obj, struct endpoint, obj);
	if (!ep->dead)
		kill_endpoint(ep, -E_CANCELED);
	return 0;
}

void ipc_abort(struct thread *t)
{
	if (t->ipc_state == IPC_REPLY_WAIT && t->reply_server) {
		t->reply_server->reply_to = 0;
		t->reply_server = 0;
	}
	t->ipc_state = IPC_NONE;
}

void ipc_thread_stop(struct thread *t)
{
	struct thread *c = t->reply_to;
	if (c) {
		t->reply_to = 0;
		c->reply_server = 0;
		c->ipc_state = IPC_NONE;
		thread_wake(c, -E_DEAD);
	}
}

void ipc_task_exit(struct task *k)
{
	while (!list_empty(&k->endpoints))
		kill_endpoint(list_entry(k->endpoints.next, struct endpoint, owner_link),
			      -E_DEAD);
}
