/*
 * cpio "newc" reader. See cpio.h for the layout and the guarantees.
 */
#include "kern/cpio.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "uapi/errors.h"

#define CPIO_MAGIC_LEN 6
#define CPIO_FIELD_LEN 8
#define CPIO_NFIELDS 13

/* Field indexes in header order. */
enum {
    CPIO_F_INO,
    CPIO_F_MODE,
    CPIO_F_UID,
    CPIO_F_GID,
    CPIO_F_NLINK,
    CPIO_F_MTIME,
    CPIO_F_FILESIZE,
    CPIO_F_DEVMAJOR,
    CPIO_F_DEVMINOR,
    CPIO_F_RDEVMAJOR,
    CPIO_F_RDEVMINOR,
    CPIO_F_NAMESIZE,
    CPIO_F_CHECK,
};

_Static_assert(CPIO_MAGIC_LEN + CPIO_NFIELDS * CPIO_FIELD_LEN == CPIO_HDR_SIZE,
               "newc header is 110 bytes");
_Static_assert(CPIO_F_CHECK == CPIO_NFIELDS - 1, "field list complete");

static const char cpio_trailer[] = "TRAILER!!!";

/* The place of one entry's parts, as offsets from the archive start. */
struct cpio_span {
    size_t name_off, data_off, next_off;
    uint32_t f[CPIO_NFIELDS];
    bool has_crc;
};

/* Sets *sum = a + b; false if that wraps. */
static bool cpio_add(size_t a, size_t b, size_t *sum)
{
    if (a > SIZE_MAX - b)
        return false;
    *sum = a + b;
    return true;
}

/* Rounds v up to a multiple of 4; false if that wraps. */
static bool cpio_pad4(size_t v, size_t *out)
{
    if (!cpio_add(v, 3, out))
        return false;
    *out &= ~(size_t)3;
    return true;
}

/* Decodes exactly 8 hex digits; sign, spaces and "0x" are malformed. */
static bool cpio_hex8(const char *p, uint32_t *v)
{
    uint32_t acc = 0;
    int i;

    for (i = 0; i < CPIO_FIELD_LEN; i++) {
        char c = p[i];
        uint32_t d;

        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        acc = (acc << 4) | d;
    }
    *v = acc;
    return true;
}

/* Checks the 110-byte header at off, which the caller put inside len. */
static int cpio_read_header(const char *h, struct cpio_span *sp)
{
    int i;

    if (memcmp(h, "070701", CPIO_MAGIC_LEN) == 0)
        sp->has_crc = false;
    else if (memcmp(h, "070702", CPIO_MAGIC_LEN) == 0)
        sp->has_crc = true;
    else
        return -E_FORMAT;
    for (i = 0; i < CPIO_NFIELDS; i++)
        if (!cpio_hex8(h + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN, &sp->f[i]))
            return -E_FORMAT;
    return 0;
}

/* Computes where the name, the data and the next entry lie; all in len. */
static int cpio_locate(size_t len, size_t off, struct cpio_span *sp)
{
    size_t name_end, data_end;

    if (sp->f[CPIO_F_NAMESIZE] == 0)
        return -E_FORMAT;
    sp->name_off = off + CPIO_HDR_SIZE; /* caller checked: no wrap, <= len */
    if (!cpio_add(sp->name_off, sp->f[CPIO_F_NAMESIZE], &name_end) ||
        !cpio_pad4(name_end, &sp->data_off) || sp->data_off > len)
        return -E_FORMAT;
    if (!cpio_add(sp->data_off, sp->f[CPIO_F_FILESIZE], &data_end) ||
        !cpio_pad4(data_end, &sp->next_off) || sp->next_off > len)
        return -E_FORMAT;
    return 0;
}

/* The "070702" check field is the 32-bit sum of the data bytes. */
static bool cpio_crc_ok(const unsigned char *data, size_t size, uint32_t want)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i < size; i++)
        sum += data[i];
    return sum == want;
}

int cpio_next(const void *base, size_t len, size_t *off,
              struct cpio_entry *out)
{
    const char *a = base;
    struct cpio_span sp;
    size_t namelen;
    int rc;

    if (base == NULL || off == NULL || out == NULL)
        return -E_INVAL;
    if (*off > len || (*off & 3) != 0)
        return -E_INVAL;
    /* Running out of bytes before the trailer is a truncated archive. */
    if (len - *off < CPIO_HDR_SIZE)
        return -E_FORMAT;

    rc = cpio_read_header(a + *off, &sp);
    if (rc == 0)
        rc = cpio_locate(len, *off, &sp);
    if (rc != 0)
        return rc;

    namelen = sp.f[CPIO_F_NAMESIZE] - 1;
    if (strnlen(a + sp.name_off, namelen + 1) != namelen)
        return -E_FORMAT; /* NUL missing at the end, or one inside */
    if (sp.has_crc && !cpio_crc_ok((const unsigned char *)a + sp.data_off,
                                   sp.f[CPIO_F_FILESIZE], sp.f[CPIO_F_CHECK]))
        return -E_FORMAT;

    out->name = a + sp.name_off;
    out->namelen = namelen;
    out->data = a + sp.data_off;
    out->size = sp.f[CPIO_F_FILESIZE];
    out->mode = sp.f[CPIO_F_MODE];
    *off = sp.next_off;

    if (namelen == sizeof(cpio_trailer) - 1 &&
        memcmp(out->name, cpio_trailer, namelen) == 0)
        return 0;
    return 1;
}

/* Drops one leading "./" so "./bin/init" and "bin/init" compare equal. */
static const char *cpio_strip_dot(const char *s, size_t *len)
{
    if (*len >= 2 && s[0] == '.' && s[1] == '/') {
        *len -= 2;
        return s + 2;
    }
    return s;
}

int cpio_find(const void *base, size_t len, const char *name,
              struct cpio_entry *out)
{
    struct cpio_entry e, hit;
    bool found = false;
    size_t off = 0, want_len, have_len;
    const char *want, *have;
    int rc;

    if (base == NULL || name == NULL || out == NULL)
        return -E_INVAL;
    want_len = strlen(name);
    want = cpio_strip_dot(name, &want_len);

    while ((rc = cpio_next(base, len, &off, &e)) == 1) {
        if (found || (e.mode & CPIO_S_IFMT) != CPIO_S_IFREG)
            continue;
        have_len = e.namelen;
        have = cpio_strip_dot(e.name, &have_len);
        if (have_len == want_len && memcmp(have, want, want_len) == 0) {
            hit = e;
            found = true;
        }
    }
    if (rc < 0)
        return rc;
    if (!found)
        return -E_NOENT;
    *out = hit;
    return 0;
}
