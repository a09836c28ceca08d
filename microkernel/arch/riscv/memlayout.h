/*
 * Virtual memory layout (Sv39).
 *
 *   0x0000000000010000 .. 0x0000003fffffffff  user (lower half, 256 GiB)
 *   0xffffffc000000000 .. +16 GiB             direct map of physical memory
 *                                             (the kernel image lives in it,
 *                                             linked at DIRECT_BASE + 0x80200000)
 *
 * The upper-half root entries are gigapages shared by every address space,
 * so a trap never switches page tables.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#define DIRECT_BASE 0xffffffc000000000ul
#define DIRECT_GIGS 16
#define USER_LO 0x10000ul
#define USER_HI 0x4000000000ul
#define USER_STACK_TOP (USER_HI - 0x1000ul) /* one guard page above */
#define USER_STACK_PAGES 16

#endif
