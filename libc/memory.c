/* The brk heap and anonymous mmap for musl; see libc/memory.h. */
#define _GNU_SOURCE
#include "libc/memory.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>

#include "libc/file.h"
#include "libc/syscall.h"
#include "libipc/sys.h"
#include "libipc/vm.h"
#include "uapi/vm.h"

#define PAGE_MASK_ (VM_PAGE_SIZE - 1)

_Static_assert(VM_USER_LO < MEM_HEAP_BASE && MEM_HEAP_BASE < MEM_HEAP_LIMIT &&
		       MEM_HEAP_LIMIT <= MEM_MMAP_BASE && MEM_MMAP_BASE < MEM_MMAP_LIMIT &&
		       MEM_MMAP_LIMIT <= 0x2000000000ul,
	       "memory layout: image < heap < mmap area < stack");

enum region_kind {
	REGION_ANON,         /* a piece of an arena (or reserved, prot 0) */
	REGION_FILE_SHARED,  /* a file's object: its page cache */
	REGION_FILE_PRIVATE, /* a file's object, copy on write */
};

struct region {
	uintptr_t start, end; /* page aligned, start < end */
	uint32_t prot;        /* VM_* bits; 0 (PROT_NONE): reserved, no frames */
	uint32_t kind;        /* enum region_kind */
};

#define MEM_MAX_REGIONS (MEM_REGIONS_SIZE / sizeof(struct region))

/* All guarded by mem_lock. regions[0..nregions) is sorted and disjoint,
 * and lies within [MEM_MMAP_BASE, MEM_MMAP_LIMIT). The table is a
 * zero-fill object of its own at MEM_REGIONS_BASE (mapped at the first
 * mmap): its pages come as the table grows, so the limit on mappings is
 * the kernel's, not a fixed array's. */
static struct region *regions;
static size_t nregions;
static uintptr_t brk_cur = MEM_HEAP_BASE; /* in [MEM_HEAP_BASE, MEM_HEAP_LIMIT] */
static int mem_lock_word;

