/*
 * Host unit tests for kern/avl.c: fixed shapes that force each kind of
 * rebalancing, then long random runs checked after every step against a
 * reference model (a plain sorted array of the keys present).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "kern/avl.h"
#include "lib/list.h"

#define KEYS 600

struct item {
    struct avl_node node;
    unsigned key;
    bool in;
};

static struct item items[KEYS];
static struct avl_tree tree;

/* The reference model: the keys in the tree, sorted. */
static unsigned model[KEYS];
static unsigned nmodel;

static int setup(void **state)
{
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < KEYS; i++)
        items[i].key = i;
    tree.root = 0;
    nmodel = 0;
    return 0;
}

static struct item *item_of(struct avl_node *n)
{
    return n ? container_of(n, struct item, node) : 0;
}

static void tree_insert(unsigned key)
{
    struct avl_node **link = &tree.root, *parent = 0;
    while (*link) {
        parent = *link;
        link = key < item_of(parent)->key ? &parent->left : &parent->right;
    }
    avl_insert(&tree, &items[key].node, parent, link);
    items[key].in = true;
    unsigned i = nmodel++;
    for (; i > 0 && model[i - 1] > key; i--)
        model[i] = model[i - 1];
    model[i] = key;
}

static void tree_remove(unsigned key)
{
    avl_remove(&tree, &items[key].node);
    items[key].in = false;
    unsigned i = 0;
    while (model[i] != key)
        i++;
    memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
    nmodel--;
}

static struct item *tree_find(unsigned key)
{
    struct avl_node *n = tree.root;
    while (n && item_of(n)->key != key)
        n = key < item_of(n)->key ? n->left : n->right;
    return item_of(n);
}

static int depth(const struct avl_node *n)
{
    if (!n)
        return 0;
    int l = depth(n->left), r = depth(n->right);
    return 1 + (l > r ? l : r);
}

/* Everything the model says, the tree says: the invariants, the count,
 * both walk orders, and a lookup of every key present or not. */
static void check_against_model(void)
{
    assert_int_equal(avl_check(&tree), nmodel);
    unsigned i = 0;
    for (struct avl_node *n = avl_first(&tree); n; n = avl_next(n))
        assert_int_equal(item_of(n)->key, model[i++]);
    assert_int_equal(i, nmodel);
    for (struct avl_node *n = avl_last(&tree); n; n = avl_prev(n))
        assert_int_equal(item_of(n)->key, model[--i]);
    assert_int_equal(i, 0);
    for (unsigned k = 0; k < KEYS; k++)
        assert_ptr_equal(tree_find(k), items[k].in ? &items[k] : 0);
    /* An AVL tree of n nodes is less than 1.45 log2(n + 2) deep; bits
     * below is just over log2(n + 2). */
    unsigned bits = 0;
    while ((nmodel + 2) >> bits)
        bits++;
    assert_true(20 * depth(tree.root) <= 29 * (int)bits);
}

static void test_avl_empty_tree_has_no_first_or_last(void **state)
{
    assert_null(avl_first(&tree));
    assert_null(avl_last(&tree));
    assert_int_equal(avl_check(&tree), 0);
}

static void test_avl_ascending_inserts_stay_balanced(void **state)
{
    for (unsigned k = 0; k < 255; k++) {
        tree_insert(k);
        check_against_model();
    }
    assert_int_equal(depth(tree.root), 8); /* 255 nodes: a perfect tree */
}

static void test_avl_descending_inserts_stay_balanced(void **state)
{
    for (unsigned k = 255; k-- > 0;) {
        tree_insert(k);
        check_against_model();
    }
    assert_int_equal(depth(tree.root), 8);
}

/* Zig-zag inserts force the double rotations on both sides. */
static void test_avl_zigzag_inserts_rotate_twice(void **state)
{
    static const unsigned order[] = { 10, 2, 6, 20, 30, 25, 1, 0, 5, 4, 3 };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        tree_insert(order[i]);
        check_against_model();
    }
}

/* Removing a node with two children moves its successor up, from right
 * below it and from deeper down. */
static void test_avl_remove_node_with_two_children_keeps_order(void **state)
{
    for (unsigned k = 0; k < 63; k++)
        tree_insert(k);
    struct avl_node *root = tree.root;
    unsigned key = item_of(root)->key;
    tree_remove(key); /* successor from deep down */
    check_against_model();
    assert_ptr_not_equal(tree.root, root);
    for (unsigned k = 0; k < 63; k++)
        if (items[k].in && items[k].node.left && items[k].node.right &&
            items[k].node.right->left == 0) { /* successor right below */
            tree_remove(k);
            check_against_model();
            break;
        }
    while (nmodel) {
        tree_remove(item_of(tree.root)->key);
        check_against_model();
    }
    assert_null(tree.root);
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void random_run(uint64_t seed, unsigned steps, unsigned insert_percent)
{
    for (unsigned step = 0; step < steps; step++) {
        unsigned key = (unsigned)(rng_next(&seed) % KEYS);
        bool insert = rng_next(&seed) % 100 < insert_percent;
        if (insert && !items[key].in)
            tree_insert(key);
        else if (!insert && items[key].in)
            tree_remove(key);
        if (step % 7 == 0 || nmodel < 20)
            check_against_model();
    }
    check_against_model();
}

static void test_avl_random_inserts_and_removes_match_model(void **state)
{
    random_run(0x2545f4914f6cdd1dull, 20000, 50);
}

static void test_avl_random_growth_then_drain_matches_model(void **state)
{
    random_run(0x9e3779b97f4a7c15ull, 6000, 80);
    random_run(0xdeadbeefcafef00dull, 6000, 20);
    while (nmodel) {
        tree_remove(model[nmodel / 2]);
        check_against_model();
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, 0)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_avl_empty_tree_has_no_first_or_last),
        T(test_avl_ascending_inserts_stay_balanced),
        T(test_avl_descending_inserts_stay_balanced),
        T(test_avl_zigzag_inserts_rotate_twice),
        T(test_avl_remove_node_with_two_children_keeps_order),
        T(test_avl_random_inserts_and_removes_match_model),
        T(test_avl_random_growth_then_drain_matches_model),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
