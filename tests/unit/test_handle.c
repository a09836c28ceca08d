/*
 * Host unit tests for kern/handle.c and kern/kobj.c.
 *
 * Objects are plain structs starting with a struct kobj, of type
 * OBJ_MODULE (or OBJ_TASK for type checks), whose registered destroy
 * function counts its calls. Tables live on the heap, one per task in a
 * test, so AddressSanitizer sees every slot access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kern/handle.h"
#include "kern/kobj.h"
#include "uapi/errors.h"

struct fake_obj {
    struct kobj k;
    int destroyed;
};

static int destroy_calls;

static void fake_destroy(struct kobj *o)
{
    struct fake_obj *f = (struct fake_obj *)o;
    assert_int_equal(o->refs, 0);
    f->destroyed++;
    destroy_calls++;
}

struct fixture {
    struct handle_table *a, *b;
    struct fake_obj mod, task;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    fx->a = calloc(1, sizeof(*fx->a));
    fx->b = calloc(1, sizeof(*fx->b));
    kobj_register(OBJ_MODULE, fake_destroy);
    kobj_register(OBJ_TASK, fake_destroy);
    kobj_init(&fx->mod.k, OBJ_MODULE);
    kobj_init(&fx->task.k, OBJ_TASK);
    destroy_calls = 0;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    free(fx->a);
    free(fx->b);
    free(fx);
    return 0;
}

static void test_kobj_last_put_destroys(void **state)
{
    struct fixture *fx = *state;
    kobj_get(&fx->mod.k);
    assert_int_equal(fx->mod.k.refs, 2);
    kobj_put(&fx->mod.k);
    assert_int_equal(fx->mod.destroyed, 0);
    kobj_put(&fx->mod.k);
    assert_int_equal(fx->mod.destroyed, 1);
}

static void test_kobj_type_without_destroy_is_left_alone(void **state)
{
    struct kobj o;
    kobj_init(&o, OBJ_SYSTEM);
    kobj_put(&o);
    assert_int_equal(o.refs, 0);
    assert_int_equal(destroy_calls, 0);
}

static void test_kobj_put_of_dead_object_panics(void **state)
{
    struct fixture *fx = *state;
    kobj_put(&fx->mod.k);
    expect_assert_failure(kobj_put(&fx->mod.k));
    expect_assert_failure(kobj_get(&fx->mod.k));
    assert_int_equal(fx->mod.destroyed, 1);
}

static void test_kobj_rejects_bad_types(void **state)
{
    struct kobj o;
    expect_assert_failure(kobj_init(&o, OBJ_NONE));
    expect_assert_failure(kobj_init(&o, OBJ_NTYPES));
    expect_assert_failure(kobj_register(OBJ_NONE, fake_destroy));
    expect_assert_failure(kobj_register(OBJ_NTYPES, fake_destroy));
}

static void test_handle_install_takes_lowest_slot_and_a_ref(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(handle_install(fx->a, &fx->mod.k, R_READ, 7), 0);
    assert_int_equal(handle_install(fx->a, &fx->mod.k, R_READ, 8), 1);
    assert_int_equal(handle_install(fx->a, &fx->task.k, R_READ, 9), 2);
    assert_int_equal(fx->mod.k.refs, 3);
    assert_int_equal(fx->task.k.refs, 2);
    assert_int_equal(handle_close(fx->a, 1), 0);
    assert_int_equal(handle_install(fx->a, &fx->task.k, 0, 0), 1);
    assert_int_equal(handle_install(fx->a, &fx->task.k, 0, 0), 3);
}

static void test_handle_install_keeps_only_defined_rights(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, 0xffffffffu, 0);
    struct handle *s;
    assert_int_equal(handle_lookup(fx->a, h, OBJ_NONE, 0, &s), 0);
    assert_int_equal(s->rights, R_ALL);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_NONE, 1u << 7, &s), -E_PERM);
}

static void test_handle_lookup_returns_slot(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_READ | R_MAP, 0xfeedface12345678ull);
    struct handle *s = NULL;
    assert_int_equal(handle_lookup(fx->a, h, OBJ_MODULE, R_READ | R_MAP, &s),
                     0);
    assert_ptr_equal(s, &fx->a->slot[h]);
    assert_ptr_equal(s->obj, &fx->mod.k);
    assert_int_equal(s->rights, R_READ | R_MAP);
    assert_int_equal(s->badge, 0xfeedface12345678ull);
    /* Lookup takes no reference. */
    assert_int_equal(fx->mod.k.refs, 2);
}

static void test_handle_lookup_checks_type(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_ALL, 0);
    struct handle *s = NULL;
    assert_int_equal(handle_lookup(fx->a, h, OBJ_TASK, 0, &s), -E_BADH);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_THREAD, R_READ, &s), -E_BADH);
    assert_null(s);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_NONE, 0, &s), 0);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_MODULE, 0, &s), 0);
}

