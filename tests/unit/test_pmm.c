/*
 * Host unit tests for kern/pmm.c over fake RAM (fake_phys.c).
 *
 * Each test gets fresh fake RAM of RAM_FRAMES frames at FAKE_PHYS_BASE
 * and a freshly initialised allocator; most then free the whole range.
 * RAM_FRAMES counts fit in one metadata frame, so a full free leaves
 * RAM_FRAMES - 1 frames. Panics become cmocka assertion failures, so
 * misuse is tested with expect_assert_failure.
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
#include "kern/phys.h"
#include "kern/pmm.h"

#define RAM_FRAMES 64u
#define BASE FAKE_PHYS_BASE
#define END (FAKE_PHYS_BASE + RAM_FRAMES * PAGE_SIZE)
#define META_END (BASE + PAGE_SIZE) /* 64 counts fit in one frame */

static int setup_reserved(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    assert_int_equal(pmm_init(BASE, END), META_END);
    return 0;
}

static int setup_all_free(void **state)
{
    setup_reserved(state);
    pmm_free_range(BASE, END);
    return 0;
}

static int teardown(void **state)
{
    fake_phys_free();
    return 0;
}

static bool all_bytes(paddr_t pa, unsigned char c)
{
    const unsigned char *p = pa_to_kva(pa);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i] != c)
            return false;
    return true;
}

static void test_pmm_init_reserves_every_frame(void **state)
{
    assert_int_equal(pmm_free_count(), 0);
    assert_int_equal(pmm_total_count(), 0);
    assert_int_equal(pmm_alloc(), 0);
    assert_true(pmm_owns(BASE));
    assert_int_equal(pmm_refcount(BASE + 5 * PAGE_SIZE), 1);
}

static void test_pmm_init_rounds_to_whole_frames(void **state)
{
    /* Unaligned ends shrink the range to the whole frames inside it. */
    paddr_t meta_end = pmm_init(BASE + 1, END - 1);
    assert_int_equal(meta_end, BASE + 2 * PAGE_SIZE);
    assert_false(pmm_owns(BASE));
    assert_true(pmm_owns(BASE + PAGE_SIZE));
    assert_true(pmm_owns(END - 2 * PAGE_SIZE));
    assert_false(pmm_owns(END - PAGE_SIZE));
    pmm_free_range(BASE, END);
    assert_int_equal(pmm_free_count(), RAM_FRAMES - 3);
}

static void test_pmm_init_rejects_ranges_too_small(void **state)
{
    assert_int_equal(pmm_init(BASE, BASE), 0);
    assert_int_equal(pmm_init(END, BASE), 0);
    assert_int_equal(pmm_init(BASE + 1, BASE + PAGE_SIZE), 0);
    /* One frame would be all metadata. */
    assert_int_equal(pmm_init(BASE, BASE + PAGE_SIZE), 0);
    /* Two frames: one for the counts, one to hand out. */
    assert_int_equal(pmm_init(BASE, BASE + 2 * PAGE_SIZE), META_END);
    pmm_free_range(BASE, BASE + 2 * PAGE_SIZE);
    assert_int_equal(pmm_free_count(), 1);
}

static void test_pmm_metadata_grows_with_ram(void **state)
{
    /* 2048 frames need 8 KiB of counts. */
    fake_phys_init(2048 * PAGE_SIZE);
    assert_int_equal(pmm_init(BASE, BASE + 2048 * PAGE_SIZE),
                     BASE + 2 * PAGE_SIZE);
    pmm_free_range(BASE, BASE + 2048 * PAGE_SIZE);
    assert_int_equal(pmm_free_count(), 2046);
    assert_int_equal(pmm_total_count(), 2046);
}

static void test_pmm_free_range_skips_metadata(void **state)
{
    pmm_free_range(BASE, END);
    assert_int_equal(pmm_free_count(), RAM_FRAMES - 1);
    assert_int_equal(pmm_total_count(), RAM_FRAMES - 1);
    assert_int_equal(pmm_refcount(BASE), 1);
    for (unsigned i = 0; i < RAM_FRAMES - 1; i++) {
        paddr_t pa = pmm_alloc();
        assert_true(pa >= META_END && pa < END);
    }
    assert_int_equal(pmm_alloc(), 0);
}

