/*
 * Boot, trap entry and trap return.
 *
 * Trap protocol: while a thread runs in U-mode, sscratch holds the address
 * of its struct trapframe; while the kernel runs, sscratch is 0. A trap
 * swaps sp and sscratch: a non-zero result means we came from user mode.
 * The kernel runs with interrupts off (sstatus.SIE = 0) on one stack per
 * hart, so a trap from S-mode is always a kernel bug and goes to panic.
 */
#include "arch/riscv/ipc_asm.h"
#include "arch/riscv/trapframe.h"

#define PTE_LEAF_RWX 0xcf /* V R W X A D */
#define PTE_G 0x20

/*
 * Unwind information for gdb (.debug_frame: the kernel image drops
 * .eh_frame). The C code the trap entries call has its own; these code
 * ranges say "ra undefined", so a backtrace ends at the trap entry (or at
 * boot) instead of reading on into whatever code sits nearby. Below the
 * trap entry is the interrupted user pc, in the thread's trap frame:
 * scripts/gdbinit's `kbt` prints it.
 */
	.cfi_sections .debug_frame
#define UNWIND_STOP .cfi_startproc; .cfi_undefined ra
#define UNWIND_END .cfi_endproc

	.section .text.boot, "ax"
	.globl _start
_start:
	/* a0 = hart id, a1 = device tree (physical). Running at the physical
	 * load address with the MMU off: la yields physical addresses. */
	la t0, boot_pagetable
	srli t0, t0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	/* Jump to the link address in the direct map. */
	la t0, boot_high_addr
	ld t0, 0(t0)
	jr t0
boot_high:
	UNWIND_STOP
	la sp, boot_stack_top
	csrw sscratch, zero
	la t0, trap_entry
	csrw stvec, t0
	la t0, _bss_start
	la t1, _bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	call kmain
3:	wfi
	j 3b
	UNWIND_END

	.balign 8
boot_high_addr:
	.quad boot_high

/* The arguments a0..a7 to the frame at sp. */
.macro SAVE_ARGS
	sd a0, 80(sp)
	sd a1, 88(sp)
	sd a2, 96(sp)
	sd a3, 104(sp)
	sd a4, 112(sp)
	sd a5, 120(sp)
	sd a6, 128(sp)
	sd a7, 136(sp)
.endm

/*
 * The system call save: ra, sp, the pc past the ecall and the arguments
 * a0..a7 go to the frame (see trapframe.h for why that is enough); then
 * onto the kernel stack with a0 (or the register named) = the frame,
 * also kept at 0(sp) for trap_exit. (A call that must run again moves
 * sepc back: syscall.c.)
 */
.macro SAVE_SYSCALL f=a0
	sd ra, 8(sp)
	SAVE_ARGS
	csrrw t0, sscratch, zero    /* the user sp; 0: in the kernel */
	sd t0, 16(sp)
	csrr t0, sepc
	addi t0, t0, 4
	sd t0, TF_SEPC(sp)
	sd zero, TF_FULL(sp)
	mv \f, sp
	ld sp, TF_KSP(\f)
	addi sp, sp, -16
	sd \f, 0(sp)
.endm

/* Parks the preserved registers (gp, tp, s0..s11) in the frame at \r. */
.macro PARK r
	sd x3, 24(\r)
	sd x4, 32(\r)
	sd x8, 64(\r)
	sd x9, 72(\r)
	sd x18, 144(\r)
	sd x19, 152(\r)
	sd x20, 160(\r)
	sd x21, 168(\r)
	sd x22, 176(\r)
	sd x23, 184(\r)
	sd x24, 192(\r)
	sd x25, 200(\r)
	sd x26, 208(\r)
	sd x27, 216(\r)
.endm

/* t0..t6 zeroed: no kernel value goes back to user mode in them. */
.macro ZERO_TEMPS
	li t0, 0
	li t1, 0
	li t2, 0
	li t3, 0
	li t4, 0
	li t5, 0
	li t6, 0
.endm

