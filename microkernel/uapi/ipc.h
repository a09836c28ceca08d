/*
 * IPC ABI: synchronous rendezvous on endpoints, asynchronous
 * notifications.
 *
 * A message is a tag plus up to IPC_MAX_WORDS words. The first
 * IPC_REG_WORDS words travel in registers; the rest, and any handles, go
 * through the thread's IPC buffer (SYS_IPC_BUFFER). A call with a
 * register-only message takes the fast path: the kernel switches from
 * caller to a waiting receiver without a scheduler pass.
 *
 * Registers:
 *   call        in:  a0 endpoint, a1 tag, a2..a5 words, a6 timeout (ns, 0 = none)
 *               out: a0 status, a1 reply tag, a2..a5 reply words
 *   send        in:  as call, no timeout; E_AGAIN if no receiver is waiting
 *   recv        in:  a0 endpoint, a6 timeout
 *               out: a0 status, a1 tag, a2..a5 words, a6 sender's badge
 *   reply       in:  a1 tag, a2..a5 words (to the caller last received)
 *   reply_recv  in:  a0 endpoint, a1 tag, a2..a5 words, a6 timeout
 *               out: as recv
 *
 * Notifications (SYS_NOTIFY_*): a word of bits; signal ORs bits in, wait
 * takes them all. An idle doorbell (SYS_NOTIFY_IDLE: h, addr, bits) ties
 * a notification to a 64-bit word at addr, 8-aligned, in a wired page of
 * the caller's own (SYS_MEM_WIRE; no object page, not shared): when the
 * hart is about to idle and the word is nonzero, the kernel clears it and
 * delivers bits to the notification. A thread arms it with a plain store,
 * so a wake-up that may wait for idle time costs its caller no system
 * call. One doorbell a notification, set by the task that created it
 * (else E_PERM); the kernel holds the page's frame while it is set and
 * charges it to that task's kernel memory (E_NOMEM over the limit).
 * addr 0 takes it off. E_INVAL for a misaligned word, a page that is not
 * wired and the caller's alone, or no bits.
 *
 * Errors a blocked thread can wake with: E_TIMEOUT (its deadline
 * passed), E_DEAD (the endpoint's owner or the replying thread died),
 * E_CANCELED (the endpoint was destroyed, or the server received a new
 * message without replying to this one).
 */
#ifndef UAPI_IPC_H
#define UAPI_IPC_H

#include <stdint.h>

#define IPC_REG_WORDS 4
#define IPC_MAX_WORDS 64 /* 512 bytes */
#define IPC_MAX_HANDLES 4

/* Tag: label in the upper half, sizes and flags in the lower. A tag whose
 * lower half is at most IPC_REG_WORDS is a register-only message (the
 * fast path's test). */
#define IPC_TAG(label, words, handles) \
	(((uint64_t)(label) << 32) | ((uint64_t)(handles) << 8) | (uint64_t)(words))
#define IPC_TAG_LABEL(t) ((uint32_t)((t) >> 32))
#define IPC_TAG_WORDS(t) ((uint32_t)((t) & 0xff))
#define IPC_TAG_HANDLES(t) ((uint32_t)(((t) >> 8) & 0xf))
#define IPC_TAG_SLOW (1ull << 16) /* force the slow path (tests, benchmarks) */
/* Set by the kernel on the messages it sends itself (a pager's FAULT,
 * RETURN, RELEASE and TERMINATE). A task cannot send it (outside
 * IPC_TAG_VALID_MASK), so a receiver tells the kernel's messages from
 * forged ones by it alone. */
#define IPC_TAG_KERNEL (1ull << 17)
#define IPC_TAG_FLAGS_MASK (IPC_TAG_SLOW)
#define IPC_TAG_VALID_MASK (0xffffffff00000000ull | 0xfffull | IPC_TAG_FLAGS_MASK)

struct ipc_buffer {
	uint64_t mr[IPC_MAX_WORDS];          /* mr[0..3] are unused: registers */
	int32_t handles[IPC_MAX_HANDLES];    /* send: slots to hand over; receive: new slots */
	uint32_t rights[IPC_MAX_HANDLES];    /* send: mask for each handed handle */
};
_Static_assert(sizeof(struct ipc_buffer) == 544, "ipc_buffer ABI");

#endif
