/* The user-space loader's plan; see libipc/spawn_plan.h. */
#include "libipc/spawn_plan.h"

#include "uapi/errors.h"
#include "uapi/pager.h"

#define PG_MASK (VM_PAGE_SIZE - 1)
#define PG_DOWN(x) ((x) & ~PG_MASK)
#define PG_UP(x) (((x) + PG_MASK) & ~PG_MASK)

static uint32_t seg_prot(uint32_t f)
{
	return (f & ELF_PF_R ? VM_R : 0) | (f & ELF_PF_W ? VM_R | VM_W : 0) |
	       (f & ELF_PF_X ? VM_X : 0);
}

/* Segments may not share a page: the loader maps whole pages, one
 * region each. elf_parse saw that each range fits and does not wrap. */
static int check_pages_disjoint(const struct elf_image *img)
{
	for (int i = 0; i < img->nseg; i++)
		for (int j = i + 1; j < img->nseg; j++) {
			const struct elf_segment *a = &img->seg[i], *b = &img->seg[j];
			uint64_t a0 = PG_DOWN(a->vaddr), a1 = PG_UP(a->vaddr + a->memsz);
			uint64_t b0 = PG_DOWN(b->vaddr), b1 = PG_UP(b->vaddr + b->memsz);
			if (a0 < b1 && b0 < a1)
				return -E_FORMAT;
		}
	return 0;
}

static void add_map(struct spawn_plan *p, struct spawn_map m)
{
	p->map[p->nmaps++] = m;
}

/* Plans one segment: module pages, then the anonymous rest. */
static int plan_segment(const struct elf_segment *s, uint64_t file_size, struct spawn_plan *p)
{
	uint32_t prot = seg_prot(s->flags);
	if (!prot || ((s->vaddr ^ s->offset) & PG_MASK))
		return -E_FORMAT;
	uint64_t start = PG_DOWN(s->vaddr), file_end = s->vaddr + s->filesz;
	uint64_t mem_end = PG_UP(s->vaddr + s->memsz);
	/* Module pages end where the file bytes do; a partial last page
	 * goes to the anonymous part if zeros must follow. */
	uint64_t mod_end = s->memsz > s->filesz ? PG_DOWN(file_end) : mem_end;
	if (mod_end < start)
		mod_end = start;
	if (mod_end > start) {
		uint64_t off = PG_DOWN(s->offset);
		if (off > PG_UP(file_size) || mod_end - start > PG_UP(file_size) - off)
			return -E_FORMAT;
		add_map(p, (struct spawn_map){ .kind = SPAWN_MAP_MODULE, .va = start,
					       .len = mod_end - start, .offset = off, .prot = prot,
					       .flags = prot & VM_W ? VM_PRIVATE : VM_SHARED });
	}
	if (mod_end < mem_end) {
		uint64_t from = mod_end > s->vaddr ? mod_end : s->vaddr;
		uint64_t n = file_end > from ? file_end - from : 0;
		add_map(p, (struct spawn_map){ .kind = SPAWN_MAP_ANON, .va = mod_end,
					       .len = mem_end - mod_end, .prot = prot,
					       .flags = VM_SHARED,
					       .copy_from = s->offset + (from - s->vaddr),
					       .copy_to = from - mod_end, .copy_len = n });
	}
	return 0;
}

int spawn_plan(const struct elf_image *img, uint64_t file_size, struct spawn_plan *plan)
{
	plan->nmaps = 0;
	if (img->nseg < 1 || img->nseg > ELF_MAX_SEGS)
		return -E_FORMAT;
	int err = check_pages_disjoint(img);
	for (int i = 0; !err && i < img->nseg; i++)
		err = plan_segment(&img->seg[i], file_size, plan);
	return err;
}
