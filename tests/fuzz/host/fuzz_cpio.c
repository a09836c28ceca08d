/*
 * libFuzzer harness for kern/cpio.c: every input is a boot image.
 *
 * It walks the archive with cpio_next() and checks each entry against
 * cpio.h's promises (name and data inside the archive, the name
 * NUL-terminated with no NUL inside, the offset advancing by a multiple
 * of 4, nothing changed on an error); then it looks up every name it met
 * with cpio_find() and checks the answer against the walk: the first
 * regular file of that name when the archive is whole, the walk's own
 * error for every name when it is not.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kern/cpio.h"
#include "tests/fuzz/host/fuzz_check.h"
#include "uapi/errors.h"

#define MAX_NAMES 16 /* names looked up per input: keeps an input cheap */
#define PROBE "no/such/file"

struct seen {
    struct cpio_entry e;
    bool first_regular; /* the first regular file with this name */
};

static bool inside(const uint8_t *base, size_t len, const void *p, size_t n)
{
    const uint8_t *q = p;

    return q >= base && q <= base + len && n <= (size_t)(base + len - q);
}

/* Drops one leading "./", as cpio_find() compares names. */
static const char *bare(const char *s)
{
    return s[0] == '.' && s[1] == '/' ? s + 2 : s;
}

static void check_entry(const uint8_t *base, size_t len, size_t from,
                        size_t to, const struct cpio_entry *e)
{
    unsigned long sum = 0;

    FUZZ_CHECK(to > from && to <= len && to % 4 == 0);
    FUZZ_CHECK(inside(base, len, e->name, e->namelen + 1));
    FUZZ_CHECK(e->name[e->namelen] == '\0' && strlen(e->name) == e->namelen);
    FUZZ_CHECK(inside(base, len, e->data, e->size));
    /* The entry lies between the two offsets. */
    FUZZ_CHECK((const uint8_t *)e->name >= base + from + CPIO_HDR_SIZE);
    FUZZ_CHECK((const uint8_t *)e->data + e->size <= base + to);
    for (size_t i = 0; i < e->size; i++)
        sum += ((const uint8_t *)e->data)[i];
    fuzz_sink(sum);
}

/* Walks every entry; returns the last result and records the names, and
 * whether a regular file is named PROBE. */
static int walk(const uint8_t *base, size_t len, struct seen *names, int *n,
                bool *probe)
{
    size_t off = 0;
    int rc;

    *n = 0;
    *probe = false;
    for (;;) {
        struct cpio_entry e, before;
        size_t was = off;

        memset(&e, 0x5a, sizeof e);
        before = e;
        rc = cpio_next(base, len, &off, &e);
        if (rc < 0) {
            FUZZ_CHECK(rc == -E_FORMAT);
            FUZZ_CHECK(off == was && memcmp(&e, &before, sizeof e) == 0);
            return rc;
        }
        FUZZ_CHECK(rc == 0 || rc == 1);
        check_entry(base, len, was, off, &e);
        if (rc == 0)
            return 0;
        bool regular = (e.mode & CPIO_S_IFMT) == CPIO_S_IFREG;
        if (regular && strcmp(bare(e.name), PROBE) == 0)
            *probe = true;
        if (*n < MAX_NAMES) {
            bool first = regular;
            for (int i = 0; i < *n && first; i++)
                if (names[i].first_regular &&
                    strcmp(bare(names[i].e.name), bare(e.name)) == 0)
                    first = false;
            names[*n].e = e;
            names[*n].first_regular = first;
            (*n)++;
        }
    }
}

static void check_find(const uint8_t *base, size_t len, int walk_rc,
                       const struct seen *names, int n, bool probe)
{
    struct cpio_entry hit;

    for (int i = 0; i < n; i++) {
        const char *name = names[i].e.name;
        int rc = cpio_find(base, len, name, &hit);

        if (walk_rc < 0) {
            FUZZ_CHECK(rc == walk_rc);
            continue;
        }
        if (!names[i].first_regular)
            continue; /* a directory, or a later duplicate */
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(hit.name == name && hit.data == names[i].e.data &&
                   hit.size == names[i].e.size);
    }
    int rc = cpio_find(base, len, PROBE, &hit);
    if (walk_rc < 0)
        FUZZ_CHECK(rc == walk_rc);
    else
        FUZZ_CHECK(probe ? rc == 0 : rc == -E_NOENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen names[MAX_NAMES];
    int n;
    bool probe;
    int rc = walk(data, size, names, &n, &probe);

    check_find(data, size, rc, names, n, probe);
    return 0;
}
