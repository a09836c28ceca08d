# scripts/musl-build copies this over musl's src/thread/riscv64/clone.s.
#
# __clone(func, stack, flags, arg, ptid, tls, ctid) -> tid or -errno.
# Threads made by pthread_create are not supported yet (libipc's
# thread_spawn starts threads): the Linux clone request goes to
# __mk_syscall, which answers -ENOSYS, so pthread_create fails with
# EAGAIN instead of trapping.
#
# syscall(SYS_clone, flags, stack, ptid, tls, ctid)

.global __clone
.type __clone, %function
__clone:
	mv t0, a1
	mv a1, a2
	mv a2, t0
	mv a3, a4
	mv a4, a5
	mv a5, a6
	li a6, 0
	li a0, 220 # SYS_clone
	tail __mk_syscall
