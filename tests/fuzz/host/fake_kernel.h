/*
 * A stand-in kernel for running a server's own code on the host.
 *
 * Under HOST_TEST, libipc/sys.h declares sys_ecall() instead of trapping;
 * this file defines it, so a server's loop, handlers and libipc run
 * unchanged. One fuzz input, step by step:
 *   1. fk_reset(input): empty handle table, a cursor on the input bytes;
 *      the harness installs the handles the server starts with.
 *   2. The harness starts the server's loop. Each receive asks the
 *      harness's fk_next() for the next message, which it decodes from
 *      the input; the fake installs the message's handles (fresh slots),
 *      puts the words in registers and the IPC buffer as the kernel does,
 *      and poisons the request words and handle slots that did not come
 *      (fk_poison_req), so a handler reading them is caught by ASan.
 *   3. A reply is checked as the kernel checks it (tag, handles that
 *      exist and carry R_GRANT); a rejected request must have had its
 *      handles closed. The harness sees each reply through fk_on_reply().
 *   4. When the input runs out the receive fails with E_DEAD and the loop
 *      returns.
 * What the fake does not model: other tasks, blocking, time, devices.
 */
#ifndef TESTS_FUZZ_HOST_FAKE_KERNEL_H
#define TESTS_FUZZ_HOST_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libipc/server.h"
#include "uapi/ipc.h"
#include "uapi/syscall.h"

#define FK_SLOTS 128
#define FK_MAX_MSGS 64 /* messages per input: keeps one input cheap */
#define FK_PAGE 4096u

struct fk_handle {
	bool used;
	uint32_t type, rights;
	uint64_t badge;
	uint32_t object; /* identity of the object: copies and mints share it */
	uint32_t gen;    /* bumped on every install: tells reuse of a slot */
	uint32_t vmo;    /* OBJ_VMO: index + 1 in fk.vmo */
};

/* A message the harness wants delivered. */
struct fk_msg {
	uint32_t label;
	uint32_t words;    /* 0..IPC_MAX_WORDS */
	uint32_t nhandles; /* 0..IPC_MAX_HANDLES */
	uint64_t badge;
	uint64_t w[IPC_MAX_WORDS];
	uint32_t htype[IPC_MAX_HANDLES], hrights[IPC_MAX_HANDLES];
	bool call;   /* a client's call, which waits for a reply (else a send) */
	bool kernel; /* the kernel's own message: delivered with IPC_TAG_KERNEL */
};

/* A reply the server gave, as the kernel would pass it on. */
struct fk_reply {
	long status; /* minus the label */
	uint32_t words, nhandles;
	uint64_t w[IPC_MAX_WORDS];
	const struct fk_handle *h[IPC_MAX_HANDLES]; /* the server's handles */
	uint32_t rights[IPC_MAX_HANDLES];
};

/* Pages of an object whose content the fake kernel follows. A page's
 * content is a version: 0 zeros, else the page filled with words
 * version ^ index (fk_pattern), as a program's writes made it. */
#define FK_VMO_PAGES 32

/* A memory object made with SYS_VMO_CREATE (for pagers). */
struct fk_vmo {
	uint64_t size, badge;
	int pager_ep;
	bool terminated;
	uint32_t epoch;   /* the binding's, as the kernel's messages say */
	bool resident[FK_VMO_PAGES];
	uint64_t expect[FK_VMO_PAGES]; /* what the pager must supply next (check_content) */
};

#define FK_MAX_VMOS 64
#define FK_RET_MAX 256
#define FK_MEM_RANGES 4

/* A page of the pager's return area holding a returned frame. */
struct fk_ret {
	bool used;
	uint32_t vmo;     /* index in fk.vmo */
	uint64_t page;
	uint64_t version;
};

struct fake_kernel {
	struct fk_handle h[FK_SLOTS];
	uint32_t next_object, next_gen;
	const uint8_t *in;
	size_t in_len, in_pos;
	unsigned delivered;
	struct ipc_buffer *buf;      /* the server's registered buffer */
	struct ipc_request *req;     /* what the server unpacks into */
	bool pending_call;           /* a caller waits for the reply */
	struct fk_msg cur;           /* the message being served */
	int cur_slot[IPC_MAX_HANDLES];
	uint32_t cur_gen[IPC_MAX_HANDLES];
	struct fk_vmo vmo[FK_MAX_VMOS];
	int nvmo;
	bool fault_answered;         /* the PAGER_FAULT served got its supply or fail */
	/* Pager memory (return area, pool) the harness backs with host
	 * memory: wiring zeroes it, a supply reads the page's version. */
	struct { uint64_t base, len; } mem[FK_MEM_RANGES];
	int nmem;
	bool check_content;          /* a pager without a store (zeros, kept frames) */
	/* thread_spawn is refused (-E_NOSYS) unless the harness sets
	 * take_threads: then the thread's function is kept here for the
	 * harness to run at points of its choosing, and notify_wait ends it
	 * (-E_BADH), so each run is one pass of its loop. */
	bool take_threads;
	void (*thread_fn)(void *);
	void *thread_arg;
	uint64_t ret_base;           /* SYS_PAGER_RETURN_AREA */
	uint32_t ret_pages;
	struct fk_ret ret[FK_RET_MAX];
	uint64_t next_version;
	uint64_t returns, drops;
};

extern struct fake_kernel fk;

/* The harness's hooks: the next message (false: none left, the server's
 * receive gets E_DEAD) and the reply to the message last delivered. */
extern bool (*fk_next)(struct fk_msg *m);
extern void (*fk_on_reply)(const struct fk_msg *req, const struct fk_reply *r);

void fk_reset(const uint8_t *data, size_t size);

/* Installs a handle at a given slot, or at the lowest free one (slot -1);
 * returns the slot. */
int fk_install(int slot, uint32_t type, uint32_t rights, uint64_t badge);

/* Input bytes; zeros once the input is used up. */
bool fk_more(void);
uint8_t fk_byte(void);
uint64_t fk_bytes(unsigned n); /* n <= 8, little-endian */

/* Host memory standing for the pager's wired memory at base. */
void fk_memory(void *base, size_t len);

/* The memory manager evicts a page of v picked by the input: a dirty one
 * (newly written: a new version) comes to the pager as PAGER_RETURN in
 * m, a clean one is dropped silently (false, as when nothing can go). */
bool fk_evict(struct fk_msg *m, struct fk_vmo *v);

/* Common decodings of input bytes. */
uint64_t fk_badge(uint8_t b); /* 0..191 as is; 192..255: one bit 0..63 */
void fk_fill_words(struct fk_msg *m);
void fk_fill_handles(struct fk_msg *m, uint32_t n);

#endif