static void mem_lock(void)
{
	while (__atomic_exchange_n(&mem_lock_word, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static void mem_unlock(void)
{
	__atomic_store_n(&mem_lock_word, 0, __ATOMIC_RELEASE);
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE_MASK_) & ~PAGE_MASK_;
}

/* Linux protection bits as the kernel's. */
static uint32_t vm_prot(int prot)
{
	return (prot & PROT_READ ? VM_R : 0) | (prot & PROT_WRITE ? VM_W : 0) |
	       (prot & PROT_EXEC ? VM_X : 0);
}

/* --- anonymous memory: arenas ------------------------------------------------ */

/* Anonymous mappings are pieces of a few big zero-fill objects, the
 * arenas: arena k backs [MEM_MMAP_BASE + k GiB, + 1 GiB) at offset
 * address - its base, and is made at the first mapping there. A mapping
 * costs the kernel a map entry, not an object of its own (an object
 * costs kernel memory enough that a task's quota would stop at a few
 * hundred). Pages appear (zeroed) on first touch; unmapping drops them
 * from the arena, with any copy the swap pager holds (anon_drop,
 * LOCK_DISCARD), so what is mapped there later reads zero.
 * Guarded by mem_lock. */
#define ARENA_SIZE (1ul << 30)
#define NARENAS ((MEM_MMAP_LIMIT - MEM_MMAP_BASE) / ARENA_SIZE)
_Static_assert((MEM_MMAP_LIMIT - MEM_MMAP_BASE) % ARENA_SIZE == 0, "whole arenas");

static int arenas[NARENAS]; /* handles; 0: not made yet (slot 0 is H_SELF) */

static long arena(size_t k)
{
	if (!arenas[k]) {
		long h = vmo_create(ARENA_SIZE, VMO_KERNEL_ZERO, 0);
		if (h <= 0)
			return h < 0 ? h : -E_NOMEM;
		arenas[k] = (int)h;
	}
	return arenas[k];
}

/* The end of the piece of [at, end) that lies in at's arena. */
static uintptr_t piece_end(uintptr_t at, uintptr_t end)
{
	uintptr_t arena_end = (at - MEM_MMAP_BASE) / ARENA_SIZE * ARENA_SIZE + ARENA_SIZE +
			      MEM_MMAP_BASE;
	return end < arena_end ? end : arena_end;
}

/* Drops the pages of [at, at+len), which nothing maps any more. */
static void anon_drop(uintptr_t at, uintptr_t len)
{
	for (uintptr_t p = at, e; p < at + len; p = e) {
		e = piece_end(p, at + len);
		size_t k = (p - MEM_MMAP_BASE) / ARENA_SIZE;
		struct vmo_info info;
		if (arenas[k] && vmo_info(arenas[k], &info) == 0) /* the epoch: its pager may change */
			pager_lock(arenas[k], (p - MEM_MMAP_BASE) % ARENA_SIZE,
				   (e - p) / VM_PAGE_SIZE, LOCK_DISCARD, info.epoch);
	}
}

/* Maps the arenas' pages at [at, at+len) (in the mmap area); a kernel
 * error leaves nothing mapped. */
static long anon_map(uintptr_t at, uintptr_t len, uint32_t vp)
{
	for (uintptr_t p = at, e; p < at + len; p = e) {
		e = piece_end(p, at + len);
		long h = arena((p - MEM_MMAP_BASE) / ARENA_SIZE);
		long r = h < 0 ? h
			       : vm_map((int)h, p, e - p, (p - MEM_MMAP_BASE) % ARENA_SIZE,
					vp | VM_SHARED);
		if (r < 0) {
			if (p > at)
				vm_unmap(at, p - at);
			return r;
		}
	}
	return 0;
}

/* Unmaps anonymous [at, at+len) and drops its pages. */
static void anon_unmap(uintptr_t at, uintptr_t len)
{
	sys2(SYS_MEM_UNMAP, at, len);
	anon_drop(at, len);
}

/* --- brk --------------------------------------------------------------------- */

/* The heap is one object (at most 1 GiB) mapped further as the break
 * grows; a shrinking break unmaps and drops the pages (LOCK_DISCARD: also
 * any the swap pager holds, so the heap grown back reads zero). */
#define HEAP_SIZE (MEM_HEAP_LIMIT - MEM_HEAP_BASE < (1ul << 30) ? MEM_HEAP_LIMIT - MEM_HEAP_BASE \
								   : (1ul << 30))
static int heap_vmo = -1;
_Static_assert(MEM_HEAP_BASE + HEAP_SIZE <= MEM_REGIONS_BASE &&
		       MEM_REGIONS_BASE + MEM_REGIONS_SIZE <= MEM_HEAP_LIMIT,
	       "the region table lies between the heap and the mmap area");

static long heap_grow(uintptr_t old_top, uintptr_t new_top)
{
	if (heap_vmo < 0) {
		long h = vmo_create(HEAP_SIZE, VMO_KERNEL_ZERO, 0);
		if (h < 0)
			return h;
		heap_vmo = (int)h;
	}
	return vm_map(heap_vmo, old_top, new_top - old_top, old_top - MEM_HEAP_BASE,
		      VM_R | VM_W | VM_SHARED);
}

static long heap_shrink(uintptr_t new_top, uintptr_t old_top)
{
	long r = vm_unmap(new_top, old_top - new_top);
	struct vmo_info info;
	if (r == 0 && vmo_info(heap_vmo, &info) == 0) /* the epoch: its pager may have changed */
		pager_lock(heap_vmo, new_top - MEM_HEAP_BASE, (old_top - new_top) / VM_PAGE_SIZE,
			   LOCK_DISCARD, info.epoch);
	return r;
}

/* Linux's brk: the new break, or the old one when it cannot move. */
long mk_brk(uintptr_t end)
{
	mem_lock();
	if (end >= MEM_HEAP_BASE && end <= MEM_HEAP_BASE + HEAP_SIZE) {
		uintptr_t old_top = page_up(brk_cur), new_top = page_up(end);
		long r = 0;
		if (new_top > old_top)
			r = heap_grow(old_top, new_top);
		else if (new_top < old_top)
			r = heap_shrink(new_top, old_top);
		if (r == 0)
			brk_cur = end;
	}
	long cur = (long)brk_cur;
	mem_unlock();
	return cur;
}

/* --- the region table ------------------------------------------------------- */

/* Maps the table's window once; false if that failed (mem_lock held). */
static bool regions_ready(void)
{
	if (regions)
		return true;
	long vmo = vmo_create(MEM_REGIONS_SIZE, VMO_KERNEL_ZERO, 0);
	if (vmo < 0)
		return false;
	long r = vm_map((int)vmo, MEM_REGIONS_BASE, MEM_REGIONS_SIZE, 0, VM_R | VM_W | VM_SHARED);
	sys_handle_close((int)vmo);
	if (r == 0)
		regions = (struct region *)MEM_REGIONS_BASE;
	return r == 0;
}

/* The index of the first region ending above a (nregions if none). */
static size_t region_at(uintptr_t a)
{
	size_t i = 0;
	while (i < nregions && regions[i].end <= a)
		i++;
	return i;
}

static bool inside_region(uintptr_t a)
{
	size_t i = region_at(a);
	return i < nregions && regions[i].start < a;
}

static void region_insert(size_t i, uintptr_t start, uintptr_t end, uint32_t prot,
			  uint32_t kind)
{
	for (size_t j = nregions; j > i; j--)
		regions[j] = regions[j - 1];
	regions[i] = (struct region){ start, end, prot, kind };
	nregions++;
}

static void region_remove(size_t i)
{
	for (size_t j = i; j + 1 < nregions; j++)
		regions[j] = regions[j + 1];
	nregions--;
}

/* Anonymous neighbours with the same protection are one region: the
 * table stays short, and mremap finds a mapping whole after madvise or
 * mprotect cut it. (File regions are never merged: the table does not
 * know which object or offset they show.) */
static bool mergeable(const struct region *a, const struct region *b)
{
	return a->end == b->start && a->kind == REGION_ANON && b->kind == REGION_ANON &&
	       a->prot == b->prot;
}

/* Merges the regions touching [start, end] with their neighbours. */
static void region_merge(uintptr_t start, uintptr_t end)
{
	size_t i = region_at(start);
	if (i > 0)
		i--;
	while (i + 1 < nregions && regions[i].start <= end) {
		if (mergeable(&regions[i], &regions[i + 1])) {
			regions[i].end = regions[i + 1].end;
			region_remove(i + 1);
		} else {
			i++;
		}
	}
}

/* Cuts the region around a in two at a. Needs a free slot. */
static void region_split_at(uintptr_t a)
{
	size_t i = region_at(a);
	if (i < nregions && regions[i].start < a) {
		region_insert(i + 1, a, regions[i].end, regions[i].prot, regions[i].kind);
		regions[i].end = a;
	}
}

/* Whether [start, end) can be cut out of the table: room for the splits
 * at both ends. */
static bool room_to_cut(uintptr_t start, uintptr_t end)
{
	size_t splits = (size_t)inside_region(start) + (size_t)inside_region(end);
	return nregions + splits <= MEM_MAX_REGIONS;
}

/* The lowest address of a free gap of len bytes, or 0. */
static uintptr_t region_first_fit(uintptr_t len)
{
	uintptr_t at = MEM_MMAP_BASE;
	for (size_t i = 0; i <= nregions; i++) {
		uintptr_t next = i < nregions ? regions[i].start : MEM_MMAP_LIMIT;
		if (next - at >= len)
			return at;
		if (i < nregions)
			at = regions[i].end;
	}
	return 0;
}

static bool range_free(uintptr_t start, uintptr_t end)
{
	size_t i = region_at(start);
	return i == nregions || regions[i].start >= end;
}

static bool in_mmap_area(uintptr_t addr, uintptr_t len)
{
	return addr >= MEM_MMAP_BASE && addr < MEM_MMAP_LIMIT && len <= MEM_MMAP_LIMIT - addr;
}

/* --- mmap, munmap, mprotect -------------------------------------------------- */

static long mmap_check(uintptr_t addr, uintptr_t len, int prot, int flags, long off)
{
	int type = flags & MAP_TYPE;
	/* Within one task a shared anonymous mapping is a private one. */
	if (len == 0 || (off & (long)PAGE_MASK_) || (type != MAP_PRIVATE && type != MAP_SHARED) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & PAGE_MASK_))
		return -EINVAL;
	if (len > MEM_MMAP_LIMIT - MEM_MMAP_BASE)
		return -ENOMEM;
	return 0;
}

