/*
 * User register state of a thread, saved on every trap from U-mode and
 * restored on return. entry.S addresses it by the offsets below; the
 * static asserts in trap.c keep the two in step.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#define TF_SEPC 256
#define TF_KSP 264
#define TF_FULL 272
#define TF_SIZE 280

/* System call numbers entry.S routes to the IPC fast path (checked
 * against uapi/syscall.h in trap.c). */
#define TF_SYS_CALL 17
#define TF_SYS_REPLY_RECV 21
#define TF_SYS_PAGER_SUPPLY 34
/* SYS_NCALLS: entry.S's bound for the leaf table (kern/syscall.h). */
#define TF_SYS_NCALLS 78

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Which registers are valid depends on how the thread left user mode:
 *  - full = 1 (interrupt, exception, new thread): all of x1..x31.
 *  - full = 0 (system call): ra, sp and a0..a7 only; the call ABI lets
 *    the kernel clobber t0..t6, and s0..s11, gp, tp stay live in the
 *    registers while the kernel runs (C preserves them). They are
 *    written to the frame only if the kernel switches to another thread
 *    (entry.S), and t0..t6 come back zeroed.
 */
/* The ecall's length: a system call is restarted by moving sepc back. */
#define SYSCALL_INSN_BYTES 4

struct trapframe {
	uint64_t x[32];     /* x[0] unused; x[2] is the user sp */
	uint64_t sepc;      /* user pc to resume at */
	uint64_t kernel_sp; /* top of the hart's kernel stack */
	uint64_t full;      /* see above */
};

struct fpstate {
	uint64_t f[32];
	uint64_t fcsr;
};

/* Register names, for readability in the syscall and IPC code. */
#define REG_RA 1
#define REG_SP 2
#define REG_GP 3
#define REG_TP 4
#define REG_S0 8
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A6 16
#define REG_A7 17
#endif

#endif
