/*
 * Trap dispatch. entry.S saves the user registers into the running
 * thread's trapframe and calls syscall_trap (ecall) or trap_user
 * (everything else) on the hart's kernel stack. syscall_trap returns the
 * trapframe of the thread to resume, which may be another thread's;
 * trap_user and the supply's fast path, whose thread has its registers
 * in its frame already, leave through trap_leave instead, with no
 * epilogue. A trap taken in S-mode is a kernel bug: trap_kernel reports
 * it and powers off.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/ipc_asm.h"
#include "arch/riscv/machine.h"
#include "arch/riscv/plic.h"
#include "arch/riscv/trapframe.h"
#include "kern/arch.h"
#include "kern/cpu.h"
#include "kern/device.h"
#include "kern/ipc.h"
#include "kern/log.h"
#include "kern/pmm.h"
#include "kern/sched.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm/vm_fault.h"
#include "kern/vm/vm_pager.h"
#include "uapi/ipc.h"
#include "uapi/pager.h"

_Static_assert(__builtin_offsetof(struct trapframe, sepc) == TF_SEPC, "TF_SEPC");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_sp) == TF_KSP, "TF_KSP");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");
_Static_assert(__builtin_offsetof(struct thread, tf) == 0, "tf first");
_Static_assert(TF_SYS_CALL == SYS_CALL && TF_SYS_REPLY_RECV == SYS_REPLY_RECV, "entry.S");
_Static_assert(TF_SYS_NCALLS == SYS_NCALLS, "entry.S: the leaf table's bound");
_Static_assert(TF_SYS_PAGER_SUPPLY == SYS_PAGER_SUPPLY, "entry.S");

/* The IPC fast path's view of the kernel's structures (ipc_asm.h). */
#define OFF(type, field, v) _Static_assert(__builtin_offsetof(type, field) == (v), #type "." #field)
OFF(struct thread, fp_dirty, TH_FP_DIRTY);
OFF(struct thread, task, TH_TASK);
OFF(struct thread, qlink, TH_QLINK);
OFF(struct thread, wq, TH_WQ);
OFF(struct thread, timeout.armed, TH_TIMEOUT_ARMED);
OFF(struct thread, state, TH_STATE);
OFF(struct thread, prio, TH_PRIO);
OFF(struct thread, cpu_time, TH_CPU_TIME);
OFF(struct thread, ipc_state, TH_IPC_STATE);
OFF(struct thread, reply_to, TH_REPLY_TO);
OFF(struct thread, reply_server, TH_REPLY_SERVER);
OFF(struct task, as_token, TASK_AS_TOKEN);
OFF(struct task, handles, TASK_HANDLES);
OFF(struct handle, obj, H_OBJ);
OFF(struct handle, rights, H_RIGHTS);
OFF(struct handle, badge, H_BADGE);
OFF(struct kobj, type, KOBJ_TYPE);
OFF(struct endpoint, obj, 0);
OFF(struct endpoint, kmsgs, EP_KMSGS);
OFF(struct endpoint, sendq.head, EP_SENDQ);
OFF(struct endpoint, recvq.head, EP_RECVQ);
OFF(struct endpoint, dead, EP_DEAD);
OFF(struct list, next, L_NEXT);
OFF(struct list, prev, L_PREV);
OFF(struct cpu, cur, CPU_CUR);
OFF(struct cpu, prev, CPU_PREV);
OFF(struct cpu, fpu_owner, CPU_FPU_OWNER);
OFF(struct cpu, as_owner, CPU_AS_OWNER);
OFF(struct cpu, run_since, CPU_RUN_SINCE);
#undef OFF
_Static_assert(sizeof(struct handle) == H_SIZE && HANDLE_MAX == H_MAX, "handle table");
_Static_assert(__builtin_offsetof(struct handle_table, slot) == 0, "handle table");
_Static_assert(sizeof(((struct thread *)0)->state) == 4 && sizeof(((struct thread *)0)->prio) == 4 &&
	       sizeof(((struct thread *)0)->ipc_state) == 4 && sizeof(((struct kobj *)0)->type) == 4 &&
	       sizeof(((struct handle *)0)->rights) == 4 && sizeof(((struct endpoint *)0)->dead) == 4 &&
	       sizeof(((struct thread *)0)->fp_dirty) == 1 &&
	       sizeof(((struct thread *)0)->timeout.armed) == 1, "ipc_asm.h: field widths");