/* Where a new mapping of len bytes goes: a MAP_FIXED address must lie in
 * the mmap area and be free (an existing mapping is never replaced). */
static long mmap_place(uintptr_t addr, uintptr_t len, int flags)
{
	if (!regions_ready() || nregions == MEM_MAX_REGIONS)
		return -ENOMEM;
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		uintptr_t at = region_first_fit(len);
		return at ? (long)at : -ENOMEM;
	}
	if (!in_mmap_area(addr, len))
		return -ENOMEM;
	if (!range_free(addr, addr + len))
		return flags & MAP_FIXED_NOREPLACE ? -EEXIST : -ENOMEM;
	return (long)addr;
}

/* A file's object (libc/file.h), checked for the mapping asked. The
 * object is as big as the largest file (FS_OBJECT_SIZE): pages past the
 * file's end read as zeros, they do not fault. */
static long file_object(int fd, int prot, int flags, uintptr_t len, long off)
{
	int writable = 0;
	long vmo = mk_file_object(fd, &writable);
	if (vmo < 0)
		return vmo;
	if ((prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_SHARED && !writable)
		return -EACCES;
	if (off < 0 || len > (1ul << 30) || (uintptr_t)off > (1ul << 30) - len)
		return -ENXIO;
	return vmo;
}

long mk_mmap(uintptr_t addr, uintptr_t len, int prot, int flags, int fd, long off)
{
	long r = mmap_check(addr, len, prot, flags, off);
	if (r < 0)
		return r;
	long vmo = -1;
	if (!(flags & MAP_ANONYMOUS)) {
		vmo = file_object(fd, prot, flags, page_up(len), off);
		if (vmo < 0)
			return vmo;
	}
	len = page_up(len);
	mem_lock();
	long at = mmap_place(addr, len, flags);
	uint32_t vp = vm_prot(prot);
	uint32_t how = (flags & MAP_TYPE) == MAP_SHARED ? VM_SHARED : VM_PRIVATE;
	if (at >= 0 && vp && vmo >= 0)
		r = mk_errno(vm_map((int)vmo, (uintptr_t)at, len, (uint64_t)off, vp | how));
	else if (at >= 0 && vp)
		r = mk_errno(anon_map((uintptr_t)at, len, vp));
	uint32_t kind = vmo < 0 ? REGION_ANON : how == VM_SHARED ? REGION_FILE_SHARED
								  : REGION_FILE_PRIVATE;
	if (at >= 0 && r == 0) {
		region_insert(region_at((uintptr_t)at), (uintptr_t)at, (uintptr_t)at + len, vp, kind);
		region_merge((uintptr_t)at, (uintptr_t)at + len);
	}
	mem_unlock();
	return at < 0 ? at : r < 0 ? r : at;
}

/* msync: the written pages of the files mapped in [addr, addr+len)
 * reach the disk. The regions do not record which file a mapping shows,
 * so every file's dirty pages are written (FS_SYNC): more than asked,
 * never less. MS_ASYNC does the same, at once; MS_INVALIDATE has nothing
 * to do (a file has one page cache, which every mapping of it shows). A
 * private mapping's pages are its own: they never reach the file. */
long mk_msync(uintptr_t addr, uintptr_t len, int flags)
{
	if ((addr & PAGE_MASK_) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len > VM_USER_HI)
		return -ENOMEM;
	len = page_up(len);
	if (!in_mmap_area(addr, len))
		return -ENOMEM;
	long r = 0;
	mem_lock();
	for (uintptr_t at = addr; at < addr + len;) {
		size_t i = region_at(at);
		if (i == nregions || regions[i].start > at) {
			r = -ENOMEM; /* a page not mapped */
			break;
		}
		at = regions[i].end;
	}
	mem_unlock();
	return r ? r : mk_file_sync();
}

/* Linux's munmap: pages of [addr, addr+len) that are not mapped are
 * simply skipped. Only the mmap area can be unmapped. */
long mk_munmap(uintptr_t addr, uintptr_t len)
{
	if ((addr & PAGE_MASK_) || len == 0 || len > VM_USER_HI)
		return -EINVAL;
	len = page_up(len);
	if (!in_mmap_area(addr, len))
		return -EINVAL;
	uintptr_t end = addr + len;
	mem_lock();
	if (!regions_ready() || !room_to_cut(addr, end)) {
		mem_unlock();
		return -ENOMEM;
	}
	region_split_at(addr);
	region_split_at(end);
	for (size_t i = region_at(addr); i < nregions && regions[i].start < end;) {
		if (regions[i].prot)
			sys2(SYS_MEM_UNMAP, regions[i].start, regions[i].end - regions[i].start);
		if (regions[i].kind == REGION_ANON) /* also after a PROT_NONE change: none mapped */
			anon_drop(regions[i].start, regions[i].end - regions[i].start);
		region_remove(i);
	}
	mem_unlock();
	return 0;
}

/* What mprotect may do to the mapped range [addr, end): 0 if every page
 * is mapped and either keeps its protection or is reserved (PROT_NONE)
 * and gains access; -ENOMEM for a hole, -ENOSYS for any other change. */
static long mprotect_check(uintptr_t addr, uintptr_t end, uint32_t vp)
{
	uintptr_t at = addr;
	for (size_t i = region_at(addr); at < end; i++) {
		if (i == nregions || regions[i].start > at)
			return -ENOMEM;
		if (regions[i].prot != vp && regions[i].prot != 0)
			return -ENOSYS;
		at = regions[i].end;
	}
	return room_to_cut(addr, end) ? 0 : -ENOMEM;
}

long mk_mprotect(uintptr_t addr, uintptr_t len, int prot)
{
	if ((addr & PAGE_MASK_) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len > VM_USER_HI)
		return -ENOMEM;
	len = page_up(len);
	uint32_t vp = vm_prot(prot);
	if (addr >= MEM_HEAP_BASE && addr < MEM_HEAP_LIMIT && len <= MEM_HEAP_LIMIT - addr) {
		/* The heap is all read-write. */
		mem_lock();
		long r = addr + len > page_up(brk_cur) ? -ENOMEM : vp == (VM_R | VM_W) ? 0 : -ENOSYS;
		mem_unlock();
		return r;
	}
	if (!in_mmap_area(addr, len))
		return -ENOMEM;
	uintptr_t end = addr + len;
	mem_lock();
	long r = regions_ready() ? mprotect_check(addr, end, vp) : -ENOMEM;
	if (r == 0 && vp) {
		region_split_at(addr);
		region_split_at(end);
	}
	/* A failed map leaves the regions before it changed, as Linux may. */
	for (size_t i = region_at(addr); r == 0 && vp && i < nregions && regions[i].start < end;
	     i++) {
		if (regions[i].prot == 0) {
			r = mk_errno(anon_map(regions[i].start, regions[i].end - regions[i].start,
					      vp));
			if (r == 0)
				regions[i].prot = vp;
		}
	}
	if (vp)
		region_merge(addr, end);
	mem_unlock();
	return r;
}

long mk_map_object(int vmo, uintptr_t len, uint64_t off, uint32_t prot)
{
	len = page_up(len);
	mem_lock();
	long at = mmap_place(0, len, 0);
	long r = at < 0 ? at : mk_errno(vm_map(vmo, (uintptr_t)at, len, off, prot));
	if (r == 0)
		region_insert(region_at((uintptr_t)at), (uintptr_t)at, (uintptr_t)at + len,
			      prot & (VM_R | VM_W | VM_X),
			      prot & VM_SHARED ? REGION_FILE_SHARED : REGION_FILE_PRIVATE);
	mem_unlock();
	return r < 0 ? r : at;
}

/* --- madvise ------------------------------------------------------------------ */

static bool advice_known(int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP: case MADV_DODUMP: case MADV_COLD: case MADV_PAGEOUT:
		return true;
	default:
		return false;
	}
}

