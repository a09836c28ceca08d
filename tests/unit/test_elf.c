/*
 * Host unit tests for kern/elf.c.
 *
 * Images are built in memory: build_valid() writes a small, valid static
 * RISC-V executable, and each test changes one field. Every parse runs on
 * a heap copy of exactly the given length, so AddressSanitizer reports any
 * read past the end.
 *
 * If ELF_FIXTURE names a real executable (the Makefile builds one with
 * riscv64-linux-gnu-gcc -static -nostdlib), it is parsed too; otherwise
 * that test is skipped.
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
#include "uapi/errors.h"

#define USER_LO 0x1000ull
#define USER_HI 0x4000000000ull /* Sv39 lower half */

/* Layout of the built image. */
#define IMG_LEN 0x1800u
#define PHOFF 64u
#define PHSZ 56u
#define TEXT_VA 0x10000ull
#define DATA_VA 0x11000ull
#define ENTRY (TEXT_VA + 0x100)

/* Field offsets, as in the ELF64 specification. */
#define E_CLASS 4
#define E_DATA 5
#define E_IVERSION 6
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_EHSIZE 52
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40
#define P_ALIGN 48
#define PH(i, field) (PHOFF + (i) * PHSZ + (field))

#define PT_LOAD 1u
#define PT_INTERP 3u
#define PT_PHDR 6u
#define PT_GNU_STACK 0x6474e551u

static uint8_t img[IMG_LEN];

static void wr16(size_t at, uint16_t v)
{
    img[at] = (uint8_t)v;
    img[at + 1] = (uint8_t)(v >> 8);
}

static void wr32(size_t at, uint32_t v)
{
    wr16(at, (uint16_t)v);
    wr16(at + 2, (uint16_t)(v >> 16));
}

static void wr64(size_t at, uint64_t v)
{
    wr32(at, (uint32_t)v);
    wr32(at + 4, (uint32_t)(v >> 32));
}

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off,
                     uint64_t va, uint64_t filesz, uint64_t memsz,
                     uint64_t align)
{
    wr32(PH(i, P_TYPE), type);
    wr32(PH(i, P_FLAGS), flags);
    wr64(PH(i, P_OFFSET), off);
    wr64(PH(i, P_VADDR), va);
    wr64(PH(i, 24), va); /* p_paddr */
    wr64(PH(i, P_FILESZ), filesz);
    wr64(PH(i, P_MEMSZ), memsz);
    wr64(PH(i, P_ALIGN), align);
}

/*
 * text: file [0, 0x1000) at TEXT_VA, R-X, holds the headers;
 * data: file [0x1000, 0x1800) at DATA_VA, RW-, memsz 0x2000 (bss);
 * a PT_GNU_STACK header, which the parser must skip.
 */
static void build_valid(void)
{
    memset(img, 0, sizeof(img));
    img[0] = 0x7f;
    img[1] = 'E';
    img[2] = 'L';
    img[3] = 'F';
    img[E_CLASS] = 2;
    img[E_DATA] = 1;
    img[E_IVERSION] = 1;
    wr16(E_TYPE, 2);
    wr16(E_MACHINE, 243);
    wr32(E_VERSION, 1);
    wr64(E_ENTRY, ENTRY);
    wr64(E_PHOFF, PHOFF);
    wr16(E_EHSIZE, 64);
    wr16(E_PHENTSIZE, PHSZ);
    wr16(E_PHNUM, 3);
    set_phdr(0, PT_LOAD, ELF_PF_R | ELF_PF_X, 0, TEXT_VA, 0x1000, 0x1000,
             0x1000);
    set_phdr(1, PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1000, DATA_VA, 0x800, 0x2000,
             0x1000);
    set_phdr(2, PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 16);
}

/* Parses the first len bytes of buf from an exact-size heap copy. */
static int parse_buf(const uint8_t *buf, size_t len, struct elf_image *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, buf, len);
    rc = elf_parse(copy, len, USER_LO, USER_HI, out);
    free(copy);
    return rc;
}

static int parse(struct elf_image *out)
{
    return parse_buf(img, IMG_LEN, out);
}

