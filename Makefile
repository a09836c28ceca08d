# One non-recursive make for the kernel, user programs, boot image, host
# unit tests and QEMU tests. `make run` boots, `make test` tests; both
# install missing dependencies first (scripts/setup).

CROSS ?= riscv64-linux-gnu-
B := build
KDEBUG ?= 1
RUN_ARGS ?= shell
QEMU_TEST_TIMEOUT ?= 120

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
INC := -I microkernel -I .

# --- kernel -----------------------------------------------------------------
KCC := $(CROSS)gcc
# The debug kernel (build/kernel.elf, what make run and the tests boot) is
# built for gdb: -Og without LTO, so every function keeps its name and
# frame (`break vm_fault` works) and locals stay readable. The bench kernel
# below is built for speed with -O2 and LTO.
KCFLAGS_COMMON := -std=c11 $(WARN) -g -ffreestanding -nostdlib -fno-pie \
	-mcmodel=medany -march=rv64imac_zicsr_zifencei -mabi=lp64 \
	-fno-omit-frame-pointer -fno-stack-protector -fno-builtin \
	-DKDEBUG=$(KDEBUG) $(INC) -MMD -MP
KCFLAGS := $(KCFLAGS_COMMON) -Og
KLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-T,microkernel/arch/riscv/kernel.ld -Wl,--no-warn-rwx-segments
KSRCS := $(wildcard microkernel/kern/*.c microkernel/kern/vm/*.c) $(wildcard microkernel/arch/riscv/*.c) \
	lib/string.c lib/fmt.c
KOBJS := $(patsubst %.c,$(B)/k/%.o,$(KSRCS)) $(B)/k/microkernel/arch/riscv/entry.o

$(B)/k/%.o: %.c Makefile | deps
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS) -c $< -o $@
$(B)/k/%.o: %.S Makefile | deps
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS) -c $< -o $@
$(B)/kernel.elf: $(KOBJS) microkernel/arch/riscv/kernel.ld
	$(KCC) $(KCFLAGS) $(KLDFLAGS) $(KOBJS) -o $@

# The benchmark (release) kernel: same sources without the KDEBUG checks
# and without frame pointers (so no backtraces on a panic).
KOBJS_BENCH := $(patsubst $(B)/k/%,$(B)/kb/%,$(KOBJS))
KCFLAGS_BENCH := $(KCFLAGS_COMMON) -O2 -flto=auto
KRELEASE := -UKDEBUG -DKDEBUG=0 -fomit-frame-pointer
$(B)/kb/%.o: %.c Makefile | deps
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_BENCH) $(KRELEASE) -c $< -o $@
$(B)/kb/%.o: %.S Makefile | deps
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_BENCH) $(KRELEASE) -c $< -o $@
$(B)/kernel-bench.elf: $(KOBJS_BENCH) microkernel/arch/riscv/kernel.ld
	$(KCC) $(KCFLAGS_BENCH) $(KRELEASE) $(KLDFLAGS) $(KOBJS_BENCH) -o $@

# --- user programs ----------------------------------------------------------
# Hosted C on musl (mk/musl.mk): crt1.o starts them, libc/ carries musl's
# system calls to the kernel, libipc/ talks to it directly.
include mk/musl.mk

UCC := $(CROSS)gcc
UCFLAGS = -std=c11 $(WARN) -O2 -g -fno-pie -mcmodel=medany -fno-stack-protector \
	$(MUSL_CFLAGS) $(INC) -MMD -MP
ULDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,libipc/user.ld
ULIB := $(B)/u/libipc/crt0.o $(B)/u/libipc/ulib.o $(B)/u/libipc/server.o \
	$(B)/u/libipc/spawn.o $(B)/u/libipc/spawn_plan.o $(B)/u/microkernel/kern/elf.o \
	$(B)/u/lib/fmt.o $(B)/u/lib/words.o $(B)/u/libc/syscall.o $(B)/u/libc/memory.o \
	$(B)/u/libc/file.o $(B)/u/libc/devfile.o $(B)/u/libc/sysinfo.o

# program name -> source files
PROGS := init name zero swap console blk fs shell hello testrunner uhelper bench libctest conflood \
	swapstress refstring
SRC_init := servers/init/init.c servers/blk/virtio_mmio.c servers/blk/virtq.c
SRC_blk := servers/blk/blk.c servers/blk/blk_dev.c servers/blk/virtio_mmio.c servers/blk/virtq.c
LIBBLK := servers/blk/libblk.c
SRC_name := servers/name/name.c servers/name/name_table.c
SRC_console := servers/console/console.c
# The replacement policies (pager library, host-tested): pagerctl names them.
POLICY_SRCS := $(addprefix pagers/mm/policy/,policy.c fifo.c second_chance.c clock.c aging.c \
	wsclock.c random.c nru.c refsim.c)
SRC_shell := servers/shell/shell.c servers/shell/lineedit.c servers/shell/stats.c servers/shell/files.c \
	servers/shell/pagerctl.c servers/shell/trace_names.c servers/shell/vminfo.c $(filter-out %/refsim.c,$(POLICY_SRCS))
SRC_zero := pagers/zero/zero.c pagers/common/pager.c pagers/common/pager_queue.c
SRC_swap := pagers/swap/swap.c pagers/swap/swap_manager.c pagers/swap/swapmap.c $(LIBBLK) $(filter-out %/refsim.c,$(POLICY_SRCS))
EXT2_SRCS := $(addprefix servers/fs/,ext2.c ext2_cache.c ext2_alloc.c ext2_file.c ext2_dir.c ext2_ops.c)
SRC_fs := servers/fs/fs.c servers/fs/fs_file.c pagers/common/pager.c pagers/common/pager_queue.c \
	$(EXT2_SRCS) $(LIBBLK)
SRC_hello := servers/hello/hello.c
SRC_testrunner := tests/qemu/runner.c tests/qemu/ipc_tests.c tests/qemu/vm_tests.c \
	tests/qemu/vm_robust_tests.c tests/qemu/pager_v2_tests.c tests/qemu/mm_tests.c tests/qemu/vm_shadow_tests.c tests/qemu/loader_tests.c \
	tests/qemu/name_tests.c tests/qemu/blk_tests.c tests/qemu/fs_tests.c tests/qemu/fs_big_tests.c \
	tests/qemu/swap_tests.c tests/qemu/swapstress_tests.c $(LIBBLK)
SRC_uhelper := tests/qemu/uhelper.c tests/qemu/fakeswap.c $(LIBBLK)
SRC_bench := tests/bench/bench.c tests/bench/bench_fault.c tests/bench/bench_blk.c \
	tests/bench/bench_file.c tests/bench/bench_swap.c tests/bench/bench_trace.c $(LIBBLK)
SRC_libctest := tests/qemu/libc_test.c
SRC_conflood := tests/qemu/conflood.c
SRC_swapstress := tests/qemu/swapstress.c
SRC_refstring := tests/qemu/refstring.c tools/policylab/workloads.c \
	$(filter-out %/refsim.c,$(POLICY_SRCS))
# Programs only on the disks (not in the boot image): 32 MiB of text.
DISK_ONLY_PROGS := bigtext
SRC_bigtext := tests/qemu/bigtext.c tests/qemu/bigtext_blob.S
include mk/fuzz-guest.mk

$(B)/u/%.o: %.c | deps $(MUSL_STAMP)
	@mkdir -p $(dir $@)
	$(UCC) $(UCFLAGS) -c $< -o $@
$(B)/u/%.o: %.S | deps $(MUSL_STAMP)
	@mkdir -p $(dir $@)
	$(UCC) $(UCFLAGS) -c $< -o $@

# Each program is linked at its own base, the n-th of USER_PROGS at
# n * 64 MiB, so no two programs share an address and gdb can load all
# their symbols at once (build/gdbinit-user) and name any user pc without
# ambiguity. user.ld refuses a program larger than its slot, and the last
# slot must end below 2 GiB: musl and libgcc are built -mcmodel=medlow.
USER_PROGS = $(PROGS) $(DISK_ONLY_PROGS) $(PORT_PROGS)
USER_SLOT := 0x4000000
# 1-based position of word $(1) in $(2) (empty if absent).
word_pos = $(call word_pos_,$(1),$(2),x)
word_pos_ = $(if $(2),$(if $(filter $(1),$(firstword $(2))),$(words $(3)),$(call \
	word_pos_,$(1),$(wordlist 2,$(words $(2)),$(2)),$(3) x)))
user_base = $(shell printf '0x%x' $$(( $(call word_pos,$(1),$(USER_PROGS)) * $(USER_SLOT) )))

# crt1.o (musl's _start) first; libc.a and libgcc may need each other.
define prog_rule
$(B)/user/$(1).elf: $(patsubst %.S,$(B)/u/%.o,$(patsubst %.c,$(B)/u/%.o,$(SRC_$(1)))) $(ULIB) $(MUSL_CRT1) $(MUSL_LIBC) \
		libipc/user.ld Makefile
	@mkdir -p $$(dir $$@)
	$(UCC) $(ULDFLAGS) -Wl,--defsym=USER_BASE=$$(call user_base,$(1)) \
		-Wl,--defsym=USER_SLOT=$(USER_SLOT) $(MUSL_CRT1) $$(filter-out $(MUSL_CRT1),$$(filter %.o,$$^)) \
		-Wl,--start-group $(MUSL_LIBC) -lgcc -Wl,--end-group -o $$@
endef
$(foreach p,$(PROGS) $(DISK_ONLY_PROGS),$(eval $(call prog_rule,$(p))))
UELFS := $(patsubst %,$(B)/user/%.elf,$(PROGS))
DISK_ONLY_ELFS := $(patsubst %,$(B)/user/%.elf,$(DISK_ONLY_PROGS))
# Lua, SQLite and zlib from Debian's sources, only on the disk.
include mk/ports.mk

# A valid ELF whose text and data share a page: the loader must refuse it.
$(B)/user/sharedpage.elf: tests/qemu/sharedpage.S tests/qemu/sharedpage.ld | deps
	@mkdir -p $(dir $@)
	$(UCC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,tests/qemu/sharedpage.ld \
		-Wl,--no-warn-rwx-segments $< -o $@

# --- boot image: a cpio archive of the programs (QEMU -initrd) ---------------
$(B)/bootimg.cpio: $(UELFS) $(B)/user/sharedpage.elf
	@rm -rf $(B)/rootfs && mkdir -p $(B)/rootfs
	@for p in $(PROGS); do cp $(B)/user/$$p.elf $(B)/rootfs/$$p; done
	@cp $(B)/user/sharedpage.elf $(B)/rootfs/sharedpage
	@printf 'this is not an executable\n' > $(B)/rootfs/notelf
	cd $(B)/rootfs && ls | LC_ALL=C sort | cpio --quiet -o -H newc > ../bootimg.cpio

all: $(B)/kernel.elf $(B)/bootimg.cpio $(B)/gdbinit-user $(DISK_ONLY_ELFS)

$(B)/gdbinit-user: $(UELFS) $(DISK_ONLY_ELFS) scripts/mk-gdbinit-user
	CROSS=$(CROSS) scripts/mk-gdbinit-user $@ $(UELFS) $(DISK_ONLY_ELFS)

# --- disks: an ext2 root disk made from disk/ and a raw swap disk -------------
# Kept across runs: a guest's writes stay until disk/ changes (then the
# image is made again) or `make clean`. make run DISK=... SWAP=... attaches
# other images; the tests make copies of their own (tests/blk/).
DISK ?= $(B)/disk.img
SWAP ?= $(B)/swap.img
# 128 MiB: bigtext's 32 MiB, the ports (SQLite's two with debug info) and
# room for their files.
DISK_MB := 128
SWAP_MB := 512
DISK_FILES := $(shell find disk -type f 2>/dev/null)
# Programs the shell runs from the disk's /bin (`hello` or `/bin/hello`).
DISK_PROGS := hello libctest uhelper swapstress refstring bigtext $(PORT_PROGS)

$(B)/disk.img: $(DISK_FILES) $(patsubst %,$(B)/user/%.elf,$(DISK_PROGS)) | deps
	@mkdir -p $(B)
	rm -rf $@.tmp $(B)/diskroot && cp -r disk $(B)/diskroot && mkdir -p $(B)/diskroot/bin
	for p in $(DISK_PROGS); do cp $(B)/user/$$p.elf $(B)/diskroot/bin/$$p; done
	truncate -s $(DISK_MB)M $@.tmp
	mke2fs -q -F -t ext2 -b 1024 -L mkroot -d $(B)/diskroot $@.tmp
	mv $@.tmp $@
$(B)/swap.img:
	@mkdir -p $(B)
	truncate -s $(SWAP_MB)M $@

disks: $(B)/disk.img $(B)/swap.img

# --- host unit tests (cmocka, ASan + UBSan) ---------------------------------
HCC := gcc
HCFLAGS := -std=c11 $(WARN) -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DHOST_TEST $(INC)
UNIT := fdt words random elf cpio pmm sv39 handle kmem fmt vm_object name_proto name_table vm_fault \
	vm_failure vm_robust vm_shadow vm_info ipc avl vm_map timeout dma vm_move vm_return virtq spawn_plan task_build ext2 fs_proto \
	policy swapmap pager_queue ext2_damage policylab
USRC_fdt := microkernel/kern/fdt.c
USRC_words := lib/words.c
USRC_random := microkernel/kern/random.c
USRC_elf := microkernel/kern/elf.c
USRC_spawn_plan := microkernel/kern/elf.c libipc/spawn_plan.c
USRC_cpio := microkernel/kern/cpio.c
USRC_pmm := microkernel/kern/pmm.c tests/unit/fake_phys.c
USRC_sv39 := microkernel/arch/riscv/sv39.c microkernel/kern/pmm.c tests/unit/fake_phys.c
USRC_handle := microkernel/kern/handle.c microkernel/kern/kobj.c tests/unit/fake_phys.c
USRC_kmem := microkernel/kern/kmem.c microkernel/kern/pmm.c tests/unit/fake_phys.c
USRC_fmt := lib/fmt.c
USRC_avl := microkernel/kern/avl.c
USRC_timeout := microkernel/kern/timeout.c microkernel/kern/kmem.c microkernel/kern/pmm.c tests/unit/fake_phys.c
USRC_name_proto :=
USRC_fs_proto :=
USRC_name_table := servers/name/name_table.c
USRC_vm_object := microkernel/kern/vm/vm_object.c microkernel/kern/avl.c microkernel/arch/riscv/sv39.c microkernel/kern/pmm.c microkernel/kern/kmem.c microkernel/kern/kobj.c tests/unit/fake_phys.c
USRC_vm_fault := $(addprefix microkernel/kern/vm/,vm_fault.c vm_request.c vm_trace.c vm_deadline.c vm_object.c vm_map.c vm_pager.c vm_reclaim.c vm_info.c vm.c) $(addprefix microkernel/kern/,avl.c timeout.c ipc.c thread.c sched.c task.c kobj.c handle.c kmem.c pmm.c usercopy.c module.c module_object.c cpio.c task_build.c) microkernel/arch/riscv/sv39.c tests/unit/fake_phys.c
USRC_vm_failure := $(USRC_vm_fault)
USRC_vm_robust := $(USRC_vm_fault)
USRC_vm_shadow := $(USRC_vm_fault)
USRC_vm_info := $(USRC_vm_fault)
USRC_ipc := $(USRC_vm_fault)
USRC_vm_map := $(USRC_vm_fault)
USRC_dma := $(USRC_vm_fault) microkernel/kern/dma.c
USRC_vm_move := $(USRC_vm_fault) microkernel/kern/dma.c microkernel/kern/vm/vm_move.c
USRC_vm_return := $(USRC_vm_fault)
USRC_task_build := $(USRC_vm_fault)
USRC_virtq := servers/blk/virtq.c
USRC_pager_queue := pagers/common/pager_queue.c
USRC_ext2 := $(EXT2_SRCS)
USRC_ext2_damage := $(EXT2_SRCS)
USRC_policy := $(POLICY_SRCS)
USRC_policylab := $(POLICY_SRCS) tools/policylab/lab.c tools/policylab/workloads.c
USRC_swapmap := pagers/swap/swapmap.c

# Host tests include kernel headers with inline code (the IPC fast path,
# page-table walks): any header change rebuilds them.
UNIT_HDRS := $(wildcard tests/unit/*.h microkernel/kern/*.h microkernel/kern/vm/*.h microkernel/uapi/*.h \
	microkernel/arch/riscv/*.h lib/*.h servers/*/*.h pagers/*/*.h pagers/*/*/*.h tools/*/*.h)
