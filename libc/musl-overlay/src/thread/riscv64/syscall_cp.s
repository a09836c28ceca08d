# Cancellable system calls; scripts/musl-build copies this over musl's
# src/thread/riscv64/syscall_cp.s.
#
# __syscall_cp_asm(&self->cancel, nr, u, v, w, x, y, z): a cancellation
# already pending is acted on first; otherwise the call goes to
# __mk_syscall (libc/syscall.c) instead of trapping. No signal ever
# interrupts it (there are none), so __cp_begin..__cp_end only has to
# exist for pthread_cancel.c to link.

.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type __syscall_cp_asm, %function
__syscall_cp_asm:
__cp_begin:
	lw t0, 0(a0)
	bnez t0, __cp_cancel
	mv a0, a1
	mv a1, a2
	mv a2, a3
	mv a3, a4
	mv a4, a5
	mv a5, a6
	mv a6, a7
__cp_end:
	tail __mk_syscall
__cp_cancel:
	tail __cancel
