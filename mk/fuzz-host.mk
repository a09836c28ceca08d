# Host fuzzing with libFuzzer (tests/fuzz/host/): one harness per parser
# or server decoder, built with clang against the real sources, with
# AddressSanitizer and UBSan. Included from the Makefile.
#
#   make fuzz-host     fuzz each harness for FUZZ_SECONDS, one at a time,
#                      from a scratch copy of its corpus (build/fuzz/work/)
#   make fuzz-replay   run each harness once over its checked-in corpus
#                      (tests/fuzz/corpus/TARGET/); part of `make test`
#
# The server harnesses include the server's own .c and run it over a
# stand-in kernel (tests/fuzz/host/fake_kernel.c, which defines the
# sys_ecall that libipc/sys.h declares under HOST_TEST).

FUZZ_CC := clang-14
FUZZ_CFLAGS := -std=c11 $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -DHOST_TEST $(INC)
FUZZ_SECONDS ?= 60
FUZZ_CORPUS := tests/fuzz/corpus

FUZZ := elf cpio fdt ipc_server name console zero ext2
FUZZ_FAKE := tests/fuzz/host/fake_kernel.c libipc/server.c lib/fmt.c
# target -> sources linked besides tests/fuzz/host/fuzz_TARGET.c
FSRC_elf := microkernel/kern/elf.c libipc/spawn_plan.c
FSRC_cpio := microkernel/kern/cpio.c
FSRC_fdt := microkernel/kern/fdt.c
FSRC_ipc_server := $(FUZZ_FAKE)
FSRC_name := servers/name/name_table.c $(FUZZ_FAKE)
FSRC_console := $(FUZZ_FAKE)
FSRC_zero := pagers/common/pager.c pagers/common/pager_queue.c $(FUZZ_FAKE)
FSRC_ext2 := $(EXT2_SRCS)
# target -> the server source its harness includes
FINC_name := servers/name/name.c servers/name/name_table.h
FINC_console := servers/console/console.c
FINC_zero := pagers/zero/zero.c

FUZZ_HDRS := $(UNIT_HDRS) $(wildcard tests/fuzz/host/*.h libipc/*.h pagers/*/*.h)
define fuzz_rule
$(B)/fuzz/fuzz_$(1): tests/fuzz/host/fuzz_$(1).c $(FSRC_$(1)) $(FINC_$(1)) $(FUZZ_HDRS) \
		mk/fuzz-host.mk | deps
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/host/fuzz_$(1).c $(FSRC_$(1)) -o $$@
endef
$(foreach t,$(FUZZ),$(eval $(call fuzz_rule,$(t))))
FUZZ_BINS := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ))

.PHONY: fuzz fuzz-host fuzz-replay fuzz-corpus
fuzz: fuzz-host

fuzz-host: $(FUZZ_BINS)
	scripts/fuzz-host fuzz $(FUZZ_SECONDS) $(B)/fuzz $(FUZZ_CORPUS) $(B)/fuzz/work $(FUZZ)

# Like unit-test, it does not stop make: the log's last line counts.
fuzz-replay: $(FUZZ_BINS)
	-@scripts/fuzz-host replay $(B)/logs/fuzz-replay.log $(B)/fuzz $(FUZZ_CORPUS) $(FUZZ)

# Rewrites the corpus seeds that come from the build (ELF files, boot
# image, device trees); fuzzer-found inputs beside them are kept.
fuzz-corpus: $(B)/virt.dtb $(UELFS)
	scripts/fuzz-corpus $(FUZZ_CORPUS) $(B)