static void test_pmm_free_range_frees_only_whole_frames_inside(void **state)
{
    /* [base+2.5 frames, base+6.5 frames) holds frames 3, 4 and 5. */
    pmm_free_range(BASE + 2 * PAGE_SIZE + 0x800, BASE + 6 * PAGE_SIZE + 0x800);
    assert_int_equal(pmm_free_count(), 3);
    assert_int_equal(pmm_refcount(BASE + 2 * PAGE_SIZE), 1);
    assert_int_equal(pmm_refcount(BASE + 3 * PAGE_SIZE), 0);
    assert_int_equal(pmm_refcount(BASE + 5 * PAGE_SIZE), 0);
    assert_int_equal(pmm_refcount(BASE + 6 * PAGE_SIZE), 1);
}

static void test_pmm_free_range_clips_to_managed_ram(void **state)
{
    pmm_free_range(0, BASE + 3 * PAGE_SIZE);
    assert_int_equal(pmm_free_count(), 2);
    pmm_free_range(END - 2 * PAGE_SIZE, END + 100 * PAGE_SIZE);
    assert_int_equal(pmm_free_count(), 4);
    pmm_free_range(END, END + 100 * PAGE_SIZE);
    pmm_free_range(0, BASE);
    pmm_free_range(END - PAGE_SIZE, END - 2 * PAGE_SIZE);
    assert_int_equal(pmm_free_count(), 4);
}

static void test_pmm_free_range_twice_panics(void **state)
{
    pmm_free_range(BASE + 4 * PAGE_SIZE, BASE + 6 * PAGE_SIZE);
    expect_assert_failure(pmm_free_range(BASE + 5 * PAGE_SIZE,
                                         BASE + 7 * PAGE_SIZE));
}

static void test_pmm_free_frames_hold_junk(void **state)
{
    pmm_free_range(BASE + 4 * PAGE_SIZE, BASE + 5 * PAGE_SIZE);
    const unsigned char *p = pa_to_kva(BASE + 4 * PAGE_SIZE);
    /* The first word links the free list. */
    for (size_t i = sizeof(paddr_t); i < PAGE_SIZE; i++)
        assert_int_equal(p[i], PMM_JUNK);
}

static void test_pmm_alloc_returns_zeroed_frame_with_count_one(void **state)
{
    uint64_t free0 = pmm_free_count();
    paddr_t pa = pmm_alloc();
    assert_int_not_equal(pa, 0);
    assert_int_equal(pa % PAGE_SIZE, 0);
    assert_true(pmm_owns(pa));
    assert_true(all_bytes(pa, 0));
    assert_int_equal(pmm_refcount(pa), 1);
    assert_int_equal(pmm_free_count(), free0 - 1);
    assert_int_equal(pmm_total_count(), RAM_FRAMES - 1);
}

static void test_pmm_alloc_zeroes_a_reused_frame(void **state)
{
    paddr_t pa = pmm_alloc();
    memset(pa_to_kva(pa), 0x77, PAGE_SIZE);
    pmm_unref(pa);
    paddr_t again = pmm_alloc();
    assert_int_equal(again, pa); /* the free list is LIFO */
    assert_true(all_bytes(again, 0));
}

static void test_pmm_alloc_hands_out_distinct_frames(void **state)
{
    static bool seen[RAM_FRAMES];
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < RAM_FRAMES - 1; i++) {
        paddr_t pa = pmm_alloc();
        assert_true(pmm_owns(pa));
        size_t idx = (pa - BASE) / PAGE_SIZE;
        assert_false(seen[idx]);
        seen[idx] = true;
    }
    assert_int_equal(pmm_free_count(), 0);
}

static void test_pmm_exhaustion_returns_zero_until_a_free(void **state)
{
    paddr_t last = 0;
    for (unsigned i = 0; i < RAM_FRAMES - 1; i++)
        last = pmm_alloc();
    assert_int_equal(pmm_alloc(), 0);
    assert_int_equal(pmm_alloc(), 0);
    assert_int_equal(pmm_free_count(), 0);
    pmm_unref(last);
    assert_int_equal(pmm_free_count(), 1);
    assert_int_equal(pmm_alloc(), last);
    assert_int_equal(pmm_alloc(), 0);
}