static void test_handle_lookup_checks_rights(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_READ | R_SEND, 0);
    struct handle *s = NULL;
    assert_int_equal(handle_lookup(fx->a, h, OBJ_MODULE, R_MAP, &s), -E_PERM);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_MODULE, R_READ | R_MAP, &s),
                     -E_PERM);
    assert_null(s);
    assert_int_equal(handle_lookup(fx->a, h, OBJ_MODULE, R_SEND, &s), 0);
    /* A wrong type is reported before missing rights. */
    assert_int_equal(handle_lookup(fx->a, h, OBJ_TASK, R_MAP, &s), -E_BADH);
}

static void test_handle_lookup_rejects_empty_and_out_of_range(void **state)
{
    struct fixture *fx = *state;
    static const int64_t bad[] = {
        -1, HANDLE_MAX, HANDLE_MAX + 1, INT32_MAX, (int64_t)1 << 32,
        INT64_MAX, INT64_MIN, 5,
    };
    struct handle *s = NULL;
    handle_install(fx->a, &fx->mod.k, R_ALL, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(handle_lookup(fx->a, bad[i], OBJ_NONE, 0, &s), -E_BADH);
        assert_int_equal(handle_close(fx->a, bad[i]), -E_BADH);
        assert_int_equal(handle_copy(fx->a, bad[i], fx->b, R_ALL), -E_BADH);
    }
    assert_null(s);
    assert_int_equal(fx->mod.k.refs, 2);
}

static void test_handle_install_at_checks_slot(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(handle_install_at(fx->a, 5, &fx->mod.k, R_READ, 1), 5);
    assert_int_equal(handle_install_at(fx->a, 5, &fx->task.k, R_READ, 1),
                     -E_BUSY);
    assert_int_equal(handle_install_at(fx->a, -1, &fx->task.k, R_READ, 1),
                     -E_BADH);
    assert_int_equal(handle_install_at(fx->a, HANDLE_MAX, &fx->task.k, 0, 1),
                     -E_BADH);
    assert_int_equal(handle_install_at(fx->a, HANDLE_MAX - 1, &fx->task.k, 0,
                                       1),
                     HANDLE_MAX - 1);
    /* Only the two successful installs took references. */
    assert_int_equal(fx->mod.k.refs, 2);
    assert_int_equal(fx->task.k.refs, 2);
    /* install still picks the lowest free slot around them. */
    assert_int_equal(handle_install(fx->a, &fx->mod.k, 0, 0), 0);
}

static void test_handle_copy_within_table_needs_no_grant(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_READ | R_MAP, 42);
    int c = handle_copy(fx->a, h, fx->a, R_ALL);
    assert_int_equal(c, 1);
    assert_ptr_equal(fx->a->slot[c].obj, &fx->mod.k);
    assert_int_equal(fx->a->slot[c].rights, R_READ | R_MAP);
    assert_int_equal(fx->a->slot[c].badge, 42);
    assert_int_equal(fx->mod.k.refs, 3);
}

static void test_handle_copy_masks_rights(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_READ | R_MAP | R_GRANT, 0);
    int c = handle_copy(fx->a, h, fx->b, R_READ | R_SEND);
    assert_true(c >= 0);
    assert_int_equal(fx->b->slot[c].rights, R_READ);
    /* The source keeps its rights. */
    assert_int_equal(fx->a->slot[h].rights, R_READ | R_MAP | R_GRANT);
    /* A copy without R_GRANT cannot be passed on. */
    assert_int_equal(handle_copy(fx->b, c, fx->a, R_ALL), -E_PERM);
}

static void test_handle_copy_across_tables_needs_grant(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_ALL & ~R_GRANT, 3);
    assert_int_equal(handle_copy(fx->a, h, fx->b, R_ALL), -E_PERM);
    assert_int_equal(fx->mod.k.refs, 2);
    assert_null(fx->b->slot[0].obj);

    int g = handle_install(fx->a, &fx->mod.k, R_READ | R_GRANT, 4);
    int c = handle_copy(fx->a, g, fx->b, R_ALL);
    assert_int_equal(c, 0);
    assert_ptr_equal(fx->b->slot[c].obj, &fx->mod.k);
    assert_int_equal(fx->b->slot[c].rights, R_READ | R_GRANT);
    assert_int_equal(fx->b->slot[c].badge, 4);
    assert_int_equal(fx->mod.k.refs, 4);
}

static void test_handle_close_drops_the_reference(void **state)
{
    struct fixture *fx = *state;
    int h1 = handle_install(fx->a, &fx->mod.k, R_ALL, 0);
    int h2 = handle_copy(fx->a, h1, fx->b, R_READ);
    kobj_put(&fx->mod.k); /* only the handles hold it now */
    assert_int_equal(fx->mod.k.refs, 2);

    assert_int_equal(handle_close(fx->a, h1), 0);
    assert_null(fx->a->slot[h1].obj);
    assert_int_equal(fx->mod.destroyed, 0);
    assert_int_equal(handle_close(fx->a, h1), -E_BADH);

    assert_int_equal(handle_close(fx->b, h2), 0);
    assert_int_equal(fx->mod.destroyed, 1);
    assert_int_equal(destroy_calls, 1);
}

