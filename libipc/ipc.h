/*
 * IPC system call stubs (see uapi/ipc.h for the register protocol).
 *
 * A message is struct ipc_msg: a tag and the four register words; longer
 * messages and handles use the calling thread's IPC buffer, which
 * ipc_buffer_setup registers.
 */
#ifndef LIBIPC_IPC_H
#define LIBIPC_IPC_H

#include <stdint.h>

#include "libipc/sys.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"
#include "uapi/syscall.h"

struct ipc_msg {
	uint64_t tag;
	uint64_t w[IPC_REG_WORDS];
	uint64_t badge; /* set by recv */
};

/* The ecall with seven words in a0..a6 and out again: a0 is returned,
 * a1..a6 land in m as a received message. */
static inline long ipc_trap7(long nr, long h, uint64_t i1, uint64_t i2, uint64_t i3,
			     uint64_t i4, uint64_t i5, uint64_t i6, struct ipc_msg *m)
{
	uint64_t r[7] = { (uint64_t)h, i1, i2, i3, i4, i5, i6 };
	sys_ecall(nr, r);
	m->tag = r[1];
	m->w[0] = r[2];
	m->w[1] = r[3];
	m->w[2] = r[4];
	m->w[3] = r[5];
	m->badge = r[6];
	return (long)r[0];
}

/* The ecall with a message in and out; returns a0. */
static inline long ipc_trap(long nr, long h, struct ipc_msg *m, uint64_t timeout)
{
	return ipc_trap7(nr, h, m->tag, m->w[0], m->w[1], m->w[2], m->w[3], timeout, m);
}

/* Sends m and waits for the reply, which replaces m. timeout_ns 0: none. */
static inline long ipc_call(int ep, struct ipc_msg *m, uint64_t timeout_ns)
{
	return ipc_trap(SYS_CALL, ep, m, timeout_ns);
}

/* Delivers m to a waiting receiver; E_AGAIN if none waits. */
static inline long ipc_send(int ep, const struct ipc_msg *m)
{
	struct ipc_msg c = *m;
	return ipc_trap(SYS_SEND, ep, &c, 0);
}

static inline long ipc_recv(int ep, struct ipc_msg *m, uint64_t timeout_ns)
{
	*m = (struct ipc_msg){ 0 };
	return ipc_trap(SYS_RECV, ep, m, timeout_ns);
}

static inline long ipc_reply(const struct ipc_msg *m)
{
	struct ipc_msg c = *m;
	return ipc_trap(SYS_REPLY, 0, &c, 0);
}

/* Replies with m, then waits on ep; the next message replaces m. */
static inline long ipc_reply_recv(int ep, struct ipc_msg *m, uint64_t timeout_ns)
{
	return ipc_trap(SYS_REPLY_RECV, ep, m, timeout_ns);
}

static inline long notify_signal(int h, uint64_t bits)
{
	struct ipc_msg m = { .tag = bits };
	return ipc_trap(SYS_NOTIFY_SIGNAL, h, &m, 0);
}

/* Ties notification h to the word at addr (uapi/ipc.h: an idle doorbell;
 * addr 0: none). */
static inline long notify_idle(int h, volatile uint64_t *addr, uint64_t bits)
{
	struct ipc_msg m = { .tag = (uint64_t)(uintptr_t)addr, .w = { bits } };
	return ipc_trap(SYS_NOTIFY_IDLE, h, &m, 0);
}

/* Waits for bits on a notification; *bits gets them (and they clear). */
static inline long notify_wait(int h, uint64_t *bits, uint64_t timeout_ns)
{
	struct ipc_msg m = { .tag = timeout_ns };
	long r = ipc_trap(SYS_NOTIFY_WAIT, h, &m, 0);
	*bits = m.tag;
	return r;
}

/* The buffer ipc_buffer_setup registered last, by whichever thread (NULL:
 * none). libc borrows it for its console messages (libc/syscall.h), so a
 * program's own buffer stays registered; a program whose threads register
 * different buffers must use stdio only from the one that registered last. */
extern struct ipc_buffer *ipc_registered_buffer;

/* Registers buf as the calling thread's IPC buffer. */
static inline long ipc_buffer_setup(struct ipc_buffer *buf)
{
	struct ipc_msg m = { 0 };
	long err = ipc_trap(SYS_IPC_BUFFER, (long)buf, &m, 0);
	if (err == 0)
		ipc_registered_buffer = buf;
	return err;
}

#endif
