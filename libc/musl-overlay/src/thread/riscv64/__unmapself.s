# scripts/musl-build copies this over musl's src/thread/riscv64/__unmapself.s.
#
# __unmapself(base, size): the end of a detached thread, which frees its
# own stack and exits. Only threads made by pthread_create get here, and
# clone.s does not make any yet; still correct on its own: it moves to a
# private stack before the stack it runs on goes away (one caller at a
# time: musl holds its thread-list lock around it).

.global __unmapself
.type __unmapself, %function
__unmapself:
	lla sp, unmapself_stack_top
	mv a2, a1
	mv a1, a0
	li a0, 215 # SYS_munmap
	call __mk_syscall
	li a0, 93  # SYS_exit
	li a1, 0
	call __mk_syscall
1:	j 1b

.bss
.balign 16
	.space 2048
unmapself_stack_top:
