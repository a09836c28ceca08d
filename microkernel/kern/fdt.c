/*
 * Flattened device tree reader. See fdt.h for the lifecycle.
 *
 * The blob is untrusted, so validation is layered and every read goes
 * through one of three gates:
 *   - fdt_check_header() proves the reservation, structure and strings
 *     blocks lie inside totalsize, and totalsize inside maxlen;
 *   - fdt_next_token() proves each token, node name, property value and
 *     property name lies inside its block (names NUL-terminated there);
 *   - property decoders check the value length before reading a cell.
 * Everything past the gates reads only bytes a gate has vouched for.
 *
 * The walk is iterative with a fixed stack of FDT_MAX_DEPTH levels, so a
 * hostile blob can neither recurse the kernel stack away nor loop: each
 * token advances the cursor by at least 4 bytes.
 */
#include "kern/fdt.h"

#include <stdbool.h>

#include "lib/string.h"
#include "uapi/errors.h"

/* Structure block tokens (Devicetree Specification 5.4.1). */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

#define FDT_HDR_V16 36u /* header ends after size_dt_strings */
#define FDT_HDR_V17 40u /* version 17 adds size_dt_struct */
#define FDT_VERSION_MIN 16u
#define FDT_VERSION_KNOWN 17u /* newest layout this reader understands */
#define FDT_RSV_ENTRY 16u

/* Cells of a node whose parent gave none (spec 2.3.5). */
#define FDT_DEFAULT_ADDR_CELLS 2u
#define FDT_DEFAULT_SIZE_CELLS 1u

/* Which node a level is, as far as its children care. */
enum fdt_kind {
    FDT_KIND_OTHER,
    FDT_KIND_ROOT,
    FDT_KIND_CHOSEN,
    FDT_KIND_CPUS,
    FDT_KIND_RESV, /* /reserved-memory */
};

/* Device classes a "compatible" string can place a node in. */
enum {
    FDT_C_UART = 1u << 0,
    FDT_C_PLIC = 1u << 1,
    FDT_C_CLINT = 1u << 2,
    FDT_C_TEST = 1u << 3,
    FDT_C_VIRTIO = 1u << 4,
    FDT_C_RTC = 1u << 5,
};

static const struct {
    const char *str;
    uint32_t bit;
} fdt_compat_table[] = {
    {"ns16550a", FDT_C_UART},         {"riscv,plic0", FDT_C_PLIC},
    {"sifive,plic-1.0.0", FDT_C_PLIC}, {"riscv,clint0", FDT_C_CLINT},
    {"sifive,clint0", FDT_C_CLINT},    {"sifive,test0", FDT_C_TEST},
    {"sifive,test1", FDT_C_TEST},      {"syscon", FDT_C_TEST},
    {"virtio,mmio", FDT_C_VIRTIO},    {"google,goldfish-rtc", FDT_C_RTC},
};
#define FDT_NCOMPAT (sizeof fdt_compat_table / sizeof fdt_compat_table[0])

/* The blocks fdt_check_header() proved to lie inside the blob. Offsets
 * are from the blob start; 64-bit so sums of two can never wrap. */
struct fdt_blob {
    const uint8_t *base;
    uint64_t total;
    uint64_t rsv_off;
    uint64_t struct_off, struct_end;
    uint64_t str_off, str_size;
};

struct fdt_cursor {
    const struct fdt_blob *fb;
    uint64_t pos; /* next token; always <= fb->struct_end + 3 */
};

/* One structure token. name is NUL-terminated inside the blob; val/len
 * (properties only) lie inside the structure block. */
struct fdt_token {
    uint32_t type;
    const char *name;
    const uint8_t *val;
    uint32_t len;
};

/* What an open node tells its children. */
struct fdt_level {
    uint32_t addr_cells, size_cells;
    enum fdt_kind kind;
};

/* The node whose properties are being read. Its facts are applied once
 * the first child or its end shows that no property can follow. */