/* Loads them back from the frame at \r. */
.macro UNPARK r
	ld x3, 24(\r)
	ld x4, 32(\r)
	ld x8, 64(\r)
	ld x9, 72(\r)
	ld x18, 144(\r)
	ld x19, 152(\r)
	ld x20, 160(\r)
	ld x21, 168(\r)
	ld x22, 176(\r)
	ld x23, 184(\r)
	ld x24, 192(\r)
	ld x25, 200(\r)
	ld x26, 208(\r)
	ld x27, 216(\r)
.endm

	.text
	.balign 4
	.globl trap_entry
trap_entry:
	UNWIND_STOP
	csrrw sp, sscratch, sp
	beqz sp, trap_from_kernel
	/* sp = &thread->tf, sscratch = user sp */
	sd t0, 40(sp)
	csrr t0, scause
	addi t0, t0, -8             /* ecall from U-mode? */
	bnez t0, full_entry
	/* System call. The IPC fast path first for call and reply_recv, then
	 * the supply's (the answer to every fault), then the leaf calls
	 * (t0..t6 are the kernel's to clobber). */
	li t0, TF_SYS_CALL
	beq a7, t0, ipc_call_entry
	li t0, TF_SYS_REPLY_RECV
	beq a7, t0, ipc_reply_recv_entry
	li t0, TF_SYS_PAGER_SUPPLY
	beq a7, t0, supply_entry
	li t0, TF_SYS_NCALLS
	bgeu a7, t0, syscall_entry
	la t0, syscall_leaf
	slli t1, a7, 3
	add t0, t0, t1
	ld t0, 0(t0)
	bnez t0, leaf_entry
syscall_entry:
	SAVE_SYSCALL
	call syscall_trap
	j trap_exit
/* The IPC fast path's message (uses the scratch registers \r and \s,
 * which must differ): a tag with no buffer words, no handles and no
 * flags, and no timeout; else refused. */
.macro FAST_MSG r, s
	sext.w \r, a1
	li \s, K_IPC_REG_WORDS
	bltu \s, \r, ipc_fast_refused
	bnez a6, ipc_fast_refused
.endm

/* Its endpoint, handle a0 with the right \need (uses t1, t4): t2 = the
 * handle, t3 = the endpoint (live); else refused. */
.macro FAST_EP need
	li t1, H_MAX
	bgeu a0, t1, ipc_fast_refused
	ld t2, TH_TASK(sp)
	ld t2, TASK_HANDLES(t2)
	slli t1, a0, 5              /* H_SIZE */
	add t2, t2, t1
	ld t3, H_OBJ(t2)
	beqz t3, ipc_fast_refused
	lw t1, KOBJ_TYPE(t3)
	li t4, K_OBJ_ENDPOINT
	bne t1, t4, ipc_fast_refused
	lw t1, H_RIGHTS(t2)
	andi t1, t1, \need
	beqz t1, ipc_fast_refused
	lw t1, EP_DEAD(t3)
	bnez t1, ipc_fast_refused
.endm

/*
 * The IPC fast path: call and reply_recv with a register-only message
 * when the partner waits already (the rules are those of the general
 * path in kern/ipc.c, which takes every other case with the same
 * result). Here, not in C, because the message then never leaves the
 * registers: a1 (tag) and a2..a5 pass to the partner as they are, and
 * only the preserved registers and the pc change hands. sp = the
 * thread that entered (its frame first); t0..t6 are ours to clobber.
 * Nothing changes before the checks pass: a refusal goes to
 * ipc_fast_refused, which puts sscratch back for the general path.
 *
 * Two facts spare checks on the partner: a thread waiting in recv or
 * for its reply entered by ecall, so its frame is partial (full = 0),
 * and it has been resumed since any fault it took, so no fault trace
 * waits for its resume stamp (trap.c's enter).
 */
