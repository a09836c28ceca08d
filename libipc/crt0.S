/* Start of a thread made by thread_spawn (ulib.c): a0 points at
 * {function, argument, thread pointer} on the new stack. (Programs start
 * at musl's _start, in crt1.o.) */
	.text
	.globl _thread_entry
_thread_entry:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	ld tp, 16(a0)
	ld t0, 0(a0)
	ld a0, 8(a0)
	jalr t0
	li a7, 28 /* SYS_THREAD_EXIT */
	ecall
1:	j 1b
