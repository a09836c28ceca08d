/*
 * Kernel log and panic. klog writes one formatted message to the console;
 * kpanic prints the message and a backtrace, then powers off with a
 * failure code. KASSERT checks invariants in every build: the kernel is
 * small enough that the checks cost little, and a wrong state caught early
 * is worth far more than the cycles.
 */
#ifndef KERN_LOG_H
#define KERN_LOG_H

#include <stdarg.h>

#include "kern/config.h"

void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvlog(const char *fmt, va_list ap);
_Noreturn void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(c)                                                        \
	do {                                                              \
		if (!(c))                                                 \
			kpanic("assertion '%s' failed at %s:%d", #c, __FILE__, \
			       __LINE__);                                 \
	} while (0)

/* KASSERT on the fault and IPC fast paths, for an invariant the code
 * around it keeps by construction: checked in the debug build (the one
 * make run and the tests boot), left out of the release build that the
 * figures measure. */
#define KASSERT_FAST(c)              \
	do {                         \
		if (KDEBUG)          \
			KASSERT(c);  \
	} while (0)

#endif