define unit_rule
$(B)/unit/test_$(1): tests/unit/test_$(1).c $(USRC_$(1)) $(UNIT_HDRS) | deps
	@mkdir -p $$(dir $$@)
	$(HCC) $(HCFLAGS) tests/unit/test_$(1).c $(USRC_$(1)) -lcmocka -o $$@
endef
$(foreach t,$(UNIT),$(eval $(call unit_rule,$(t))))
UNIT_BINS := $(patsubst %,$(B)/unit/test_%,$(UNIT))

$(B)/virt.dtb: scripts/mkdtb-fixture | deps
	scripts/mkdtb-fixture $@

include mk/fuzz-host.mk
include mk/policylab.mk

# --- top-level targets ------------------------------------------------------
.PHONY: swap-test all deps run run-gdb test unit-test qemu-test shell-test blk-test gdb-test bench bench-peers clean disks \
	ports-test
.DEFAULT_GOAL := all

deps:
	@scripts/setup

run: all $(DISK) $(SWAP)
	scripts/qemu-run --disk $(DISK) --disk $(SWAP) --append "$(RUN_ARGS)" \
	  $(B)/kernel.elf $(B)/bootimg.cpio

run-gdb: all $(DISK) $(SWAP)
	scripts/qemu-run --gdb --disk $(DISK) --disk $(SWAP) --append "$(RUN_ARGS)" \
	  $(B)/kernel.elf $(B)/bootimg.cpio

