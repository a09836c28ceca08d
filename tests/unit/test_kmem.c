/*
 * Host unit tests for kern/kmem.c over fake RAM, with the real frame
 * allocator (kern/pmm.c) supplying slabs.
 *
 * kmem keeps its size-class lists in static storage, so every test must
 * free all it allocates: the teardown checks kmem_bytes_in_use() is 0
 * before the fake RAM goes away, and the free-frame count shows that
 * each emptied slab went back to the frame allocator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fake_phys.h"
#include "kern/kmem.h"
#include "kern/phys.h"
#include "kern/pmm.h"

#define RAM_FRAMES 1024u

static uint64_t free0;

static int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    free0 = pmm_free_count();
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(kmem_bytes_in_use(), 0);
    assert_int_equal(pmm_free_count(), free0);
    fake_phys_free();
    return 0;
}

static bool in_fake_ram(const void *p, size_t size)
{
    paddr_t pa = kva_to_pa(p);
    return pa >= FAKE_PHYS_BASE && pa + size <= fake_phys_end();
}

static bool all_bytes(const void *p, unsigned char c, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != c)
            return false;
    return true;
}

/* The size class kmem uses: the next power of two from 64. */
static size_t rounded(size_t size)
{
    size_t r = 64;
    while (r < size)
        r <<= 1;
    return r;
}

static void test_kmem_every_size_is_zeroed_and_aligned(void **state)
{
    for (size_t size = 1; size <= PAGE_SIZE; size++) {
        unsigned char *p = kmem_alloc(size);
        assert_non_null(p);
        assert_true(in_fake_ram(p, size));
        assert_int_equal((uintptr_t)p % rounded(size), 0);
        assert_true(all_bytes(p, 0, size));
        memset(p, 0xee, size); /* dirty it for the next one */
        assert_int_equal(kmem_bytes_in_use(), rounded(size));
        kmem_free(p, size);
    }
}

static void test_kmem_reused_object_is_zeroed(void **state)
{
    static const size_t sizes[] = { 1, 64, 100, 512, 2048, 2049, 4096 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        /* Keep a neighbour so that the slab survives the free. */
        void *keep = kmem_alloc(sizes[i]);
        void *p = kmem_alloc(sizes[i]);
        memset(p, 0xff, sizes[i]);
        kmem_free(p, sizes[i]);
        void *q = kmem_alloc(sizes[i]);
        assert_true(all_bytes(q, 0, rounded(sizes[i])));
        kmem_free(q, sizes[i]);
        kmem_free(keep, sizes[i]);
    }
}

static void test_kmem_refuses_zero_and_oversized(void **state)
{
    assert_null(kmem_alloc(0));
    assert_null(kmem_alloc(PAGE_SIZE + 1));
    assert_null(kmem_alloc(2 * PAGE_SIZE));
    assert_null(kmem_alloc(SIZE_MAX));
    assert_int_equal(kmem_bytes_in_use(), 0);
    assert_int_equal(pmm_free_count(), free0);
}

static void test_kmem_free_null_is_a_no_op(void **state)
{
    kmem_free(NULL, 64);
    kmem_free(NULL, PAGE_SIZE);
}

static void test_kmem_small_objects_share_a_frame(void **state)
{
    /* A 64-byte slab holds 63 objects after its header. */
    void *objs[64];
    for (int i = 0; i < 63; i++) {
        objs[i] = kmem_alloc(64);
        assert_non_null(objs[i]);
    }
    assert_int_equal(pmm_free_count(), free0 - 1);
    for (int i = 1; i < 63; i++)
        assert_ptr_equal((uintptr_t)objs[i] & ~(uintptr_t)PAGE_MASK,
                         (uintptr_t)objs[0] & ~(uintptr_t)PAGE_MASK);
    objs[63] = kmem_alloc(64);
    assert_int_equal(pmm_free_count(), free0 - 2);
    assert_int_equal(kmem_bytes_in_use(), 64 * 64);
    for (int i = 0; i < 64; i++)
        kmem_free(objs[i], 64);
}

static void test_kmem_large_objects_take_whole_frames(void **state)
{
    void *a = kmem_alloc(2049);
    void *b = kmem_alloc(PAGE_SIZE);
    assert_int_equal((uintptr_t)a % PAGE_SIZE, 0);
    assert_int_equal((uintptr_t)b % PAGE_SIZE, 0);
    assert_int_equal(pmm_free_count(), free0 - 2);
    assert_int_equal(kmem_bytes_in_use(), 2 * PAGE_SIZE);
    memset(a, 1, PAGE_SIZE);
    memset(b, 2, PAGE_SIZE);
    kmem_free(a, 2049);
    assert_int_equal(pmm_free_count(), free0 - 1);
    kmem_free(b, PAGE_SIZE);
}

struct obj {
    unsigned char *p;
    size_t size;
};

