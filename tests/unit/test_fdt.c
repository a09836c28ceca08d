/*
 * Unit tests for the device tree reader (kern/fdt.c).
 *
 * Blobs come from QEMU's virt machine (made at build time by
 * scripts/mkdtb-fixture, named by $FDT_FIXTURE) or are built here to put
 * one defect exactly where a check must catch it. Every parse runs on a
 * heap buffer of exactly the length passed, so ASan reports any overread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kern/fdt.h"
#include "uapi/errors.h"

#define MIB (1024u * 1024u)

/* Header field offsets (Devicetree Specification 5.2). */
#define H_TOTALSIZE 4
#define H_OFF_STRUCT 8
#define H_OFF_STRINGS 12
#define H_OFF_RSVMAP 16
#define H_SIZE_STRINGS 32
#define H_SIZE_STRUCT 36
#define H_LEN 40

#define TOK_BEGIN_NODE 1u
#define TOK_END_NODE 2u
#define TOK_PROP 3u
#define TOK_END 9u

static uint8_t *fixture; /* allocated to exactly fixture_len bytes */
static size_t fixture_len;
static struct fdt_info virt; /* the fixture as parsed */

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* Parse a private copy of exactly len bytes so ASan sees overreads. */
static int parse_exact(const uint8_t *blob, size_t len, struct fdt_info *info)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, blob, len);
    int err = fdt_parse(copy, len, info);
    free(copy);
    return err;
}

static uint8_t *fixture_copy(void)
{
    uint8_t *copy = malloc(fixture_len);
    assert_non_null(copy);
    memcpy(copy, fixture, fixture_len);
    return copy;
}

/* Parse the fixture with one header field replaced. */
static int parse_patched(size_t field, uint32_t value)
{
    uint8_t *copy = fixture_copy(); /* exactly fixture_len bytes */
    struct fdt_info info;
    put_be32(copy + field, value);
    int err = fdt_parse(copy, fixture_len, &info);
    free(copy);
    return err;
}

static int load_fixture(void **state)
{
    (void)state;
    const char *path = getenv("FDT_FIXTURE");
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        fprintf(stderr, "cannot open $FDT_FIXTURE (%s); make it with "
                        "scripts/mkdtb-fixture\n", path ? path : "unset");
        return -1;
    }
    uint8_t buf[64 * 1024];
    fixture_len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (fixture_len < H_LEN || fdt_totalsize(buf) != fixture_len) {
        fprintf(stderr, "%s: not a DTB cut to its totalsize\n", path);
        return -1;
    }
    fixture = malloc(fixture_len);
    memcpy(fixture, buf, fixture_len);
    int err = fdt_parse(fixture, fixture_len, &virt);
    if (err != 0)
        fprintf(stderr, "%s: fdt_parse returned %d\n", path, err);
    return err;
}

static int free_fixture(void **state)
{
    (void)state;
    free(fixture);
    return 0;
}

#include "tests/unit/fdt_build.h"

/* ---- The QEMU virt fixture ---- */

static void test_fdt_finds_memory_of_qemu_virt(void **state)
{
    (void)state;
    assert_int_equal(virt.nmem, 1);
    assert_int_equal(virt.mem[0].base, 0x80000000u);
    assert_int_equal(virt.mem[0].size, 128 * MIB);
    /* dumpdtb runs before OpenSBI adds its /reserved-memory node */
    assert_int_equal(virt.nresv, 0);
}

static void test_fdt_reads_bootargs_and_initrd_of_qemu_virt(void **state)
{
    (void)state;
    assert_string_equal(virt.bootargs, "console=hvc0 run=hello");
    assert_true(virt.initrd_start >= virt.mem[0].base);
    assert_true(virt.initrd_end > virt.initrd_start);
    assert_true(virt.initrd_end <= virt.mem[0].base + virt.mem[0].size);
}

static void test_fdt_reads_rtc_and_rng_seed_of_qemu_virt(void **state)
{
    (void)state;
    assert_int_equal(virt.rtc.base, 0x101000);
    assert_true(virt.rtc.size >= 8);
    assert_int_equal(virt.rng_seed_len, 32);
    uint8_t zero[32] = {0};
    assert_memory_not_equal(virt.rng_seed, zero, sizeof zero);
}

