/*
 * A stand-in for the swap pager's control side (uhelper fakeswap): it
 * speaks pagers/swap/swap_proto.h, so pagerctl's requests and printing
 * are tested with no swap pager (tests/shell/run-shell-tests).
 */
#ifndef TESTS_QEMU_FAKESWAP_H
#define TESTS_QEMU_FAKESWAP_H

/* Publishes an endpoint as FAKESWAP_NAME through the name server at slot
 * name_ep and serves it until killed; returns only on an error. */
int fakeswap(int name_ep);

#define FAKESWAP_NAME "swap.fake"

#endif