# Each test binary's output goes to its own log; test-summary adds them up
# and prints the closing "N passed, N failed" line.
unit-test: $(UNIT_BINS) $(B)/virt.dtb $(B)/user/uhelper.elf $(B)/bootimg.cpio
	@mkdir -p $(B)/logs && rm -f $(B)/logs/unit-*.log
	@for t in $(UNIT); do \
	  FDT_FIXTURE=$(B)/virt.dtb ELF_FIXTURE=$(B)/user/uhelper.elf \
	  CPIO_FIXTURE=$(B)/bootimg.cpio $(B)/unit/test_$$t > $(B)/logs/unit-$$t.log 2>&1; \
	  echo "unit $$t: exit $$?"; done

qemu-test: all
	@mkdir -p $(B)/logs
	-scripts/qemu-test --timeout $(QEMU_TEST_TIMEOUT) --log $(B)/logs/qemu.log -- \
	  --append "testrunner" $(B)/kernel.elf $(B)/bootimg.cpio > /dev/null; \
	  tail -n 3 $(B)/logs/qemu.log

# Scripted sessions at the shell prompt and console floods; the script
# boots QEMU once per session, each with a timeout.
shell-test: all $(B)/disk.img
	@mkdir -p $(B)/logs
	-bash tests/shell/run-shell-tests $(B)/kernel.elf $(B)/bootimg.cpio \
	  > $(B)/logs/shell.log 2>&1; tail -n 1 $(B)/logs/shell.log