ipc_call_entry:                     /* a0 endpoint, a1 tag, a6 timeout */
	csrrw t5, sscratch, zero    /* t5 = user sp until saved */
	FAST_MSG t0, t1
	FAST_EP K_R_SEND
	ld t4, EP_RECVQ+L_NEXT(t3)  /* t4 = the first receiver's qlink */
	addi t1, t3, EP_RECVQ
	beq t4, t1, ipc_fast_refused
	lw t1, TH_PRIO-TH_QLINK(t4)
	lw t3, TH_PRIO(sp)
	bltu t1, t3, ipc_fast_refused
	ld t1, TH_REPLY_TO-TH_QLINK(t4)
	bnez t1, ipc_fast_refused   /* it owes a reply still */
	/* Commit: the receiver off its queue, owing us the reply. */
	ld t6, H_BADGE(t2)          /* its a6 */
	ld t1, L_NEXT(t4)
	ld t2, L_PREV(t4)
	sd t1, L_NEXT(t2)
	sd t2, L_PREV(t1)
	sd t4, L_NEXT(t4)
	sd t4, L_PREV(t4)
	addi t0, t4, -TH_QLINK      /* t0 = the receiver */
	sd zero, TH_WQ(t0)
	sb zero, TH_TIMEOUT_ARMED(t0)
	sw zero, TH_IPC_STATE(t0)   /* K_IPC_NONE */
	sd sp, TH_REPLY_TO(t0)
	sd t0, TH_REPLY_SERVER(sp)
	li t1, K_IPC_REPLY_WAIT
	sw t1, TH_IPC_STATE(sp)
	sd zero, TH_WQ(sp)
	j ipc_fast_switch

ipc_reply_recv_entry:               /* a0 endpoint, a1 tag, a6 timeout */
	csrrw t5, sscratch, zero
	ld t0, TH_REPLY_TO(sp)      /* t0 = the caller */
	beqz t0, ipc_fast_refused
	FAST_MSG t1, t2
	lw t1, TH_PRIO(t0)
	lw t2, TH_PRIO(sp)
	bltu t1, t2, ipc_fast_refused
	FAST_EP K_R_RECV
	ld t1, EP_SENDQ+L_NEXT(t3)  /* no caller queued */
	addi t2, t3, EP_SENDQ
	bne t1, t2, ipc_fast_refused
	ld t1, EP_KMSGS+L_NEXT(t3)  /* no kernel message queued */
	addi t2, t3, EP_KMSGS
	bne t1, t2, ipc_fast_refused
	/* Commit: the reply delivered, we wait at the tail of the queue. */
	sb zero, TH_TIMEOUT_ARMED(t0)
	sd zero, TH_REPLY_SERVER(t0)
	sw zero, TH_IPC_STATE(t0)
	sd zero, TH_REPLY_TO(sp)
	li t1, K_IPC_RECV_WAIT
	sw t1, TH_IPC_STATE(sp)
	addi t3, t3, EP_RECVQ       /* t3 = the queue's head */
	sd t3, TH_WQ(sp)
	ld t1, L_PREV(t3)
	addi t2, sp, TH_QLINK
	sd t3, L_NEXT(t2)
	sd t1, L_PREV(t2)
	sd t2, L_NEXT(t1)
	sd t2, L_PREV(t3)
	li t6, 0                    /* a reply carries no badge */
	/* fall through */

/*
 * t0 = the partner, which runs next; t6 = its a6; t5 = our user sp. We
 * block with our registers in our frame (the general path may resume
 * us: a reply, a timeout, a peer's death), the hart's accounts move to the partner
 * (kern/sched.h's sched_set_cur, trap.c's enter), and its preserved
 * registers and pc come back with the message.
 */
ipc_fast_switch:
	sd ra, 8(sp)
	sd t5, 16(sp)
	csrr t1, sepc
	addi t1, t1, 4
	sd t1, TF_SEPC(sp)
	SAVE_ARGS
	sd zero, TF_FULL(sp)
	PARK sp
	sw zero, TH_STATE(sp)       /* K_TH_BLOCKED */
	li t1, K_TH_RUNNING
	sw t1, TH_STATE(t0)
	la t2, cpus
	rdtime t1
	ld t3, CPU_RUN_SINCE(t2)
	ld t4, TH_CPU_TIME(sp)
	sd t1, CPU_RUN_SINCE(t2)
	sub t3, t1, t3
	add t4, t4, t3
	sd t4, TH_CPU_TIME(sp)
	sd sp, CPU_PREV(t2)
	sd t0, CPU_CUR(t2)
	ld t3, TH_TASK(t0)          /* its address space */
	ld t4, CPU_AS_OWNER(t2)
	beq t3, t4, 1f
	sd t3, CPU_AS_OWNER(t2)
	ld t3, TASK_AS_TOKEN(t3)
	csrw satp, t3
	slli t3, t3, 4              /* no ASID: flush */
	srli t3, t3, 48
	bnez t3, 1f
	sfence.vma