static struct handle_table *reentrant_table;

static void destroy_closing_other_handle(struct kobj *o)
{
    /* Destroying one object may close handles in the same table, as
     * task teardown does; the closed slot must already be empty. */
    assert_null(reentrant_table->slot[0].obj);
    handle_close(reentrant_table, 1);
    destroy_calls++;
}

static void test_handle_close_empties_slot_before_destroy(void **state)
{
    struct fixture *fx = *state;
    kobj_register(OBJ_TASK, destroy_closing_other_handle);
    reentrant_table = fx->a;
    assert_int_equal(handle_install(fx->a, &fx->task.k, R_ALL, 0), 0);
    assert_int_equal(handle_install(fx->a, &fx->mod.k, R_ALL, 0), 1);
    kobj_put(&fx->task.k);
    kobj_put(&fx->mod.k);
    assert_int_equal(handle_close(fx->a, 0), 0);
    assert_int_equal(destroy_calls, 2);
    assert_null(fx->a->slot[1].obj);
    assert_int_equal(fx->mod.destroyed, 1);
}

static void test_handle_table_full(void **state)
{
    struct fixture *fx = *state;
    for (int i = 0; i < HANDLE_MAX; i++)
        assert_int_equal(handle_install(fx->a, &fx->mod.k, R_ALL, 0), i);
    assert_int_equal(fx->mod.k.refs, HANDLE_MAX + 1);
    assert_int_equal(handle_install(fx->a, &fx->task.k, R_ALL, 0), -E_FULL);
    assert_int_equal(handle_copy(fx->a, 3, fx->a, R_ALL), -E_FULL);
    int h = handle_install(fx->b, &fx->task.k, R_ALL, 0);
    assert_int_equal(handle_copy(fx->b, h, fx->a, R_ALL), -E_FULL);
    assert_int_equal(fx->task.k.refs, 2);
    assert_int_equal(fx->mod.k.refs, HANDLE_MAX + 1);
    /* A freed slot is reused. */
    assert_int_equal(handle_close(fx->a, 77), 0);
    assert_int_equal(handle_copy(fx->b, h, fx->a, R_ALL), 77);
}

static void test_handle_table_clear_closes_every_slot(void **state)
{
    struct fixture *fx = *state;
    handle_install(fx->a, &fx->mod.k, R_ALL, 0);
    handle_install(fx->a, &fx->task.k, R_ALL, 0);
    handle_install_at(fx->a, HANDLE_MAX - 1, &fx->mod.k, R_READ, 0);
    handle_install_at(fx->a, 40, &fx->task.k, R_READ, 0);
    kobj_put(&fx->mod.k);
    kobj_put(&fx->task.k);
    handle_table_clear(fx->a);
    for (int i = 0; i < HANDLE_MAX; i++)
        assert_null(fx->a->slot[i].obj);
    assert_int_equal(fx->mod.destroyed, 1);
    assert_int_equal(fx->task.destroyed, 1);
    assert_int_equal(destroy_calls, 2);
    /* A cleared table is empty and usable. */
    handle_table_clear(fx->a);
    assert_int_equal(destroy_calls, 2);
}

static void test_handle_table_clear_keeps_other_holders(void **state)
{
    struct fixture *fx = *state;
    int h = handle_install(fx->a, &fx->mod.k, R_ALL, 0);
    handle_copy(fx->a, h, fx->b, R_READ);
    kobj_put(&fx->mod.k);
    handle_table_clear(fx->a);
    assert_int_equal(fx->mod.destroyed, 0);
    assert_int_equal(fx->mod.k.refs, 1);
    struct handle *s;
    assert_int_equal(handle_lookup(fx->b, 0, OBJ_MODULE, R_READ, &s), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_kobj_last_put_destroys),
        T(test_kobj_type_without_destroy_is_left_alone),
        T(test_kobj_put_of_dead_object_panics),
        T(test_kobj_rejects_bad_types),
        T(test_handle_install_takes_lowest_slot_and_a_ref),
        T(test_handle_install_keeps_only_defined_rights),
        T(test_handle_lookup_returns_slot),
        T(test_handle_lookup_checks_type),
        T(test_handle_lookup_checks_rights),
        T(test_handle_lookup_rejects_empty_and_out_of_range),
        T(test_handle_install_at_checks_slot),
        T(test_handle_copy_within_table_needs_no_grant),
        T(test_handle_copy_masks_rights),
        T(test_handle_copy_across_tables_needs_grant),
        T(test_handle_close_drops_the_reference),
        T(test_handle_close_empties_slot_before_destroy),
        T(test_handle_table_full),
        T(test_handle_table_clear_closes_every_slot),
        T(test_handle_table_clear_keeps_other_holders),
    };
    return cmocka_run_group_tests_name("handle", tests, NULL, NULL);
}