/* Checks what elf.h promises about a successful parse. */
static void check_promises(const struct elf_image *im, size_t len)
{
    bool entry_ok = false;
    int i;

    assert_true(im->nseg >= 1 && im->nseg <= ELF_MAX_SEGS);
    assert_int_equal(im->phentsize, 56);
    for (i = 0; i < im->nseg; i++) {
        const struct elf_segment *s = &im->seg[i];

        assert_true(s->memsz > 0 && s->filesz <= s->memsz);
        assert_true(s->offset <= len && s->filesz <= len - s->offset);
        assert_true((s->vaddr & ~0xfffull) >= USER_LO);
        assert_true(s->vaddr + s->memsz <= USER_HI);
        assert_true(s->vaddr + s->memsz > s->vaddr);
        if ((s->flags & ELF_PF_X) && im->entry >= s->vaddr &&
            im->entry < s->vaddr + s->memsz)
            entry_ok = true;
    }
    assert_true(entry_ok);
}

static void expect_rc(int want)
{
    struct elf_image out;

    assert_int_equal(parse(&out), want);
}

static void test_elf_accepts_valid_image(void **state)
{
    struct elf_image out;

    (void)state;
    build_valid();
    assert_int_equal(parse(&out), 0);
    assert_int_equal(out.entry, ENTRY);
    assert_int_equal(out.nseg, 2);
    assert_int_equal(out.seg[0].vaddr, TEXT_VA);
    assert_int_equal(out.seg[0].flags, ELF_PF_R | ELF_PF_X);
    assert_int_equal(out.seg[1].vaddr, DATA_VA);
    assert_int_equal(out.seg[1].offset, 0x1000);
    assert_int_equal(out.seg[1].filesz, 0x800);
    assert_int_equal(out.seg[1].memsz, 0x2000);
    assert_int_equal(out.seg[1].flags, ELF_PF_R | ELF_PF_W);
    assert_int_equal(out.phnum, 3);
    assert_int_equal(out.phentsize, 56);
    /* The text segment maps file offset 0, so the table is at VA + 64. */
    assert_int_equal(out.phdr_vaddr, TEXT_VA + PHOFF);
    check_promises(&out, IMG_LEN);
}

static void test_elf_leaves_output_untouched_on_error(void **state)
{
    struct elf_image out;

    (void)state;
    build_valid();
    img[E_CLASS] = 1;
    memset(&out, 0xa5, sizeof(out));
    assert_int_equal(parse(&out), -E_FORMAT);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(((uint8_t *)&out)[i], 0xa5);
    assert_int_equal(elf_parse(NULL, 0, USER_LO, USER_HI, &out), -E_INVAL);
    assert_int_equal(elf_parse(img, IMG_LEN, USER_HI, USER_LO, &out),
                     -E_INVAL);
}

static void test_elf_rejects_file_shorter_than_header(void **state)
{
    struct elf_image out;

    (void)state;
    build_valid();
    assert_int_equal(parse_buf(img, 0, &out), -E_FORMAT);
    assert_int_equal(parse_buf(img, 63, &out), -E_FORMAT);
}