static void test_pmm_refs_share_a_frame_until_last_unref(void **state)
{
    uint64_t free0 = pmm_free_count();
    paddr_t pa = pmm_alloc();
    pmm_ref(pa);
    pmm_ref(pa);
    assert_int_equal(pmm_refcount(pa), 3);
    memset(pa_to_kva(pa), 0x3c, PAGE_SIZE);

    pmm_unref(pa);
    pmm_unref(pa);
    assert_int_equal(pmm_refcount(pa), 1);
    assert_int_equal(pmm_free_count(), free0 - 1);
    assert_true(all_bytes(pa, 0x3c)); /* still owned: contents kept */

    pmm_unref(pa);
    assert_int_equal(pmm_refcount(pa), 0);
    assert_int_equal(pmm_free_count(), free0);
}

static void test_pmm_reserved_frame_survives_ref_and_unref(void **state)
{
    /* Boot-image frames are reserved and may be shared: a ref and an
     * unref must leave them reserved, never on the free list. */
    paddr_t pa = BASE + 3 * PAGE_SIZE;
    pmm_ref(pa);
    assert_int_equal(pmm_refcount(pa), 2);
    pmm_unref(pa);
    assert_int_equal(pmm_refcount(pa), 1);
    assert_int_equal(pmm_free_count(), 0);
}

static void test_pmm_double_free_panics(void **state)
{
    paddr_t pa = pmm_alloc();
    pmm_unref(pa);
    expect_assert_failure(pmm_unref(pa));
    assert_non_null(strstr(fake_phys_last_panic(), "double free"));
}

static void test_pmm_ref_of_free_frame_panics(void **state)
{
    paddr_t pa = pmm_alloc();
    pmm_unref(pa);
    expect_assert_failure(pmm_ref(pa));
}

static void test_pmm_unref_of_unowned_address_panics(void **state)
{
    expect_assert_failure(pmm_unref(END));
    expect_assert_failure(pmm_unref(BASE - PAGE_SIZE));
    expect_assert_failure(pmm_unref(META_END + 8));
}

static void test_pmm_write_after_free_is_caught_at_next_alloc(void **state)
{
    paddr_t pa = pmm_alloc();
    unsigned char *p = pa_to_kva(pa);
    pmm_unref(pa);
    p[100] = 1; /* a stale pointer writes into the freed frame */
    expect_assert_failure(pmm_alloc());
    assert_non_null(strstr(fake_phys_last_panic(), "written after free"));
}

static void test_pmm_write_after_free_in_last_word_is_caught(void **state)
{
    paddr_t pa = pmm_alloc();
    uint64_t *w = pa_to_kva(pa);
    pmm_unref(pa);
    w[PAGE_SIZE / 8 - 1] = 0;
    expect_assert_failure(pmm_alloc());
}

static void test_pmm_write_after_free_to_link_word_is_caught(void **state)
{
    /* The first word of a free frame links the list; a stale write there
     * must panic, not send the allocator through a wild pointer. */
    paddr_t a = pmm_alloc();
    paddr_t b = pmm_alloc();
    pmm_unref(a);
    pmm_unref(b);
    *(uint64_t *)pa_to_kva(b) = 0x1234567;
    expect_assert_failure(pmm_alloc());
}

static void test_pmm_cleared_link_word_is_caught(void **state)
{
    /* A stale "p->next = NULL" would cut off the rest of the list. */
    paddr_t a = pmm_alloc();
    paddr_t b = pmm_alloc();
    pmm_unref(a);
    pmm_unref(b);
    *(uint64_t *)pa_to_kva(b) = 0;
    expect_assert_failure(pmm_alloc());
}

static void test_pmm_owns_only_managed_frames(void **state)
{
    assert_true(pmm_owns(BASE));
    assert_true(pmm_owns(META_END));
    assert_true(pmm_owns(END - PAGE_SIZE));
    assert_false(pmm_owns(END));
    assert_false(pmm_owns(BASE - PAGE_SIZE));
    assert_false(pmm_owns(0));
    assert_false(pmm_owns(META_END + 1));
    assert_false(pmm_owns(END - 8));
    assert_false(pmm_owns(UINT64_MAX & ~(uint64_t)PAGE_MASK));
}

static void test_pmm_free_count_returns_after_mixed_use(void **state)
{
    paddr_t held[32];
    uint64_t free0 = pmm_free_count();
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 32; i++) {
            held[i] = pmm_alloc();
            assert_int_not_equal(held[i], 0);
            if (i % 3 == 0)
                pmm_ref(held[i]);
        }
        for (int i = 31; i >= 0; i--) {
            if (i % 3 == 0)
                pmm_unref(held[i]);
            pmm_unref(held[i]);
        }
        assert_int_equal(pmm_free_count(), free0);
    }
}