1:	ld t4, CPU_FPU_OWNER(t2)    /* the FPU: on (clean) for its owner, else off */
	beqz t4, 4f                 /* no owner: off already (trap.c, fpu_leave) */
	csrr t3, sstatus
	li t5, K_SSTATUS_FS
	and t3, t3, t5
	bne t3, t5, 2f
	li t3, 1                    /* the owner's registers changed */
	sb t3, TH_FP_DIRTY(t4)
2:	bne t4, t0, 3f
	li t5, K_SSTATUS_FS_CLEAN
	csrs sstatus, t5
	j 4f
3:	li t5, K_SSTATUS_FS
	csrc sstatus, t5
4:	ld t1, TF_SEPC(t0)
	csrw sepc, t1
	csrw sscratch, t0
	ld ra, 8(t0)
	ld sp, 16(t0)
	UNPARK t0
	ld a7, 136(t0)
	li a0, 0
	mv a6, t6
	ZERO_TEMPS
	sret

ipc_fast_refused:
	csrw sscratch, t5
	j syscall_entry

/* The supply's fast path has a frame and nearly always switches threads:
 * the pager's preserved registers are parked at once, and done, it leaves
 * through trap_leave from inside C, with no epilogue to reload registers
 * nobody reads. Refused, it returns (C has kept them) and the general
 * path runs, whose exit parks nothing (they are parked). */
supply_entry:
	SAVE_SYSCALL a7
	PARK a7
	call fast_supply_trap       /* a0..a6 as the user left them, a7 = the frame */
	ld a0, 0(sp)
	call syscall_trap
	ld t1, 0(sp)
	bne a0, t1, trap_leave
	j exit_same

/*
 * A leaf call (kern/syscall.h), t0 = its handler: it returns one value,
 * never blocks or switches, and preserves s0..s11, gp and tp as C does.
 * Only ra, sp and a7 need keeping (a7 is an input the caller expects
 * back); sepc stays in its CSR, since nothing traps meanwhile. a1..a6 and
 * t0..t6 go back zeroed, so no kernel value leaks.
 */
leaf_entry:
	csrrw t1, sscratch, zero    /* user sp */
	sd ra, 8(sp)
	sd t1, 16(sp)
	sd a7, 136(sp)
	mv t1, sp
	ld sp, TF_KSP(t1)
	addi sp, sp, -16
	sd t1, 0(sp)
	jalr t0
	ld t0, 0(sp)
	csrw sscratch, t0
	ld ra, 8(t0)
	ld sp, 16(t0)
	ld a7, 136(t0)
	csrr t0, sepc
	addi t0, t0, 4
	csrw sepc, t0
	li a1, 0
	li a2, 0
	li a3, 0
	li a4, 0
	li a5, 0
	li a6, 0
	ZERO_TEMPS
	sret

full_entry:
	sd x1, 8(sp)
	sd x3, 24(sp)
	sd x4, 32(sp)
	sd x6, 48(sp)
	sd x7, 56(sp)
	sd x8, 64(sp)
	sd x9, 72(sp)
	sd x10, 80(sp)
	sd x11, 88(sp)
	sd x12, 96(sp)
	sd x13, 104(sp)
	sd x14, 112(sp)
	sd x15, 120(sp)
	sd x16, 128(sp)
	sd x17, 136(sp)
	sd x18, 144(sp)
	sd x19, 152(sp)
	sd x20, 160(sp)
	sd x21, 168(sp)
	sd x22, 176(sp)
	sd x23, 184(sp)
	sd x24, 192(sp)
	sd x25, 200(sp)
	sd x26, 208(sp)
	sd x27, 216(sp)
	sd x28, 224(sp)
	sd x29, 232(sp)
	sd x30, 240(sp)
	sd x31, 248(sp)
	csrrw t0, sscratch, zero    /* the user sp; 0: in the kernel */
	sd t0, 16(sp)
	csrr t0, sepc
	sd t0, TF_SEPC(sp)
	li t0, 1
	sd t0, TF_FULL(sp)
	mv a0, sp
	ld sp, TF_KSP(a0)
	addi sp, sp, -16
	sd a0, 0(sp)
	call fast_fault_trap        /* a page fault's common case: leaves through trap_leave */
	ld a0, 0(sp)                /* refused: the general path */
	call trap_user              /* leaves through trap_leave */
	UNWIND_END

