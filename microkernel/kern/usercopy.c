/* User memory access; see kern/usercopy.h. */
#include "kern/usercopy.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/phys.h"
#include "lib/string.h"
#include "uapi/errors.h"

int user_check(struct task *t, uaddr_t va, size_t n, bool write)
{
	if (n == 0)
		return 0;
	if (!t->pt_root || va < USER_LO || va >= USER_HI || n > USER_HI - va)
		return -E_FAULT;
	uint64_t need = write ? PTE_W : PTE_R;
	for (uaddr_t p = PAGE_DOWN(va); p < va + n; p += PAGE_SIZE)
		if (!sv39_user_pa(t->pt_root, p, need))
			return -E_FAULT;
	return 0;
}

/* Moves n bytes between kernel buffer k and user range u, page by page;
 * the range has been checked. */
static void user_move(struct task *t, uaddr_t u, void *k, size_t n, bool to_user)
{
	char *kp = k;
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (u & PAGE_MASK));
		void *up = pa_to_kva(sv39_user_pa(t->pt_root, u, 0));
		if (to_user)
			memcpy(up, kp, chunk);
		else
			memcpy(kp, up, chunk);
		u += chunk;
		kp += chunk;
		n -= chunk;
	}
}

int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t n)
{
	int err = user_check(t, src, n, false);
	if (err)
		return err;
	user_move(t, src, dst, n, false);
	return 0;
}

int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t n)
{
	int err = user_check(t, dst, n, true);
	if (err)
		return err;
	user_move(t, dst, (void *)src, n, true);
	return 0;
}
