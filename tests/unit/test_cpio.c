/*
 * Host unit tests for kern/cpio.c.
 *
 * Archives are written in memory by ar_add(), which lays out newc entries
 * exactly as `cpio -o -H newc` does; tests then damage one byte or field.
 * Every parse runs on a heap copy of exactly the given length, so
 * AddressSanitizer reports any read past the end.
 *
 * If CPIO_FIXTURE names an archive made by `cpio -o -H newc`, it is walked
 * and every regular file in it is looked up by name; otherwise that test is
 * skipped.
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

#include "kern/cpio.h"
#include "uapi/errors.h"

#define AR_CAP 4096
#define MODE_FILE 0100644u
#define MODE_DIR 0040755u

/* Header field offsets: 6-byte magic, then 8 hex digits per field. */
#define FLD(i) (6 + 8 * (i))
#define F_MODE 1
#define F_FILESIZE 6
#define F_NAMESIZE 11
#define F_CHECK 12

struct ar {
    uint8_t buf[AR_CAP];
    size_t len;
};

static struct ar g_ar;

static void ar_pad4(struct ar *a)
{
    while (a->len % 4 != 0)
        a->buf[a->len++] = 0;
}

/* Appends one entry; crc selects the "070702" variant with a checksum. */
static size_t ar_add(struct ar *a, bool crc, const char *name, uint32_t mode,
                     const void *data, size_t size)
{
    const uint8_t *d = data;
    size_t at = a->len, namesize = strlen(name) + 1;
    char hdr[CPIO_HDR_SIZE + 1];
    uint32_t sum = 0;

    for (size_t i = 0; i < size; i++)
        sum += d[i];
    assert_true(at + CPIO_HDR_SIZE + namesize + size + 8 <= AR_CAP);
    snprintf(hdr, sizeof(hdr),
             "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             crc ? "070702" : "070701", 42u, (unsigned)mode, 0u, 0u, 1u,
             0x5f000000u, (unsigned)size, 8u, 1u, 0u, 0u, (unsigned)namesize,
             crc ? (unsigned)sum : 0u);
    memcpy(a->buf + a->len, hdr, CPIO_HDR_SIZE);
    a->len += CPIO_HDR_SIZE;
    memcpy(a->buf + a->len, name, namesize);
    a->len += namesize;
    ar_pad4(a);
    if (size > 0)
        memcpy(a->buf + a->len, data, size);
    a->len += size;
    ar_pad4(a);
    return at;
}

static void ar_trailer(struct ar *a)
{
    ar_add(a, false, "TRAILER!!!", 0, NULL, 0);
}

/* Offsets of the entries build_valid() writes, for tests that damage one. */
static size_t off_hello, off_bin, off_init;

/* ".", "./hello" (13 bytes), directory "bin", "bin/init" (5 bytes). */
static void build_valid(void)
{
    memset(&g_ar, 0, sizeof(g_ar));
    ar_add(&g_ar, false, ".", MODE_DIR, NULL, 0);
    off_hello = ar_add(&g_ar, false, "./hello", MODE_FILE, "hello, world\n",
                       13);
    off_bin = ar_add(&g_ar, false, "bin", MODE_DIR, NULL, 0);
    off_init = ar_add(&g_ar, false, "bin/init", 0100755u, "\177ELF!", 5);
    ar_trailer(&g_ar);
}

/* Writes an 8-digit field of the entry at `entry` with raw text. */
static void set_field(size_t entry, int field, const char *text8)
{
    memcpy(g_ar.buf + entry + FLD(field), text8, 8);
}

/* Runs cpio_find on an exact-size heap copy of the first len bytes. */
static int find_in(const uint8_t *buf, size_t len, const char *name,
                   struct cpio_entry *out, size_t *data_off)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, buf, len);
    rc = cpio_find(copy, len, name, out);
    if (rc == 0 && data_off != NULL)
        *data_off = (size_t)((const uint8_t *)out->data - copy);
    free(copy);
    return rc;
}