/* DONTNEED on the heap: its pages leave the object (LOCK_DISCARD drops
 * them, and the pager's copies), then the range is mapped again. */
static long heap_dontneed(uintptr_t addr, uintptr_t len)
{
	uintptr_t off = addr - MEM_HEAP_BASE;
	long r = vm_unmap(addr, len);
	struct vmo_info info;
	if (r == 0 && vmo_info(heap_vmo, &info) == 0)
		pager_lock(heap_vmo, off, len / VM_PAGE_SIZE, LOCK_DISCARD, info.epoch);
	if (r == 0)
		r = vm_map(heap_vmo, addr, len, off, VM_R | VM_W | VM_SHARED);
	return mk_errno(r);
}

/* Every page of [addr, end) mapped, and none a private file mapping's
 * (whose original the table does not know): 0, -ENOMEM or -EINVAL. */
static long dontneed_check(uintptr_t addr, uintptr_t end)
{
	uintptr_t at = addr;
	for (size_t i = region_at(addr); at < end; i++) {
		if (i == nregions || regions[i].start > at)
			return -ENOMEM;
		if (regions[i].kind == REGION_FILE_PRIVATE)
			return -EINVAL;
		at = regions[i].end;
	}
	return room_to_cut(addr, end) ? 0 : -ENOMEM;
}