/* Frames zeroed while idle: counted as free, handed out zeroed (to
 * pmm_alloc_ahead first, to anyone once the free list is empty), never
 * taken below PMM_PREZERO_KEEP_FREE. Needs more RAM than the others. */
static void test_pmm_frames_zeroed_ahead(void **state)
{
    fake_phys_free();
    fake_phys_init(256 * PAGE_SIZE);
    assert_int_equal(pmm_init(BASE, BASE + 256 * PAGE_SIZE), META_END);
    pmm_free_range(BASE, BASE + 256 * PAGE_SIZE);
    uint64_t free0 = pmm_free_count();
    pmm_idle_zero(3);
    assert_int_equal(pmm_free_count(), free0); /* still free, in the stash */
    paddr_t a = pmm_alloc_ahead();
    assert_true(a && all_bytes(a, 0) && pmm_refcount(a) == 1);
    assert_int_equal(pmm_free_count(), free0 - 1);
    /* Empty the free list: the stash's two remaining frames come next,
     * zeroed, then nothing. */
    paddr_t got[256];
    size_t n = 0;
    while ((got[n] = pmm_alloc_raw()) != 0)
        n++;
    assert_int_equal(n, free0 - 1);
    assert_true(all_bytes(got[n - 1], 0) && all_bytes(got[n - 2], 0));
    assert_false(all_bytes(got[n - 3], 0)); /* from the free list: junk */
    assert_int_equal(pmm_free_count(), 0);
    assert_int_equal(pmm_alloc_ahead(), 0);
    pmm_idle_zero(8); /* nothing free: nothing taken */
    assert_int_equal(pmm_free_count(), 0);
    for (size_t i = 0; i < n; i++)
        pmm_unref(got[i]);
    pmm_unref(a);
    assert_int_equal(pmm_free_count(), free0);
    /* Never below the reserve: there, every frame stays junk on the
     * free list. */
    for (n = 0; pmm_free_count() > PMM_PREZERO_KEEP_FREE; n++)
        got[n] = pmm_alloc();
    pmm_idle_zero(8);
    for (size_t i = 0; i < PMM_PREZERO_KEEP_FREE; i++) {
        got[n] = pmm_alloc_raw();
        assert_true(got[n] && !all_bytes(got[n], 0));
        n++;
    }
    assert_int_equal(pmm_free_count(), 0);
    for (size_t i = 0; i < n; i++)
        pmm_unref(got[i]);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pmm_init_reserves_every_frame, setup_reserved),
        T(test_pmm_init_rounds_to_whole_frames, setup_reserved),
        T(test_pmm_init_rejects_ranges_too_small, setup_reserved),
        T(test_pmm_metadata_grows_with_ram, setup_reserved),
        T(test_pmm_free_range_skips_metadata, setup_reserved),
        T(test_pmm_free_range_frees_only_whole_frames_inside, setup_reserved),
        T(test_pmm_free_range_clips_to_managed_ram, setup_reserved),
        T(test_pmm_free_range_twice_panics, setup_reserved),
        T(test_pmm_free_frames_hold_junk, setup_reserved),
        T(test_pmm_alloc_returns_zeroed_frame_with_count_one, setup_all_free),
        T(test_pmm_alloc_zeroes_a_reused_frame, setup_all_free),
        T(test_pmm_alloc_hands_out_distinct_frames, setup_all_free),
        T(test_pmm_exhaustion_returns_zero_until_a_free, setup_all_free),
        T(test_pmm_refs_share_a_frame_until_last_unref, setup_all_free),
        T(test_pmm_reserved_frame_survives_ref_and_unref, setup_reserved),
        T(test_pmm_double_free_panics, setup_all_free),
        T(test_pmm_ref_of_free_frame_panics, setup_all_free),
        T(test_pmm_unref_of_unowned_address_panics, setup_all_free),
        T(test_pmm_write_after_free_is_caught_at_next_alloc, setup_all_free),
        T(test_pmm_write_after_free_in_last_word_is_caught, setup_all_free),
        T(test_pmm_write_after_free_to_link_word_is_caught, setup_all_free),
        T(test_pmm_cleared_link_word_is_caught, setup_all_free),
        T(test_pmm_owns_only_managed_frames, setup_all_free),
        T(test_pmm_free_count_returns_after_mixed_use, setup_all_free),
        T(test_pmm_frames_zeroed_ahead, setup_reserved),
    };
    return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