static int find(const char *name)
{
    struct cpio_entry e;

    return find_in(g_ar.buf, g_ar.len, name, &e, NULL);
}

/* Walks the whole archive; returns the last cpio_next result. */
static int walk(const uint8_t *buf, size_t len, int *nentries)
{
    struct cpio_entry e;
    size_t off = 0;
    int rc;

    *nentries = 0;
    while ((rc = cpio_next(buf, len, &off, &e)) == 1) {
        assert_true(off <= len && off % 4 == 0);
        assert_true((const uint8_t *)e.data + e.size <= buf + off);
        assert_int_equal(strlen(e.name), e.namelen);
        (*nentries)++;
    }
    return rc;
}

static void test_cpio_walks_entries_in_order(void **state)
{
    struct cpio_entry e;
    size_t off = 0;

    (void)state;
    build_valid();
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), 1);
    assert_string_equal(e.name, ".");
    assert_int_equal(e.mode, MODE_DIR);
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), 1);
    assert_int_equal(off, off_bin);
    assert_string_equal(e.name, "./hello");
    assert_int_equal(e.namelen, 7);
    assert_int_equal(e.size, 13);
    assert_memory_equal(e.data, "hello, world\n", 13);
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), 1);
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), 1);
    assert_string_equal(e.name, "bin/init");
    assert_int_equal(e.mode, 0100755u);
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), 0);
    assert_string_equal(e.name, "TRAILER!!!");
    assert_int_equal(off, g_ar.len);
}

static void test_cpio_finds_file_with_and_without_dot_slash(void **state)
{
    struct cpio_entry e;
    size_t data_off;

    (void)state;
    build_valid();
    assert_int_equal(find_in(g_ar.buf, g_ar.len, "hello", &e, &data_off), 0);
    assert_int_equal(e.size, 13);
    assert_int_equal(data_off, off_hello + 120); /* 110 + "./hello\0" */
    assert_int_equal(find("./hello"), 0);
    assert_int_equal(find_in(g_ar.buf, g_ar.len, "./bin/init", &e, NULL), 0);
    assert_int_equal(e.size, 5);
    assert_int_equal(find("bin/init"), 0);
}

static void test_cpio_find_reports_missing_name(void **state)
{
    (void)state;
    build_valid();
    assert_int_equal(find("nothere"), -E_NOENT);
    assert_int_equal(find("hell"), -E_NOENT);   /* prefix of a name */
    assert_int_equal(find("hello2"), -E_NOENT); /* name is a prefix */
    assert_int_equal(find(""), -E_NOENT);
    assert_int_equal(find("TRAILER!!!"), -E_NOENT);
}

static void test_cpio_find_skips_directories(void **state)
{
    struct cpio_entry e;

    (void)state;
    build_valid();
    assert_int_equal(find("bin"), -E_NOENT);
    assert_int_equal(find("."), -E_NOENT);
    /* A directory and a later file of the same name: the file is found. */
    memset(&g_ar, 0, sizeof(g_ar));
    ar_add(&g_ar, false, "etc", MODE_DIR, NULL, 0);
    ar_add(&g_ar, false, "./etc", MODE_FILE, "x", 1);
    ar_trailer(&g_ar);
    assert_int_equal(find_in(g_ar.buf, g_ar.len, "etc", &e, NULL), 0);
    assert_int_equal(e.mode, MODE_FILE);
}

static void test_cpio_rejects_bad_magic(void **state)
{
    (void)state;
    build_valid();
    g_ar.buf[off_bin + 5] = '7'; /* "070707": the old binary-odc format */
    assert_int_equal(find("hello"), -E_FORMAT);
    build_valid();
    g_ar.buf[0] = 'x';
    assert_int_equal(find("hello"), -E_FORMAT);
}

