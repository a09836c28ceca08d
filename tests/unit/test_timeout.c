/*
 * Host unit tests for the timeout heap (kern/timeout.h, kern/timeout.c):
 * random runs of add, remove and take-the-earliest against a reference
 * model (a flag and a deadline per timeout, the earliest found by a
 * scan), across the edge of the heap's first chunk; and the chunks'
 * reserve and trim over kmem on fake RAM.
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
static bool armed[MAXT];
static unsigned narmed;

static int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    memset(tos, 0, sizeof(tos));
    memset(armed, 0, sizeof(armed));
    narmed = 0;
    assert_int_equal(timeout_reserve(MAXT), 0);
    return 0;
}

static int teardown(void **state)
{
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

static void add(unsigned i, uint64_t deadline)
{
    timeout_add(&tos[i], deadline);
    armed[i] = true;
    narmed++;
}

static void del(unsigned i)
{
    timeout_remove(&tos[i]);
    armed[i] = false;
    narmed--;
}

/* The heap holds exactly the model's armed timeouts, in heap order, and
 * its first has the earliest deadline. */
static void check_against_model(void)
{
    assert_true(timeout_check());
    assert_int_equal(timeout_count, narmed);
    uint64_t earliest = UINT64_MAX;
    for (unsigned i = 0; i < MAXT; i++) {
        assert_int_equal(tos[i].slot != 0, armed[i]);
        if (armed[i]) {
            assert_ptr_equal(*timeout_at(tos[i].slot), &tos[i]);
            if (tos[i].deadline < earliest)
                earliest = tos[i].deadline;
        }
    }
    struct timeout *first = timeout_first();
    if (!narmed)
        assert_null(first);
    else
        assert_int_equal(first->deadline, earliest);
}

/* Takes every timeout due at now, as the timer tick does. */
static unsigned expire(uint64_t now)
{
    unsigned n = 0;
    struct timeout *to;
    while ((to = timeout_first()) && to->deadline <= now) {
        unsigned i = (unsigned)(to - tos);
        assert_true(armed[i]);
        del(i);
        n++;
    }
    for (unsigned i = 0; i < MAXT; i++)
        assert_false(armed[i] && tos[i].deadline <= now);
    return n;
}

static void test_timeout_empty_heap_has_no_first(void **state)
{
    assert_null(timeout_first());
    assert_true(timeout_check());
}

static void test_timeout_later_deadline_added_last_leaves_first_alone(void **state)
{
    for (unsigned i = 0; i < 64; i++)
        add(i, 1000 + i);
    add(64, 5000);
    assert_int_equal(tos[64].slot, 65); /* stayed at the bottom */
    assert_ptr_equal(timeout_first(), &tos[0]);
    del(64); /* the last slot: nothing moves */
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(tos[i].slot, i + 1);
    check_against_model();
    assert_int_equal(expire(UINT64_MAX), 64);
}

static void test_timeout_equal_deadlines_all_expire(void **state)
{
    for (unsigned i = 0; i < 100; i++)
        add(i, 7);
    check_against_model();
    assert_int_equal(expire(6), 0);
    assert_int_equal(expire(7), 100);
    check_against_model();
}

static void random_run(uint64_t seed, unsigned steps, unsigned add_percent)
{
    uint64_t now = 0;
    for (unsigned step = 0; step < steps; step++) {
        uint64_t x = rng_next(&seed);
        unsigned i = (unsigned)(rng_next(&seed) % MAXT);
        if (x % 100 < add_percent) {
            if (!armed[i])
                add(i, now + 1 + (x >> 8) % 5000);
        } else if (x % 100 < 95) {
            if (armed[i])
                del(i);
        } else {
            now += (x >> 8) % 200;
            expire(now);
        }
        if (step % 5 == 0 || narmed < 16)
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
        T(test_timeout_empty_heap_has_no_first),
        T(test_timeout_later_deadline_added_last_leaves_first_alone),
        T(test_timeout_equal_deadlines_all_expire),
        T(test_timeout_random_operations_match_model),
        T(test_timeout_random_operations_across_chunks_match_model),
        T(test_timeout_reserve_allocates_and_trim_frees_chunks),
        T(test_timeout_reserve_without_memory_fails),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
