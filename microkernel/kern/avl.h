/*
 * Intrusive AVL trees (height-balanced binary search trees).
 *
 * The tree knows no keys: its user embeds a struct avl_node in each
 * element and does the searching itself (its own key, its own compare),
 * which keeps the lookups inline and free of callbacks. Use:
 *   1. descend from tree->root to the empty child slot where the new
 *      node belongs, remembering that slot's parent;
 *   2. avl_insert(tree, node, parent, slot) links it and rebalances;
 *   3. avl_remove(tree, node) unlinks it and rebalances;
 *   4. avl_first / avl_next (avl_last / avl_prev) walk in key order.
 *
 * What holds between calls: every node's height is one more than its
 * taller child's (an absent child counts 0); the two children's heights
 * differ by at most one, so a tree of n nodes is less than
 * 1.45 log2(n + 2) deep and steps 1-3 cost O(log n); parent pointers are
 * exact, so a whole in-order walk costs O(n). avl_check verifies all of
 * it (host tests, debug checks).
 *
 * No locks: each tree belongs to one owner (a task's address map), and
 * the kernel runs one hart without preemption inside it.
 */
#ifndef KERN_AVL_H
#define KERN_AVL_H

#include "kern/types.h"

struct avl_node {
	struct avl_node *left, *right, *parent;
	int height; /* of the subtree rooted here; a leaf has 1 */
};

struct avl_tree {
	struct avl_node *root; /* NULL: empty (a zeroed tree is a valid one) */
};

/* The general steps behind avl_insert and avl_remove below. */
void avl_rebalance(struct avl_tree *tree, struct avl_node *from);
void avl_remove_any(struct avl_tree *tree, struct avl_node *node);

/* Links node (its fields need no set-up) into the empty slot *link,
 * which is parent's left or right child, or tree->root with parent NULL.
 * Inline, as avl_remove: a tree of one node (an object's one pending
 * request, say) costs a few stores, no call. */
static inline void avl_insert(struct avl_tree *tree, struct avl_node *node,
			      struct avl_node *parent, struct avl_node **link)
{
	node->left = node->right = 0;
	node->parent = parent;
	node->height = 1;
	*link = node;
	if (parent)
		avl_rebalance(tree, parent);
}

static inline void avl_remove(struct avl_tree *tree, struct avl_node *node)
{
	if (node == tree->root && !node->left && !node->right)
		tree->root = 0;
	else
		avl_remove_any(tree, node);
}

struct avl_node *avl_first(const struct avl_tree *tree);
struct avl_node *avl_last(const struct avl_tree *tree);
struct avl_node *avl_next(const struct avl_node *node); /* NULL after the last */
struct avl_node *avl_prev(const struct avl_node *node); /* NULL before the first */

/* The number of nodes if every invariant above holds, else -1. */
long avl_check(const struct avl_tree *tree);

#endif