struct fdt_node {
    bool open; /* properties may still follow */
    const char *name;
    enum fdt_kind kind, parent_kind;
    uint32_t pac, psc; /* parent's cells: the layout of this node's reg */
    const uint8_t *reg, *irq, *ndev;
    uint32_t reg_len, irq_len, ndev_len;
    uint32_t compat; /* FDT_C_* bits */
    bool dev_memory, dev_cpu;
};

struct fdt_parser {
    struct fdt_info *out;
    struct fdt_level level[FDT_MAX_DEPTH]; /* level[depth - 1] is the node */
    int depth;
    struct fdt_node node;
    bool root_seen;
    bool have_uart, have_plic, have_clint, have_test, have_rtc;
    bool have_initrd_start, have_initrd_end;
};

static const struct fdt_level fdt_above_root = {
    FDT_DEFAULT_ADDR_CELLS, FDT_DEFAULT_SIZE_CELLS, FDT_KIND_OTHER};

static uint32_t fdt_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static uint64_t fdt_be64(const uint8_t *p)
{
    return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

static uint64_t fdt_align4(uint64_t x)
{
    return (x + 3) & ~(uint64_t)3;
}

uint32_t fdt_totalsize(const void *blob)
{
    const uint8_t *b = blob;

    if (b == NULL || fdt_be32(b) != FDT_MAGIC)
        return 0;
    return fdt_be32(b + 4);
}

/* ---- Gate 1: the header ---- */

static int fdt_check_header(const uint8_t *b, size_t maxlen,
                            struct fdt_blob *fb)
{
    if (maxlen < FDT_HDR_V16 || fdt_be32(b) != FDT_MAGIC)
        return -E_FORMAT;
    uint64_t total = fdt_be32(b + 4);
    uint32_t version = fdt_be32(b + 20);
    uint32_t hdr = version >= 17 ? FDT_HDR_V17 : FDT_HDR_V16;

    if (version < FDT_VERSION_MIN || fdt_be32(b + 24) > FDT_VERSION_KNOWN)
        return -E_FORMAT;
    if (total > maxlen || total < hdr)
        return -E_FORMAT;
    fb->base = b;
    fb->total = total;
    fb->struct_off = fdt_be32(b + 8);
    fb->str_off = fdt_be32(b + 12);
    fb->rsv_off = fdt_be32(b + 16);
    fb->str_size = fdt_be32(b + 32);
    if (fb->struct_off < hdr || fb->struct_off > total ||
        fb->struct_off % 4 != 0)
        return -E_FORMAT;
    /* Version 16 has no size_dt_struct: the block may run to the end. */
    fb->struct_end = version >= 17 ? fb->struct_off + fdt_be32(b + 36) : total;
    if (fb->struct_end > total)
        return -E_FORMAT;
    if (fb->str_off < hdr || fb->str_off + fb->str_size > total)
        return -E_FORMAT;
    if (fb->rsv_off < hdr || fb->rsv_off % 8 != 0 ||
        fb->rsv_off + FDT_RSV_ENTRY > total)
        return -E_FORMAT;
    return 0;
}

/*
 * Dropping a reservation would let the kernel hand out firmware memory,
 * so running out of slots is an error, unlike for memory or virtio.
 */
static int fdt_add_resv(struct fdt_info *out, struct fdt_reg r)
{
    if (r.size == 0)
        return 0;
    if (out->nresv == FDT_MAX_RESV)
        return -E_FULL;
    out->resv[out->nresv++] = r;
    return 0;
}

/* The reservation block: 16-byte (address, size) pairs up to (0, 0). */
static int fdt_read_rsvmap(const struct fdt_blob *fb, struct fdt_info *out)
{
    for (uint64_t off = fb->rsv_off; off + FDT_RSV_ENTRY <= fb->total;
         off += FDT_RSV_ENTRY) {
        struct fdt_reg r = {fdt_be64(fb->base + off),
                            fdt_be64(fb->base + off + 8)};
        if (r.base == 0 && r.size == 0)
            return 0;
        int err = fdt_add_resv(out, r);
        if (err)
            return err;
    }
    return -E_FORMAT; /* no terminator before the end of the blob */
}

/* ---- Gate 2: tokens ---- */

static int fdt_read_node_name(struct fdt_cursor *c, struct fdt_token *t)
{
    const struct fdt_blob *fb = c->fb;
    size_t room = (size_t)(fb->struct_end - c->pos);
    const char *name = (const char *)fb->base + c->pos;
    size_t n = strnlen(name, room);

    if (n == room)
        return -E_FORMAT;
    t->name = name;
    c->pos = fdt_align4(c->pos + n + 1);
    return 0;
}

static int fdt_read_prop(struct fdt_cursor *c, struct fdt_token *t)
{
    const struct fdt_blob *fb = c->fb;

    if (c->pos + 8 > fb->struct_end)
        return -E_FORMAT;
    uint32_t len = fdt_be32(fb->base + c->pos);
    uint32_t nameoff = fdt_be32(fb->base + c->pos + 4);
    c->pos += 8;
    if (c->pos + len > fb->struct_end || nameoff >= fb->str_size)
        return -E_FORMAT;
    const char *name = (const char *)fb->base + fb->str_off + nameoff;
    size_t room = (size_t)(fb->str_size - nameoff);
    if (strnlen(name, room) == room)
        return -E_FORMAT;
    t->name = name;
    t->val = fb->base + c->pos;
    t->len = len;
    c->pos = fdt_align4(c->pos + len);
    return 0;
}

/* Read the token at the cursor and step past it. On entry the cursor may
 * point anywhere; nothing outside the structure block is read. */
static int fdt_next_token(struct fdt_cursor *c, struct fdt_token *t)
{
    if (c->pos + 4 > c->fb->struct_end)
        return -E_FORMAT;
    t->type = fdt_be32(c->fb->base + c->pos);
    t->name = NULL;
    t->val = NULL;
    t->len = 0;
    c->pos += 4;
    switch (t->type) {
    case FDT_BEGIN_NODE:
        return fdt_read_node_name(c, t);
    case FDT_PROP:
        return fdt_read_prop(c, t);
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END:
        return 0;
    default:
        return -E_FORMAT;
    }
}

/* ---- Gate 3: property values ---- */

/* A string or string list: empty, or ending in NUL. */
static int fdt_check_strings(const struct fdt_token *t)
{
    if (t->len > 0 && t->val[t->len - 1] != '\0')
        return -E_FORMAT;
    return 0;
}

/* A number of one or two cells. */
static int fdt_prop_uint(const struct fdt_token *t, uint64_t *v)
{
    if (t->len == 4)
        *v = fdt_be32(t->val);
    else if (t->len == 8)
        *v = fdt_be64(t->val);
    else
        return -E_FORMAT;
    return 0;
}

static int fdt_prop_cells(const struct fdt_token *t, uint32_t *v)
{
    if (t->len != 4)
        return -E_FORMAT;
    *v = fdt_be32(t->val);
    return 0;
}

static int fdt_prop_compat(const struct fdt_token *t, uint32_t *bits)
{
    int err = fdt_check_strings(t);

    if (err)
        return err;
    /* The last byte is NUL, so strlen() stops inside the value. */
    for (uint32_t off = 0; off < t->len;) {
        const char *s = (const char *)t->val + off;
        for (size_t i = 0; i < FDT_NCOMPAT; i++)
            if (strcmp(s, fdt_compat_table[i].str) == 0)
                *bits |= fdt_compat_table[i].bit;
        off += (uint32_t)strlen(s) + 1;
    }
    return 0;
}

static int fdt_prop_device_type(const struct fdt_token *t, struct fdt_node *n)
{
    int err = fdt_check_strings(t);

    if (err || t->len == 0)
        return err;
    n->dev_memory = strcmp((const char *)t->val, "memory") == 0;
    n->dev_cpu = strcmp((const char *)t->val, "cpu") == 0;
    return 0;
}

static int fdt_chosen_prop(struct fdt_parser *p, const struct fdt_token *t)
{
    struct fdt_info *out = p->out;

    if (strcmp(t->name, "bootargs") == 0) {
        int err = fdt_check_strings(t);
        if (err || t->len == 0)
            return err;
        size_t n = strnlen((const char *)t->val, sizeof out->bootargs - 1);
        memcpy(out->bootargs, t->val, n);
        out->bootargs[n] = '\0';
        return 0;
    }
    if (strcmp(t->name, "rng-seed") == 0) {
        /* Any bytes; more than the pool takes are dropped. */
        uint32_t n = t->len < sizeof out->rng_seed ? t->len : sizeof out->rng_seed;
        memcpy(out->rng_seed, t->val, n);
        out->rng_seed_len = n;
        return 0;
    }
    if (strcmp(t->name, "linux,initrd-start") == 0) {
        p->have_initrd_start = true;
        return fdt_prop_uint(t, &out->initrd_start);
    }
    if (strcmp(t->name, "linux,initrd-end") == 0) {
        p->have_initrd_end = true;
        return fdt_prop_uint(t, &out->initrd_end);
    }
    return 0;
}

/* Record one property of the open node; values are checked when decoded. */
static int fdt_node_prop(struct fdt_parser *p, const struct fdt_token *t)
{
    struct fdt_node *n = &p->node;

    /* Properties precede subnodes (spec 5.4.2); none live outside root. */
    if (!n->open)
        return -E_FORMAT;
    struct fdt_level *lv = &p->level[p->depth - 1]; /* open: depth >= 1 */
    if (strcmp(t->name, "#address-cells") == 0)
        return fdt_prop_cells(t, &lv->addr_cells);
    if (strcmp(t->name, "#size-cells") == 0)
        return fdt_prop_cells(t, &lv->size_cells);
    if (strcmp(t->name, "compatible") == 0)
        return fdt_prop_compat(t, &n->compat);
    if (strcmp(t->name, "device_type") == 0)
        return fdt_prop_device_type(t, n);
    if (strcmp(t->name, "reg") == 0) {
        n->reg = t->val;
        n->reg_len = t->len;
    } else if (strcmp(t->name, "interrupts") == 0) {
        n->irq = t->val;
        n->irq_len = t->len;
    } else if (strcmp(t->name, "riscv,ndev") == 0) {
        n->ndev = t->val;
        n->ndev_len = t->len;
    } else if (n->kind == FDT_KIND_CHOSEN) {
        return fdt_chosen_prop(p, t);
    } else if (strcmp(t->name, "timebase-frequency") == 0 &&
               (n->kind == FDT_KIND_CPUS || n->parent_kind == FDT_KIND_CPUS) &&
               p->out->timebase_hz == 0) {
        /* /cpus comes before its cpu nodes, so its value wins. */
        return fdt_prop_uint(t, &p->out->timebase_hz);
    }
    return 0;
}

/* ---- Applying a node once all its properties are known ---- */

/*
 * Entry i of the node's reg, laid out by the parent's cells.
 * Returns 1 and fills *r; 0 if there is no entry i or the cells are wider
 * than 64 bits (such a node is left out); -E_FORMAT if reg is not a whole
 * number of entries.
 */
static int fdt_reg_get(const struct fdt_node *n, uint32_t i, struct fdt_reg *r)
{
    if (n->reg == NULL || n->pac == 0 || n->pac > 2 || n->psc > 2)
        return 0;
    uint32_t stride = (n->pac + n->psc) * 4;
    if (n->reg_len % stride != 0)
        return -E_FORMAT;
    if (i >= n->reg_len / stride)
        return 0;
    const uint8_t *c = n->reg + (size_t)i * stride;
    r->base = n->pac == 2 ? fdt_be64(c) : fdt_be32(c);
    c += n->pac * 4;
    r->size = n->psc == 2 ? fdt_be64(c) : n->psc == 1 ? fdt_be32(c) : 0;
    return 1;
}

static bool fdt_is_memory(const struct fdt_node *n)
{
    return n->dev_memory || strcmp(n->name, "memory") == 0 ||
           strncmp(n->name, "memory@", 7) == 0;
}

static int fdt_add_memory(struct fdt_parser *p, const struct fdt_node *n)
{
    struct fdt_info *out = p->out;
    struct fdt_reg r;
    int got;

    for (uint32_t i = 0; (got = fdt_reg_get(n, i, &r)) > 0; i++)
        if (r.size != 0 && out->nmem < FDT_MAX_MEM)
            out->mem[out->nmem++] = r;
    return got;
}

static int fdt_add_reserved(struct fdt_parser *p, const struct fdt_node *n)
{
    struct fdt_reg r;
    int got;

    for (uint32_t i = 0; (got = fdt_reg_get(n, i, &r)) > 0; i++) {
        int err = fdt_add_resv(p->out, r);
        if (err)
            return err;
    }
    return got;
}

/* Insert in base order; when full, the highest base falls off. */
static void fdt_add_virtio(struct fdt_info *out, struct fdt_reg r, uint32_t irq)
{
    int i = out->nvirtio;

    if (i == FDT_MAX_VIRTIO) {
        if (r.base >= out->virtio[i - 1].base)
            return;
        i--;
    } else {
        out->nvirtio++;
    }
    for (; i > 0 && out->virtio[i - 1].base > r.base; i--) {
        out->virtio[i] = out->virtio[i - 1];
        out->virtio_irq[i] = out->virtio_irq[i - 1];
    }
    out->virtio[i] = r;
    out->virtio_irq[i] = irq;
}

static int fdt_add_device(struct fdt_parser *p, const struct fdt_node *n)
{
    struct fdt_info *out = p->out;
    struct fdt_reg r;
    int got = fdt_reg_get(n, 0, &r);

    if (got <= 0)
        return got; /* no usable address: nothing the kernel can drive */
    uint32_t irq = n->irq_len >= 4 ? fdt_be32(n->irq) : 0;
    if ((n->compat & FDT_C_UART) && !p->have_uart) {
        p->have_uart = true;
        out->uart = r;
        out->uart_irq = irq;
    }
    if ((n->compat & FDT_C_PLIC) && !p->have_plic) {
        if (n->ndev != NULL && n->ndev_len != 4)
            return -E_FORMAT;
        p->have_plic = true;
        out->plic = r;
        out->plic_ndev = n->ndev != NULL ? fdt_be32(n->ndev) : 0;
    }
    if ((n->compat & FDT_C_CLINT) && !p->have_clint) {
        p->have_clint = true;
        out->clint = r;
    }
    if ((n->compat & FDT_C_TEST) && !p->have_test) {
        p->have_test = true;
        out->test_dev = r;
    }
    if ((n->compat & FDT_C_RTC) && !p->have_rtc) {
        p->have_rtc = true;
        out->rtc = r;
    }
    if (n->compat & FDT_C_VIRTIO)
        fdt_add_virtio(out, r, irq);
    return 0;
}

/* Close the open node's property list and apply what it describes. */
static int fdt_node_finish(struct fdt_parser *p)
{
    struct fdt_node *n = &p->node;
    int err = 0;

    if (!n->open)
        return 0;
    n->open = false;
    if (n->parent_kind == FDT_KIND_ROOT && fdt_is_memory(n))
        err = fdt_add_memory(p, n);
    else if (n->parent_kind == FDT_KIND_RESV)
        err = fdt_add_reserved(p, n);
    if (!err && n->parent_kind == FDT_KIND_CPUS && n->dev_cpu)
        p->out->nharts++;
    if (!err && n->compat != 0)
        err = fdt_add_device(p, n);
    return err;
}

/* ---- The walk ---- */

static enum fdt_kind fdt_kind_of(enum fdt_kind parent, int depth,
                                 const char *name)
{
    if (depth == 0)
        return FDT_KIND_ROOT;
    if (parent != FDT_KIND_ROOT)
        return FDT_KIND_OTHER;
    if (strcmp(name, "chosen") == 0)
        return FDT_KIND_CHOSEN;
    if (strcmp(name, "cpus") == 0)
        return FDT_KIND_CPUS;
    if (strcmp(name, "reserved-memory") == 0)
        return FDT_KIND_RESV;
    return FDT_KIND_OTHER;
}

static int fdt_begin_node(struct fdt_parser *p, const char *name)
{
    int err = fdt_node_finish(p);

    if (err)
        return err;
    if (p->depth == 0 && p->root_seen)
        return -E_FORMAT; /* a second root */
    if (p->depth == FDT_MAX_DEPTH)
        return -E_FORMAT;
    const struct fdt_level *parent =
        p->depth > 0 ? &p->level[p->depth - 1] : &fdt_above_root;
    struct fdt_level *lv = &p->level[p->depth];
    lv->addr_cells = FDT_DEFAULT_ADDR_CELLS;
    lv->size_cells = FDT_DEFAULT_SIZE_CELLS;
    lv->kind = fdt_kind_of(parent->kind, p->depth, name);

    struct fdt_node *n = &p->node;
    memset(n, 0, sizeof *n);
    n->open = true;
    n->name = name;
    n->kind = lv->kind;
    n->parent_kind = parent->kind;
    n->pac = parent->addr_cells;
    n->psc = parent->size_cells;
    p->depth++;
    p->root_seen = true;
    return 0;
}

static int fdt_end_node(struct fdt_parser *p)
{
    int err = fdt_node_finish(p);

    if (err)
        return err;
    if (p->depth == 0)
        return -E_FORMAT;
    p->depth--;
    return 0;
}

/* Terminates: every token moves the cursor forward by at least 4 bytes,
 * and fdt_next_token() fails once it passes the structure block. */
static int fdt_walk(struct fdt_parser *p, const struct fdt_blob *fb)
{
    struct fdt_cursor c = {fb, fb->struct_off};
    struct fdt_token t;

    for (;;) {
        int err = fdt_next_token(&c, &t);
        if (err)
            return err;
        switch (t.type) {
        case FDT_BEGIN_NODE:
            err = fdt_begin_node(p, t.name);
            break;
        case FDT_END_NODE:
            err = fdt_end_node(p);
            break;
        case FDT_PROP:
            err = fdt_node_prop(p, &t);
            break;
        case FDT_END:
            return p->root_seen && p->depth == 0 ? 0 : -E_FORMAT;
        default: /* FDT_NOP */
            break;
        }
        if (err)
            return err;
    }
}

/* Half an initrd is no initrd; a reversed one is a lie. */
static int fdt_check_initrd(const struct fdt_parser *p)
{
    struct fdt_info *out = p->out;

    if (!p->have_initrd_start || !p->have_initrd_end) {
        out->initrd_start = 0;
        out->initrd_end = 0;
        return 0;
    }
    return out->initrd_end < out->initrd_start ? -E_FORMAT : 0;
}

int fdt_parse(const void *blob, size_t maxlen, struct fdt_info *out)
{
    struct fdt_blob fb;
    struct fdt_parser p;
    int err;

    if (blob == NULL || out == NULL)
        return -E_INVAL;
    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    p.out = out;
    err = fdt_check_header(blob, maxlen, &fb);
    if (!err)
        err = fdt_read_rsvmap(&fb, out);
    if (!err)
        err = fdt_walk(&p, &fb);
    if (!err)
        err = fdt_check_initrd(&p);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