/*
 * a0 = frame to resume, when the thread that entered has its preserved
 * registers in its frame already (a full entry, or a fast path's): unlike
 * trap_exit, nothing is parked. Called from C, never returns (the kernel
 * stack starts afresh at the next entry).
 */
	.globl trap_leave
trap_leave:
	ld t0, TF_FULL(a0)
	bnez t0, restore_full
	j load_preserved

/*
 * keep_call (kern/keep_call.h): the C function at t0, called with a0..a2,
 * its result in a0, and every other register as it was but t0 and ra.
 * For a fast path's rare call: the compiler may keep the path's values in
 * a1..a7 and t1..t6 across it, so the path needs no callee-saved
 * registers, and no frame to save them in, for a call it seldom makes.
 */
	.globl keep_call
keep_call:
	addi sp, sp, -128
	sd ra, 0(sp)
	sd t1, 8(sp)
	sd t2, 16(sp)
	sd t3, 24(sp)
	sd t4, 32(sp)
	sd t5, 40(sp)
	sd t6, 48(sp)
	sd a1, 56(sp)
	sd a2, 64(sp)
	sd a3, 72(sp)
	sd a4, 80(sp)
	sd a5, 88(sp)
	sd a6, 96(sp)
	sd a7, 104(sp)
	jalr t0
	ld ra, 0(sp)
	ld t1, 8(sp)
	ld t2, 16(sp)
	ld t3, 24(sp)
	ld t4, 32(sp)
	ld t5, 40(sp)
	ld t6, 48(sp)
	ld a1, 56(sp)
	ld a2, 64(sp)
	ld a3, 72(sp)
	ld a4, 80(sp)
	ld a5, 88(sp)
	ld a6, 96(sp)
	ld a7, 104(sp)
	addi sp, sp, 128
	ret

/*
 * a0 = frame to resume; 0(sp) = frame of the thread that entered, whose
 * s0..s11, gp and tp are still in the registers.
 */
trap_exit:
	ld t1, 0(sp)
	addi sp, sp, 16
	beq a0, t1, exit_same
	/* Switching threads: park the outgoing thread's preserved registers
	 * (its memory stays valid: the scheduler defers dropping it). */
	PARK t1
	ld t0, TF_FULL(a0)
	bnez t0, restore_full
load_preserved:
	UNPARK a0
	j restore_partial
exit_same:                          /* the thread that entered goes on */
	ld t0, TF_FULL(a0)
	bnez t0, restore_full
restore_partial:
	ld t0, TF_SEPC(a0)
	csrw sepc, t0
	csrw sscratch, a0
	ld x1, 8(a0)
	ld x2, 16(a0)
	ld x11, 88(a0)
	ld x12, 96(a0)
	ld x13, 104(a0)
	ld x14, 112(a0)
	ld x15, 120(a0)
	ld x16, 128(a0)
	ld x17, 136(a0)
	ZERO_TEMPS
	ld x10, 80(a0)
	sret

	.globl trap_return
trap_return:
restore_full:
	ld t0, TF_SEPC(a0)
	csrw sepc, t0
	csrw sscratch, a0
	ld x1, 8(a0)
	ld x2, 16(a0)
	ld x3, 24(a0)
	ld x4, 32(a0)
	ld x5, 40(a0)
	ld x6, 48(a0)
	ld x7, 56(a0)
	ld x8, 64(a0)
	ld x9, 72(a0)
	ld x11, 88(a0)
	ld x12, 96(a0)
	ld x13, 104(a0)
	ld x14, 112(a0)
	ld x15, 120(a0)
	ld x16, 128(a0)
	ld x17, 136(a0)
	ld x18, 144(a0)
	ld x19, 152(a0)
	ld x20, 160(a0)
	ld x21, 168(a0)
	ld x22, 176(a0)
	ld x23, 184(a0)
	ld x24, 192(a0)
	ld x25, 200(a0)
	ld x26, 208(a0)
	ld x27, 216(a0)
	ld x28, 224(a0)
	ld x29, 232(a0)
	ld x30, 240(a0)
	ld x31, 248(a0)
	ld x10, 80(a0)
	sret

