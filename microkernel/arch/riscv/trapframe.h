/*
 * User register state of a thread, saved on every trap from U-mode and
 * restored on return. entry.S addresses it by the offsets below; the
 * static asserts in trap.c keep the two in step.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#define TF_SEPC 256
#define TF_KSP 264
#define TF_SIZE 272

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
	uint64_t x[32];     /* x[0] unused; x[2] is the user sp */
	uint64_t sepc;      /* user pc to resume at */
	uint64_t kernel_sp; /* top of the hart's kernel stack */
};

struct fpstate {
	uint64_t f[32];
	uint64_t fcsr;
};

/* Register names, for readability in the syscall and IPC code. */
#define REG_RA 1
#define REG_SP 2
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
