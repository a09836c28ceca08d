# scripts/musl-build copies this over musl's src/signal/riscv64/restore.s.
#
# Signal return trampolines. No signal is ever delivered (sigaction is
# accepted and ignored), so nothing returns through them; rt_sigreturn
# goes to __mk_syscall like every other call and answers -ENOSYS.

.global __restore
.type __restore, %function
__restore:
.global __restore_rt
.type __restore_rt, %function
__restore_rt:
	li a0, 139 # SYS_rt_sigreturn
	tail __mk_syscall
