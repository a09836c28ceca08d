/*
 * ELF64 executable checker. See elf.h for the guarantees it gives.
 *
 * Fields are decoded byte by byte in little-endian order instead of
 * overlaying structs on the buffer: the image may sit at any alignment
 * (inside a cpio archive, data is only 4-byte aligned) and the code must
 * give the same answer on any host that runs the unit tests.
 */
#include "kern/elf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "uapi/errors.h"

/* e_ident */
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_EV_CURRENT 1

#define ELF_ET_EXEC 2
#define ELF_EM_RISCV 243

#define ELF_PT_LOAD 1
#define ELF_PT_INTERP 3
#define ELF_PT_PHDR 6

#define ELF_EHDR_SIZE 64u
#define ELF_PHDR_SIZE 56u
#define ELF_MAX_PHNUM 64u

/* Byte offsets of the Elf64_Ehdr fields used here. */
#define ELF_OFF_TYPE 16
#define ELF_OFF_MACHINE 18
#define ELF_OFF_VERSION 20
#define ELF_OFF_ENTRY 24
#define ELF_OFF_PHOFF 32
#define ELF_OFF_EHSIZE 52
#define ELF_OFF_PHENTSIZE 54
#define ELF_OFF_PHNUM 56

/* Byte offsets of the Elf64_Phdr fields. */
#define ELF_PH_TYPE 0
#define ELF_PH_FLAGS 4
#define ELF_PH_OFFSET 8
#define ELF_PH_VADDR 16
#define ELF_PH_FILESZ 32
#define ELF_PH_MEMSZ 40
#define ELF_PH_ALIGN 48

#define ELF_PAGE_MASK ((uint64_t)ELF_PAGE_SIZE - 1)

_Static_assert(ELF_MAX_SEGS <= ELF_MAX_PHNUM, "seg[] cannot outgrow phdrs");
_Static_assert((ELF_PAGE_SIZE & (ELF_PAGE_SIZE - 1)) == 0, "page size");

/* One program header, decoded. */
struct elf_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

/* Where PT_PHDR says the table is, if it is present. */
struct elf_phdr_claim {
    bool present;
    uint64_t vaddr;
};

static uint16_t elf_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t elf_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t elf_rd64(const uint8_t *p)
{
    return (uint64_t)elf_rd32(p) | ((uint64_t)elf_rd32(p + 4) << 32);
}

/* Sets *sum = a + b; false if that wraps. */
static bool elf_add(uint64_t a, uint64_t b, uint64_t *sum)
{
    if (a > UINT64_MAX - b)
        return false;
    *sum = a + b;
    return true;
}

/*
 * Checks the file header and returns the program header table's place.
 * On success [*phoff, *phoff + *phnum * ELF_PHDR_SIZE) lies inside len.
 */
static int elf_check_ehdr(const uint8_t *p, size_t len, uint64_t *entry,
                          uint64_t *phoff, uint16_t *phnum)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    uint64_t tab_size, tab_end;

    if (len < ELF_EHDR_SIZE)
        return -E_FORMAT;
    if (memcmp(p, magic, sizeof(magic)) != 0)
        return -E_FORMAT;
    if (p[ELF_EI_CLASS] != ELF_CLASS64 || p[ELF_EI_DATA] != ELF_DATA2LSB ||
        p[ELF_EI_VERSION] != ELF_EV_CURRENT)
        return -E_FORMAT;
    if (elf_rd32(p + ELF_OFF_VERSION) != ELF_EV_CURRENT)
        return -E_FORMAT;
    /* ET_DYN is refused on purpose: there is no relocation step. */
    if (elf_rd16(p + ELF_OFF_TYPE) != ELF_ET_EXEC ||
        elf_rd16(p + ELF_OFF_MACHINE) != ELF_EM_RISCV)
        return -E_FORMAT;
    if (elf_rd16(p + ELF_OFF_EHSIZE) != ELF_EHDR_SIZE ||
        elf_rd16(p + ELF_OFF_PHENTSIZE) != ELF_PHDR_SIZE)
        return -E_FORMAT;

    *phnum = elf_rd16(p + ELF_OFF_PHNUM);
    if (*phnum == 0 || *phnum > ELF_MAX_PHNUM)
        return -E_FORMAT;
    *phoff = elf_rd64(p + ELF_OFF_PHOFF);
    tab_size = (uint64_t)*phnum * ELF_PHDR_SIZE; /* <= 64 * 56: no wrap */
    if (!elf_add(*phoff, tab_size, &tab_end) || tab_end > len)
        return -E_FORMAT;
    *entry = elf_rd64(p + ELF_OFF_ENTRY);
    return 0;
}

