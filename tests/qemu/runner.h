/*
 * Shared pieces of the in-guest test runner: the check macros (a failed
 * check prints "FAIL name: what" and ends the scenario) and helpers to
 * start the uhelper program.
 */
#ifndef TESTS_QEMU_RUNNER_H
#define TESTS_QEMU_RUNNER_H

#include <stdbool.h>

#include "libipc/ulib.h"

extern int npass, nfail;
extern const char *cur;
extern bool cur_failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			uprintf("FAIL %s: %s (line %d)\n", cur, #cond, __LINE__); \
			cur_failed = true;                                       \
			return;                                                  \
		}                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                               \
	do {                                                                         \
		long a_ = (long)(a), b_ = (long)(b);                                 \
		if (a_ != b_) {                                                      \
			uprintf("FAIL %s: %s == %ld, expected %ld (line %d)\n", cur, #a, \
				a_, b_, __LINE__);                                   \
			cur_failed = true;                                           \
			return;                                                      \
		}                                                                    \
	} while (0)

/* The memory manager's capability (init hands it to the runner), or -1. */
int mm_cap(void);

struct qtest {
	const char *name;
	void (*fn)(void);
};

extern const struct qtest ipc_tests[];
extern const size_t n_ipc_tests;
extern const struct qtest vm_tests[];
extern const size_t n_vm_tests;
extern const struct qtest vm_shadow_tests[];
extern const size_t n_vm_shadow_tests;
extern const struct qtest vm_robust_tests[];
extern const size_t n_vm_robust_tests;
extern const struct qtest pager_v2_tests[];
extern const size_t n_pager_v2_tests;
extern const struct qtest mm_tests[];
extern const size_t n_mm_tests;
extern const struct qtest name_tests[];
extern const size_t n_name_tests;
extern const struct qtest blk_tests[]; /* run only when named: they need disks */
extern const size_t n_blk_tests;
extern const struct qtest swap_tests[]; /* run only when named: they need a swap disk */
extern const size_t n_swap_tests;
extern const struct qtest fs_tests[]; /* run only when named: they need an ext2 disk */
extern const size_t n_fs_tests;
extern const struct qtest loader_tests[];
extern const size_t n_loader_tests;
extern const struct qtest dma_tests[];
extern const size_t n_dma_tests;
extern const struct qtest swapstress_tests[];
extern const size_t n_swapstress_tests;

/* Starts uhelper with argv {a1, a2} and no handles. */
int helper(const char *a1, const char *a2);
uint64_t free_frames(void);
/* free_frames once the work that waits for an idle hart has run (the
 * zero pager's refill wires pool pages then): for a count taken before a
 * window in which the hart idles, e.g. waiting for a disk. */
uint64_t free_frames_settled(void);

#endif
