# musl 1.2.3, the C library of user programs (docs/DESIGN.md section 9).
# scripts/musl-build fetches Debian's musl source package (cached in
# $(B)/musl-dl), puts libc/musl-overlay/ over musl's Linux system call
# layer and installs headers, libc.a and crt1.o into $(MUSL). It records
# a hash of its inputs in the stamp and does nothing while that matches.

MUSL := $(B)/musl
MUSL_STAMP := $(MUSL)/.stamp
MUSL_LIBC := $(MUSL)/lib/libc.a
MUSL_CRT1 := $(MUSL)/lib/crt1.o
MUSL_OVERLAY := $(shell find libc/musl-overlay -type f)

# bash explicitly: a checkout that lost its executable bits still builds.
$(MUSL_STAMP): scripts/musl-build $(MUSL_OVERLAY) | deps
	CROSS=$(CROSS) bash scripts/musl-build $(MUSL)

$(MUSL_LIBC) $(MUSL_CRT1): $(MUSL_STAMP)

# Includes: musl's headers first, then gcc's own (stdarg.h and friends).
# Asked of gcc on first use, once scripts/setup has installed it.
GCC_INC = $(eval GCC_INC := $(shell $(CROSS)gcc -print-file-name=include))$(GCC_INC)
MUSL_CFLAGS = -nostdinc -isystem $(MUSL)/include -isystem $(GCC_INC)

.PHONY: musl
musl: $(MUSL_STAMP)
