/*
 * Pieces the memory scenarios share (vm_tests.c, vm_robust_tests.c): the
 * address areas they use and helpers that play the pager's side.
 */
#ifndef TESTS_QEMU_VM_HELPERS_H
#define TESTS_QEMU_VM_HELPERS_H

#include "libipc/server.h"
#include "libipc/vm.h"
#include "tests/qemu/runner.h"

#define MS 1000000ull
#define PG 4096ul
#define AREA 0x3000000000ul   /* object mappings */
#define SRC 0x3800000000ul    /* pages the runner supplies from */
#define STACKS 0x3c00000000ul /* thread stacks, never reused */

/* A page of the runner's own memory filled with `fill`, ready to supply. */
static inline void *src_page(uint64_t slot, uint64_t fill)
{
	uint64_t va = SRC + slot * PG;
	if (mem_wire(va, PG, VM_R | VM_W))
		return 0;
	uint64_t *p = (uint64_t *)va;
	for (size_t i = 0; i < PG / 8; i++)
		p[i] = fill + i;
	return p;
}

/* Starts uhelper "pagerdie": it makes a pager endpoint (so it receives on
 * it, and the endpoint dies with it), hands it to us in a call on ctl
 * (*pep; *m is that call, to be answered when we are ready), then takes
 * one message on the endpoint and exits without answering it. Returns
 * the helper's task handle, or < 0. */
static inline int dying_pager(int ctl, int *pep, struct ipc_msg *m)
{
	static struct ipc_buffer buf;
	const char *argv[] = { "uhelper", "pagerdie", 0 };
	int32_t hs[1] = { ctl };
	if (ipc_buffer_setup(&buf))
		return -1;
	int pager = spawn(argv, hs, 0, 1);
	if (pager < 0 || ipc_recv(ctl, m, 1000 * MS) || IPC_TAG_HANDLES(m->tag) != 1)
		return -1;
	*pep = buf.handles[0];
	return pager;
}

/* Starts uhelper touching the object through its own mapping. */
static inline int touch_in_task(long vmo, const char *mode)
{
	const char *argv[] = { "uhelper", mode, 0 };
	int32_t hs[1] = { (int32_t)vmo };
	uint32_t rs[1] = { R_MAP | R_READ };
	return spawn(argv, hs, rs, 1);
}

#endif