static void test_fdt_counts_harts_and_timebase_of_qemu_virt(void **state)
{
    (void)state;
    assert_int_equal(virt.nharts, 2);
    assert_int_equal(virt.timebase_hz, 10000000);
}

static void test_fdt_finds_uart_plic_clint_and_test_device_of_qemu_virt(
    void **state)
{
    (void)state;
    assert_int_equal(virt.uart.base, 0x10000000);
    assert_int_equal(virt.uart.size, 0x100);
    assert_int_equal(virt.uart_irq, 10);
    assert_int_equal(virt.plic.base, 0xc000000);
    assert_int_equal(virt.plic.size, 0x600000);
    assert_int_equal(virt.plic_ndev, 0x60);
    assert_int_equal(virt.clint.base, 0x2000000);
    assert_int_equal(virt.clint.size, 0x10000);
    assert_int_equal(virt.test_dev.base, 0x100000);
    assert_int_equal(virt.test_dev.size, 0x1000);
}

static void test_fdt_lists_virtio_slots_in_address_order(void **state)
{
    (void)state;
    /* QEMU writes the slots highest address first */
    assert_int_equal(virt.nvirtio, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(virt.virtio[i].base, 0x10001000u + 0x1000u * i);
        assert_int_equal(virt.virtio[i].size, 0x1000);
        assert_int_equal(virt.virtio_irq[i], i + 1);
    }
}

/* ---- Hand-made blobs that must be read right ---- */

static void test_fdt_decodes_reg_with_parent_cell_sizes(void **state)
{
    (void)state;
    static const uint32_t mem[] = {0x40000000, 0x100000, 0x50000000};
    static const uint32_t virtio[] = {0x2000, 0x1000};
    static const uint32_t wide[] = {0, 0, 0x3000, 0x1000};
    struct dtb *b = b_new();
    struct fdt_info info;

    b_begin(b, ""); /* no cells given: 2/1 by default */
    b_begin(b, "memory");
    b_cells(b, "reg", mem, 3);
    b_end(b);
    b_begin(b, "bus");
    b_u32prop(b, "#address-cells", 1);
    b_u32prop(b, "#size-cells", 1);
    b_begin(b, "memory@2000"); /* not a child of root: not memory */
    b_cells(b, "reg", virtio, 2);
    b_end(b);
    b_begin(b, "virtio_mmio@2000");
    b_str(b, "compatible", "virtio,mmio");
    b_cells(b, "reg", virtio, 2);
    b_u32prop(b, "interrupts", 3);
    b_end(b);
    b_end(b);
    b_begin(b, "wide"); /* 3 address cells cannot fit 64 bits: skipped */
    b_u32prop(b, "#address-cells", 3);
    b_begin(b, "virtio_mmio@3000");
    b_str(b, "compatible", "virtio,mmio");
    b_cells(b, "reg", wide, 4);
    b_end(b);
    b_end(b);
    b_end(b);
    assert_int_equal(b_parse(b, &info), 0);
    assert_int_equal(info.nmem, 1);
    assert_int_equal(info.mem[0].base, 0x4000000000100000u);
    assert_int_equal(info.mem[0].size, 0x50000000);
    assert_int_equal(info.nvirtio, 1);
    assert_int_equal(info.virtio[0].base, 0x2000);
    assert_int_equal(info.virtio[0].size, 0x1000);
    assert_int_equal(info.virtio_irq[0], 3);
    assert_int_equal(info.nharts, 0);
}

