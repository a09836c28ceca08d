/* Host tests of the pager library's queue of deferred fills (pagers/common/pager_queue.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pagers/common/pager_queue.h"
#include "uapi/errors.h"

static char pages[PAGER_MAX_PENDING + 1][8];

static void test_token_names_its_request_once(void **state)
{
    struct pager_queue q = { 0 };
    long t = pq_add(&q, 3, 0x5000, pages[0]);
    assert_true(t >= 0);
    assert_int_equal(q.count, 1);
    assert_true(pq_waiting(&q, 3, 0x5000));
    assert_false(pq_waiting(&q, 3, 0x6000));
    assert_false(pq_waiting(&q, 4, 0x5000));
    struct pq_entry e;
    assert_true(pq_take(&q, t, &e));
    assert_int_equal(e.state, PQ_WAITING);
    assert_int_equal(e.object, 3);
    assert_int_equal(e.offset, 0x5000);
    assert_ptr_equal(e.page, pages[0]);
    assert_int_equal(q.count, 0);
    assert_false(pq_take(&q, t, &e)); /* completed twice: refused */
    assert_false(pq_waiting(&q, 3, 0x5000));
}

static void test_tokens_that_were_never_given_name_nothing(void **state)
{
    struct pager_queue q = { 0 };
    struct pq_entry e;
    assert_false(pq_take(&q, 0, &e));
    assert_false(pq_take(&q, -1, &e));
    assert_false(pq_take(&q, 123456, &e));
    long t = pq_add(&q, 0, 0, pages[0]);
    assert_false(pq_take(&q, t + PAGER_MAX_PENDING, &e)); /* same entry, other generation */
    assert_false(pq_take(&q, t + 1, &e));                 /* a free entry */
    assert_true(pq_take(&q, t, &e));
}

/* An entry used again gets a new token: the old one, completed late,
 * cannot complete the new request. */
static void test_stale_token_never_names_a_reused_entry(void **state)
{
    struct pager_queue q = { 0 };
    struct pq_entry e;
    long old = pq_add(&q, 1, 0, pages[0]);
    assert_true(pq_take(&q, old, &e));
    long fresh = pq_add(&q, 2, 0x1000, pages[1]);
    assert_int_equal(fresh % PAGER_MAX_PENDING, old % PAGER_MAX_PENDING);
    assert_true(fresh != old);
    assert_false(pq_take(&q, old, &e));
    assert_true(pq_take(&q, fresh, &e));
    assert_int_equal(e.object, 2);
}

static void test_queue_holds_at_most_its_size(void **state)
{
    struct pager_queue q = { 0 };
    long t[PAGER_MAX_PENDING];
    for (int i = 0; i < PAGER_MAX_PENDING; i++) {
        t[i] = pq_add(&q, (uint32_t)i, (uint64_t)i << 12, pages[i]);
        assert_true(t[i] >= 0);
        for (int j = 0; j < i; j++)
            assert_true(t[i] != t[j]);
    }
    assert_int_equal(pq_add(&q, 0, 0, pages[PAGER_MAX_PENDING]), -E_FULL);
    struct pq_entry e;
    /* Completed in any order, each gives back its own request. */
    for (int i = PAGER_MAX_PENDING - 1; i >= 0; i -= 2) {
        assert_true(pq_take(&q, t[i], &e));
        assert_int_equal(e.object, i);
        assert_ptr_equal(e.page, pages[i]);
    }
    assert_int_equal(q.count, PAGER_MAX_PENDING / 2);
    assert_true(pq_add(&q, 7, 0, pages[0]) >= 0);
}

/* The object goes while its fills wait: they stay, cancelled, until the
 * pager completes them (its I/O may still write the page); others are
 * untouched. */
static void test_cancel_keeps_the_entry_until_completed(void **state)
{
    struct pager_queue q = { 0 };
    long a = pq_add(&q, 5, 0, pages[0]);
    long b = pq_add(&q, 5, 0x3000, pages[1]);
    long c = pq_add(&q, 6, 0, pages[2]);
    assert_int_equal(pq_cancel_object(&q, 5), 2);
    assert_int_equal(pq_cancel_object(&q, 5), 0);
    assert_int_equal(q.count, 3);
    assert_false(pq_waiting(&q, 5, 0));
    assert_true(pq_waiting(&q, 6, 0));
    struct pq_entry e;
    assert_true(pq_take(&q, b, &e));
    assert_int_equal(e.state, PQ_CANCELLED);
    assert_ptr_equal(e.page, pages[1]);
    assert_true(pq_take(&q, c, &e));
    assert_int_equal(e.state, PQ_WAITING);
    /* A new object in the same table slot is not the cancelled one's. */
    long d = pq_add(&q, 5, 0, pages[3]);
    assert_true(pq_waiting(&q, 5, 0));
    assert_true(pq_take(&q, a, &e));
    assert_int_equal(e.state, PQ_CANCELLED);
    assert_true(pq_take(&q, d, &e));
    assert_int_equal(e.state, PQ_WAITING);
    assert_int_equal(q.count, 0);
}

/* Generations wrap without ever making a token negative. */
static void test_tokens_stay_non_negative_when_generations_wrap(void **state)
{
    struct pager_queue q = { 0 };
    q.gen = 0x7fffffffu / PAGER_MAX_PENDING - 2;
    struct pq_entry e;
    for (int i = 0; i < 8; i++) {
        long t = pq_add(&q, 0, 0, pages[0]);
        assert_true(t >= 0);
        assert_true(pq_take(&q, t, &e));
        assert_false(pq_take(&q, t, &e));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_names_its_request_once),
        cmocka_unit_test(test_tokens_that_were_never_given_name_nothing),
        cmocka_unit_test(test_stale_token_never_names_a_reused_entry),
        cmocka_unit_test(test_queue_holds_at_most_its_size),
        cmocka_unit_test(test_cancel_keeps_the_entry_until_completed),
        cmocka_unit_test(test_tokens_stay_non_negative_when_generations_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