/* The anonymous pieces of [addr, end) are unmapped, their pages dropped,
 * and mapped again: they read as zero. */
static long mmap_dontneed(uintptr_t addr, uintptr_t end)
{
	long r = dontneed_check(addr, end);
	if (r)
		return r;
	region_split_at(addr);
	region_split_at(end);
	for (size_t i = region_at(addr); r == 0 && i < nregions && regions[i].start < end; i++) {
		struct region *g = &regions[i];
		if (g->kind != REGION_ANON || !g->prot)
			continue;
		anon_unmap(g->start, g->end - g->start);
		r = mk_errno(anon_map(g->start, g->end - g->start, g->prot));
	}
	region_merge(addr, end);
	return r;
}

long mk_madvise(uintptr_t addr, uintptr_t len, int advice)
{
	if ((addr & PAGE_MASK_) || !advice_known(advice))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len > VM_USER_HI)
		return -ENOMEM;
	len = page_up(len);
	bool heap = addr >= MEM_HEAP_BASE && addr < MEM_HEAP_LIMIT && len <= MEM_HEAP_LIMIT - addr;
	if (!heap && !in_mmap_area(addr, len))
		return -ENOMEM;
	mem_lock();
	long r;
	if (heap)
		r = addr + len > page_up(brk_cur) ? -ENOMEM
		    : advice == MADV_DONTNEED ? heap_dontneed(addr, len) : 0;
	else if (!regions_ready())
		r = -ENOMEM;
	else if (advice == MADV_DONTNEED)
		r = mmap_dontneed(addr, addr + len);
	else
		r = dontneed_check(addr, addr + len) == -ENOMEM ? -ENOMEM : 0;
	mem_unlock();
	return r;
}

