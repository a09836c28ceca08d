# In-guest fuzzers (tests/fuzz/guest/, see README "Fuzzing"): the programs, a
# fixed-seed slice that `make test` runs (about a minute) and long runs
# for `make fuzz`. Included from the Makefile before the program rules.

GUEST_FUZZ_COMMON := tests/fuzz/guest/fuzz.c
PROGS += sysfuzz fuzzleaf pagerfuzz msgfuzz
SRC_sysfuzz := $(addprefix tests/fuzz/guest/,sysfuzz.c sysgen.c sysargs.c) $(GUEST_FUZZ_COMMON)
SRC_fuzzleaf := tests/fuzz/guest/leaf.c
SRC_pagerfuzz := $(addprefix tests/fuzz/guest/,pagerfuzz.c pagerbad.c pagerkids.c) \
	$(GUEST_FUZZ_COMMON)
SRC_msgfuzz := tests/fuzz/guest/msgfuzz.c $(GUEST_FUZZ_COMMON)

# The long run: 10^6 system calls over five seeds, 2,000 pager rounds,
# 10^6 messages. Each can be set on the command line, e.g.
# make fuzz FUZZ_SEEDS="7 8" FUZZ_SYS_TOTAL=50000.
FUZZ_SEEDS ?= 1 2 3 4 5
FUZZ_SYS_TOTAL ?= 200000
FUZZ_SYS_CALLS ?= 1000
FUZZ_PAGER_ROUNDS ?= 400
FUZZ_MSG_COUNT ?= 200000
FUZZ_TIMEOUT ?= 1800

# The slice: fixed seeds, small counts.
FUZZ_SLICE := --sys-seeds "1 2" --sys-total 25000 --pager-seeds 1 --pager-rounds 400 \
	--msg-seeds 1 --msg-count 20000 --timeout 300

.PHONY: fuzz fuzz-guest fuzz-slice

fuzz-slice: all
	@mkdir -p $(B)/logs
	-scripts/fuzz-guest $(FUZZ_SLICE) --log $(B)/logs/fuzz-slice.log \
	  $(B)/kernel.elf $(B)/bootimg.cpio

fuzz-guest: all
	scripts/fuzz-guest --sys-seeds "$(FUZZ_SEEDS)" --sys-total $(FUZZ_SYS_TOTAL) \
	  --sys-calls $(FUZZ_SYS_CALLS) --pager-seeds "$(FUZZ_SEEDS)" \
	  --pager-rounds $(FUZZ_PAGER_ROUNDS) --msg-seeds "$(FUZZ_SEEDS)" \
	  --msg-count $(FUZZ_MSG_COUNT) --timeout $(FUZZ_TIMEOUT) \
	  --log $(B)/logs/fuzz-guest.log $(B)/kernel.elf $(B)/bootimg.cpio

fuzz: fuzz-guest
