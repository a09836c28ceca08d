/*
 * Host tests of the user-space loader's plan (libipc/spawn_plan.c): which
 * mappings make a program from its checked ELF segments, and which
 * segment layouts it refuses. Segments are written by hand into an
 * elf_image (as elf_parse would leave it); one test plans the real
 * uhelper executable (ELF_FIXTURE) after elf_parse checked it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/elf.h"
#include "libipc/spawn_plan.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

#define PG VM_PAGE_SIZE
#define RX (ELF_PF_R | ELF_PF_X)
#define RW (ELF_PF_R | ELF_PF_W)

static struct elf_image image(int n, const struct elf_segment *segs)
{
    struct elf_image img = { .entry = segs[0].vaddr, .nseg = n, .phnum = (uint16_t)n,
                             .phentsize = 56 };
    memcpy(img.seg, segs, (size_t)n * sizeof(*segs));
    return img;
}

static void test_text_shared_data_private_bss_anonymous(void **state)
{
    /* text 0x10000..0x18e90; data at 0x19000: 0x198 file bytes, 0x3a28 in memory */
    const struct elf_segment segs[] = {
        { .vaddr = 0x10000, .memsz = 0x8e90, .filesz = 0x8e90, .offset = 0, .flags = RX },
        { .vaddr = 0x19000, .memsz = 0x3a28, .filesz = 0x198, .offset = 0x9000, .flags = RW },
    };
    struct elf_image img = image(2, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0xa000, &p), 0);
    assert_int_equal(p.nmaps, 2);
    /* text: every page from the module, shared, read + execute */
    assert_int_equal(p.map[0].kind, SPAWN_MAP_MODULE);
    assert_int_equal(p.map[0].va, 0x10000);
    assert_int_equal(p.map[0].len, 0x9000);
    assert_int_equal(p.map[0].offset, 0);
    assert_int_equal(p.map[0].prot, VM_R | VM_X);
    assert_int_equal(p.map[0].flags, VM_SHARED);
    /* data's only page is partial and .bss follows: all anonymous, the
     * 0x198 file bytes copied in at the start */
    assert_int_equal(p.map[1].kind, SPAWN_MAP_ANON);
    assert_int_equal(p.map[1].va, 0x19000);
    assert_int_equal(p.map[1].len, 0x4000);
    assert_int_equal(p.map[1].copy_from, 0x9000);
    assert_int_equal(p.map[1].copy_to, 0);
    assert_int_equal(p.map[1].copy_len, 0x198);
    assert_int_equal(p.map[1].prot, VM_R | VM_W);
}

static void test_whole_data_pages_map_private_and_the_partial_one_is_copied(void **state)
{
    /* data starts mid-page (0x20100) with 0x2000 file bytes, bss beyond */
    const struct elf_segment segs[] = {
        { .vaddr = 0x10000, .memsz = 0x1000, .filesz = 0x1000, .offset = 0, .flags = RX },
        { .vaddr = 0x20100, .memsz = 0x5000, .filesz = 0x2000, .offset = 0x1100, .flags = RW },
    };
    struct elf_image img = image(2, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x3100, &p), 0);
    assert_int_equal(p.nmaps, 3);
    assert_int_equal(p.map[1].kind, SPAWN_MAP_MODULE);
    assert_int_equal(p.map[1].va, 0x20000);
    assert_int_equal(p.map[1].len, 0x2000); /* pages 0x20000, 0x21000 */
    assert_int_equal(p.map[1].offset, 0x1000);
    assert_int_equal(p.map[1].flags, VM_PRIVATE);
    assert_int_equal(p.map[2].kind, SPAWN_MAP_ANON);
    assert_int_equal(p.map[2].va, 0x22000);
    assert_int_equal(p.map[2].len, 0x4000); /* up to page_up(0x25100) */
    assert_int_equal(p.map[2].copy_from, 0x3000);
    assert_int_equal(p.map[2].copy_to, 0);
    assert_int_equal(p.map[2].copy_len, 0x100);
}

static void test_page_aligned_file_end_needs_no_copy(void **state)
{
    const struct elf_segment segs[] = {
        { .vaddr = 0x10000, .memsz = 0x3000, .filesz = 0x1000, .offset = 0x1000, .flags = RW },
    };
    struct elf_image img = image(1, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x2000, &p), 0);
    assert_int_equal(p.nmaps, 2);
    assert_int_equal(p.map[0].len, 0x1000);
    assert_int_equal(p.map[1].va, 0x11000);
    assert_int_equal(p.map[1].len, 0x2000);
    assert_int_equal(p.map[1].copy_len, 0);
}