/* --- mremap ------------------------------------------------------------------- */

/* The region holding all of [addr, end), or nregions. */
static size_t region_holding(uintptr_t addr, uintptr_t end)
{
	size_t i = region_at(addr);
	return i < nregions && regions[i].start <= addr && end <= regions[i].end ? i : nregions;
}

/* Unmaps [addr, end) inside region i (at its end) and trims the table. */
static void region_cut_tail(size_t i, uintptr_t addr)
{
	if (regions[i].prot)
		sys2(SYS_MEM_UNMAP, addr, regions[i].end - addr);
	if (regions[i].kind == REGION_ANON)
		anon_drop(addr, regions[i].end - addr);
	if (addr == regions[i].start)
		region_remove(i);
	else
		regions[i].end = addr;
}

/* Anonymous memory of region i grows in place to new_end: a zero-fill
 * object of its own for the new part. */
static long grow_in_place(size_t i, uintptr_t new_end)
{
	uintptr_t old_end = regions[i].end;
	long r = regions[i].prot ? mk_errno(anon_map(old_end, new_end - old_end, regions[i].prot))
				 : 0;
	if (r == 0) {
		region_insert(i + 1, old_end, new_end, regions[i].prot, REGION_ANON);
		region_merge(old_end, new_end);
	}
	return r;
}