trap_from_kernel:
	UNWIND_STOP
	/* Restore sp (sscratch becomes 0 again) and report on the same stack. */
	csrrw sp, sscratch, sp
	addi sp, sp, -TF_SIZE
	sd x1, 8(sp)
	sd x8, 64(sp)
	mv a0, sp
	call trap_kernel            /* does not return */
4:	wfi
	j 4b
	UNWIND_END

/* FPU state save/restore for lazy switching; see trap.c. */
	.option push
	.option arch, +d
	.globl fpu_save
fpu_save:
	fsd f0, 0(a0)
	fsd f1, 8(a0)
	fsd f2, 16(a0)
	fsd f3, 24(a0)
	fsd f4, 32(a0)
	fsd f5, 40(a0)
	fsd f6, 48(a0)
	fsd f7, 56(a0)
	fsd f8, 64(a0)
	fsd f9, 72(a0)
	fsd f10, 80(a0)
	fsd f11, 88(a0)
	fsd f12, 96(a0)
	fsd f13, 104(a0)
	fsd f14, 112(a0)
	fsd f15, 120(a0)
	fsd f16, 128(a0)
	fsd f17, 136(a0)
	fsd f18, 144(a0)
	fsd f19, 152(a0)
	fsd f20, 160(a0)
	fsd f21, 168(a0)
	fsd f22, 176(a0)
	fsd f23, 184(a0)
	fsd f24, 192(a0)
	fsd f25, 200(a0)
	fsd f26, 208(a0)
	fsd f27, 216(a0)
	fsd f28, 224(a0)
	fsd f29, 232(a0)
	fsd f30, 240(a0)
	fsd f31, 248(a0)
	frcsr t0
	sd t0, 256(a0)
	ret

	.globl fpu_restore
fpu_restore:
	fld f0, 0(a0)
	fld f1, 8(a0)
	fld f2, 16(a0)
	fld f3, 24(a0)
	fld f4, 32(a0)
	fld f5, 40(a0)
	fld f6, 48(a0)
	fld f7, 56(a0)
	fld f8, 64(a0)
	fld f9, 72(a0)
	fld f10, 80(a0)
	fld f11, 88(a0)
	fld f12, 96(a0)
	fld f13, 104(a0)
	fld f14, 112(a0)
	fld f15, 120(a0)
	fld f16, 128(a0)
	fld f17, 136(a0)
	fld f18, 144(a0)
	fld f19, 152(a0)
	fld f20, 160(a0)
	fld f21, 168(a0)
	fld f22, 176(a0)
	fld f23, 184(a0)
	fld f24, 192(a0)
	fld f25, 200(a0)
	fld f26, 208(a0)
	fld f27, 216(a0)
	fld f28, 224(a0)
	fld f29, 232(a0)
	fld f30, 240(a0)
	fld f31, 248(a0)
	ld t0, 256(a0)
	fscsr t0
	ret
	.option pop

	.section .bss
	.balign 16
boot_stack:
	.space 16384
	.globl boot_stack_top
boot_stack_top:

/*
 * Boot page table: root entry 2 maps physical 0x80000000 one-to-one (so
 * the instruction after the satp write still fetches), entries 256..271
 * map the first 16 GiB of physical memory at DIRECT_BASE. The kernel keeps
 * this table as the template for every address space's upper half.
 */
	.section .data.pagetable, "aw"
	.balign 4096
	.globl boot_pagetable
boot_pagetable:
	.quad 0
	.quad 0
	.quad ((0x80000000 >> 12) << 10) | PTE_LEAF_RWX
	.fill 253, 8, 0
	.set gig, 0
	.rept 16
	.quad ((gig << 18) << 10) | PTE_LEAF_RWX | PTE_G
	.set gig, gig + 1
	.endr
	.fill 512 - 272, 8, 0