_Static_assert(K_OBJ_ENDPOINT == OBJ_ENDPOINT && K_R_SEND == R_SEND && K_R_RECV == R_RECV &&
	       K_IPC_REG_WORDS == IPC_REG_WORDS && K_TH_BLOCKED == TH_BLOCKED &&
	       K_TH_RUNNING == TH_RUNNING && K_IPC_NONE == IPC_NONE &&
	       K_IPC_REPLY_WAIT == IPC_REPLY_WAIT && K_IPC_RECV_WAIT == IPC_RECV_WAIT &&
	       K_SSTATUS_FS == SSTATUS_FS && K_SSTATUS_FS_CLEAN == SSTATUS_FS_CLEAN,
	       "ipc_asm.h: constants");

void fpu_save(struct fpstate *f);
void fpu_restore(const struct fpstate *f);
_Noreturn void trap_user(struct trapframe *tf);
struct trapframe *syscall_trap(struct trapframe *tf);
void fast_supply_trap(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		      uint64_t a5, uint64_t a6, struct trapframe *tf);
void fast_fault_trap(struct trapframe *tf);
_Noreturn void trap_leave(struct trapframe *tf); /* entry.S */
_Noreturn void trap_kernel(struct trapframe *tf);

static const char *cause_name(uint64_t c)
{
	static const char *names[] = {
		[EXC_INST_MISALIGNED] = "misaligned fetch",
		[EXC_INST_ACCESS] = "fetch access fault",
		[EXC_ILLEGAL] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[EXC_LOAD_MISALIGNED] = "misaligned load",
		[EXC_LOAD_ACCESS] = "load access fault",
		[EXC_STORE_MISALIGNED] = "misaligned store",
		[EXC_STORE_ACCESS] = "store access fault",
		[EXC_INST_PAGE] = "fetch page fault",
		[EXC_LOAD_PAGE] = "load page fault",
		[EXC_STORE_PAGE] = "store page fault",
	};
	return c < sizeof(names) / sizeof(names[0]) && names[c] ? names[c] : "exception";
}

/* A fault with no handler kills the task with one log line. */
static void user_fault(struct thread *t, uint64_t scause, uint64_t stval)
{
	struct task *k = t->task;
	/* stval holds the faulting address, or for an illegal instruction
	 * its encoding. */
	klog("task %u (%s): killed: %s%s 0x%lx, pc 0x%lx\n", k->id, k->name,
	     cause_name(scause), scause == EXC_ILLEGAL ? "" : " at",
	     (unsigned long)stval, (unsigned long)t->tf.sepc);
	task_exit(k, TASK_STATUS_KILLED | (uint32_t)(scause & 0xff));
}

/* The access a page fault's cause means, or 0 if it is no page fault
 * (store first: the most common, tested first). */
static inline uint32_t fault_access(uint64_t scause)
{
	if (scause == EXC_STORE_PAGE)
		return VM_W;
	if (scause == EXC_LOAD_PAGE)
		return VM_R;
	return scause == EXC_INST_PAGE ? VM_X : 0;
}

/* A page fault on a memory object; false if it is not one (kill). */
static bool page_fault(struct thread *t, uint32_t access)
{
	uint64_t stamp = csr_read(instret);
	return vm_fault(t, csr_read(stval), access, stamp) != FAULT_BAD;
}

static void interrupt(uint64_t cause)
{
	if (cause == IRQ_S_TIMER) {
		machine_timer_tick();
		return;
	}
	if (cause == IRQ_S_EXT) {
		for (uint32_t line; (line = plic_claim()) != 0;)
			device_interrupt(line);
		return;
	}
	klog("unexpected interrupt %lu\n", (unsigned long)cause);
}