static void test_fdt_reads_several_memory_ranges_and_reservations(void **state)
{
    (void)state;
    /* the zero-sized range is skipped, the one past FDT_MAX_MEM dropped */
    static const uint32_t mem[] = {0, 0x80000000, 0, 0x1000000,
                                   1, 0, 0, 0x2000000, 2, 0, 0, 0,
                                   3, 0, 0, 0x100000,  4, 0, 0, 0x100000};
    static const uint32_t opensbi[] = {0, 0x80000000, 0, 0x40000};
    struct dtb *b = b_new();
    struct fdt_info info;

    b->rsv[0][0] = 0x87000000;
    b->rsv[0][1] = 0x10000;
    b->nrsv = 1;
    b_small_tree(b);
    b_begin(b, "memory@100000000");
    b_str(b, "device_type", "memory");
    b_cells(b, "reg", mem, 20);
    b_end(b);
    b_begin(b, "reserved-memory");
    b_u32prop(b, "#address-cells", 2);
    b_u32prop(b, "#size-cells", 2);
    b_prop(b, "ranges", NULL, 0);
    b_begin(b, "mmode_resv0@80000000");
    b_cells(b, "reg", opensbi, 4);
    b_prop(b, "no-map", NULL, 0);
    b_end(b);
    b_end(b);
    b_end(b);
    assert_int_equal(b_parse(b, &info), 0);
    assert_int_equal(info.nmem, FDT_MAX_MEM);
    assert_int_equal(info.mem[1].base, 0x80000000u);
    assert_int_equal(info.mem[2].base, 0x100000000u);
    assert_int_equal(info.mem[2].size, 0x2000000u);
    assert_int_equal(info.mem[3].base, 0x300000000u);
    assert_int_equal(info.nresv, 2);
    assert_int_equal(info.resv[0].base, 0x87000000u);
    assert_int_equal(info.resv[0].size, 0x10000);
    assert_int_equal(info.resv[1].base, 0x80000000u);
    assert_int_equal(info.resv[1].size, 0x40000);
}

static void test_fdt_reads_wide_values_and_truncates_long_bootargs(void **state)
{
    (void)state;
    static const uint32_t start[] = {0x1, 0x0}, end[] = {0x1, 0x8000};
    static const uint32_t tb[] = {0x2, 0x540be400}; /* 10 GHz */
    struct dtb *b = b_new();
    struct fdt_info info;
    char args[FDT_BOOTARGS_MAX + 300];

    memset(args, 'a', sizeof args - 1);
    args[sizeof args - 1] = '\0';
    b_begin(b, "");
    b_begin(b, "chosen");
    b_str(b, "bootargs", args);
    b_cells(b, "linux,initrd-start", start, 2);
    b_cells(b, "linux,initrd-end", end, 2);
    b_end(b);
    b_begin(b, "cpus"); /* timebase only in the cpu node */
    b_begin(b, "cpu@0");
    b_str(b, "device_type", "cpu");
    b_cells(b, "timebase-frequency", tb, 2);
    b_end(b);
    b_end(b);
    b_end(b);
    assert_int_equal(b_parse(b, &info), 0);
    assert_int_equal(strlen(info.bootargs), sizeof info.bootargs - 1);
    assert_int_equal(info.initrd_start, 0x100000000u);
    assert_int_equal(info.initrd_end, 0x100008000u);
    assert_int_equal(info.timebase_hz, 10000000000u);
    assert_int_equal(info.nharts, 1);
}

static void test_fdt_keeps_first_uart_and_lowest_virtio_slots(void **state)
{
    (void)state;
    /* slot numbers in blob order; four more than fit, the last ones high */
    static const uint32_t slot[] = {9, 3, 10, 1, 8, 2, 7, 4, 6, 5, 12, 11};
    struct dtb *b = b_new();
    struct fdt_info info;

    b_begin(b, "");
    b_u32prop(b, "#address-cells", 1);
    b_u32prop(b, "#size-cells", 1);
    for (size_t i = 0; i < sizeof slot / sizeof slot[0]; i++) {
        uint32_t reg[] = {0x10000000 + 0x1000 * slot[i], 0x1000};
        uint32_t uart[] = {0x20000000 + 0x1000 * slot[i], 0x100};
        b_begin(b, "virtio_mmio");
        b_str(b, "compatible", "virtio,mmio");
        b_cells(b, "reg", reg, 2);
        b_u32prop(b, "interrupts", slot[i]);
        b_end(b);
        b_begin(b, "serial");
        b_str(b, "compatible", "ns16550a");
        b_cells(b, "reg", uart, 2);
        b_end(b);
    }
    b_end(b);
    assert_int_equal(b_parse(b, &info), 0);
    assert_int_equal(info.uart.base, 0x20009000);
    assert_int_equal(info.nvirtio, FDT_MAX_VIRTIO);
    for (int i = 0; i < FDT_MAX_VIRTIO; i++) {
        assert_int_equal(info.virtio[i].base, 0x10001000u + 0x1000u * i);
        assert_int_equal(info.virtio_irq[i], i + 1);
    }
}