static void test_cpio_checks_crc_variant(void **state)
{
    struct cpio_entry e;
    size_t at;

    (void)state;
    memset(&g_ar, 0, sizeof(g_ar));
    at = ar_add(&g_ar, true, "sum", MODE_FILE, "\xff\xfe\x01", 3);
    ar_trailer(&g_ar);
    assert_int_equal(cpio_find(g_ar.buf, g_ar.len, "sum", &e), 0);
    assert_memory_equal(e.data, "\xff\xfe\x01", 3);
    set_field(at, F_CHECK, "00000001"); /* real sum is 0x200 */
    assert_int_equal(find("sum"), -E_FORMAT);
}

static void test_cpio_rejects_bad_hex_digit(void **state)
{
    static const char *const bad[] = {"0000000g", " 0000001", "-0000001",
                                      "0x000001", ("0000\0" "001")};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_valid();
        set_field(off_bin, F_MODE, bad[i]);
        assert_int_equal(find("hello"), -E_FORMAT);
    }
    /* Upper and lower case digits are both valid. */
    build_valid();
    set_field(off_hello, F_FILESIZE, "0000000d");
    assert_int_equal(find("hello"), 0);
}

static void test_cpio_rejects_name_without_nul(void **state)
{
    (void)state;
    build_valid();
    g_ar.buf[off_bin + CPIO_HDR_SIZE + 3] = 'x'; /* "bin\0" -> "binx" */
    assert_int_equal(find("hello"), -E_FORMAT);
    build_valid();
    g_ar.buf[off_bin + CPIO_HDR_SIZE + 1] = '\0'; /* "b\0n\0": NUL inside */
    assert_int_equal(find("hello"), -E_FORMAT);
}

static void test_cpio_rejects_zero_or_oversized_namesize(void **state)
{
    (void)state;
    build_valid();
    set_field(off_bin, F_NAMESIZE, "00000000");
    assert_int_equal(find("hello"), -E_FORMAT);
    build_valid();
    set_field(off_init, F_NAMESIZE, "FFFFFFFF");
    assert_int_equal(find("hello"), -E_FORMAT);
}

static void test_cpio_rejects_size_past_end(void **state)
{
    (void)state;
    build_valid();
    set_field(off_init, F_FILESIZE, "00001000");
    assert_int_equal(find("bin/init"), -E_FORMAT);
    build_valid();
    set_field(off_init, F_FILESIZE, "FFFFFFFF");
    assert_int_equal(find("hello"), -E_FORMAT);
}

static void test_cpio_rejects_missing_trailer(void **state)
{
    int n;

    (void)state;
    memset(&g_ar, 0, sizeof(g_ar));
    ar_add(&g_ar, false, "hello", MODE_FILE, "hi", 2);
    assert_int_equal(find("hello"), -E_FORMAT);
    assert_int_equal(walk(g_ar.buf, g_ar.len, &n), -E_FORMAT);
    assert_int_equal(n, 1);
    /* Zero bytes where the trailer should be are not a trailer either. */
    g_ar.len += 512;
    assert_int_equal(find("hello"), -E_FORMAT);
}

static void test_cpio_rejects_every_truncation(void **state)
{
    struct cpio_entry e;

    (void)state;
    build_valid();
    for (size_t len = 0; len < g_ar.len; len++)
        assert_int_equal(find_in(g_ar.buf, len, "hello", &e, NULL),
                         -E_FORMAT);
}