/* Moves the anonymous [old, old+old_len) to `at` (new_len bytes, free),
 * copying what there is: mapped writable for the copy, then with the
 * region's protection. */
static long move_anon(size_t i, uintptr_t old, uintptr_t old_len, uintptr_t at,
		      uintptr_t new_len)
{
	uint32_t prot = regions[i].prot;
	uintptr_t keep = old_len < new_len ? old_len : new_len;
	if (prot) {
		long r = anon_map(at, new_len, VM_R | VM_W);
		if (r == 0 && (prot & VM_R))
			__builtin_memcpy((void *)at, (const void *)old, keep);
		if (r == 0 && prot != (VM_R | VM_W)) {
			vm_unmap(at, new_len);
			r = anon_map(at, new_len, prot);
		}
		if (r) {
			anon_drop(at, new_len);
			return mk_errno(r);
		}
	}
	region_split_at(old);
	region_split_at(old + old_len);
	region_cut_tail(region_at(old), old);
	region_insert(region_at(at), at, at + new_len, prot, REGION_ANON);
	region_merge(at, at + new_len);
	return 0;
}

static long mremap_check(uintptr_t old, uintptr_t old_len, uintptr_t new_len, int flags,
			 uintptr_t new_addr)
{
	if ((old & PAGE_MASK_) || old_len == 0 || new_len == 0 ||
	    (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && (!(flags & MREMAP_MAYMOVE) || (new_addr & PAGE_MASK_))))
		return -EINVAL;
	if (old_len > VM_USER_HI || new_len > MEM_MMAP_LIMIT - MEM_MMAP_BASE)
		return -ENOMEM;
	if (!in_mmap_area(old, page_up(old_len)))
		return -EFAULT;
	if ((flags & MREMAP_FIXED) && !in_mmap_area(new_addr, page_up(new_len)))
		return -ENOMEM;
	return 0;
}

/* Where a moved mapping goes: new_addr (whatever was there unmapped) or
 * the first fit; mem_lock held. */
static long move_target(uintptr_t old, uintptr_t old_end, uintptr_t new_len, int flags,
			uintptr_t new_addr)
{
	if (!(flags & MREMAP_FIXED)) {
		uintptr_t at = region_first_fit(new_len);
		return at ? (long)at : -ENOMEM;
	}
	if (new_addr < old_end && old < new_addr + new_len)
		return -EINVAL; /* overlaps the old range */
	if (!range_free(new_addr, new_addr + new_len)) {
		mem_unlock();
		long r = mk_munmap(new_addr, new_len);
		mem_lock();
		if (r)
			return r;
	}
	return (long)new_addr;
}

long mk_mremap(uintptr_t old, uintptr_t old_len, uintptr_t new_len, int flags,
	       uintptr_t new_addr)
{
	long r = mremap_check(old, old_len, new_len, flags, new_addr);
	if (r)
		return r;
	old_len = page_up(old_len);
	new_len = page_up(new_len);
	uintptr_t old_end = old + old_len;
	mem_lock();
	size_t i = regions_ready() ? region_holding(old, old_end) : nregions;
	if (i == nregions)
		r = -EFAULT;
	else if (!room_to_cut(old, old_end) || nregions + 3 > MEM_MAX_REGIONS)
		r = -ENOMEM;
	else if (new_len <= old_len && !(flags & MREMAP_FIXED)) {
		region_split_at(old_end);
		if (new_len < old_len)
			region_cut_tail(region_at(old), old + new_len);
		r = (long)old;
	} else if (regions[i].kind != REGION_ANON) {
		r = -ENOMEM; /* a file mapping cannot grow or move */
	} else if (!(flags & MREMAP_FIXED) && old_end == regions[i].end &&
		   in_mmap_area(old, new_len) && range_free(old_end, old + new_len)) {
		r = grow_in_place(i, old + new_len);
		r = r ? r : (long)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		r = -ENOMEM;
	} else {
		long at = move_target(old, old_end, new_len, flags, new_addr);
		i = region_holding(old, old_end); /* the table may have changed */
		r = at < 0 ? at : i == nregions ? -EFAULT
						: move_anon(i, old, old_len, (uintptr_t)at, new_len);
		r = r ? r : at;
	}
	mem_unlock();
	return r;
}
