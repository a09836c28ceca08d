/*
 * libFuzzer harness for kern/fdt.c: every input is a device tree blob.
 *
 * Boot code parses min(totalsize, 1 MiB) bytes; so does the harness, on
 * an exact-size copy so that AddressSanitizer sees a read past the
 * trusted length. It then checks what fdt.h promises of struct fdt_info:
 * the counts within their arrays, no zero-sized memory or reservation,
 * bootargs NUL-terminated, virtio slots sorted, a whole initrd or none,
 * and all zero after a failure. Bytes past totalsize must not change the
 * answer: the blob is parsed again with a longer, different tail.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kern/fdt.h"
#include "tests/fuzz/host/fuzz_check.h"
#include "uapi/errors.h"

#define BOOT_MAX (1u << 20) /* what arch/riscv/main.c trusts at most */

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void check_info(const struct fdt_info *in)
{
    FUZZ_CHECK(in->nmem >= 0 && in->nmem <= FDT_MAX_MEM);
    for (int i = 0; i < in->nmem; i++)
        FUZZ_CHECK(in->mem[i].size != 0);
    FUZZ_CHECK(all_zero(&in->mem[in->nmem],
                        sizeof(in->mem[0]) * (FDT_MAX_MEM - in->nmem)));
    FUZZ_CHECK(in->nresv >= 0 && in->nresv <= FDT_MAX_RESV);
    for (int i = 0; i < in->nresv; i++)
        FUZZ_CHECK(in->resv[i].size != 0);
    FUZZ_CHECK(memchr(in->bootargs, '\0', sizeof in->bootargs) != NULL);
    FUZZ_CHECK(in->initrd_start <= in->initrd_end);
    FUZZ_CHECK(in->nharts >= 0);
    FUZZ_CHECK(in->nvirtio >= 0 && in->nvirtio <= FDT_MAX_VIRTIO);
    for (int i = 1; i < in->nvirtio; i++)
        FUZZ_CHECK(in->virtio[i - 1].base <= in->virtio[i].base);
}

/* Parses an exact-size heap copy of blob[0, n) followed by tail_len bytes
 * of tail_byte; returns the result and fills *out. */
static int parse_copy(const uint8_t *blob, size_t n, size_t tail_len,
                      uint8_t tail_byte, size_t maxlen, struct fdt_info *out)
{
    uint8_t *copy = malloc(n + tail_len ? n + tail_len : 1);

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, blob, n);
    memset(copy + n, tail_byte, tail_len);
    int rc = fdt_parse(copy, maxlen, out);
    free(copy);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fdt_info info, again;

    if (size < 8)
        return 0; /* boot code reads the totalsize field unconditionally */
    uint32_t total = fdt_totalsize(data);
    size_t len = total < BOOT_MAX ? total : BOOT_MAX;
    if (len > size)
        len = size; /* the blob claims more than there is: trust no more */

    memset(&info, 0x77, sizeof info);
    int rc = parse_copy(data, len, 0, 0, len, &info);
    if (rc != 0) {
        FUZZ_CHECK(rc == -E_FORMAT || rc == -E_FULL);
        FUZZ_CHECK(all_zero(&info, sizeof info));
    } else {
        FUZZ_CHECK(total != 0 && len == total);
        check_info(&info);
    }

    /* Bytes past totalsize are not part of the blob. */
    if (len == total) {
        memset(&again, 0x33, sizeof again);
        int rc2 = parse_copy(data, len, 64, 0xff, len + 64, &again);
        FUZZ_CHECK(rc2 == rc);
        FUZZ_CHECK(memcmp(&info, &again, sizeof info) == 0);
    }
    return 0;
}
