# In-guest fuzzers (tests/fuzz/): the programs, a fixed-seed slice for
# `make test` and long runs for `make fuzz`. Included from the Makefile
# before the program rules are made.

FUZZ_COMMON := tests/fuzz/fuzz.c
PROGS += sysfuzz fuzzleaf pagerfuzz
SRC_sysfuzz := tests/fuzz/sysfuzz.c tests/fuzz/sysgen.c tests/fuzz/sysargs.c $(FUZZ_COMMON)
SRC_fuzzleaf := tests/fuzz/leaf.c
SRC_pagerfuzz := tests/fuzz/pagerfuzz.c tests/fuzz/pagerbad.c tests/fuzz/pagerkids.c \
	$(FUZZ_COMMON)
PROGS += msgfuzz
SRC_msgfuzz := tests/fuzz/msgfuzz.c $(FUZZ_COMMON)
