/*
 * libFuzzer harness for kern/elf.c: every input is an executable file.
 *
 * It parses with the loader's user range and then checks each promise
 * elf.h makes to the loader, reading the file again with its own decoder
 * rather than trusting the parser's: a segment the parser accepted but
 * the file does not back, a byte overlap, an entry outside code, a
 * program header table that is not where AT_PHDR says. On failure the
 * output must be untouched and the error one of the documented ones.
 *
 * An accepted image then goes through the user-space loader's plan
 * (libipc/spawn_plan.c): refused only with E_FORMAT, or every mapping
 * page aligned, none overlapping another, together covering each
 * segment's pages exactly, module pages inside the file and copied
 * bytes inside both the file and one page.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/memlayout.h"
#include "kern/elf.h"
#include "libipc/spawn_plan.h"
#include "uapi/pager.h"
#include "tests/fuzz/host/fuzz_check.h"
#include "uapi/errors.h"

/* The range kern/loader.c passes: below the stack and its guard. */
#define LOAD_LO USER_LO
#define LOAD_HI (USER_STACK_TOP - USER_STACK_PAGES * ELF_PAGE_SIZE)

#define PHDR_SIZE 56u
#define PT_LOAD 1u

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The file bytes of every segment are read: ASan checks they exist. */
static unsigned touch(const uint8_t *p, const struct elf_segment *s)
{
    unsigned sum = 0;

    for (uint64_t i = 0; i < s->filesz; i++)
        sum += p[s->offset + i];
    return sum;
}

static void check_segment(const uint8_t *p, size_t len,
                          const struct elf_segment *s, const uint8_t *ph)
{
    uint64_t mask = ELF_PAGE_SIZE - 1;

    FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz);
    FUZZ_CHECK(s->offset <= len && s->filesz <= len - s->offset);
    FUZZ_CHECK((s->flags & ~(uint32_t)(ELF_PF_X | ELF_PF_W | ELF_PF_R)) == 0);
    /* Page-rounded range inside the user range, without wrapping. */
    FUZZ_CHECK(s->vaddr <= UINT64_MAX - s->memsz);
    uint64_t end = s->vaddr + s->memsz;
    FUZZ_CHECK(end <= UINT64_MAX - mask);
    FUZZ_CHECK((s->vaddr & ~mask) >= LOAD_LO);
    FUZZ_CHECK(((end + mask) & ~mask) <= LOAD_HI);
    /* What the file's own header says. */
    FUZZ_CHECK(rd(ph + 0, 4) == PT_LOAD);
    FUZZ_CHECK(rd(ph + 8, 8) == s->offset && rd(ph + 16, 8) == s->vaddr);
    FUZZ_CHECK(rd(ph + 32, 8) == s->filesz && rd(ph + 40, 8) == s->memsz);
    FUZZ_CHECK(s->flags == (rd(ph + 4, 4) & 7));
    fuzz_sink(touch(p, s));
}

