/* A program whose text and data share one page (tests/qemu/sharedpage.ld):
 * a valid ELF the user-space loader must refuse, since it maps whole pages,
 * one region each (tests/qemu/loader_tests.c). It would only exit. */
	.text
	.globl _start
_start:
	li a7, 1
	li a0, 0
	ecall
	.data
word:
	.dword 0x1122334455667788
