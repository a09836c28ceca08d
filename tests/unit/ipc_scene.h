/*
 * The scene of the host IPC tests (test_ipc.c): a server task owning an
 * endpoint, a client task holding a badged handle on it, and helpers
 * that make system calls from a thread and read what the kernel left in
 * another thread's registers. Built on vm_scene.h (arch stubs, fake RAM,
 * run(), the leak-checking teardown).
 *
 * A system call is its handler called on the thread whose saved a0..a6
 * hold the arguments, after run() made that thread the running one; what
 * the kernel answers another thread is read from that thread's saved
 * registers (a0 status, a1 tag, a2..a5 words, a6 badge).
 */
#ifndef TESTS_UNIT_IPC_SCENE_H
#define TESTS_UNIT_IPC_SCENE_H

#include "tests/unit/vm_scene.h"


#define REG(t, i) ((t)->tf.x[REG_A0 + (i)])
#define JUNK 0x6a756e6b00000000ull /* what a receiver's registers held before */
#define CBADGE 42                  /* badge of the client's endpoint handle */
#define BUFVA 0x2000000000ul       /* each task's IPC buffer */
#define MS 1000000ull              /* a timeout of 1 ms, in ns */
#define MS_TICKS 10000ull          /* the same in timebase ticks */

/* Server task S owns endpoint e (handle ep, every right); client task C
 * holds cep on it (R_SEND | R_GRANT, badge CBADGE). */
struct ipc_scene {
	struct task *stask, *ctask;
	struct thread *srv, *cli;
	int ep, cep;
	struct endpoint *e;
};

static inline int new_endpoint(struct thread *t)
{
	run(t);
	int64_t h = ipc_endpoint_create(t, NULL);
	assert_true(h >= 0);
	return (int)h;
}

static inline void ipc_scene_new(struct ipc_scene *s)
{
	s->stask = new_task("server");
	s->srv = new_thread(s->stask);
	s->ep = new_endpoint(s->srv);
	s->e = endpoint_of(s->stask, s->ep);
	s->ctask = new_task("client");
	s->cli = new_thread(s->ctask);
	s->cep = handle_install(s->ctask->handles, &s->e->obj, R_SEND | R_GRANT, CBADGE);
	assert_true(s->cep >= 0);
}

/* --- system calls from the test's threads ------------------------------------ */

/* Loads a0 = h, a1 = tag, a2..a5 = base.., a6 into t's registers. */
static inline void load(struct thread *t, int64_t h, uint64_t tag, uint64_t base, uint64_t a6)
{
	REG(t, 0) = (uint64_t)h;
	REG(t, 1) = tag;
	for (int i = 0; i < 4; i++)
		REG(t, 2 + i) = base + i;
	REG(t, 6) = a6;
}

static inline int64_t sys(sys_fn fn, struct thread *t, int64_t h, uint64_t tag, uint64_t base,
		   uint64_t a6)
{
	run(t);
	load(t, h, tag, base, a6);
	return fn(t, &REG(t, 0));
}

static inline int64_t call(struct thread *t, int64_t h, uint64_t tag, uint64_t base, uint64_t ns)
{
	return sys(ipc_call, t, h, tag, base, ns);
}

static inline int64_t send(struct thread *t, int64_t h, uint64_t tag, uint64_t base)
{
	return sys(ipc_send, t, h, tag, base, 0);
}

/* a1..a5 hold junk, so a receive that leaves them alone shows. */
static inline int64_t recv(struct thread *t, int64_t h, uint64_t ns)
{
	return sys(ipc_recv, t, h, JUNK, JUNK, ns);
}

static inline int64_t reply(struct thread *t, uint64_t tag, uint64_t base)
{
	return sys(ipc_reply, t, JUNK, tag, base, JUNK);
}

static inline int64_t destroy(struct thread *t, int h)
{
	return sys(ipc_destroy, t, h, 0, 0, 0);
}

static inline void expire_at(uint64_t ticks)
{
	now_ticks = ticks;
	thread_expire_timeouts(ticks);
}

/* --- what the kernel left ------------------------------------------------------- */

/* t's registers hold status 0 and the message (tag, words base.., badge). */
static inline void expect_msg(struct thread *t, uint64_t tag, uint64_t base, uint64_t badge)
{
	assert_int_equal(REG(t, 0), 0);
	assert_int_equal(REG(t, 1), tag);
	for (int i = 0; i < 4; i++)
		assert_int_equal(REG(t, 2 + i), base + i);
	assert_int_equal(REG(t, 6), badge);
}

/* t was woken with `status` in a0 and holds no IPC state. */
static inline void expect_woken(struct thread *t, int64_t status)
{
	assert_int_equal(t->state, TH_READY);
	assert_int_equal((int64_t)REG(t, 0), status);
	assert_int_equal(t->ipc_state, IPC_NONE);
	assert_null(t->wq);
	assert_null(t->reply_server);
	assert_false(thread_has_deadline(t));
}

static inline void expect_blocked(struct thread *t, struct waitq *q, enum ipc_state st)
{
	assert_int_equal(t->state, TH_BLOCKED);
	assert_ptr_equal(t->wq, q);
	assert_int_equal(t->ipc_state, st);
}

/* srv holds cli's reply right; cli waits for the answer. */
static inline void expect_reply_link(struct thread *srv, struct thread *cli)
{
	expect_blocked(cli, NULL, IPC_REPLY_WAIT);
	assert_ptr_equal(srv->reply_to, cli);
	assert_ptr_equal(cli->reply_server, srv);
}

struct regs {
	uint64_t r[7];
};

static inline struct regs regs_of(struct thread *t)
{
	struct regs g;
	memcpy(g.r, &REG(t, 0), sizeof(g.r));
	return g;
}

static inline void expect_regs(struct thread *t, struct regs want)
{
	for (int i = 0; i < 7; i++)
		assert_int_equal(REG(t, i), want.r[i]);
}

/* --- IPC buffers ------------------------------------------------------------------ */

/* Gives t a wired IPC buffer at BUFVA in its task, filled with junk. */
static inline struct ipc_buffer *give_buffer(struct thread *t)
{
	assert_int_equal(vm_wire(t->task, BUFVA, PG, VM_R | VM_W), 0);
	struct ipc_buffer *b = pa_to_kva(frame_at(t->task, BUFVA));
	memset(b, 0x6a, sizeof(*b));
	assert_int_equal(sys(ipc_set_buffer, t, (int64_t)BUFVA, 0, 0, 0), 0);
	assert_int_equal(t->ipc_buffer, BUFVA);
	return b;
}

static inline void fill_words(struct ipc_buffer *b, uint32_t n, uint64_t base)
{
	for (uint32_t i = IPC_REG_WORDS; i < n; i++)
		b->mr[i] = base + i;
}

static inline void expect_words(const struct ipc_buffer *b, uint32_t n, uint64_t base)
{
	for (uint32_t i = IPC_REG_WORDS; i < n; i++)
		assert_int_equal(b->mr[i], base + i);
}

#endif
