/*
 * The system call fuzzer, shared between its parent (sysfuzz.c: batches,
 * watchdog, health check) and its child (sysgen.c, sysargs.c: the calls).
 *
 * One batch, step by step:
 *   1. the parent clears the progress page (a kernel zero-fill object it
 *      maps, and hands the child at SLOT_PROGRESS) and spawns
 *      `sysfuzz child seed=S batch=B calls=N`;
 *   2. the child seeds its generator from (S, B) and makes N calls, each
 *      written to the progress page before it enters the kernel, so the
 *      parent knows the call a stuck or dead child was in;
 *   3. the parent waits; if the progress count stands still for the
 *      watchdog period it kills the child. That is an anomaly unless the
 *      call was one allowed to block that long;
 *   4. a call that ends the child (exit, a fault after it unmapped its
 *      own memory...) ends the batch early: only that child is lost.
 * `sysfuzz seed=S batch=B` replays one batch, printing every call.
 */
#ifndef TESTS_FUZZ_GUEST_SYSFUZZ_H
#define TESTS_FUZZ_GUEST_SYSFUZZ_H

#include <stdint.h>

#include "tests/fuzz/guest/fuzz.h"

/* The child's handles (besides H_SELF). */
#define SLOT_NAME 1     /* the name server, R_SEND | R_GRANT */
#define SLOT_PROGRESS 2 /* the progress object, R_MAP | R_READ */
#define SLOT_LEAF 3     /* the fuzzleaf module, R_READ | R_GRANT */
#define CHILD_SLOTS 4

/*
 * Where the child keeps things: above the C library's areas and below
 * the arena, where the random maps, wires and unmaps go. Huge lengths
 * drawn from arena addresses run up to the stack at the top (which ends
 * the child at once), never down over these pages: were an object paged
 * by the child itself mapped over them, its next store would wait on
 * itself.
 */
#define STACKS_VA 0x2400000000ul   /* thread stacks */
#define STACK_PAGES 4
#define NSTACKS 8
#define SCRATCH_VA 0x2410000000ul  /* where the kernel's answers land */
#define SCRATCH_PAGES 8
#define TEXT_VA 0x2410100000ul     /* printable text for debug_write */
#define TEXT_PAGES 2               /* followed by an unmapped page */
#define BUILD_VA 0x2410200000ul    /* spawn requests, argv, handle lists */
#define IPCBUF_VA 0x2410300000ul   /* the IPC buffer */
#define PROGRESS_VA 0x2420000000ul /* the progress page (parent and child) */
#define ARENA_VA 0x3000000000ul
#define ARENA_PAGES 64

#define PROGRESS_MAGIC 0x73797366757a7aull

/* Written by the child only; read by the parent once the child is gone
 * or stuck. */
struct sysfuzz_progress {
	uint64_t magic;
	uint64_t started;  /* calls entered */
	uint64_t in_call;  /* 1 while call number `started` - 1 is in the kernel */
	uint64_t nr;
	uint64_t a[7];
	uint64_t finished; /* the batch ran to its end */
	uint64_t bad;      /* results outside the closed set of error codes */
	uint64_t bad_call; /* index of the first */
	int64_t bad_result;
};

/* Not a system call: a load or store by the child itself (a0 the
 * address, a1 non-zero for a store), so faults on what the calls mapped
 * (kernel zero-fill, copy-on-write, protections, objects the child pages
 * itself) are fuzzed too. Recorded on the progress page like a call. */
#define SYSGEN_TOUCH (-100)

/* One call as generated. */
struct sys_call {
	long nr;
	uint64_t a[7];
};

/* The child's state: generator, handles it made, stacks in use. */
struct sysgen {
	struct rng rng;
	struct {
		int32_t h;
		uint32_t type; /* enum obj_type */
	} known[16]; /* handles the child made, most recent first */
	int nknown;
	struct {
		uint64_t va, len;
		uint32_t prot; /* VM_R/W/X */
	} maps[16]; /* what calls mapped, for TOUCH to hit */
	int nmaps;
	volatile uint8_t stack_busy[NSTACKS];
	uint64_t tp; /* the thread pointer new threads share */
};

/* Fills c with the next random call (sysargs.c). */
void sysgen_make(struct sysgen *g, struct sys_call *c);
/* Notes what a call that returned r mapped, unmapped or protected. */
void sysgen_track_maps(struct sysgen *g, const struct sys_call *c, long r);
/* A call number below SYS_NCALLS with no row in the fuzzer's table (a
 * call added to the kernel since), or -1. */
int sysgen_unfuzzed(void);
/* The name of call number nr ("nr_NNN" for numbers with no call). */
const char *sysgen_name(long nr, char *tmp, int n);
/* Whether call c may block for ms (a long or no timeout, a wait): the
 * watchdog firing there is no anomaly. */
bool sysgen_may_block(const struct sys_call *c, uint64_t ms);
/* Runs the child's batch: argv holds key=value after "child". */
int sysgen_child(int argc, char **argv);

#endif
