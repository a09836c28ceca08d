/*
 * Synchronous IPC on endpoints, and notifications.
 *
 * A call, step by step:
 *   1. The caller traps with SYS_CALL. If a receiver waits on the
 *      endpoint, the message moves straight into the receiver's saved
 *      registers (and IPC buffer); otherwise the caller queues on the
 *      endpoint's send queue with its message still in its own registers.
 *   2. The receiver gets the message and a one-shot reply right: its
 *      reply_to names the caller, the caller's reply_server names it.
 *   3. The receiver's reply (or reply_recv) moves the answer into the
 *      caller's registers, clears both links and wakes the caller.
 * Either side dying, a timeout or the endpoint's destruction breaks the
 * links and wakes whoever waits with a distinct error (uapi/ipc.h).
 *
 * The fast path in arch/riscv/entry.S handles steps 1-3 for register-only
 * call and reply_recv when the partner is already waiting: it switches
 * threads directly, or leaves the call to the slow path here, which is
 * the reference and gives the same results.
 *
 * Everything here runs alone on the one hart (no kernel preemption); with
 * more harts, under the big lock the trap entry will take (kern/cpu.h).
 */
#ifndef KERN_IPC_H
#define KERN_IPC_H

#include "kern/task.h"
#include "kern/thread.h"

#define IPC_REG_WORDS_K 4 /* = IPC_REG_WORDS (uapi/ipc.h) */

enum ipc_state {
	IPC_NONE = 0,
	IPC_CALL_WAIT,  /* queued by call on an endpoint's send queue */
	IPC_REPLY_WAIT, /* delivered; waiting for the reply */
	IPC_RECV_WAIT,  /* waiting on an endpoint's receive queue */
};

/*
 * A message the kernel itself sends (a pager's FAULT, RETURN, RELEASE or
 * TERMINATE). It waits on the endpoint ahead of thread senders until a
 * receiver takes it; `delivered` then runs (it may free the message).
 */
struct ipc_kmsg {
	struct list link; /* in endpoint->kmsgs while queued */
	uint64_t tag, w[IPC_REG_WORDS_K], badge;
	void (*delivered)(struct ipc_kmsg *m);
};

struct endpoint {
	struct kobj obj;
	uint64_t id;
	struct list kmsgs;       /* kernel messages, in posting order */
	struct list objects;     /* memory objects it pages (vm_object.pager_link) */
	struct list fallbacks;   /* memory objects it is the fallback of */
	struct waitq sendq;      /* callers, in arrival order */
	struct waitq recvq;      /* receivers, in arrival order */
	struct task *owner;      /* creator; NULL once it died */
	struct task *payer;      /* creator, charged for it (with a ref) */
	struct list owner_link;  /* in owner->endpoints */
	int32_t dead;            /* 0, or the error every operation now returns */
	uaddr_t return_base;     /* where PAGER_RETURN frames land in the owner */
	uint64_t return_pages;   /* (uapi/mm.h); 0: nowhere */
	uint64_t return_next;    /* where the search for a free page starts */
	bool return_runs;        /* one PAGER_RETURN may carry a run of pages */
};

struct notify {
	struct kobj obj;
	struct task *payer; /* creator, charged for it (with a ref) */
	uint64_t bits;
	struct waitq waiters;
	/* Its idle doorbell (SYS_NOTIFY_IDLE), if idle_word: a word in a
	 * wired page of a task's (the frame held by a ref); when the hart goes
	 * idle with it nonzero, it is cleared and idle_bits delivered. */
	uint64_t *idle_word;
	paddr_t idle_frame;
	uint64_t idle_bits;
	struct list idle_link; /* in the list of doorbells */
};

/* System calls: a = the caller's a0..a5 (see kern/syscall.h). */
void ipc_init(void);
int64_t ipc_endpoint_create(struct thread *t, const uint64_t *a);
int64_t ipc_notify_create(struct thread *t, const uint64_t *a);
int64_t ipc_call(struct thread *t, const uint64_t *a);
int64_t ipc_send(struct thread *t, const uint64_t *a);
int64_t ipc_recv(struct thread *t, const uint64_t *a);
int64_t ipc_reply(struct thread *t, const uint64_t *a);
int64_t ipc_reply_recv(struct thread *t, const uint64_t *a);
int64_t ipc_notify_signal(struct thread *t, const uint64_t *a);
int64_t ipc_notify_wait(struct thread *t, const uint64_t *a);
int64_t ipc_notify_idle(struct thread *t, const uint64_t *a);
int64_t ipc_set_buffer(struct thread *t, const uint64_t *a);
int64_t ipc_destroy(struct thread *t, const uint64_t *a);

/* Ors bits into a notification and wakes a waiter (interrupts use it). */
void notify_deliver(struct notify *n, uint64_t bits);
/* The hart is about to idle: rings every armed doorbell (clears its word,
 * delivers its bits). True if one rang (a thread may be ready now). */
bool notify_idle_ring(void);

/* Sends a kernel message: straight into a waiting receiver (with
 * run_now it runs at once if the scheduler allows), else queued for the
 * next receive. */
void ipc_kmsg_post(struct endpoint *ep, struct ipc_kmsg *m, bool run_now);
/* Takes a queued kernel message back (no-op if already delivered). */
void ipc_kmsg_cancel(struct ipc_kmsg *m);

/* Who is told when an endpoint dies (its owner died, or it was destroyed),
 * after its waiters were woken: the VM, for the objects it pages
 * (vm_pager_died). One hook, set at boot. */
void ipc_on_endpoint_death(void (*fn)(struct endpoint *ep));

/* A blocked thread's wait ended early (timeout, kill): undo its links. */
void ipc_abort(struct thread *t);
/* A thread is dying: a caller waiting for its reply gets E_DEAD. */
void ipc_thread_stop(struct thread *t);
/* A task is dying: the endpoints it created die with it (E_DEAD). */
void ipc_task_exit(struct task *k);

#endif
