/* Intrusive AVL trees; see kern/avl.h. */
#include "kern/avl.h"

static inline int height(const struct avl_node *n)
{
	return n ? n->height : 0;
}

static inline int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Makes `to` take `from`'s place under parent (or at the root). */
static void reparent(struct avl_tree *tree, struct avl_node *parent, struct avl_node *from,
		     struct avl_node *to)
{
	if (!parent)
		tree->root = to;
	else if (parent->left == from)
		parent->left = to;
	else
		parent->right = to;
}

/* Lifts n's right child above n; returns the subtree's new top. */
static struct avl_node *lift_right(struct avl_tree *tree, struct avl_node *n)
{
	struct avl_node *r = n->right;
	n->right = r->left;
	if (r->left)
		r->left->parent = n;
	r->parent = n->parent;
	reparent(tree, n->parent, n, r);
	r->left = n;
	n->parent = r;
	n->height = 1 + max_int(height(n->left), height(n->right));
	r->height = 1 + max_int(height(r->left), height(r->right));
	return r;
}

/* Lifts n's left child above n; returns the subtree's new top. */
static struct avl_node *lift_left(struct avl_tree *tree, struct avl_node *n)
{
	struct avl_node *l = n->left;
	n->left = l->right;
	if (l->right)
		l->right->parent = n;
	l->parent = n->parent;
	reparent(tree, n->parent, n, l);
	l->right = n;
	n->parent = l;
	n->height = 1 + max_int(height(n->left), height(n->right));
	l->height = 1 + max_int(height(l->left), height(l->right));
	return l;
}

/* Restores heights and balance from n up. A subtree whose height comes
 * out as it was before the change cannot affect anything above it, so
 * the walk stops there: O(1) amortized after an insert, O(log n) at
 * worst either way. */
void avl_rebalance(struct avl_tree *tree, struct avl_node *n)
{
	while (n) {
		int before = n->height;
		int hl = height(n->left), hr = height(n->right);
		if (hl > hr + 1) {
			if (height(n->left->left) < height(n->left->right))
				lift_right(tree, n->left);
			n = lift_left(tree, n);
		} else if (hr > hl + 1) {
			if (height(n->right->right) < height(n->right->left))
				lift_left(tree, n->right);
			n = lift_right(tree, n);
		} else {
			n->height = 1 + max_int(hl, hr);
		}
		if (n->height == before)
			return;
		n = n->parent;
	}
}

void avl_remove_any(struct avl_tree *tree, struct avl_node *node)
{
	struct avl_node *from; /* the lowest node whose subtree changed */
	if (node->left && node->right) {
		/* The in-order successor (leftmost on the right, so it has no
		 * left child) takes node's place. */
		struct avl_node *s = node->right;
		while (s->left)
			s = s->left;
		if (s->parent == node) {
			from = s;
		} else {
			from = s->parent;
			from->left = s->right;
			if (s->right)
				s->right->parent = from;
			s->right = node->right;
			node->right->parent = s;
		}
		s->left = node->left;
		node->left->parent = s;
		s->parent = node->parent;
		s->height = node->height;
		reparent(tree, node->parent, node, s);
	} else {
		struct avl_node *child = node->left ? node->left : node->right;
		if (child)
			child->parent = node->parent;
		reparent(tree, node->parent, node, child);
		from = node->parent;
	}
	node->left = node->right = node->parent = 0;
	avl_rebalance(tree, from);
}

struct avl_node *avl_first(const struct avl_tree *tree)
{
	struct avl_node *n = tree->root;
	while (n && n->left)
		n = n->left;
	return n;
}

struct avl_node *avl_last(const struct avl_tree *tree)
{
	struct avl_node *n = tree->root;
	while (n && n->right)
		n = n->right;
	return n;
}

struct avl_node *avl_next(const struct avl_node *node)
{
	struct avl_node *n = (struct avl_node *)node;
	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return n;
	}
	while (n->parent && n == n->parent->right)
		n = n->parent;
	return n->parent;
}

struct avl_node *avl_prev(const struct avl_node *node)
{
	struct avl_node *n = (struct avl_node *)node;
	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return n;
	}
	while (n->parent && n == n->parent->left)
		n = n->parent;
	return n->parent;
}

/* The node count of n's subtree, or -1 if an invariant fails in it. */
static long check_subtree(const struct avl_node *n, const struct avl_node *parent)
{
	if (!n)
		return 0;
	if (n->parent != parent)
		return -1;
	long l = check_subtree(n->left, n), r = check_subtree(n->right, n);
	int hl = height(n->left), hr = height(n->right);
	if (l < 0 || r < 0 || n->height != 1 + max_int(hl, hr) || hl > hr + 1 || hr > hl + 1)
		return -1;
	return l + r + 1;
}

long avl_check(const struct avl_tree *tree)
{
	return check_subtree(tree->root, 0);
}
