/*
 * Host unit tests for the timeout heap (kern/timeout.h, kern/timeout.c):
 * random runs of arm, re-arm, cancel, forget and taking what is due,
 * against a reference model (a flag and a deadline per timeout; what is
 * due found by a scan), across the edge of the heap's first chunk; and
 * the chunks' reserve and trim over kmem on fake RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "fake_phys.h"
#include "kern/kmem.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/timeout.h"
#include "uapi/errors.h"

#define RAM_FRAMES 256u
#define MAXT 1500 /* past the first two chunks */

static struct timeout tos[MAXT];
static bool armed[MAXT];     /* the model */
static uint64_t deadline[MAXT];

static int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    memset(tos, 0, sizeof(tos));
    memset(armed, 0, sizeof(armed));
    assert_int_equal(timeout_reserve(MAXT), 0);
    return 0;
}

static int teardown(void **state)
{
    for (unsigned i = 0; i < MAXT; i++)
        timeout_forget(&tos[i]);
    assert_int_equal(timeout_count, 0);
    timeout_trim(0);
    assert_int_equal(kmem_bytes_in_use(), 0);
    fake_phys_free();
    return 0;
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void arm(unsigned i, uint64_t d)
{
    timeout_arm(&tos[i], d);
    armed[i] = true;
    deadline[i] = d;
}

static void cancel(unsigned i)
{
    timeout_cancel(&tos[i]);
    armed[i] = false;
}

static void forget(unsigned i)
{
    timeout_forget(&tos[i]);
    armed[i] = false;
    assert_int_equal(tos[i].slot, 0);
}

/* The heap is in order, holds every armed timeout (and no more entries
 * than timeouts), and each armed one has its model deadline. */
static void check_against_model(void)
{
    assert_true(timeout_check());
    assert_true(timeout_count <= MAXT);
    unsigned in_heap = 0;
    for (unsigned i = 0; i < MAXT; i++) {
        assert_int_equal(tos[i].armed, armed[i]);
        if (tos[i].slot) {
            in_heap++;
            assert_ptr_equal(*timeout_at(tos[i].slot), &tos[i]);
        }
        if (armed[i]) {
            assert_int_not_equal(tos[i].slot, 0);
            assert_int_equal(tos[i].deadline, deadline[i]);
        }
    }
    assert_int_equal(in_heap, timeout_count);
}

/* Takes everything due at now, as the timer tick does: exactly the armed
 * timeouts due by now, earliest first. */
static unsigned expire(uint64_t now)
{
    unsigned n = 0;
    uint64_t last = 0;
    struct timeout *to;
    while ((to = timeout_take_due(now))) {
        unsigned i = (unsigned)(to - tos);
        assert_true(armed[i]);
        assert_true(deadline[i] <= now && deadline[i] >= last);
        assert_false(to->armed);
        assert_int_equal(to->slot, 0);
        last = deadline[i];
        armed[i] = false;
        n++;
    }
    for (unsigned i = 0; i < MAXT; i++)
        assert_false(armed[i] && deadline[i] <= now);
    return n;
}

static void test_timeout_empty_heap_has_nothing_due(void **state)
{
    assert_null(timeout_take_due(UINT64_MAX));
    assert_true(timeout_check());
}

static void test_timeout_cancelled_entry_is_dropped_when_due(void **state)
{
    for (unsigned i = 0; i < 64; i++)
        arm(i, 1000 + i);
    arm(64, 500);
    assert_int_equal(tos[64].slot, 1);
    cancel(64); /* stale, still in the heap */
    assert_int_equal(timeout_count, 65);
    check_against_model();
    assert_int_equal(expire(999), 0);
    assert_int_equal(timeout_count, 64); /* the stale one went */
    assert_int_equal(expire(1031), 32);
    check_against_model();
}

static void test_timeout_rearm_moves_the_entry(void **state)
{
    for (unsigned i = 0; i < 100; i++)
        arm(i, 1000 + 10 * i);
    cancel(50);
    arm(50, 1); /* a stale entry reused: to the top */
    assert_int_equal(tos[50].slot, 1);
    arm(50, 5000); /* an armed one re-armed: to the bottom half */
    assert_int_equal(timeout_count, 100);
    check_against_model();
    assert_int_equal(expire(4999), 99);
    assert_int_equal(expire(5000), 1);
}

static void test_timeout_equal_deadlines_all_come_due(void **state)
{
    for (unsigned i = 0; i < 100; i++)
        arm(i, 7);
    check_against_model();
    assert_int_equal(expire(6), 0);
    assert_int_equal(expire(7), 100);
    check_against_model();
}

static void random_run(uint64_t seed, unsigned steps, unsigned arm_percent)
{
    uint64_t now = 0;
    for (unsigned step = 0; step < steps; step++) {
        uint64_t x = rng_next(&seed);
        unsigned i = (unsigned)(rng_next(&seed) % MAXT);
        unsigned pick = (unsigned)(x % 100);
        if (pick < arm_percent)
            arm(i, now + 1 + (x >> 8) % 5000);
        else if (pick < arm_percent + (100 - arm_percent) / 2)
            cancel(i);
        else if (pick < 97)
            forget(i);
        else {
            now += (x >> 8) % 300;
            expire(now);
        }
        if (step % 5 == 0 || timeout_count < 16)
            check_against_model();
    }
    check_against_model();
    expire(UINT64_MAX);
    check_against_model();
}

static void test_timeout_random_operations_match_model(void **state)
{
    random_run(0x2545f4914f6cdd1dull, 20000, 50);
}

static void test_timeout_random_operations_across_chunks_match_model(void **state)
{
    random_run(0x9e3779b97f4a7c15ull, 12000, 85); /* grows past slot 1024 */
}

static void test_timeout_reserve_allocates_and_trim_frees_chunks(void **state)
{
    uint64_t used = kmem_bytes_in_use();
    assert_true(used >= 2 * PAGE_SIZE); /* setup reserved MAXT: chunks 1 and 2 */
    timeout_trim(MAXT);
    assert_int_equal(kmem_bytes_in_use(), used); /* still needed */
    timeout_trim(1024 - TIMEOUT_CHUNK / 2 - 1);
    assert_int_equal(kmem_bytes_in_use(), used - PAGE_SIZE); /* chunk 2 went */
    timeout_trim(TIMEOUT_CHUNK / 2 - 1);
    assert_int_equal(kmem_bytes_in_use(), used - 2 * PAGE_SIZE);
    assert_int_equal(timeout_reserve(TIMEOUT_CHUNK - 1), 0); /* chunk 0 holds 1..511 */
    assert_int_equal(kmem_bytes_in_use(), used - 2 * PAGE_SIZE);
    assert_int_equal(timeout_reserve(TIMEOUT_CHUNK), 0);
    assert_int_equal(kmem_bytes_in_use(), used - PAGE_SIZE);
    assert_int_equal(timeout_reserve((uint64_t)TIMEOUT_CHUNKS * TIMEOUT_CHUNK), -E_NOMEM);
}

static void test_timeout_reserve_without_memory_fails(void **state)
{
    timeout_trim(0);
    uint64_t used = kmem_bytes_in_use();
    while (pmm_alloc())
        ;
    assert_int_equal(timeout_reserve(TIMEOUT_CHUNK), -E_NOMEM);
    assert_int_equal(kmem_bytes_in_use(), used);
    assert_int_equal(timeout_reserve(TIMEOUT_CHUNK - 1), 0); /* the static chunk */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_timeout_empty_heap_has_nothing_due),
        T(test_timeout_cancelled_entry_is_dropped_when_due),
        T(test_timeout_rearm_moves_the_entry),
        T(test_timeout_equal_deadlines_all_come_due),
        T(test_timeout_random_operations_match_model),
        T(test_timeout_random_operations_across_chunks_match_model),
        T(test_timeout_reserve_allocates_and_trim_frees_chunks),
        T(test_timeout_reserve_without_memory_fails),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