/* ---- Corrupt input ---- */

static void test_fdt_rejects_null_arguments_and_short_buffers(void **state)
{
    (void)state;
    struct fdt_info info;
    assert_int_equal(fdt_parse(NULL, fixture_len, &info), -E_INVAL);
    assert_int_equal(fdt_parse(fixture, fixture_len, NULL), -E_INVAL);
    assert_int_equal(fdt_parse(fixture, 0, &info), -E_FORMAT);
    assert_int_equal(fdt_parse(fixture, H_LEN - 1, &info), -E_FORMAT);
}

static void test_fdt_rejects_bad_magic_and_clears_output(void **state)
{
    (void)state;
    uint8_t *copy = fixture_copy();
    struct fdt_info info;
    assert_int_equal(fdt_totalsize(copy), fixture_len);
    copy[3] ^= 0x01;
    assert_int_equal(fdt_totalsize(copy), 0);
    assert_int_equal(fdt_totalsize(NULL), 0);
    memset(&info, 0x5a, sizeof info);
    assert_int_equal(parse_exact(copy, fixture_len, &info), -E_FORMAT);
    assert_int_equal(info.nmem, 0);
    assert_string_equal(info.bootargs, "");
    free(copy);
}

static void test_fdt_rejects_totalsize_larger_than_buffer(void **state)
{
    (void)state;
    uint32_t len = (uint32_t)fixture_len;
    assert_int_equal(parse_patched(H_TOTALSIZE, len + 1), -E_FORMAT);
    assert_int_equal(parse_patched(H_TOTALSIZE, 0xffffffffu), -E_FORMAT);
}

static void test_fdt_fails_cleanly_on_every_truncated_prefix(void **state)
{
    (void)state;
    uint8_t *copy = fixture_copy();
    uint32_t size_struct = get_be32(fixture + H_SIZE_STRUCT);
    struct fdt_info info;

    for (size_t len = 0; len < fixture_len; len++) {
        /* As cut: the header claims more than there is. */
        assert_int_equal(parse_exact(fixture, len, &info), -E_FORMAT);
        /* Header claims only what is there: the walk itself must stop. */
        if (len >= H_LEN) {
            put_be32(copy + H_TOTALSIZE, (uint32_t)len);
            int err = parse_exact(copy, len, &info);
            assert_true(err == 0 || err == -E_FORMAT);
        }
    }
    /* Structure block cut at every length: FDT_END is always lost. */
    memcpy(copy, fixture, fixture_len);
    for (uint32_t n = 0; n < size_struct; n++) {
        put_be32(copy + H_SIZE_STRUCT, n);
        assert_int_equal(parse_exact(copy, fixture_len, &info), -E_FORMAT);
    }
    free(copy);
}

static void test_fdt_rejects_block_offsets_outside_blob(void **state)
{
    (void)state;
    uint32_t len = (uint32_t)fixture_len;
    const struct {
        size_t field;
        uint32_t value;
    } bad[] = {
        {H_OFF_STRUCT, 0},         {H_OFF_STRUCT, H_LEN - 4},
        {H_OFF_STRUCT, 0x3a},      {H_OFF_STRUCT, len},
        {H_OFF_STRUCT, 0x1000000}, {H_OFF_STRUCT, 0xfffffffcu},
        {H_SIZE_STRUCT, len},      {H_SIZE_STRUCT, 0xfffffffcu},
        {H_OFF_STRINGS, len},      {H_SIZE_STRINGS, len},
        {H_OFF_RSVMAP, 44},        {H_OFF_RSVMAP, len & ~7u},
        {H_OFF_RSVMAP, 0xfffffff8u},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse_patched(bad[i].field, bad[i].value), -E_FORMAT);
}

/* The small tree plus a node "m" holding one property; *at is the
 * property's offset in the blob. */
static struct blob blob_with_prop(const char *name, size_t *at)
{
    struct dtb *b = b_new();
    b_small_tree(b);
    b_begin(b, "m");
    size_t st = b_prop(b, name, "x", 2); /* pads to 4 */
    b_end(b);
    b_end(b);
    struct blob bl = b_finish(b);
    *at = bl.off_struct + st;
    return bl;
}

