/*
 * The small runtime beside musl: formatted output straight to the kernel
 * log (safe from any thread, no locks, no allocation), boot-module lookup,
 * program spawning by name and threads.
 */
#ifndef LIBIPC_ULIB_H
#define LIBIPC_ULIB_H

#include <stdbool.h>
#include <string.h>

#include "lib/fmt.h"
#include "libipc/sys.h"

int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The handle of the boot module named `name` among this task's handles,
 * or -E_NOENT. */
int module_lookup(const char *name);

/* Spawns module argv[0] with argv (NULL-terminated), handing over
 * nhandles handles, each masked by rights[i] (rights NULL: as held),
 * through the user-space loader (libipc/spawn.h). Returns the task
 * handle (R_READ | R_MAP | R_CONTROL | R_GRANT). */
int spawn(const char *const argv[], const int32_t *handles, const uint32_t *rights,
	  uint32_t nhandles);

/* Every boot module handle this task holds, up to max; returns the count. */
int module_handles(int32_t *out, int max);

/*
 * The handles every program gets at start, in slot order (uapi/syscall.h):
 * H_NAME (R_SEND | R_GRANT), H_SYSINFO (masked by sys_rights), H_CONSOLE
 * (R_SEND | R_GRANT), then every boot module this task holds (R_READ |
 * R_GRANT), and last the memory manager's capability if mm >= 0 (R_READ
 * | R_CONTROL | R_GRANT; uapi/mm.h). A handle < 0 is missing: its slot
 * gets a placeholder without rights (a fresh notification), so the slot
 * numbers hold; a program checks a slot's object type before using it.
 */
struct std_handles {
	int32_t name, sys, console;
	uint32_t sys_rights;
	int32_t mm;
};

/* Spawns module argv[0] with the standard handles; returns the task
 * handle or an error. */
int spawn_std(const char *const argv[], const struct std_handles *sh);

/* True if slot h holds an object of the given type with all of rights. */
bool handle_is(int h, uint32_t type, uint32_t rights);

/* Starts a thread in this task running fn(arg) on the given stack; it
 * ends when fn returns. Returns the thread handle. The thread shares the
 * caller's thread pointer (musl's thread data: errno included); musl
 * does not know it exists and takes no locks for it, so it must not use
 * stdio or malloc while another thread does. */
int thread_spawn(void (*fn)(void *), void *arg, void *stack, size_t size, uint32_t prio);

const char *err_name(long err);

#endif
