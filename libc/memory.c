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

struct region {
	uintptr_t start, end; /* page aligned, start < end */
	uint32_t prot;        /* VM_* bits; 0 (PROT_NONE): reserved, no frames */
};

/* All guarded by mem_lock. regions[0..nregions) is sorted and disjoint,
 * and lies within [MEM_MMAP_BASE, MEM_MMAP_LIMIT). */
static struct region regions[MEM_MAX_REGIONS];
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

/* --- anonymous memory objects ----------------------------------------------- */

/* Anonymous memory is a memory object of the kernel's zero-fill kind,
 * mapped here: pages appear (zeroed) on first touch. The mapping keeps
 * the object alive; unmapping all of it frees its pages. */
static long anon_map(uintptr_t at, uintptr_t len, uint32_t vp)
{
	long vmo = vmo_create(len, VMO_KERNEL_ZERO, 0);
	if (vmo < 0)
		return vmo;
	long r = vm_map((int)vmo, at, len, 0, vp | VM_SHARED);
	sys_handle_close((int)vmo);
	return r;
}

/* --- brk --------------------------------------------------------------------- */

/* The heap is one object (at most 1 GiB) mapped further as the break
 * grows; a shrinking break unmaps and drops the pages (LOCK_FLUSH). */
#define HEAP_SIZE (MEM_HEAP_LIMIT - MEM_HEAP_BASE < (1ul << 30) ? MEM_HEAP_LIMIT - MEM_HEAP_BASE \
								   : (1ul << 30))
static int heap_vmo = -1;

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
			   LOCK_FLUSH, info.epoch);
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

static void region_insert(size_t i, uintptr_t start, uintptr_t end, uint32_t prot)
{
	for (size_t j = nregions; j > i; j--)
		regions[j] = regions[j - 1];
	regions[i] = (struct region){ start, end, prot };
	nregions++;
}

static void region_remove(size_t i)
{
	for (size_t j = i; j + 1 < nregions; j++)
		regions[j] = regions[j + 1];
	nregions--;
}

/* Cuts the region around a in two at a. Needs a free slot. */
static void region_split_at(uintptr_t a)
{
	size_t i = region_at(a);
	if (i < nregions && regions[i].start < a) {
		region_insert(i + 1, a, regions[i].end, regions[i].prot);
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
	if (nregions == MEM_MAX_REGIONS)
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
	if (at >= 0 && r == 0)
		region_insert(region_at((uintptr_t)at), (uintptr_t)at, (uintptr_t)at + len, vp);
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
	if (!room_to_cut(addr, end)) {
		mem_unlock();
		return -ENOMEM;
	}
	region_split_at(addr);
	region_split_at(end);
	for (size_t i = region_at(addr); i < nregions && regions[i].start < end;) {
		if (regions[i].prot)
			sys2(SYS_MEM_UNMAP, regions[i].start, regions[i].end - regions[i].start);
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
	long r = mprotect_check(addr, end, vp);
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
			      prot & (VM_R | VM_W | VM_X));
	mem_unlock();
	return r < 0 ? r : at;
}