static void test_fdt_rejects_property_running_past_struct_block(void **state)
{
    (void)state;
    size_t at;
    /* a property the reader decodes, so a bad length would be followed */
    struct blob bl = blob_with_prop("compatible", &at);
    struct fdt_info info;
    /* bytes from the value to the end of the structure block */
    uint32_t room = (uint32_t)(bl.off_strings - (at + 12));

    assert_int_equal(parse_exact(bl.p, bl.len, &info), 0);
    put_be32(bl.p + at + 4, room); /* swallows END_NODE and END */
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    put_be32(bl.p + at + 4, room + 1);
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    put_be32(bl.p + at + 4, 0xfffffff0u);
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    free(bl.p);
}

static void test_fdt_rejects_name_offset_past_strings_block(void **state)
{
    (void)state;
    size_t at;
    struct blob bl = blob_with_prop("model", &at);
    struct fdt_info info;

    assert_int_equal(parse_exact(bl.p, bl.len, &info), 0);
    put_be32(bl.p + at + 8, get_be32(bl.p + H_SIZE_STRINGS));
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    put_be32(bl.p + at + 8, 0xffffffffu);
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    free(bl.p);
}

static void test_fdt_rejects_unterminated_strings(void **state)
{
    (void)state;
    static const char *const props[][2] = {
        {"chosen", "bootargs"}, {"uart", "compatible"}, {"mem", "device_type"}};
    struct fdt_info info;
    struct dtb *b = b_new();

    /* The last property name loses its NUL to a shorter strings block. */
    b_small_tree(b);
    b_end(b);
    struct blob bl = b_finish(b);
    put_be32(bl.p + H_SIZE_STRINGS, get_be32(bl.p + H_SIZE_STRINGS) - 1);
    assert_int_equal(parse_exact(bl.p, bl.len, &info), -E_FORMAT);
    free(bl.p);

    /* A node name running to the end of the blob; "cpus" is a name the
     * reader compares against, so a missed check would read past it. */
    b = b_new();
    b->no_end = true;
    b_begin(b, "");
    b_u32(b, TOK_BEGIN_NODE);
    b_raw(b, "cpus", 4);
    assert_int_equal(b_parse(b, &info), -E_FORMAT);

    /* String properties without their NUL. */
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        b = b_new();
        b_begin(b, "");
        b_begin(b, props[i][0]);
        b_prop(b, props[i][1], "abc", 3);
        b_end(b);
        b_end(b);
        assert_int_equal(b_parse(b, &info), -E_FORMAT);
    }
}

static int parse_nested(int depth)
{
    struct dtb *b = b_new();
    struct fdt_info info;
    b_begin(b, "");
    for (int i = 1; i < depth; i++)
        b_begin(b, "n");
    for (int i = 0; i < depth; i++)
        b_end(b);
    return b_parse(b, &info);
}

static void test_fdt_rejects_nesting_deeper_than_limit(void **state)
{
    (void)state;
    assert_int_equal(parse_nested(FDT_MAX_DEPTH), 0);
    assert_int_equal(parse_nested(FDT_MAX_DEPTH + 1), -E_FORMAT);
    assert_int_equal(parse_nested(500), -E_FORMAT);
}

/* Build a blob from the small tree plus one defect placed by `add`. */
static int parse_with(void (*add)(struct dtb *b), bool end_root)
{
    struct dtb *b = b_new();
    struct fdt_info info;
    b_small_tree(b);
    add(b);
    if (end_root)
        b_end(b);
    return b_parse(b, &info);
}

