/*
 * The misbehaving-pager fuzzer, shared by its parts: pagerfuzz.c (the
 * rounds), pagerbad.c (how the pager answers a fault), pagerkids.c (the
 * tasks that fault, and pagers that die).
 *
 * One round, step by step:
 *   1. the round's generator (seed, round) picks who pages a new object
 *      (the fuzzer itself, a child pager task, or the faulting task
 *      itself), its size, its deadline (tens of ms, vmo_set) and its
 *      fallback (none, the fuzzer under another badge, the zero pager);
 *   2. a toucher task maps the object (shared or private) and touches
 *      pages from one or two threads, checking every word it reads: the
 *      round's pattern, zeros, or what it wrote itself;
 *   3. each FAULT the fuzzer receives is answered one way, drawn at
 *      random: good supplies (own page, zeros, supply-and-receive), bad
 *      supplies (each must be refused and change nothing), double
 *      supplies, supplies nobody asked for, pager_fail with any code,
 *      silence, closing its object handle, destroying its endpoint;
 *   4. the round ends when the toucher does. It must have exited cleanly,
 *      or been killed by a pager error after an answer that allows it
 *      (fail, silence, a closed handle, a dead pager); anything else, or
 *      a toucher still there after ROUND_MS, is an anomaly, reported
 *      with `pagerfuzz seed=S round=R` to replay that round alone.
 */
#ifndef TESTS_FUZZ_GUEST_PAGERFUZZ_H
#define TESTS_FUZZ_GUEST_PAGERFUZZ_H

#include "tests/fuzz/guest/fuzz.h"

#define ROUND_MS 3000

#define TOUCH_VA 0x3000000000ul /* the toucher's mapping */
#define SRC_VA 0x3800000000ul   /* the fuzzer's pages to supply from */
#define SRC_SLOTS 64
#define OBJ_VA 0x3a00000000ul   /* a kernel zero-fill page: not the pager's own */
#define MAX_PAGES 8

/* Labels between the fuzzer and its child pagers. */
#define HELLO_LABEL 0x4e11
#define HELLO_BADGE 0x4e110000ull

/* What a child pager does once the FAULT arrives. */
enum sub_act {
	SUB_EXIT,      /* dies mid-fault */
	SUB_WAIT,      /* waits to be killed by the fuzzer */
	SUB_DESTROY,   /* destroys its endpoint */
	SUB_CLOSE,     /* closes its object handle */
	SUB_SUPPLY,    /* answers well, then dies with the next fault */
	SUB_FAIL_SELF, /* fails a request its own thread waits on */
	SUB_NACTS
};

/* The pattern word `w` of page `p` holds in round `r`'s supplies. */
static inline uint64_t pat_word(uint64_t r, uint64_t p, uint64_t w)
{
	return (r << 24) ^ (p << 12) ^ w ^ 0x5a5a000000000000ull;
}

/* Children: argv[1] picks the part (pagerkids.c). */
int pagerkid_touch(int argc, char **argv);
int pagerkid_self(int argc, char **argv);
int pagerkid_sub(int argc, char **argv);

struct round;
/* Answers one FAULT (pagerbad.c); m may receive the next message (then
 * *pending is set). */
void pager_answer(struct round *rd, struct ipc_msg *m, bool *pending);

/* The state of one round, shared with pagerbad.c. */
struct round {
	uint64_t seed, n;
	struct rng rng;
	int ep;             /* the fuzzer's endpoint (receive side) */
	int vmo;            /* R_PAGER handle, -1 once closed or not ours */
	int weak;           /* the object without R_PAGER, for bad supplies */
	uint64_t npages;
	uint64_t badge, fb_badge;
	bool harmful;       /* an answer that may cost the toucher its life */
	bool ep_dead;       /* the endpoint was destroyed this round */
	bool verbose;
	uint64_t faults;
	char what[160];     /* answers given, for the report */
	uint64_t anomalies;
};

/* Records an anomaly of this round (with its replay command). */
void round_anomaly(struct round *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends an answer's name to rd->what. */
void round_note(struct round *rd, const char *what);
/* A supply page of ours (SRC slot) filled with the round's pattern for
 * object page p; 0 if none could be wired. */
uint64_t src_page(struct round *rd, uint64_t p);
/* n consecutive supply pages for object pages first.., or 0. */
uint64_t src_run(struct round *rd, uint64_t first, uint64_t n);

#endif