static void test_bss_only_segment_is_anonymous(void **state)
{
    const struct elf_segment segs[] = {
        { .vaddr = 0x30010, .memsz = 0x20, .filesz = 0, .offset = 0x10, .flags = RW },
    };
    struct elf_image img = image(1, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), 0);
    assert_int_equal(p.nmaps, 1);
    assert_int_equal(p.map[0].kind, SPAWN_MAP_ANON);
    assert_int_equal(p.map[0].va, 0x30000);
    assert_int_equal(p.map[0].len, PG);
    assert_int_equal(p.map[0].copy_len, 0);
}

static void test_segments_sharing_a_page_are_refused(void **state)
{
    /* byte ranges disjoint (elf_parse lets them through), one page shared */
    const struct elf_segment segs[] = {
        { .vaddr = 0x10000, .memsz = 0x800, .filesz = 0x800, .offset = 0, .flags = RX },
        { .vaddr = 0x10800, .memsz = 0x100, .filesz = 0x100, .offset = 0x800, .flags = RW },
    };
    struct elf_image img = image(2, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), -E_FORMAT);
}

static void test_misaligned_or_protectionless_segments_are_refused(void **state)
{
    struct elf_segment seg = { .vaddr = 0x10000, .memsz = 0x100, .filesz = 0x100,
                               .offset = 0x10, .flags = RX };
    struct elf_image img = image(1, &seg);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), -E_FORMAT); /* vaddr, offset disagree */
    img.seg[0].offset = 0;
    img.seg[0].flags = 0;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), -E_FORMAT); /* no R, W or X */
    img.seg[0].flags = RX;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), 0);
    img.nseg = 0;
    assert_int_equal(spawn_plan(&img, 0x1000, &p), -E_FORMAT);
}

static void test_module_pages_stay_inside_the_file(void **state)
{
    /* elf_parse checks against the bytes it was given; the plan checks the
     * pages it maps against the object's size too */
    const struct elf_segment segs[] = {
        { .vaddr = 0x10000, .memsz = 0x2000, .filesz = 0x2000, .offset = 0x1000, .flags = RX },
    };
    struct elf_image img = image(1, segs);
    struct spawn_plan p;
    assert_int_equal(spawn_plan(&img, 0x2000, &p), -E_FORMAT);
    assert_int_equal(spawn_plan(&img, 0x3000, &p), 0);
}

/* The real program: every mapping page aligned, in order, disjoint, and
 * module pages inside the file. */
static void test_real_executable_plans_cleanly(void **state)
{
    const char *path = getenv("ELF_FIXTURE");
    if (!path)
        skip();
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[4 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct elf_image img;
    struct spawn_plan p;
    assert_int_equal(elf_parse(buf, len, 0x10000, 0x3e00000000ull, &img), 0);
    assert_int_equal(spawn_plan(&img, len, &p), 0);
    assert_true(p.nmaps >= 2);
    uint64_t last_end = 0;
    bool text = false, writable = false;
    for (int i = 0; i < p.nmaps; i++) {
        const struct spawn_map *m = &p.map[i];
        assert_int_equal((m->va | m->len) & (PG - 1), 0);
        assert_true(m->va >= last_end && m->len > 0);
        last_end = m->va + m->len;
        if (m->kind == SPAWN_MAP_MODULE) {
            assert_int_equal(m->offset & (PG - 1), 0);
            assert_true(m->offset + m->len <= ((len + PG - 1) & ~(PG - 1)));
            text |= m->flags == VM_SHARED && (m->prot & VM_X) && !(m->prot & VM_W);
            writable |= (m->prot & VM_W) && m->flags != VM_PRIVATE;
        } else {
            assert_true(m->copy_to + m->copy_len <= PG);
            assert_true(m->copy_from + m->copy_len <= len);
        }
    }
    assert_true(text);
    assert_false(writable); /* no shared writable mapping of the module */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_shared_data_private_bss_anonymous),
        cmocka_unit_test(test_whole_data_pages_map_private_and_the_partial_one_is_copied),
        cmocka_unit_test(test_page_aligned_file_end_needs_no_copy),
        cmocka_unit_test(test_bss_only_segment_is_anonymous),
        cmocka_unit_test(test_segments_sharing_a_page_are_refused),
        cmocka_unit_test(test_misaligned_or_protectionless_segments_are_refused),
        cmocka_unit_test(test_module_pages_stay_inside_the_file),
        cmocka_unit_test(test_real_executable_plans_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
