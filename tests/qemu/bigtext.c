/*
 * A program with 32 MiB of text (tests/qemu/bigtext_blob.S) that touches
 * only a few pages of it: it is spawned from the disk's /bin by the file
 * scenarios (tests/qemu/fs_tests.c) to check that only the touched pages
 * come in, that two copies share them, and that they can be dropped and
 * read again from the file.
 *
 *   bigtext N [R]   R rounds (1 if not given); each calls the functions
 *                   of N pages spread evenly over the blob (the first and
 *                   the last among them), checks their values and last
 *                   bytes, then, if slot 1 holds an endpoint, calls it
 *                   (BIGTEXT_LABEL, w0 the pages found wrong, w1 the
 *                   round) and waits for the answer. Exit status: the
 *                   pages found wrong in all rounds (at most 255).
 */
#include <stdint.h>
#include <stdlib.h>

#include "libipc/ipc.h"
#include "libipc/ulib.h"
#include "tests/qemu/bigtext.h"

#define EP 1

void bigtext_blob(void);

static uint64_t touch(uint64_t n)
{
	uint64_t bad = 0;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t page = n == 1 ? 0 : k * (BIGTEXT_PAGES - 1) / (n - 1);
		uintptr_t at = (uintptr_t)bigtext_blob + page * 4096;
		long (*fn)(void) = (long (*)(void))at;
		if (fn() != (long)BIGTEXT_VALUE(page))
			bad++;
		else if (*(volatile const uint8_t *)(at + 4095) != BIGTEXT_FILL)
			bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoul(argv[1], 0, 0) : 3;
	uint64_t rounds = argc > 2 ? strtoul(argv[2], 0, 0) : 1, bad = 0;
	bool ep = handle_is(EP, OBJ_ENDPOINT, R_SEND);
	if (n > BIGTEXT_PAGES)
		n = BIGTEXT_PAGES;
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t b = touch(n);
		bad += b;
		if (!ep)
			continue;
		struct ipc_msg m = { .tag = IPC_TAG(BIGTEXT_LABEL, 2, 0), .w = { b, r } };
		if (ipc_call(EP, &m, 0) < 0)
			return 254;
	}
	return bad > 255 ? 255 : (int)bad;
}