static void check_image(const uint8_t *p, size_t len, const struct elf_image *img)
{
    uint64_t phoff = rd(p + 32, 8);
    int k = 0;

    FUZZ_CHECK(img->nseg >= 1 && img->nseg <= ELF_MAX_SEGS);
    FUZZ_CHECK(img->phnum == rd(p + 56, 2) && img->phentsize == PHDR_SIZE);
    FUZZ_CHECK(phoff <= len && (uint64_t)img->phnum * PHDR_SIZE <= len - phoff);

    /* seg[] is the PT_LOAD headers in file order, all of them. */
    for (unsigned i = 0; i < img->phnum; i++) {
        const uint8_t *ph = p + phoff + (uint64_t)i * PHDR_SIZE;
        if (rd(ph, 4) != PT_LOAD)
            continue;
        FUZZ_CHECK(k < img->nseg);
        check_segment(p, len, &img->seg[k++], ph);
    }
    FUZZ_CHECK(k == img->nseg);

    bool entry_ok = false;
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *a = &img->seg[i];
        for (int j = i + 1; j < img->nseg; j++) {
            const struct elf_segment *b = &img->seg[j];
            FUZZ_CHECK(a->vaddr + a->memsz <= b->vaddr ||
                       b->vaddr + b->memsz <= a->vaddr);
        }
        if ((a->flags & ELF_PF_X) && img->entry >= a->vaddr &&
            img->entry < a->vaddr + a->memsz)
            entry_ok = true;
    }
    FUZZ_CHECK(entry_ok);
    FUZZ_CHECK(img->entry == rd(p + 24, 8));

    /* AT_PHDR: the whole table is file-backed at that address. */
    if (img->phdr_vaddr != 0) {
        uint64_t tab = (uint64_t)img->phnum * PHDR_SIZE;
        bool seen = false;
        for (int i = 0; i < img->nseg && !seen; i++) {
            const struct elf_segment *s = &img->seg[i];
            seen = img->phdr_vaddr >= s->vaddr && tab <= s->filesz &&
                   img->phdr_vaddr - s->vaddr <= s->filesz - tab &&
                   s->offset + (img->phdr_vaddr - s->vaddr) == phoff;
        }
        FUZZ_CHECK(seen);
    }
}

/* Pages of [lo, hi) the plan maps, counted over all its mappings. */
static uint64_t pages_mapped(const struct spawn_plan *p, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;

    for (int i = 0; i < p->nmaps; i++) {
        uint64_t a = p->map[i].va, b = p->map[i].va + p->map[i].len;
        if (a < hi && lo < b)
            n += ((b < hi ? b : hi) - (a > lo ? a : lo)) / ELF_PAGE_SIZE;
    }
    return n;
}

static void check_plan(const uint8_t *p, size_t len, const struct elf_image *img)
{
    struct spawn_plan plan;
    uint64_t mask = ELF_PAGE_SIZE - 1, file_pages = (len + mask) & ~mask;
    int rc = spawn_plan(img, len, &plan);

    if (rc != 0) {
        FUZZ_CHECK(rc == -E_FORMAT);
        return;
    }
    FUZZ_CHECK(plan.nmaps >= 1 && plan.nmaps <= SPAWN_MAX_MAPS);
    for (int i = 0; i < plan.nmaps; i++) {
        const struct spawn_map *m = &plan.map[i];
        FUZZ_CHECK(((m->va | m->len) & mask) == 0 && m->len > 0 && m->prot != 0);
        FUZZ_CHECK(pages_mapped(&plan, m->va, m->va + m->len) == m->len / ELF_PAGE_SIZE);
        if (m->kind == SPAWN_MAP_MODULE) {
            FUZZ_CHECK((m->offset & mask) == 0 && m->offset <= file_pages &&
                       m->len <= file_pages - m->offset);
            FUZZ_CHECK(!(m->prot & VM_W) || m->flags == VM_PRIVATE);
        } else {
            FUZZ_CHECK(m->kind == SPAWN_MAP_ANON && m->copy_len <= ELF_PAGE_SIZE &&
                       m->copy_to <= ELF_PAGE_SIZE - m->copy_len);
            FUZZ_CHECK(m->copy_from <= len && m->copy_len <= len - m->copy_from);
            unsigned sum = 0;
            for (uint64_t k = 0; k < m->copy_len; k++)
                sum += p[m->copy_from + k];
            fuzz_sink(sum);
        }
    }
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t lo = s->vaddr & ~mask, hi = (s->vaddr + s->memsz + mask) & ~mask;
        FUZZ_CHECK(pages_mapped(&plan, lo, hi) == (hi - lo) / ELF_PAGE_SIZE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image img, before;

    memset(&img, 0xa5, sizeof img);
    before = img;
    int rc = elf_parse(data, size, LOAD_LO, LOAD_HI, &img);
    if (rc == 0) {
        check_image(data, size, &img);
        check_plan(data, size, &img);
        return 0;
    }
    FUZZ_CHECK(rc == -E_FORMAT || rc == -E_RANGE);
    FUZZ_CHECK(memcmp(&img, &before, sizeof img) == 0);
    return 0;
}
