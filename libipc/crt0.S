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