static void elf_read_phdr(const uint8_t *p, uint64_t phoff, unsigned i,
                          struct elf_phdr *ph)
{
    const uint8_t *q = p + phoff + (uint64_t)i * ELF_PHDR_SIZE;

    ph->type = elf_rd32(q + ELF_PH_TYPE);
    ph->flags = elf_rd32(q + ELF_PH_FLAGS);
    ph->offset = elf_rd64(q + ELF_PH_OFFSET);
    ph->vaddr = elf_rd64(q + ELF_PH_VADDR);
    ph->filesz = elf_rd64(q + ELF_PH_FILESZ);
    ph->memsz = elf_rd64(q + ELF_PH_MEMSZ);
    ph->align = elf_rd64(q + ELF_PH_ALIGN);
}

/* Checks one PT_LOAD header against the file size and the user range. */
static int elf_check_load(const struct elf_phdr *ph, size_t len,
                          uint64_t user_lo, uint64_t user_hi)
{
    uint64_t file_end, mem_end;

    /* An empty segment maps nothing; refusing it keeps "page-rounded
     * range" well defined for the loader. */
    if (ph->memsz == 0 || ph->filesz > ph->memsz)
        return -E_FORMAT;
    if (!elf_add(ph->offset, ph->filesz, &file_end) || file_end > len)
        return -E_FORMAT;
    if ((ph->align & (ph->align - 1)) != 0)
        return -E_FORMAT;
    /* Mapping file pages directly needs vaddr and offset to agree
     * within a page. */
    if (ph->align >= ELF_PAGE_SIZE &&
        (ph->vaddr & ELF_PAGE_MASK) != (ph->offset & ELF_PAGE_MASK))
        return -E_FORMAT;

    /* The loader maps whole pages, so the page-rounded range must fit. */
    if (!elf_add(ph->vaddr, ph->memsz, &mem_end) ||
        !elf_add(mem_end, ELF_PAGE_MASK, &mem_end))
        return -E_RANGE;
    mem_end &= ~ELF_PAGE_MASK;
    if ((ph->vaddr & ~ELF_PAGE_MASK) < user_lo || mem_end > user_hi)
        return -E_RANGE;
    return 0;
}

/* Records a PT_LOAD in img after elf_check_load() accepted it. */
static int elf_add_segment(struct elf_image *img, const struct elf_phdr *ph)
{
    struct elf_segment *s;

    if (img->nseg >= ELF_MAX_SEGS)
        return -E_FORMAT;
    s = &img->seg[img->nseg++];
    s->vaddr = ph->vaddr;
    s->memsz = ph->memsz;
    s->filesz = ph->filesz;
    s->offset = ph->offset;
    s->flags = ph->flags & (ELF_PF_X | ELF_PF_W | ELF_PF_R);
    return 0;
}

/*
 * Walks the program headers: collects PT_LOAD segments into img and notes
 * PT_PHDR. Other types (PT_GNU_STACK, PT_TLS, notes, ...) do not concern
 * the loader and are skipped, except PT_INTERP, which would ask for a
 * dynamic linker that does not exist.
 */
