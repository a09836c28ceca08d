/*
 * Fake physical memory for host unit tests.
 *
 * Kernel code reaches RAM through pa_to_kva(pa) = pa + phys_virt_offset
 * (kern/phys.h). fake_phys_init allocates a page-aligned heap buffer and
 * sets the offset so that fake physical addresses [FAKE_PHYS_BASE,
 * fake_phys_end()) land in it; AddressSanitizer then reports any access
 * outside the fake RAM.
 *
 * fake_phys.c also provides the kernel's klog, kvlog and kpanic. kpanic
 * reports through cmocka's mock_assert, so a test that expects a panic
 * wraps the call in expect_assert_failure(...); an unexpected panic fails
 * the running test.
 */
#ifndef TESTS_UNIT_FAKE_PHYS_H
#define TESTS_UNIT_FAKE_PHYS_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_PHYS_BASE 0x80000000ull

/* Allocates `bytes` (rounded up to whole pages) of fake RAM, filled with
 * 0x5a so that code relying on zeroed memory is caught. Any previous
 * fake RAM is freed first. */
void fake_phys_init(size_t bytes);

void fake_phys_free(void);

/* First fake physical address past the end of the fake RAM. */
uint64_t fake_phys_end(void);

/* The message of the last kpanic, or "" if none since fake_phys_init. */
const char *fake_phys_last_panic(void);

#endif
