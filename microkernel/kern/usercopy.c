/* User memory access; see kern/usercopy.h. */
#include "kern/usercopy.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/cpu.h"
#include "kern/phys.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_fault.h"
#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/vm.h"

/* The PTE of va if it allows need (PTE_R or PTE_W) to user mode. */
static pte_t *user_pte(struct task *t, uaddr_t va, uint64_t need)
{
	pte_t *e = sv39_walk(t->pt_root, va, false);
	return e && (*e & (PTE_V | PTE_U | need)) == (PTE_V | PTE_U | need) ? e : 0;
}

/* A page of the calling thread's own memory that is not mapped as needed:
 * fault it in as the thread's own access would. 0 once mapped, USER_BLOCKED
 * if the thread now waits for the pager, -E_FAULT if the access is bad. */
static int fault_in(struct task *t, uaddr_t va, bool write)
{
	struct thread *cur = this_cpu()->cur;
	if (!cur || cur->task != t || cur->state != TH_RUNNING)
		return -E_FAULT; /* another task's memory: only what is mapped */
	switch (vm_fault_syscall(cur, va, write ? VM_W : VM_R)) {
	case FAULT_RESOLVED:
		return user_pte(t, va, write ? PTE_W : PTE_R) ? 0 : -E_FAULT;
	case FAULT_BLOCKED:
		return USER_BLOCKED;
	default:
		return -E_FAULT;
	}
}

static int check(struct task *t, uaddr_t va, size_t n, bool write, bool may_fault)
{
	if (n == 0)
		return 0;
	if (!t->pt_root || va < USER_LO || va >= USER_HI || n > USER_HI - va)
		return -E_FAULT;
	uint64_t need = write ? PTE_W : PTE_R;
	for (uaddr_t p = PAGE_DOWN(va); p < va + n; p += PAGE_SIZE) {
		if (user_pte(t, p, need))
			continue;
		int err = may_fault ? fault_in(t, p, write) : -E_FAULT;
		if (err)
			return err;
	}
	return 0;
}

int user_check(struct task *t, uaddr_t va, size_t n, bool write)
{
	return check(t, va, n, write, true);
}

int user_check_mapped(struct task *t, uaddr_t va, size_t n, bool write)
{
	return check(t, va, n, write, false);
}

/* Moves n bytes between kernel buffer k and user range u, page by page;
 * the range has been checked. The kernel sets the accessed bit, and the
 * dirty bit when it writes, as the MMU does for the task's own accesses,
 * so the page's pager sees what the kernel wrote there. */
static void user_move(struct task *t, uaddr_t u, void *k, size_t n, bool to_user)
{
	char *kp = k;
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (u & PAGE_MASK));
		pte_t *e = user_pte(t, u, to_user ? PTE_W : PTE_R);
		pmap_set_bits(e, PTE_A | (to_user ? PTE_D : 0));
		void *up = pa_to_kva(pte_pa(*e) | (u & PAGE_MASK));
		if (to_user)
			memcpy(up, kp, chunk);
		else
			memcpy(kp, up, chunk);
		u += chunk;
		kp += chunk;
		n -= chunk;
	}
}

static int copy(struct task *t, uaddr_t u, void *k, size_t n, bool to_user, bool may_fault)
{
	int err = check(t, u, n, to_user, may_fault);
	if (err)
		return err;
	user_move(t, u, k, n, to_user);
	return 0;
}

int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t n)
{
	return copy(t, src, dst, n, false, true);
}

int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t n)
{
	return copy(t, dst, (void *)src, n, true, true);
}

int copy_from_user_mapped(struct task *t, void *dst, uaddr_t src, size_t n)
{
	return copy(t, src, dst, n, false, false);
}

int copy_to_user_mapped(struct task *t, uaddr_t dst, const void *src, size_t n)
{
	return copy(t, dst, (void *)src, n, true, false);
}