/*
 * FP registers switch lazily. They hold fpu_owner's values; a switch to
 * any other thread turns the FPU off (sstatus.FS = Off), so the thread's
 * first FP instruction traps as illegal. fpu_claim then saves the owner's
 * registers (only if they changed since loaded) and loads the thread's.
 * Threads that never touch FP never pay for it. The kernel itself is
 * built without F/D and never uses the FP registers.
 */
static inline void fpu_leave(struct cpu *c, struct thread *n)
{
	struct thread *o = c->fpu_owner;
	/* No owner: the FPU is off already (off at boot; a thread's owning
	 * ends in thread_free, never the running thread's, so it was
	 * switched off when that thread left the hart). Nothing to do on a
	 * switch where nobody uses FP. */
	if (KDEBUG)
		KASSERT(o || !(csr_read(sstatus) & SSTATUS_FS));
	if (!o)
		return;
	if ((csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY)
		o->fp_dirty = true;
	if (n == o)
		csr_set(sstatus, SSTATUS_FS_CLEAN);
	else
		csr_clear(sstatus, SSTATUS_FS);
}

/* An illegal-instruction trap with the FPU off: hand it the FPU and retry.
 * Returns false if the FPU was already on (a genuine illegal instruction). */
static bool fpu_claim(struct cpu *c, struct thread *t)
{
	if ((csr_read(sstatus) & SSTATUS_FS) != 0 || c->fpu_owner == t)
		return false;
	struct thread *o = c->fpu_owner;
	csr_set(sstatus, SSTATUS_FS_CLEAN); /* on, so the kernel may move them */
	if (o && o->fp_dirty)
		fpu_save(&o->fp);
	if (o)
		o->fp_dirty = false;
	fpu_restore(&t->fp);
	c->fpu_owner = t;
	csr_clear(sstatus, SSTATUS_FS); /* the restore left it Dirty */
	csr_set(sstatus, SSTATUS_FS_CLEAN);
	return true;
}

/* Gives the hart to n (already cur): its address space and FPU state.
 * enter_as for a thread that resumes from no fault a pager resolved (a
 * pager handed a FAULT), or whose resume the caller stamped (a supply's
 * fast path). */
static inline __attribute__((always_inline)) struct trapframe *enter_as(struct cpu *c,
									struct thread *n)
{
	struct task *k = n->task;
	if (c->as_owner != k) {
		machine_as_load(k->as_token);
		c->as_owner = k;
	}
	fpu_leave(c, n);
	return &n->tf;
}

static inline __attribute__((always_inline)) struct trapframe *enter(struct cpu *c, struct thread *n)
{
	if (n->fault_trace) { /* back from a page fault the pager resolved */
		trace_stamp(n->fault_trace, TRACE_RESUME);
		n->fault_trace = 0;
	}
	return enter_as(c, n);
}

/* Nothing is ready: wait for interrupts until something is, and count
 * the wait as idle (SYS_IDLE_COUNT). */
static __attribute__((noinline)) struct thread *idle_until_ready(void)
{
	struct thread *n;
	/* Doorbells first: the threads they wake run before the hart idles. */
	if (notify_idle_ring() && (n = sched_pick()))
		return n;
	uint64_t idle_since = arch_instret();
	do {
		pmm_idle_zero(2); /* page tables ahead, a little each wake */
		machine_idle(interrupt);
	} while (!(n = sched_pick()));
	machine_idle_account(idle_since);
	return n;
}

/* The scheduler's pass: out of line, and the idle loop out of it, so that
 * neither the hand-off case below (every fault and supply) nor a pass
 * that finds a thread pays for the registers the idle loop keeps. */
static __attribute__((noinline)) struct trapframe *resume_pick(struct cpu *c)
{
	struct thread *n = sched_pick();
	if (!n)
		n = idle_until_ready();
	return enter(c, n);
}

static inline struct trapframe *resume(void)
{
	struct cpu *c = this_cpu();
	struct thread *n = c->cur;
	/* A hand-off (IPC, fault, supply) already chose the next thread. */
	if (__builtin_expect(n && n->state == TH_RUNNING && !c->need_resched, 1))
		return enter(c, n);
	return resume_pick(c);
}

/*
 * entry.S calls the supply's fast path first for its call (the IPC fast
 * path, call and reply_recv, is all in entry.S). It changes no state
 * before it commits, so a refusal sends the call down syscall_trap, which
 * redoes nothing. Dead threads waiting to be freed (cpu->reap) wait for
 * the next slow entry; the reap list keeps them safe meanwhile.
 */
#define FAST_ENTRY __attribute__((optimize("omit-frame-pointer")))

/* The supply-and-receive call, with the same contract, but it has a
 * frame (vm_pager.c): done, it leaves through trap_leave; refused, it
 * returns, and entry.S goes on to syscall_trap. */
FAST_ENTRY void fast_supply_trap(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				 uint64_t a5, uint64_t a6, struct trapframe *tf)
{
	/* The arguments come in registers too (entry.S has saved them):
	 * no load back from the frame. */
	const uint64_t a[7] = { a0, a1, a2, a3, a4, a5, a6 };
	if (vm_pager_supply_fast((struct thread *)tf, a)) /* (it stamped the resume) */
		trap_leave(enter_as(this_cpu(), this_cpu()->cur));
}

/* Every full entry tries the page fault's fast path first (vm_fault_fast),
 * with the same contract: done, it leaves through trap_leave; refused (not
 * a page fault, or not the common case), it returns having changed
 * nothing, and entry.S goes on to trap_user. A frame of callee-saved
 * registers would be paid on every fault: its rare calls go through
 * keep_call instead (kern/keep_call.h). */
FAST_ENTRY void fast_fault_trap(struct trapframe *tf)
{
	struct thread *t = (struct thread *)tf;
	struct cpu *c = this_cpu();
	uint32_t access = fault_access(csr_read(scause));
	if (!access || c->reap) /* (dead threads to free: trap_user's sched_entry) */
		return;
	uint64_t stamp = csr_read(instret);
	if (!vm_fault_fast(t, csr_read(stval), access, stamp))
		return;
	if (c->cur != t) /* handed to the pager (sched_handoff): it runs, no pass */
		trap_leave(enter_as(c, c->cur)); /* (a pager in receive: no fault to stamp) */
	trap_leave(resume()); /* a minor fault: t goes on */
}

struct trapframe *syscall_trap(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	struct thread *t = (struct thread *)tf;
	sched_entry(c);
	syscall_dispatch(t); /* (entry.S has moved sepc past the ecall) */
	/* The common case: the caller goes on running, nothing to switch. */
	if (__builtin_expect(c->cur == t && t->state == TH_RUNNING && !c->need_resched, 1))
		return tf;
	return resume();
}

_Noreturn void trap_user(struct trapframe *tf)
{
	struct thread *t = (struct thread *)tf;
	struct cpu *c = this_cpu();
	sched_entry(c);
	uint64_t scause = csr_read(scause);
	uint32_t access = fault_access(scause);
	if (access) {
		if (!page_fault(t, access))
			user_fault(t, scause, csr_read(stval));
		else if (c->cur != t) /* handed to the pager (sched_handoff): it runs, no pass */
			trap_leave(enter(c, c->cur));
	} else if (scause & SCAUSE_INTR) {
		interrupt(scause & ~SCAUSE_INTR);
	} else if (!(scause == EXC_ILLEGAL && fpu_claim(c, t))) {
		user_fault(t, scause, csr_read(stval)); /* else: retry the FP instruction, FPU on */
	}
	trap_leave(resume()); /* every register of t is in its frame: no epilogue */
}

struct trapframe *trap_first_return(void)
{
	return resume();
}

void trap_kernel(struct trapframe *tf)
{
	klog("\nPANIC: kernel trap: %s (scause %lx) sepc %lx stval %lx\n",
	     cause_name(csr_read(scause) & 0xff), (unsigned long)csr_read(scause),
	     (unsigned long)csr_read(sepc), (unsigned long)csr_read(stval));
	machine_backtrace_from(tf->x[8], tf->x[1]);
	machine_poweroff(3);
}