static int by_address(const void *a, const void *b)
{
    const struct obj *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

static void test_kmem_objects_are_distinct_and_disjoint(void **state)
{
    enum { N = 600 };
    static struct obj o[N];
    for (int i = 0; i < N; i++) {
        o[i].size = 1 + (size_t)(i * 37) % PAGE_SIZE;
        if (i % 50 == 0)
            o[i].size = 1 + i % 64;
        o[i].p = kmem_alloc(o[i].size);
        assert_non_null(o[i].p);
        memset(o[i].p, i & 0xff, o[i].size);
    }
    /* No later object overwrote an earlier one. */
    for (int i = 0; i < N; i++)
        assert_true(all_bytes(o[i].p, i & 0xff, o[i].size));
    qsort(o, N, sizeof(o[0]), by_address);
    for (int i = 1; i < N; i++)
        assert_true(o[i - 1].p + rounded(o[i - 1].size) <= o[i].p);
    for (int i = 0; i < N; i++)
        kmem_free(o[i].p, o[i].size);
}

static void test_kmem_freeing_everything_returns_every_frame(void **state)
{
    enum { N = 400 };
    static void *p[N];
    static const size_t sizes[] = { 8, 64, 65, 200, 1000, 2000, 3000 };
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            p[i] = kmem_alloc(sizes[i % 7]);
            assert_non_null(p[i]);
        }
        assert_true(pmm_free_count() < free0);
        /* Free in an order unlike allocation: odd slots, then even. */
        for (int i = 1; i < N; i += 2)
            kmem_free(p[i], sizes[i % 7]);
        for (int i = 0; i < N; i += 2)
            kmem_free(p[i], sizes[i % 7]);
        assert_int_equal(kmem_bytes_in_use(), 0);
        assert_int_equal(pmm_free_count(), free0);
    }
}

static void test_kmem_out_of_frames_returns_null(void **state)
{
    enum { MAXHELD = RAM_FRAMES };
    static paddr_t held[MAXHELD];
    int n = 0;
    void *small = kmem_alloc(128); /* a slab with free room */
    paddr_t pa;
    while ((pa = pmm_alloc()) != 0)
        held[n++] = pa;
    assert_null(kmem_alloc(PAGE_SIZE));
    assert_null(kmem_alloc(2048));
    assert_null(kmem_alloc(64));
    /* The partial slab still serves its class without a new frame. */
    void *again = kmem_alloc(128);
    assert_non_null(again);
    kmem_free(again, 128);
    kmem_free(small, 128);
    while (n > 0)
        pmm_unref(held[--n]);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64: fixed seed, so every run makes the same pattern. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_kmem_random_alloc_free_cycles(void **state)
{
    enum { SLOTS = 256, STEPS = 20000 };
    static struct obj live[SLOTS];
    static unsigned char tag[SLOTS];
    memset(live, 0, sizeof(live));
    uint64_t bytes = 0;
    for (int step = 0; step < STEPS; step++) {
        int i = (int)(rng() % SLOTS);
        if (live[i].p) {
            assert_true(all_bytes(live[i].p, tag[i], live[i].size));
            kmem_free(live[i].p, live[i].size);
            bytes -= rounded(live[i].size);
            live[i].p = NULL;
            continue;
        }
        /* Mostly small objects, like the kernel's. */
        uint64_t r = rng();
        size_t size = r % 8 ? 1 + (r >> 8) % 512 : 1 + (r >> 8) % PAGE_SIZE;
        live[i].p = kmem_alloc(size);
        assert_non_null(live[i].p);
        assert_true(all_bytes(live[i].p, 0, size));
        live[i].size = size;
        tag[i] = (unsigned char)(step | 1);
        memset(live[i].p, tag[i], size);
        bytes += size > PAGE_SIZE / 2 ? PAGE_SIZE : rounded(size);
        assert_int_equal(kmem_bytes_in_use(), bytes);
    }
    for (int i = 0; i < SLOTS; i++)
        if (live[i].p) {
            assert_true(all_bytes(live[i].p, tag[i], live[i].size));
            kmem_free(live[i].p, live[i].size);
        }
}

static void test_kmem_free_with_impossible_size_panics(void **state)
{
    void *p = kmem_alloc(64);
    expect_assert_failure(kmem_free(p, 0));
    expect_assert_failure(kmem_free(p, PAGE_SIZE + 1));
    kmem_free(p, 64);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_kmem_every_size_is_zeroed_and_aligned),
        T(test_kmem_reused_object_is_zeroed),
        T(test_kmem_refuses_zero_and_oversized),
        T(test_kmem_free_null_is_a_no_op),
        T(test_kmem_small_objects_share_a_frame),
        T(test_kmem_large_objects_take_whole_frames),
        T(test_kmem_objects_are_distinct_and_disjoint),
        T(test_kmem_freeing_everything_returns_every_frame),
        T(test_kmem_out_of_frames_returns_null),
        T(test_kmem_random_alloc_free_cycles),
        T(test_kmem_free_with_impossible_size_panics),
    };
    return cmocka_run_group_tests_name("kmem", tests, NULL, NULL);
}
