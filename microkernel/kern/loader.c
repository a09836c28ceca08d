/* ELF loading; see kern/loader.h. */
#include "kern/loader.h"
#include "arch/riscv/pmap.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sv39.h"
#include "kern/elf.h"
#include "kern/phys.h"
#include "kern/usercopy.h"
#include "lib/string.h"
#include "uapi/errors.h"

#include "uapi/auxv.h"

static uint64_t seg_pte_flags(uint32_t f)
{
	uint64_t fl = 0;
	if (f & ELF_PF_R)
		fl |= PTE_R;
	if (f & ELF_PF_W)
		fl |= PTE_W | PTE_R;
	if (f & ELF_PF_X)
		fl |= PTE_X;
	return fl;
}

/* Maps one segment page by page, copying its file bytes. A page shared
 * with the previous segment is reused and gets both segments' rights. */
static int load_segment(struct task *t, const char *file, const struct elf_segment *s)
{
	uint64_t flags = seg_pte_flags(s->flags);
	for (uint64_t va = PAGE_DOWN(s->vaddr); va < s->vaddr + s->memsz; va += PAGE_SIZE) {
		pte_t *e = sv39_walk(t->pt_root, va, false);
		paddr_t pa;
		if (e && (*e & PTE_V)) {
			pmap_set_bits(e, flags);
			pa = pte_pa(*e);
		} else {
			int err = task_map_new(t, va, flags, &pa);
			if (err)
				return err;
		}
		/* The part of this page that holds file bytes. */
		uint64_t lo = MAX(va, s->vaddr);
		uint64_t hi = MIN(va + PAGE_SIZE, s->vaddr + s->filesz);
		if (lo < hi)
			memcpy((char *)pa_to_kva(pa) + (lo - va),
			       file + s->offset + (lo - s->vaddr), hi - lo);
	}
	return 0;
}

struct stack_builder {
	struct task *t;
	uint64_t sp;
};

static int push_bytes(struct stack_builder *b, const void *p, size_t n, uint64_t *at)
{
	b->sp -= n;
	*at = b->sp;
	return copy_to_user(b->t, b->sp, p, n);
}

static int build_stack(struct task *t, const struct elf_image *img, const char *argv,
		       size_t argv_len, uint64_t *sp_out)
{
	int argc = 0;
	for (size_t i = 0; i < argv_len; i++)
		argc += argv[i] == 0;
	if (argc == 0 || argv[argv_len - 1] != 0 || argc > 256)
		return -E_INVAL;
	struct stack_builder b = { t, USER_STACK_TOP };
	uint64_t strings, random;
	int err = push_bytes(&b, argv, argv_len, &strings);
	static const uint8_t seed[16] = { 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
					  0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34 };
	if (!err)
		err = push_bytes(&b, seed, sizeof(seed), &random);
	if (err)
		return err;
	/* argc, argv[argc], NULL, envp NULL, auxv pairs */
	uint64_t vec[1 + 256 + 1 + 1 + 12];
	size_t n = 0;
	vec[n++] = (uint64_t)argc;
	uint64_t p = strings;
	for (int i = 0; i < argc; i++) {
		vec[n++] = p;
		p += strnlen(argv + (p - strings), argv_len - (p - strings)) + 1;
	}
	vec[n++] = 0;
	vec[n++] = 0;
	uint64_t aux[] = { AT_PHDR, img->phdr_vaddr, AT_PHENT, img->phentsize,
			   AT_PHNUM, img->phnum, AT_PAGESZ, PAGE_SIZE,
			   AT_ENTRY, img->entry, AT_RANDOM, random };
	memcpy(&vec[n], aux, sizeof(aux));
	n += ARRAY_SIZE(aux);
	vec[n++] = AT_NULL;
	vec[n++] = 0;
	b.sp = (b.sp - n * sizeof(uint64_t)) & ~15ul;
	*sp_out = b.sp;
	return copy_to_user(t, b.sp, vec, n * sizeof(uint64_t));
}

int loader_exec(struct task *t, const void *elf, size_t len, const char *argv,
		size_t argv_len, uint64_t *entry, uint64_t *sp)
{
	struct elf_image img;
	int err = elf_parse(elf, len, USER_LO, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
			    &img);
	for (int i = 0; !err && i < img.nseg; i++)
		err = load_segment(t, elf, &img.seg[i]);
	for (unsigned i = 0; !err && i < USER_STACK_PAGES; i++)
		err = task_map_new(t, USER_STACK_TOP - (i + 1) * PAGE_SIZE, PTE_R | PTE_W, 0);
	if (!err)
		err = build_stack(t, &img, argv, argv_len, sp);
	if (!err)
		*entry = img.entry;
	return err;
}
