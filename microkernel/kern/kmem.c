/* Kernel object memory; see kern/kmem.h. */
#include "kern/kmem.h"

#include "kern/log.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "lib/list.h"
#include "lib/string.h"

/* Host tests under AddressSanitizer: a freed object (but for the word
 * that links it on the free list) is poisoned, so a use after free fails
 * the test at once instead of reading stale memory. */
#if defined(HOST_TEST) && defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((char *)(p) + sizeof(void *), (n) - sizeof(void *))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define MIN_SHIFT 6 /* 64 bytes */
#define NCLASSES (PAGE_SHIFT - MIN_SHIFT) /* 64 .. 2048; 4096 is a frame */

/* A slab's header sits at the start of its frame; objects follow. */
struct slab {
	struct list link;  /* in the class's partial list */
	void *free;        /* free objects, linked through their first word */
	uint32_t inuse, capacity;
};

static struct list partial[NCLASSES];
static bool inited;
static uint64_t bytes_in_use;

static int class_of(size_t size)
{
	int c = 0;
	while ((1ul << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static void lazy_init(void)
{
	if (inited)
		return;
	for (int i = 0; i < NCLASSES; i++)
		list_init(&partial[i]);
	inited = true;
}

static struct slab *slab_new(int c)
{
	paddr_t pa = pmm_alloc();
	if (!pa)
		return 0;
	struct slab *s = pa_to_kva(pa);
	size_t osize = 1ul << (c + MIN_SHIFT);
	size_t first = (sizeof(struct slab) + osize - 1) & ~(osize - 1);
	list_init(&s->link);
	s->free = 0;
	s->inuse = 0;
	s->capacity = 0;
	for (size_t off = PAGE_SIZE - osize; off >= first; off -= osize) {
		void **obj = (void **)(void *)((char *)s + off);
		*obj = s->free;
		s->free = obj;
		s->capacity++;
		POISON(obj, osize);
	}
	list_add_head(&partial[c], &s->link);
	return s;
}

/* (always inlined: the supply fast path allocates a leaf this way) */
inline __attribute__((always_inline)) void *kmem_alloc_page(void)
{
	paddr_t pa = pmm_alloc_ahead();
	if (!pa)
		return 0;
	bytes_in_use += PAGE_SIZE;
	return frame_kva(pa);
}

void *kmem_alloc(size_t size)
{
	if (size == 0 || size > PAGE_SIZE)
		return 0;
	if (size > PAGE_SIZE / 2)
		return kmem_alloc_page();
	lazy_init();
	int c = class_of(size);
	struct slab *s = list_empty(&partial[c])
				 ? slab_new(c)
				 : list_entry(partial[c].next, struct slab, link);
	if (!s)
		return 0;
	void **obj = s->free;
	s->free = *obj;
	UNPOISON(obj, 1ul << (c + MIN_SHIFT));
	if (++s->inuse == s->capacity)
		list_del(&s->link);
	bytes_in_use += 1ul << (c + MIN_SHIFT);
	memset(obj, 0, 1ul << (c + MIN_SHIFT));
	return obj;
}

void kmem_free(void *p, size_t size)
{
	if (!p)
		return;
	KASSERT(size > 0 && size <= PAGE_SIZE);
	if (size > PAGE_SIZE / 2) {
		bytes_in_use -= PAGE_SIZE;
		pmm_unref(kva_to_pa(p));
		return;
	}
	int c = class_of(size);
	struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)PAGE_MASK);
	KASSERT(s->inuse > 0);
	if (s->inuse == s->capacity)
		list_add_head(&partial[c], &s->link);
	*(void **)p = s->free;
	s->free = p;
	POISON(p, 1ul << (c + MIN_SHIFT));
	bytes_in_use -= 1ul << (c + MIN_SHIFT);
	if (--s->inuse == 0) {
		list_del(&s->link);
		UNPOISON(s, PAGE_SIZE); /* the frame allocator junk-fills it */
		pmm_unref(kva_to_pa(s));
	}
}

uint64_t kmem_bytes_in_use(void)
{
	return bytes_in_use;
}