static void add_nothing(struct dtb *b) { (void)b; }
static void add_unknown_token(struct dtb *b) { b_u32(b, 7); }
static void add_extra_end_node(struct dtb *b) { b_end(b); b_end(b); }
static void add_second_root(struct dtb *b) { b_end(b); b_begin(b, ""); }
static void add_prop_after_subnode(struct dtb *b) { b_str(b, "model", "m"); }
static void add_no_end(struct dtb *b) { b->no_end = true; }
static void add_bad_cells(struct dtb *b)
{
    b_begin(b, "bus");
    b_prop(b, "#size-cells", "", 1);
    b_end(b);
}
static void add_reversed_initrd(struct dtb *b)
{
    b_begin(b, "chosen");
    b_u32prop(b, "linux,initrd-start", 0x2000);
    b_u32prop(b, "linux,initrd-end", 0x1000);
    b_end(b);
}
static void add_ragged_reg(struct dtb *b)
{
    b_begin(b, "serial@0");
    b_str(b, "compatible", "ns16550a");
    b_prop(b, "reg", "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
    b_end(b);
}

static void test_fdt_rejects_malformed_structure(void **state)
{
    (void)state;
    assert_int_equal(parse_with(add_nothing, true), 0);
    assert_int_equal(parse_with(add_unknown_token, true), -E_FORMAT);
    assert_int_equal(parse_with(add_extra_end_node, true), -E_FORMAT);
    assert_int_equal(parse_with(add_second_root, true), -E_FORMAT);
    assert_int_equal(parse_with(add_nothing, false), -E_FORMAT);
    assert_int_equal(parse_with(add_no_end, true), -E_FORMAT);
    assert_int_equal(parse_with(add_bad_cells, true), -E_FORMAT);
    assert_int_equal(parse_with(add_reversed_initrd, true), -E_FORMAT);
    assert_int_equal(parse_with(add_ragged_reg, true), -E_FORMAT);
    /* b_small_tree ends with a child node: a root property after it */
    assert_int_equal(parse_with(add_prop_after_subnode, true), -E_FORMAT);
}

static uint32_t xorshift32(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_fdt_survives_random_byte_flips(void **state)
{
    (void)state;
    uint32_t seed = 0x2545f491;
    uint8_t *copy = fixture_copy();
    struct fdt_info info;
    int accepted = 0;

    for (int round = 0; round < 20000; round++) {
        memcpy(copy, fixture, fixture_len);
        int flips = 1 + (int)(xorshift32(&seed) % 4);
        for (int i = 0; i < flips; i++)
            copy[xorshift32(&seed) % fixture_len] ^=
                (uint8_t)(1u << (xorshift32(&seed) % 8));
        int err = parse_exact(copy, fixture_len, &info);
        assert_true(err == 0 || err == -E_FORMAT || err == -E_FULL);
        if (err == 0) {
            accepted++;
            assert_in_range(info.nmem, 0, FDT_MAX_MEM);
            assert_in_range(info.nvirtio, 0, FDT_MAX_VIRTIO);
            assert_true(memchr(info.bootargs, 0, sizeof info.bootargs) != NULL);
        }
    }
    /* most flips land in values that do not matter to the structure */
    assert_true(accepted > 0);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fdt_finds_memory_of_qemu_virt),
        cmocka_unit_test(test_fdt_reads_bootargs_and_initrd_of_qemu_virt),
        cmocka_unit_test(test_fdt_counts_harts_and_timebase_of_qemu_virt),
        cmocka_unit_test(test_fdt_reads_rtc_and_rng_seed_of_qemu_virt),
        cmocka_unit_test(
            test_fdt_finds_uart_plic_clint_and_test_device_of_qemu_virt),
        cmocka_unit_test(test_fdt_lists_virtio_slots_in_address_order),
        cmocka_unit_test(test_fdt_decodes_reg_with_parent_cell_sizes),
        cmocka_unit_test(test_fdt_reads_several_memory_ranges_and_reservations),
        cmocka_unit_test(test_fdt_reads_wide_values_and_truncates_long_bootargs),
        cmocka_unit_test(test_fdt_keeps_first_uart_and_lowest_virtio_slots),
        cmocka_unit_test(test_fdt_rejects_null_arguments_and_short_buffers),
        cmocka_unit_test(test_fdt_rejects_bad_magic_and_clears_output),
        cmocka_unit_test(test_fdt_rejects_totalsize_larger_than_buffer),
        cmocka_unit_test(test_fdt_fails_cleanly_on_every_truncated_prefix),
        cmocka_unit_test(test_fdt_rejects_block_offsets_outside_blob),
        cmocka_unit_test(test_fdt_rejects_property_running_past_struct_block),
        cmocka_unit_test(test_fdt_rejects_name_offset_past_strings_block),
        cmocka_unit_test(test_fdt_rejects_unterminated_strings),
        cmocka_unit_test(test_fdt_rejects_nesting_deeper_than_limit),
        cmocka_unit_test(test_fdt_rejects_malformed_structure),
        cmocka_unit_test(test_fdt_survives_random_byte_flips),
    };
    return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
