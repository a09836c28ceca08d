/*
 * Memory for musl: the brk heap and anonymous mmap, both memory objects
 * of the kernel's zero-fill kind mapped into the program (pages appear,
 * zeroed, on first touch; unmapping drops them, LOCK_DISCARD). The heap
 * is one object of up to 1 GiB whose mapping grows with the break;
 * anonymous mmaps are pieces of 1 GiB arenas, arena k backing the k-th
 * GiB of the mmap area (libc/memory.c).
 * Called only from
 * __mk_syscall (libc/syscall.h); each returns what the Linux call would:
 * a result, or a negated Linux errno.
 *
 * Address space of a user program:
 *   0x4000000 .. 2 GiB    program images, each in a 64 MiB slot of its own
 *                         (Makefile USER_SLOT, libipc/user.ld)
 *   MEM_HEAP_BASE ..      brk heap, grows up to MEM_HEAP_LIMIT (and 1 GiB)
 *   MEM_MMAP_BASE ..      anonymous mappings, first fit, up to MEM_MMAP_LIMIT
 *   0x2000000000 ..       left alone: the QEMU tests map there by hand
 *   .. VM_USER_HI         the stack (set up by the kernel)
 *
 *   MEM_REGIONS_BASE ..   the table of mappings (demand-zero, grows by pages)
 *
 * Mappings are tracked in a table of regions (sorted, disjoint, page
 * aligned) that takes pages as it grows: the number of mappings is
 * limited by the kernel (its address map and the task's kernel-memory
 * quota), not by libc. A PROT_NONE mapping only reserves its addresses; an
 * mprotect that grants access to it maps an object then (musl's malloc
 * reserves its metadata areas this way). Other protection changes are
 * not supported (-ENOSYS) unless nothing changes.
 *
 * Threads: one lock serialises these calls, but musl's malloc above them
 * takes no lock (musl knows no threads), so threads made by thread_spawn
 * must not call malloc at the same time.
 */
#ifndef LIBC_MEMORY_H
#define LIBC_MEMORY_H

#include <stdint.h>

#define MEM_HEAP_BASE 0x1000000000ul
#define MEM_HEAP_LIMIT 0x1800000000ul
#define MEM_MMAP_BASE 0x1800000000ul
#define MEM_MMAP_LIMIT 0x2000000000ul
#define MEM_REGIONS_BASE 0x1700000000ul /* past the heap's 1 GiB, below the mmap area */
#define MEM_REGIONS_SIZE (64ul << 20)

long mk_brk(uintptr_t end);
long mk_mmap(uintptr_t addr, uintptr_t len, int prot, int flags, int fd, long off);
long mk_munmap(uintptr_t addr, uintptr_t len);
long mk_mprotect(uintptr_t addr, uintptr_t len, int prot);
long mk_msync(uintptr_t addr, uintptr_t len, int flags);
/* madvise: MADV_DONTNEED drops the pages of anonymous memory (they read
 * as zero again; the heap's too) and leaves a shared file mapping as it
 * is (its pages are the file's); on a private file mapping it is EINVAL
 * (the object it copies is not recorded). Other known advice is
 * accepted and changes nothing. */
long mk_madvise(uintptr_t addr, uintptr_t len, int advice);
/* mremap: shrinks any mapping; grows anonymous memory in place when the
 * addresses above are free, else (MREMAP_MAYMOVE) moves it by copying.
 * A file mapping cannot grow (ENOMEM). MREMAP_DONTUNMAP: EINVAL. */
long mk_mremap(uintptr_t old, uintptr_t old_len, uintptr_t new_len, int flags,
	       uintptr_t new_addr);
/* Maps len bytes of memory object vmo from offset off (prot: VM_R/W/X
 * with VM_SHARED or VM_PRIVATE) at a free place of the mmap area, as
 * mmap would; returns the address or a negated Linux errno. munmap
 * unmaps it. */
long mk_map_object(int vmo, uintptr_t len, uint64_t off, uint32_t prot);

#endif