static void test_elf_rejects_bad_identification(void **state)
{
    static const size_t at[] = {0, 1, 3, E_CLASS, E_DATA, E_IVERSION};

    (void)state;
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        build_valid();
        img[at[i]] ^= 0x40;
        expect_rc(-E_FORMAT);
    }
    build_valid();
    img[E_DATA] = 2; /* big-endian */
    expect_rc(-E_FORMAT);
    build_valid();
    wr32(E_VERSION, 2);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_other_machine(void **state)
{
    (void)state;
    build_valid();
    wr16(E_MACHINE, 62); /* x86-64 */
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_shared_object_and_relocatable(void **state)
{
    (void)state;
    build_valid();
    wr16(E_TYPE, 3); /* ET_DYN: PIE or shared library */
    expect_rc(-E_FORMAT);
    wr16(E_TYPE, 1); /* ET_REL */
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_bad_header_sizes(void **state)
{
    (void)state;
    build_valid();
    wr16(E_PHENTSIZE, 64);
    expect_rc(-E_FORMAT);
    build_valid();
    wr16(E_EHSIZE, 52);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_phdr_table_past_file_end(void **state)
{
    (void)state;
    build_valid();
    wr64(E_PHOFF, IMG_LEN - 2 * PHSZ); /* room for 2 of 3 headers */
    expect_rc(-E_FORMAT);
    wr64(E_PHOFF, UINT64_MAX - 16); /* phoff + size wraps */
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_phnum_zero_or_above_limit(void **state)
{
    (void)state;
    build_valid();
    wr16(E_PHNUM, 0);
    expect_rc(-E_FORMAT);
    wr16(E_PHNUM, 65);
    expect_rc(-E_FORMAT);
    wr16(E_PHNUM, 0xffff); /* PN_XNUM: count kept in a section header */
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_filesz_above_memsz(void **state)
{
    (void)state;
    build_valid();
    wr64(PH(1, P_FILESZ), 0x2001);
    expect_rc(-E_FORMAT);
    build_valid();
    wr64(PH(1, P_MEMSZ), 0);
    wr64(PH(1, P_FILESZ), 0);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_segment_past_file_end(void **state)
{
    (void)state;
    build_valid();
    wr64(PH(1, P_FILESZ), 0x801);
    expect_rc(-E_FORMAT);
    build_valid();
    wr64(PH(1, P_OFFSET), UINT64_MAX - 0x7ff); /* offset + filesz wraps */
    wr64(PH(1, P_ALIGN), 0);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_segment_outside_user_range(void **state)
{
    (void)state;
    build_valid();
    wr64(PH(1, P_VADDR), USER_HI - 0x1000); /* bss runs past the top */
    expect_rc(-E_RANGE);
    build_valid();
    wr64(PH(0, P_VADDR), 0); /* below user_lo */
    wr64(E_ENTRY, 0x100);
    expect_rc(-E_RANGE);
    build_valid();
    wr64(PH(1, P_VADDR), UINT64_MAX & ~0xfffull); /* vaddr + memsz wraps */
    expect_rc(-E_RANGE);
}

static void test_elf_rejects_bad_alignment(void **state)
{
    (void)state;
    build_valid();
    wr64(PH(1, P_ALIGN), 0x1800); /* not a power of two */
    expect_rc(-E_FORMAT);
    build_valid();
    wr64(PH(1, P_VADDR), DATA_VA + 0x10); /* vaddr and offset disagree */
    expect_rc(-E_FORMAT);
    /* Below page alignment the congruence is not required. */
    wr64(PH(1, P_ALIGN), 16);
    expect_rc(0);
    wr64(PH(1, P_ALIGN), 0);
    expect_rc(0);
}

static void test_elf_rejects_overlapping_segments(void **state)
{
    (void)state;
    build_valid();
    /* data now starts 16 bytes before the end of text. */
    wr64(PH(1, P_VADDR), TEXT_VA + 0xff0);
    wr64(PH(1, P_OFFSET), 0xff0);
    expect_rc(-E_FORMAT);
    /* Same overlap with the segments listed in the other order. */
    build_valid();
    set_phdr(1, PT_LOAD, ELF_PF_R | ELF_PF_X, 0, TEXT_VA, 0x1000, 0x1000,
             0x1000);
    set_phdr(0, PT_LOAD, ELF_PF_R | ELF_PF_W, 0x800, TEXT_VA + 0x800, 0x800,
             0x1000, 0x1000);
    expect_rc(-E_FORMAT);
}

static void test_elf_accepts_segments_sharing_a_page(void **state)
{
    struct elf_image out;

    (void)state;
    build_valid();
    /* text ends at TEXT_VA + 0x800; data starts right there. */
    set_phdr(0, PT_LOAD, ELF_PF_R | ELF_PF_X, 0, TEXT_VA, 0x800, 0x800,
             0x1000);
    set_phdr(1, PT_LOAD, ELF_PF_R | ELF_PF_W, 0x800, TEXT_VA + 0x800, 0x800,
             0x1000, 0x1000);
    assert_int_equal(parse(&out), 0);
    assert_int_equal(out.nseg, 2);
    check_promises(&out, IMG_LEN);
}

static void test_elf_rejects_entry_outside_executable_segment(void **state)
{
    (void)state;
    build_valid();
    wr64(E_ENTRY, DATA_VA + 0x10); /* in data, which is not PF_X */
    expect_rc(-E_FORMAT);
    wr64(E_ENTRY, TEXT_VA + 0x1000); /* one past text */
    expect_rc(-E_FORMAT);
    wr64(E_ENTRY, 0);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_too_many_or_no_load_segments(void **state)
{
    struct elf_image out;
    unsigned i;

    (void)state;
    build_valid();
    wr16(E_PHNUM, 9);
    for (i = 0; i < 9; i++)
        set_phdr(i, PT_LOAD, ELF_PF_R | ELF_PF_X, 0, TEXT_VA + i * 0x1000,
                 0x100, 0x200, 0x1000);
    assert_int_equal(parse(&out), -E_FORMAT);
    wr16(E_PHNUM, 8); /* exactly ELF_MAX_SEGS is fine */
    assert_int_equal(parse(&out), 0);
    assert_int_equal(out.nseg, 8);
    assert_int_equal(out.seg[7].vaddr, TEXT_VA + 7 * 0x1000);

    build_valid();
    wr32(PH(0, P_TYPE), PT_GNU_STACK);
    wr32(PH(1, P_TYPE), PT_GNU_STACK);
    expect_rc(-E_FORMAT);
}

static void test_elf_rejects_interpreter(void **state)
{
    (void)state;
    build_valid();
    set_phdr(2, PT_INTERP, ELF_PF_R, 0x200, TEXT_VA + 0x200, 0x20, 0x20, 1);
    expect_rc(-E_FORMAT);
}

static void test_elf_checks_pt_phdr_against_load_segment(void **state)
{
    struct elf_image out;

    (void)state;
    build_valid();
    set_phdr(2, PT_PHDR, ELF_PF_R, PHOFF, TEXT_VA + PHOFF, 3 * PHSZ,
             3 * PHSZ, 8);
    assert_int_equal(parse(&out), 0);
    assert_int_equal(out.phdr_vaddr, TEXT_VA + PHOFF);

    wr64(PH(2, P_VADDR), DATA_VA); /* claims an address the table is not at */
    expect_rc(-E_FORMAT);

    /* No segment maps the headers: phdr_vaddr is 0, a PT_PHDR is a lie. */
    build_valid();
    set_phdr(0, PT_LOAD, ELF_PF_R | ELF_PF_X, 0x400, TEXT_VA + 0x400, 0xc00,
             0xc00, 0x1000);
    wr64(E_ENTRY, TEXT_VA + 0x500);
    assert_int_equal(parse(&out), 0);
    assert_int_equal(out.phdr_vaddr, 0);
    set_phdr(2, PT_PHDR, ELF_PF_R, PHOFF, TEXT_VA + PHOFF, 3 * PHSZ,
             3 * PHSZ, 8);
    expect_rc(-E_FORMAT);
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/*
 * Parses every prefix of buf whose length is below full (all of them when
 * stride is 1), then `rounds` copies with 1-4 random bytes changed, mostly
 * inside the first `hot` bytes where the headers live. Nothing may crash;
 * a successful parse must keep every promise.
 */
static void fuzz_image(const uint8_t *buf, size_t full, size_t stride,
                       size_t hot, int rounds, bool prefixes_fail)
{
    struct elf_image out;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t *copy = malloc(full);
    size_t len;
    int r, k, nflip;

    assert_non_null(copy);
    for (len = 0; len < full; len += stride) {
        int rc = parse_buf(buf, len, &out);

        if (prefixes_fail && rc == 0)
            fail_msg("prefix of %zu bytes accepted", len);
        if (rc == 0)
            check_promises(&out, len);
    }
    for (r = 0; r < rounds; r++) {
        memcpy(copy, buf, full);
        nflip = 1 + (int)(rng_next(&seed) % 4);
        for (k = 0; k < nflip; k++) {
            uint64_t x = rng_next(&seed);
            size_t at = (x & 7) ? (x >> 8) % hot : (x >> 8) % full;

            copy[at] ^= (uint8_t)(1u << ((x >> 3) & 7));
            if ((x >> 40) % 5 == 0)
                copy[at] = (uint8_t)(x >> 48);
        }
        if (elf_parse(copy, full, USER_LO, USER_HI, &out) == 0)
            check_promises(&out, full);
    }
    free(copy);
}

static void test_elf_survives_truncation_and_byte_flips(void **state)
{
    (void)state;
    build_valid();
    /* Every prefix cuts the data segment's file bytes, so all must fail. */
    fuzz_image(img, IMG_LEN, 1, PHOFF + 3 * PHSZ, 200000, true);
}

static uint8_t *read_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL)
        fail_msg("cannot open fixture %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* phdr_vaddr must be where a segment maps file offset e_phoff. */
static void check_phdr_vaddr(const struct elf_image *im, const uint8_t *buf)
{
    uint64_t phoff = 0;
    int i;

    for (i = 7; i >= 0; i--)
        phoff = (phoff << 8) | buf[E_PHOFF + i];
    for (i = 0; i < im->nseg; i++) {
        const struct elf_segment *s = &im->seg[i];

        if (im->phdr_vaddr >= s->vaddr &&
            im->phdr_vaddr - s->vaddr < s->filesz) {
            assert_int_equal(s->offset + (im->phdr_vaddr - s->vaddr), phoff);
            return;
        }
    }
    fail_msg("phdr_vaddr %#llx lies in no segment",
             (unsigned long long)im->phdr_vaddr);
}

static void test_elf_parses_real_executable(void **state)
{
    const char *path = getenv("ELF_FIXTURE");
    struct elf_image out;
    uint64_t entry = 0;
    uint8_t *buf;
    size_t len, hot;
    int i;

    (void)state;
    if (path == NULL || *path == '\0')
        skip();
    buf = read_fixture(path, &len);
    assert_int_equal(parse_buf(buf, len, &out), 0);
    check_promises(&out, len);
    for (i = 7; i >= 0; i--)
        entry = (entry << 8) | buf[E_ENTRY + i];
    assert_int_equal(out.entry, entry);
    assert_int_equal(out.phnum, buf[E_PHNUM] | (buf[E_PHNUM + 1] << 8));
    if (out.phdr_vaddr != 0)
        check_phdr_vaddr(&out, buf);

    /* A static executable refuses a user range that misses its segments. */
    assert_int_equal(elf_parse(buf, len, USER_HI, USER_HI + 0x1000, &out),
                     -E_RANGE);

    hot = len < 4096 ? len : 4096;
    fuzz_image(buf, len, len / 2048 + 1, hot, 20000, false);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_accepts_valid_image),
        cmocka_unit_test(test_elf_leaves_output_untouched_on_error),
        cmocka_unit_test(test_elf_rejects_file_shorter_than_header),
        cmocka_unit_test(test_elf_rejects_bad_identification),
        cmocka_unit_test(test_elf_rejects_other_machine),
        cmocka_unit_test(test_elf_rejects_shared_object_and_relocatable),
        cmocka_unit_test(test_elf_rejects_bad_header_sizes),
        cmocka_unit_test(test_elf_rejects_phdr_table_past_file_end),
        cmocka_unit_test(test_elf_rejects_phnum_zero_or_above_limit),
        cmocka_unit_test(test_elf_rejects_filesz_above_memsz),
        cmocka_unit_test(test_elf_rejects_segment_past_file_end),
        cmocka_unit_test(test_elf_rejects_segment_outside_user_range),
        cmocka_unit_test(test_elf_rejects_bad_alignment),
        cmocka_unit_test(test_elf_rejects_overlapping_segments),
        cmocka_unit_test(test_elf_accepts_segments_sharing_a_page),
        cmocka_unit_test(test_elf_rejects_entry_outside_executable_segment),
        cmocka_unit_test(test_elf_rejects_too_many_or_no_load_segments),
        cmocka_unit_test(test_elf_rejects_interpreter),
        cmocka_unit_test(test_elf_checks_pt_phdr_against_load_segment),
        cmocka_unit_test(test_elf_survives_truncation_and_byte_flips),
        cmocka_unit_test(test_elf_parses_real_executable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
