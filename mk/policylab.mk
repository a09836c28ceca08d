# The policy lab (issue 14; tools/policylab/): host tools built from the very
# policy sources the guest's manager runs, and `make policy-lab`, which
# replays every workload through every policy, LRU and OPT and writes
# bench/policy.json, bench/policy.md and one plot per workload
# (scripts/policy-lab). `make bench` runs it first and links it.
#
#   build/host/policylab-gen NAME [PAGES [REFS [SEED]]]   a workload's trace
#   build/host/policylab-replay [-m guest|textbook] [-f F,...] [-j] TRACE

LAB_CFLAGS := -std=c11 $(WARN) -O2 -g -DHOST_TEST $(INC)
LAB_GEN := $(B)/host/policylab-gen
LAB_REPLAY := $(B)/host/policylab-replay
LAB_HDRS := $(wildcard tools/policylab/*.h pagers/mm/policy/*.h)

$(LAB_GEN): tools/policylab/gen.c tools/policylab/workloads.c $(LAB_HDRS) | deps
	@mkdir -p $(dir $@)
	$(HCC) $(LAB_CFLAGS) tools/policylab/gen.c tools/policylab/workloads.c -o $@
$(LAB_REPLAY): tools/policylab/replay.c tools/policylab/lab.c $(POLICY_SRCS) $(LAB_HDRS) | deps
	@mkdir -p $(dir $@)
	$(HCC) $(LAB_CFLAGS) tools/policylab/replay.c tools/policylab/lab.c $(POLICY_SRCS) -o $@

.PHONY: policy-lab
policy-lab: $(LAB_GEN) $(LAB_REPLAY)
	scripts/policy-lab $(LAB_GEN) $(LAB_REPLAY) bench