# Disk scenarios on disks of their own, legacy and modern virtio-mmio,
# blkdebug errors; the host compares what the guest wrote.
blk-test: all
	@mkdir -p $(B)/logs
	-bash tests/blk/run-blk-tests $(B)/kernel.elf $(B)/bootimg.cpio \
	  > $(B)/logs/blk.log 2>&1; tail -n 1 $(B)/logs/blk.log

# Swap scenarios with a swap disk as blk1 (tests/swap/run-swap-tests).
swap-test: all $(B)/host/policylab-gen $(B)/host/policylab-replay
	@mkdir -p $(B)/logs
	-bash tests/swap/run-swap-tests $(B)/kernel.elf $(B)/bootimg.cpio \
	  > $(B)/logs/swap.log 2>&1; tail -n 1 $(B)/logs/swap.log

# gdb on the debug kernel: break on the page-fault handler by name, kbt,
# user symbols, on into the pager (tests/gdb/run-gdb-test, a few seconds).
gdb-test: all
	@mkdir -p $(B)/logs
	-bash tests/gdb/run-gdb-test $(B)/kernel.elf $(B)/bootimg.cpio \
	  > $(B)/logs/gdb.log 2>&1; tail -n 1 $(B)/logs/gdb.log

# Lua, SQLite and minigzip from the disk's /bin against host builds of
# the same sources (tests/ports/run-port-tests, about a minute).
ports-test: all $(B)/disk.img ports-host
	@mkdir -p $(B)/logs
	-bash tests/ports/run-port-tests $(B)/kernel.elf $(B)/bootimg.cpio \
	  > $(B)/logs/ports.log 2>&1; tail -n 1 $(B)/logs/ports.log

