/* BIGTEXT_PAGES pages of text (tests/qemu/bigtext.h): page k starts with
 * a function returning BIGTEXT_VALUE(k) and is BIGTEXT_FILL to its end.
 * Fixed-size instructions and no relaxation, so the alignment fill is
 * plain bytes. */
#include "tests/qemu/bigtext.h"

	.section .text.bigtext, "ax", @progbits
	.option push
	.option norvc
	.option norelax
	.balign 4096
	.globl bigtext_blob
	.type bigtext_blob, @function
bigtext_blob:
	.set page, 0
	.rept BIGTEXT_PAGES
	li a0, BIGTEXT_VALUE(page)
	ret
	.balign 4096, BIGTEXT_FILL
	.set page, page + 1
	.endr
	.size bigtext_blob, . - bigtext_blob
	.option pop
