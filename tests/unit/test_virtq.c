/*
 * Host tests of the driver's split virtqueue (servers/blk/virtq.c) with a
 * fake device that reads the available ring, checks the chains and puts
 * heads in the used ring in an order the test chooses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "servers/blk/virtq.h"

#define NUM 16

static _Alignas(4096) uint8_t mem[4096];
static struct virtq q;
static uint16_t dev_avail; /* entries of the available ring the device has taken */
static uint16_t dev_used;  /* entries it has put in the used ring */

static int setup(void **state)
{
    virtq_init(&q, mem, NUM, 64);
    dev_avail = dev_used = 0;
    return 0;
}

/* The device takes the next available head. */
static uint16_t dev_take(void)
{
    assert_int_not_equal(q.avail[1], dev_avail);
    return q.avail[2 + (dev_avail++ % NUM)];
}

/* The device finishes head, having written len bytes. */
static void dev_done(uint16_t head, uint32_t len)
{
    q.used_ring[dev_used % NUM].id = head;
    q.used_ring[dev_used % NUM].len = len;
    dev_used++;
    q.used_hdr[1] = dev_used;
}

static unsigned chain_len(uint16_t head)
{
    unsigned n = 1;
    while (q.desc[head].flags & VIRTQ_DESC_F_NEXT) {
        head = q.desc[head].next;
        n++;
    }
    return n;
}

static int submit3(uint64_t base)
{
    struct virtq_seg segs[3] = {
        { base, 16, false }, { base + 0x1000, 4096, true }, { base + 0x3000, 1, true }
    };
    int head = virtq_chain(&q, segs, 3);
    if (head >= 0)
        virtq_publish(&q, (uint16_t)head);
    return head;
}

static void test_layout_fits_a_page_with_legacy_alignment(void **state)
{
    struct virtq l;
    virtq_layout(&l, 128, 64);
    assert_int_equal(l.avail_off, 128 * 16);
    assert_int_equal(l.used_off % 64, 0);
    assert_true(l.used_off >= l.avail_off + 6 + 2 * 128);
    assert_true(l.size <= 4096);
    virtq_layout(&l, 128, 4096); /* the spec's default alignment would not fit */
    assert_true(l.size > 4096);
}

static void test_chain_links_segments_with_flags(void **state)
{
    int head = submit3(0x80000000);
    assert_true(head >= 0);
    uint16_t d = (uint16_t)head;
    assert_int_equal(q.desc[d].addr, 0x80000000);
    assert_int_equal(q.desc[d].len, 16);
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_NEXT);
    d = q.desc[d].next;
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
    d = q.desc[d].next;
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_WRITE);
    assert_int_equal(q.desc[d].len, 1);
    assert_int_equal(q.nfree, NUM - 3);
    assert_int_equal(q.avail[1], 1);
    assert_int_equal(dev_take(), head);
}

static void test_completions_in_any_order_free_their_descriptors(void **state)
{
    int heads[5];
    for (int i = 0; i < 5; i++) {
        heads[i] = submit3(0x1000000ul * (i + 1));
        assert_true(heads[i] >= 0);
        assert_int_equal(dev_take(), heads[i]);
    }
    assert_int_equal(q.nfree, NUM - 15);
    /* A sixth does not fit: nothing changes. */
    assert_int_equal(submit3(0x9000000), -1);
    assert_int_equal(q.nfree, 1);
    assert_int_equal(q.avail[1], 5);
    int order[5] = { 3, 0, 4, 1, 2 };
    for (int i = 0; i < 5; i++)
        dev_done((uint16_t)heads[order[i]], 4097);
    for (int i = 0; i < 5; i++) {
        uint16_t h;
        uint32_t len;
        assert_true(virtq_reap(&q, &h, &len));
        assert_int_equal(h, heads[order[i]]);
        assert_int_equal(len, 4097);
    }
    uint16_t h;
    uint32_t len;
    assert_false(virtq_reap(&q, &h, &len));
    assert_int_equal(q.nfree, NUM);
}

static void test_indices_wrap_around(void **state)
{
    /* Many more requests than entries, two in flight at a time. */
    for (int i = 0; i < 70000; i++) {
        int a = submit3(0x1000), b = submit3(0x2000);
        assert_true(a >= 0 && b >= 0);
        assert_int_equal(chain_len((uint16_t)a), 3);
        uint16_t ta = dev_take(), tb = dev_take();
        dev_done(tb, 1);
        dev_done(ta, 1);
        uint16_t h;
        uint32_t len;
        assert_true(virtq_reap(&q, &h, &len));
        assert_int_equal(h, b);
        assert_true(virtq_reap(&q, &h, &len));
        assert_int_equal(h, a);
    }
    assert_int_equal(q.nfree, NUM);
}

static void test_a_bad_used_id_is_skipped(void **state)
{
    int head = submit3(0x5000);
    dev_take();
    dev_done(NUM + 3, 0); /* not a descriptor */
    dev_done((uint16_t)head, 1);
    uint16_t h;
    uint32_t len;
    assert_true(virtq_reap(&q, &h, &len));
    assert_int_equal(h, head);
    assert_int_equal(q.nfree, NUM);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_layout_fits_a_page_with_legacy_alignment),
        T(test_chain_links_segments_with_flags),
        T(test_completions_in_any_order_free_their_descriptors),
        T(test_indices_wrap_around),
        T(test_a_bad_used_id_is_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