test: unit-test fuzz-replay qemu-test shell-test blk-test swap-test fuzz-slice gdb-test ports-test
	@scripts/test-summary $(B)/logs/unit-*.log $(B)/logs/fuzz-replay.log $(B)/logs/qemu.log \
	  $(B)/logs/shell.log $(B)/logs/blk.log $(B)/logs/swap.log $(B)/logs/fuzz-slice.log \
	  $(B)/logs/gdb.log $(B)/logs/ports.log

# Deterministic instruction counts under -icount; writes bench/results.*
# (after the policy lab's bench/policy.*, which results.md links).
# Then the ports as paging workloads (scripts/ports-bench, about ten
# minutes): bench/ports-policy.*, and their rows in bench/policy.json.
bench: $(B)/kernel-bench.elf $(B)/bootimg.cpio policy-lab $(B)/disk.img
	scripts/bench $(B)/kernel-bench.elf $(B)/bootimg.cpio bench
	scripts/ports-bench $(B)/kernel-bench.elf $(B)/bootimg.cpio $(B)/disk.img bench

# Linux 6.1 on the same QEMU with the same -icount settings, measuring
# the same paths (scripts/bench-peers: a few minutes; the kernel is built
# once into build/peers and kept while its configuration holds). Writes
# bench/peers.json, which scripts/bench sets beside our figures. Not part
# of `make test` or `make bench`.
# musl's source (build/musl-dl) is shared: Linux's hello is built on it.
bench-peers: $(MUSL_STAMP)
	scripts/bench-peers bench

# Keeps the downloads (build/musl-dl, build/ports-dl) so a rebuild needs
# no network.
clean:
	find $(B) -mindepth 1 -maxdepth 1 ! -name musl-dl ! -name ports-dl -exec rm -rf {} + 2>/dev/null || true

# (Not inside the ports' source trees: SQLite's has a directory search.d.)
-include $(shell find $(B) -path $(PORTS) -prune -o -path $(B)/ports-dl -prune -o -name '*.d' -type f -print 2>/dev/null)