static void test_cpio_rejects_bad_offset_and_null(void **state)
{
    struct cpio_entry e;
    size_t off;

    (void)state;
    build_valid();
    off = 2;
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), -E_INVAL);
    off = g_ar.len + 4;
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), -E_INVAL);
    assert_int_equal(off, g_ar.len + 4);
    off = 0;
    assert_int_equal(cpio_next(NULL, 0, &off, &e), -E_INVAL);
    assert_int_equal(cpio_find(g_ar.buf, g_ar.len, NULL, &e), -E_INVAL);
    /* An offset that is not an entry start reads as a damaged entry. */
    off = off_hello + 4;
    assert_int_equal(cpio_next(g_ar.buf, g_ar.len, &off, &e), -E_FORMAT);
    assert_int_equal(off, off_hello + 4);
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_cpio_survives_byte_flips(void **state)
{
    uint64_t seed = 0x2545f4914f6cdd1dull;
    uint8_t *copy;
    size_t len;
    int r, k, n;

    (void)state;
    build_valid();
    len = g_ar.len;
    copy = malloc(len);
    assert_non_null(copy);
    for (r = 0; r < 100000; r++) {
        memcpy(copy, g_ar.buf, len);
        for (k = 0; k < 1 + (int)(rng_next(&seed) % 3); k++) {
            uint64_t x = rng_next(&seed);

            copy[(x >> 8) % len] = (x & 1) ? (uint8_t)(x >> 40)
                                           : (uint8_t)"0123456789abcdefF\0"
                                                 [(x >> 40) % 18];
        }
        assert_true(walk(copy, len, &n) <= 0);
        (void)cpio_find(copy, len, "hello", &(struct cpio_entry){0});
    }
    free(copy);
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

/* Looks name up with and without "./"; expects to land on data. */
static void check_lookup(const uint8_t *buf, size_t len, const char *name,
                         const void *data)
{
    const char *bare = strncmp(name, "./", 2) == 0 ? name + 2 : name;
    char dotted[512];
    struct cpio_entry e;

    assert_true(strlen(bare) + 3 <= sizeof(dotted));
    snprintf(dotted, sizeof(dotted), "./%s", bare);
    assert_int_equal(cpio_find(buf, len, bare, &e), 0);
    assert_ptr_equal(e.data, data);
    assert_int_equal(cpio_find(buf, len, dotted, &e), 0);
    assert_ptr_equal(e.data, data);
}

static void test_cpio_parses_real_archive(void **state)
{
    const char *path = getenv("CPIO_FIXTURE");
    struct cpio_entry e;
    size_t len, off = 0;
    uint8_t *buf;
    int rc, nfiles = 0;

    (void)state;
    if (path == NULL || *path == '\0')
        skip();
    buf = read_fixture(path, &len);
    while ((rc = cpio_next(buf, len, &off, &e)) == 1) {
        if ((e.mode & CPIO_S_IFMT) != CPIO_S_IFREG)
            continue;
        /* Hard links carry their data only on the last one; skip the rest. */
        if (e.size == 0)
            continue;
        check_lookup(buf, len, e.name, e.data);
        nfiles++;
    }
    assert_int_equal(rc, 0);
    assert_true(nfiles > 0);
    /* GNU cpio pads the archive to 512-byte blocks after the trailer. */
    assert_true(off <= len);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpio_walks_entries_in_order),
        cmocka_unit_test(test_cpio_finds_file_with_and_without_dot_slash),
        cmocka_unit_test(test_cpio_find_reports_missing_name),
        cmocka_unit_test(test_cpio_find_skips_directories),
        cmocka_unit_test(test_cpio_rejects_bad_magic),
        cmocka_unit_test(test_cpio_checks_crc_variant),
        cmocka_unit_test(test_cpio_rejects_bad_hex_digit),
        cmocka_unit_test(test_cpio_rejects_name_without_nul),
        cmocka_unit_test(test_cpio_rejects_zero_or_oversized_namesize),
        cmocka_unit_test(test_cpio_rejects_size_past_end),
        cmocka_unit_test(test_cpio_rejects_missing_trailer),
        cmocka_unit_test(test_cpio_rejects_every_truncation),
        cmocka_unit_test(test_cpio_rejects_bad_offset_and_null),
        cmocka_unit_test(test_cpio_survives_byte_flips),
        cmocka_unit_test(test_cpio_parses_real_archive),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
