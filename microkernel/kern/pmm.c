/* Physical frame allocator; see kern/pmm.h. */
#include "kern/pmm.h"

#include "kern/config.h"
#include "kern/keep_call.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "lib/string.h"

static struct {
	paddr_t base, end;
	uint32_t *refs;  /* one count per frame in [base, end) */
	paddr_t free_head; /* 0: empty */
	uint64_t nfree, total;
	paddr_t prezeroed[8]; /* zeroed ahead (pmm_idle_zero) */
	uint64_t nprezeroed; /* (64 bits: an index with no zero extension) */
} pmm;

static size_t frame_index(paddr_t pa)
{
	if (KDEBUG)
		KASSERT((pa & PAGE_MASK) == 0 && pa >= pmm.base && pa < pmm.end);
	return (pa - pmm.base) >> PAGE_SHIFT;
}

bool pmm_owns(paddr_t pa)
{
	return (pa & PAGE_MASK) == 0 && pa >= pmm.base && pa < pmm.end;
}

paddr_t pmm_init(paddr_t base, paddr_t end)
{
	base = PAGE_UP(base);
	end = PAGE_DOWN(end);
	if (end <= base)
		return 0;
	uint64_t n = (end - base) >> PAGE_SHIFT;
	paddr_t meta_end = PAGE_UP(base + n * sizeof(uint32_t));
	if (meta_end >= end)
		return 0;
	pmm.base = base;
	pmm.end = end;
	pmm.refs = pa_to_kva(base);
	pmm.free_head = 0;
	pmm.nfree = 0;
	pmm.total = 0;
	pmm.nprezeroed = 0;
	/* Reserved frames carry a count of 1 so that freeing one by mistake
	 * is caught as a double free rather than corrupting the list. */
	for (uint64_t i = 0; i < n; i++)
		pmm.refs[i] = 1;
	return meta_end;
}

static void push_free(paddr_t pa)
{
	unsigned char *p = pa_to_kva(pa);
	if (KDEBUG)
		memset(p, PMM_JUNK, PAGE_SIZE);
	*(paddr_t *)(void *)p = pmm.free_head;
	pmm.free_head = pa;
	pmm.nfree++;
}

void pmm_free_range(paddr_t start, paddr_t end)
{
	paddr_t meta_end = PAGE_UP(pmm.base + ((pmm.end - pmm.base) >> PAGE_SHIFT) *
						    sizeof(uint32_t));
	start = MAX(PAGE_UP(start), meta_end);
	end = MIN(PAGE_DOWN(end), pmm.end);
	for (paddr_t pa = start; pa < end; pa += PAGE_SIZE) {
		size_t i = frame_index(pa);
		KASSERT(pmm.refs[i] == 1);
		pmm.refs[i] = 0;
		pmm.total++;
		push_free(pa);
	}
}

/* A free frame must still hold its junk (past the link word): anything
 * else means someone wrote through a stale pointer after freeing it. */
static void check_junk(paddr_t pa)
{
	const uint64_t *w = pa_to_kva(pa);
	const uint64_t junk = 0x0101010101010101ull * PMM_JUNK;
	for (size_t i = 1; i < PAGE_SIZE / 8; i++)
		if (w[i] != junk)
			kpanic("pmm: frame %lx written after free (word %zu)",
			       (unsigned long)pa, i);
}

/* The link word is the one word of a free frame that holds no junk: it
 * must name another free frame, or be 0 only in the last free frame.
 * Checked before it is followed, so a stale write there panics here
 * instead of sending the next pmm_alloc through a wild pointer. */
static void check_link(paddr_t pa, paddr_t next)
{
	bool ok = next ? pmm_owns(next) && pmm.refs[frame_index(next)] == 0
		       : pmm.nfree == 1;
	if (!ok)
		kpanic("pmm: frame %lx written after free (link %lx)",
		       (unsigned long)pa, (unsigned long)next);
}

/* Zeroes a frame 64 bytes a round: this is most of a zero-fill fault. */
/* Eight stores a turn and a pointer compare, written out: inlined into a
 * fast path, the compiler's own loop would count turns in a register of
 * its own and spend one instruction more each turn. */
