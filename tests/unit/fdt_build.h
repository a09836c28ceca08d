/*
 * A builder for small hand-made device tree blobs (test_fdt.c): each
 * puts one defect exactly where a check of kern/fdt.c must catch it.
 * Included by that one test, after its header-field and token constants
 * and big-endian helpers, so its helpers are plain statics.
 */
#ifndef TESTS_UNIT_FDT_BUILD_H
#define TESTS_UNIT_FDT_BUILD_H

/* ---- A builder for small hand-made blobs ---- */

struct dtb {
    uint8_t st[8192];
    size_t st_len;
    char str[1024];
    size_t str_len;
    uint64_t rsv[FDT_MAX_RESV + 2][2];
    int nrsv;
    bool no_end; /* leave out the closing FDT_END token */
};

/* A finished blob; offsets locate the blocks for patching. */
struct blob {
    uint8_t *p;
    size_t len;
    uint32_t off_struct, off_strings;
};

static void b_raw(struct dtb *b, const void *data, size_t len)
{
    assert_true(b->st_len + len + 3 <= sizeof b->st);
    if (len > 0)
        memcpy(b->st + b->st_len, data, len);
    b->st_len += len;
    while (b->st_len % 4 != 0)
        b->st[b->st_len++] = 0;
}

static void b_u32(struct dtb *b, uint32_t v)
{
    uint8_t be[4];
    put_be32(be, v);
    b_raw(b, be, 4);
}

static void b_begin(struct dtb *b, const char *name)
{
    b_u32(b, TOK_BEGIN_NODE);
    b_raw(b, name, strlen(name) + 1);
}

static void b_end(struct dtb *b)
{
    b_u32(b, TOK_END_NODE);
}

static uint32_t b_stroff(struct dtb *b, const char *name)
{
    for (size_t off = 0; off < b->str_len; off += strlen(b->str + off) + 1)
        if (strcmp(b->str + off, name) == 0)
            return (uint32_t)off;
    size_t n = strlen(name) + 1;
    assert_true(b->str_len + n <= sizeof b->str);
    memcpy(b->str + b->str_len, name, n);
    b->str_len += n;
    return (uint32_t)(b->str_len - n);
}

/* Returns the struct-block offset of the property token, for patching. */
static size_t b_prop(struct dtb *b, const char *name, const void *val,
                     uint32_t len)
{
    size_t at = b->st_len;
    b_u32(b, TOK_PROP);
    b_u32(b, len);
    b_u32(b, b_stroff(b, name));
    b_raw(b, val, len);
    return at;
}

static void b_str(struct dtb *b, const char *name, const char *s)
{
    b_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void b_cells(struct dtb *b, const char *name, const uint32_t *cells,
                    int n)
{
    uint8_t be[128];
    assert_true(n * 4 <= (int)sizeof be);
    for (int i = 0; i < n; i++)
        put_be32(be + 4 * i, cells[i]);
    b_prop(b, name, be, (uint32_t)n * 4);
}

static void b_u32prop(struct dtb *b, const char *name, uint32_t v)
{
    b_cells(b, name, &v, 1);
}

static struct blob b_finish(struct dtb *b)
{
    if (!b->no_end)
        b_u32(b, TOK_END);
    struct blob out;
    out.off_struct = (uint32_t)(H_LEN + 16 * (b->nrsv + 1)); /* + (0, 0) */
    out.off_strings = (uint32_t)(out.off_struct + b->st_len);
    out.len = out.off_strings + b->str_len;
    out.p = calloc(1, out.len);
    assert_non_null(out.p);
    put_be32(out.p, FDT_MAGIC);
    put_be32(out.p + H_TOTALSIZE, (uint32_t)out.len);
    put_be32(out.p + H_OFF_STRUCT, out.off_struct);
    put_be32(out.p + H_OFF_STRINGS, out.off_strings);
    put_be32(out.p + H_OFF_RSVMAP, H_LEN);
    put_be32(out.p + 20, 17); /* version */
    put_be32(out.p + 24, 16); /* last compatible version */
    put_be32(out.p + H_SIZE_STRINGS, (uint32_t)b->str_len);
    put_be32(out.p + H_SIZE_STRUCT, (uint32_t)b->st_len);
    for (int i = 0; i < b->nrsv; i++) {
        put_be64(out.p + H_LEN + 16 * i, b->rsv[i][0]);
        put_be64(out.p + H_LEN + 16 * i + 8, b->rsv[i][1]);
    }
    memcpy(out.p + out.off_struct, b->st, b->st_len);
    memcpy(out.p + out.off_strings, b->str, b->str_len);
    return out;
}

static struct dtb *b_new(void)
{
    static struct dtb b;
    return memset(&b, 0, sizeof b);
}

/* Finish b and parse it as parse_exact() does. */
static int b_parse(struct dtb *b, struct fdt_info *info)
{
    struct blob bl = b_finish(b);
    int err = parse_exact(bl.p, bl.len, info);
    free(bl.p);
    return err;
}

/* Root with 2/2 cells, bootargs, one memory node and a uart.
 * Leaves the root open so a test can add nodes before b_end(). */
static void b_small_tree(struct dtb *b)
{
    static const uint32_t mem[] = {0, 0x80000000, 0, 0x1000000};
    static const uint32_t uart[] = {0, 0x10000000, 0, 0x100};

    b_begin(b, "");
    b_u32prop(b, "#address-cells", 2);
    b_u32prop(b, "#size-cells", 2);
    b_begin(b, "chosen");
    b_str(b, "bootargs", "hello");
    b_end(b);
    b_begin(b, "memory@80000000");
    b_str(b, "device_type", "memory");
    b_cells(b, "reg", mem, 4);
    b_end(b);
    b_begin(b, "serial@10000000");
    b_str(b, "compatible", "ns16550a");
    b_cells(b, "reg", uart, 4);
    b_u32prop(b, "interrupts", 10);
    b_end(b);
}

#endif
