/*
 * IPC fast path: call and reply_recv with register-only messages when the
 * partner already waits. The message moves register to register and the
 * kernel switches straight to the partner: no scheduler pass, no queue
 * search, no buffer, no timeout heap work (cancelling is a store). Any
 * condition it does not handle returns NULL and the slow path (ipc.c)
 * runs instead, with the same result.
 *
 * Header-only and inline so that the trap code's fast entry compiles to
 * one leaf function with no calls (arch/riscv/trap.c).
 */
#ifndef KERN_IPC_FAST_H
#define KERN_IPC_FAST_H

#include "kern/cpu.h"
#include "kern/ipc.h"
#include "kern/sched.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"

#define A(t, i) ((t)->tf.x[REG_A0 + (i)])

/* A tag the fast path may carry: no buffer words, no handles, no flags
 * and no reserved bits; the label (upper half) is free. */
static inline bool fast_tag(uint64_t tag)
{
	return (uint32_t)tag <= IPC_REG_WORDS;
}

static inline struct endpoint *fast_ep(struct thread *t, uint32_t need, uint64_t *badge)
{
	uint64_t h = A(t, 0);
	if (h >= HANDLE_MAX)
		return 0;
	struct handle *s = &t->task->handles->slot[h];
	if (!s->obj || s->obj->type != OBJ_ENDPOINT || (s->rights & need) != need)
		return 0;
	struct endpoint *ep = container_of(s->obj, struct endpoint, obj);
	*badge = s->badge;
	return ep->dead ? 0 : ep;
}

/* Copies the four message words and finishes the switch to `to`. */
static inline struct thread *fast_switch(struct thread *from, struct thread *to,
					 uint64_t tag, uint64_t badge)
{
	A(to, 0) = 0;
	A(to, 1) = tag;
	A(to, 2) = A(from, 2);
	A(to, 3) = A(from, 3);
	A(to, 4) = A(from, 4);
	A(to, 5) = A(from, 5);
	A(to, 6) = badge;
	from->state = TH_BLOCKED;
	to->state = TH_RUNNING;
	sched_set_cur(this_cpu(), to);
	return to;
}

static inline struct thread *ipc_fast_call(struct thread *t)
{
	uint64_t tag = A(t, 1), badge;
	if (!fast_tag(tag) || A(t, 6) != 0)
		return 0;
	struct endpoint *ep = fast_ep(t, R_SEND, &badge);
	if (!ep || list_empty(&ep->recvq.head))
		return 0;
	struct thread *r = list_entry(ep->recvq.head.next, struct thread, qlink);
	if (r->prio < t->prio || r->reply_to)
		return 0;
	list_del(&r->qlink);
	r->wq = 0;
	timeout_cancel(&r->timeout);
	r->ipc_state = IPC_NONE;
	r->reply_to = t;
	t->reply_server = r;
	t->ipc_state = IPC_REPLY_WAIT;
	t->wq = 0;
	return fast_switch(t, r, tag, badge);
}

static inline struct thread *ipc_fast_reply_recv(struct thread *t)
{
	uint64_t tag = A(t, 1), badge;
	struct thread *c = t->reply_to;
	if (!c || !fast_tag(tag) || A(t, 6) != 0 || c->prio < t->prio)
		return 0;
	struct endpoint *ep = fast_ep(t, R_RECV, &badge);
	if (!ep || !list_empty(&ep->sendq.head) || !list_empty(&ep->kmsgs))
		return 0;
	timeout_cancel(&c->timeout);
	c->reply_server = 0;
	c->ipc_state = IPC_NONE;
	t->reply_to = 0;
	t->ipc_state = IPC_RECV_WAIT;
	t->wq = &ep->recvq;
	list_add_tail(&ep->recvq.head, &t->qlink);
	return fast_switch(t, c, tag, 0);
}

#undef A

#endif
