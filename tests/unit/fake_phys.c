/* Fake physical memory, klog and kpanic for host unit tests; see
 * fake_phys.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/log.h"
#include "kern/phys.h"
#include "kern/types.h"
#include "fake_phys.h"

uintptr_t phys_virt_offset;

static void *ram;
static size_t ram_bytes;
static char panic_msg[256];

void fake_phys_init(size_t bytes)
{
    fake_phys_free();
    ram_bytes = PAGE_UP(bytes);
    ram = aligned_alloc(PAGE_SIZE, ram_bytes);
    if (!ram) {
        fprintf(stderr, "fake_phys: cannot allocate %zu bytes\n", ram_bytes);
        abort();
    }
    memset(ram, 0x5a, ram_bytes);
    phys_virt_offset = (uintptr_t)ram - (uintptr_t)FAKE_PHYS_BASE;
    panic_msg[0] = 0;
}

void fake_phys_free(void)
{
    free(ram);
    ram = NULL;
    ram_bytes = 0;
    phys_virt_offset = 0;
}

uint64_t fake_phys_end(void)
{
    return FAKE_PHYS_BASE + ram_bytes;
}

const char *fake_phys_last_panic(void)
{
    return panic_msg;
}

void kvlog(const char *fmt, va_list ap)
{
    vfprintf(stderr, fmt, ap);
}

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(fmt, ap);
    va_end(ap);
}

/* mock_assert longjmps back into expect_assert_failure when the test
 * expects a failure, and fails the running test otherwise; abort() is
 * reached only outside a test. */
void kpanic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "kpanic: %s\n", panic_msg);
    mock_assert(0, panic_msg, __FILE__, __LINE__);
    abort();
}