static inline void zero_frame(void *p)
{
	uint64_t *w = p, *end = w + PAGE_SIZE / 8;
#if defined(__riscv)
	__asm__ volatile("1:\n\t"
			 "sd zero, 0(%0)\n\t"
			 "sd zero, 8(%0)\n\t"
			 "sd zero, 16(%0)\n\t"
			 "sd zero, 24(%0)\n\t"
			 "sd zero, 32(%0)\n\t"
			 "sd zero, 40(%0)\n\t"
			 "sd zero, 48(%0)\n\t"
			 "sd zero, 56(%0)\n\t"
			 "addi %0, %0, 64\n\t"
			 "bne %0, %1, 1b"
			 : "+r"(w)
			 : "r"(end)
			 : "memory");
#else /* the unit tests, on the host */
	for (; w < end; w++)
		*w = 0;
#endif
}

static inline __attribute__((always_inline)) paddr_t take_frame(void)
{
	paddr_t pa = pmm.free_head;
	if (!pa)
		return 0;
	void *p = pa_to_kva(pa);
	paddr_t next = *(paddr_t *)p;
	if (KDEBUG) {
		check_link(pa, next);
		check_junk(pa);
	}
	pmm.free_head = next;
	pmm.nfree--;
	size_t i = frame_index(pa);
	KASSERT(pmm.refs[i] == 0);
	pmm.refs[i] = 1;
	return pa;
}

/*
 * Frames zeroed ahead while the hart idles, for page tables and whole
 * pages of kernel metadata: the fault that needs a new table and a new
 * leaf of the object's page directory (one in 512 pages) does not zero
 * them then, so it costs no more than its neighbours. They count as free
 * (pmm_free_count) and any allocation takes them when the free list is
 * empty; a handful, and never the last free frames.
 */
#define PREZERO_MAX (sizeof(pmm.prezeroed) / sizeof(pmm.prezeroed[0]))

/* (always inlined where named: the supply fast path zero-fills with no call) */
inline __attribute__((always_inline)) paddr_t pmm_alloc_inline(void)
{
	paddr_t pa = take_frame();
	if (pa)
		zero_frame(pa_to_kva(pa));
	else if (pmm.nprezeroed)
		pa = pmm.prezeroed[--pmm.nprezeroed];
	return pa;
}

paddr_t pmm_alloc(void)
{
	return pmm_alloc_inline();
}

paddr_t pmm_alloc_raw(void)
{
	paddr_t pa = take_frame();
	if (!pa && pmm.nprezeroed)
		pa = pmm.prezeroed[--pmm.nprezeroed];
	return pa;
}

inline __attribute__((always_inline)) paddr_t pmm_alloc_ahead(void)
{
	if (!pmm.nprezeroed) /* (keep_call: inlined into the supply's fast path,
			      * which has no frame for a call's sake) */
		return KEEP_CALL(pmm_alloc);
	paddr_t pa = pmm.prezeroed[--pmm.nprezeroed];
	if (!pa) /* (a frame: the caller's test of it is known to pass) */
		__builtin_unreachable();
	return pa;
}

void pmm_idle_zero(uint32_t max)
{
	while (max-- && pmm.nprezeroed < PREZERO_MAX && pmm.nfree > PMM_PREZERO_KEEP_FREE) {
		paddr_t pa = take_frame();
		zero_frame(pa_to_kva(pa));
		pmm.prezeroed[pmm.nprezeroed++] = pa;
	}
}

void pmm_ref(paddr_t pa)
{
	size_t i = frame_index(pa);
	if (pmm.refs[i] == 0)
		kpanic("pmm: ref of free frame %lx", (unsigned long)pa);
	pmm.refs[i]++;
}

inline __attribute__((always_inline)) void pmm_ref_held(paddr_t pa)
{
	size_t i = frame_index(pa);
	KASSERT_FAST(pmm.refs[i] != 0);
	pmm.refs[i]++;
}

void pmm_unref(paddr_t pa)
{
	size_t i = frame_index(pa);
	if (pmm.refs[i] == 0)
		kpanic("pmm: double free of frame %lx", (unsigned long)pa);
	if (--pmm.refs[i] == 0)
		push_free(pa);
}

uint32_t pmm_refcount(paddr_t pa)
{
	return pmm.refs[frame_index(pa)];
}

uint64_t pmm_free_count(void)
{
	return pmm.nfree + pmm.nprezeroed;
}

uint64_t pmm_total_count(void)
{
	return pmm.total;
}
