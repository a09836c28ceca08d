/*
 * The small runtime user programs use until musl takes over (issue 5):
 * formatted output to the kernel log, boot-module lookup and program
 * spawning by name.
 */
#ifndef LIBIPC_ULIB_H
#define LIBIPC_ULIB_H

#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "libipc/sys.h"

int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The handle of the boot module named `name` among this task's handles,
 * or -E_NOENT. */
int module_lookup(const char *name);

/* Spawns module argv[0] with argv (NULL-terminated), handing over
 * nhandles handles, each masked by rights[i] (rights NULL: as held).
 * Returns the task handle. */
int spawn(const char *const argv[], const int32_t *handles, const uint32_t *rights,
	  uint32_t nhandles);

/* Every boot module handle this task holds, up to max; returns the count. */
int module_handles(int32_t *out, int max);

/* Starts a thread in this task running fn(arg) on the given stack; it
 * ends when fn returns. Returns the thread handle. */
int thread_spawn(void (*fn)(void *), void *arg, void *stack, size_t size, uint32_t prio);

const char *err_name(long err);

#endif