static int elf_scan_phdrs(const uint8_t *p, size_t len, uint64_t phoff,
                          uint64_t user_lo, uint64_t user_hi,
                          struct elf_image *img, struct elf_phdr_claim *claim)
{
    struct elf_phdr ph;
    unsigned i;
    int rc;

    for (i = 0; i < img->phnum; i++) {
        elf_read_phdr(p, phoff, i, &ph);
        if (ph.type == ELF_PT_INTERP)
            return -E_FORMAT;
        if (ph.type == ELF_PT_PHDR) {
            if (claim->present)
                return -E_FORMAT;
            claim->present = true;
            claim->vaddr = ph.vaddr;
            continue;
        }
        if (ph.type != ELF_PT_LOAD)
            continue;
        rc = elf_check_load(&ph, len, user_lo, user_hi);
        if (rc == 0)
            rc = elf_add_segment(img, &ph);
        if (rc != 0)
            return rc;
    }
    return img->nseg > 0 ? 0 : -E_FORMAT;
}

/* Rejects segments whose byte ranges overlap (they may share a page). */
static int elf_check_overlap(const struct elf_image *img)
{
    int order[ELF_MAX_SEGS];
    int i, j, k;

    for (i = 0; i < img->nseg; i++) {
        k = i;
        for (j = i; j > 0 && img->seg[order[j - 1]].vaddr > img->seg[k].vaddr;
             j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    for (i = 1; i < img->nseg; i++) {
        const struct elf_segment *prev = &img->seg[order[i - 1]];
        const struct elf_segment *cur = &img->seg[order[i]];

        /* prev->vaddr + memsz cannot wrap: elf_check_load() saw to it. */
        if (cur->vaddr < prev->vaddr + prev->memsz)
            return -E_FORMAT;
    }
    return 0;
}

static int elf_check_entry(const struct elf_image *img)
{
    int i;

    for (i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];

        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
            img->entry - s->vaddr < s->memsz)
            return 0;
    }
    return -E_FORMAT;
}

/*
 * Finds the vaddr at which the program header table is loaded: the
 * segment whose file bytes contain the table. A PT_PHDR must agree with
 * it, since user code trusts AT_PHDR blindly.
 */
static int elf_locate_phdrs(struct elf_image *img, uint64_t phoff,
                            const struct elf_phdr_claim *claim)
{
    uint64_t tab_size = (uint64_t)img->phnum * ELF_PHDR_SIZE;
    bool found = false;
    int i;

    for (i = 0; i < img->nseg && !found; i++) {
        const struct elf_segment *s = &img->seg[i];

        /* offset + filesz and vaddr + filesz were checked not to wrap. */
        if (phoff >= s->offset && tab_size <= s->filesz &&
            phoff - s->offset <= s->filesz - tab_size) {
            img->phdr_vaddr = s->vaddr + (phoff - s->offset);
            found = true;
        }
    }
    if (claim->present && (!found || claim->vaddr != img->phdr_vaddr))
        return -E_FORMAT;
    return 0;
}

int elf_parse(const void *data, size_t len, uint64_t user_lo, uint64_t user_hi,
              struct elf_image *out)
{
    const uint8_t *p = data;
    struct elf_phdr_claim claim = {false, 0};
    struct elf_image img;
    uint64_t phoff;
    int rc;

    if (data == NULL || out == NULL || user_lo >= user_hi)
        return -E_INVAL;

    memset(&img, 0, sizeof(img));
    rc = elf_check_ehdr(p, len, &img.entry, &phoff, &img.phnum);
    if (rc != 0)
        return rc;
    img.phentsize = ELF_PHDR_SIZE;

    rc = elf_scan_phdrs(p, len, phoff, user_lo, user_hi, &img, &claim);
    if (rc == 0)
        rc = elf_check_overlap(&img);
    if (rc == 0)
        rc = elf_check_entry(&img);
    if (rc == 0)
        rc = elf_locate_phdrs(&img, phoff, &claim);
    if (rc != 0)
        return rc;

    *out = img;
    return 0;
}
