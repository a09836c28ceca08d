/*
 * Contract checks for the libFuzzer harnesses in tests/fuzz/host/.
 *
 * A broken promise is a finding like a crash: FUZZ_CHECK names the check
 * and aborts, and libFuzzer saves the input that did it. The checks stay
 * on whatever NDEBUG says.
 */
#ifndef TESTS_FUZZ_HOST_FUZZ_CHECK_H
#define TESTS_FUZZ_HOST_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                        \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Keeps a value (and so the reads that made it) from being optimised
 * away, so AddressSanitizer sees every byte a harness touches. */
static inline void fuzz_sink(unsigned long v)
{
    __asm__ volatile("" : : "r"(v));
}

#endif
