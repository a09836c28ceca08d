/* User program entry: the kernel starts a task at _start with sp at the
 * System V initial stack (argc, argv[], NULL, envp[], NULL, auxv). */
	.section .text.start, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	ld a0, 0(sp)
	addi a1, sp, 8
	call main
	li a7, 1 /* SYS_EXIT */
	ecall
1:	j 1b

/* Start of a thread made by thread_spawn (ulib.c): a0 points at
 * {function, argument} on the new stack. */
	.globl _thread_entry
_thread_entry:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	ld t0, 0(a0)
	ld a0, 8(a0)
	jalr t0
	li a7, 28 /* SYS_THREAD_EXIT */
	ecall
2:	j 2b
