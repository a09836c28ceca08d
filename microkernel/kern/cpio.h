/*
 * Reader for cpio "newc" archives (cpio -o -H newc): the boot image.
 *
 * Lifecycle:
 *   1. The boot loader hands the kernel the archive as one buffer.
 *   2. cpio_find() looks up a module by name; or a caller walks every
 *      entry with cpio_next(), starting at offset 0, until it returns 0
 *      (the "TRAILER!!!" entry) or an error.
 *   3. The returned name and data point into the archive buffer; they stay
 *      valid as long as the buffer does. Nothing is copied or allocated.
 *
 * Layout of one entry, at an offset that is a multiple of 4:
 *   110-byte header: magic "070701" (or "070702": data checksum present),
 *   then 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime,
 *   filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check);
 *   the name, namesize bytes including its NUL, padded so that header +
 *   name is a multiple of 4; the data, filesize bytes, padded to 4.
 *
 * Every offset is relative to the archive start, so the buffer itself
 * needs no particular alignment. Nothing outside [base, base + len) is
 * ever read, whatever the input.
 */
#ifndef KERN_CPIO_H
#define KERN_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HDR_SIZE 110u

/* File type bits of cpio_entry.mode (same values as POSIX st_mode). */
#define CPIO_S_IFMT 0170000u
#define CPIO_S_IFREG 0100000u
#define CPIO_S_IFDIR 0040000u

struct cpio_entry {
    const char *name; /* NUL-terminated, inside the archive */
    size_t namelen;   /* without NUL; the name holds no other NUL */
    const void *data; /* inside the archive, even when size is 0 */
    size_t size;
    uint32_t mode;
};

/*
 * Reads the entry at *off and advances *off past it (and its padding).
 * Returns 1 for an entry, 0 at the trailer (*out and *off are updated for it
 * too), or a negated error code with *off and *out untouched:
 *   -E_INVAL  NULL pointer, or *off not a multiple of 4 or past len,
 *   -E_FORMAT malformed or truncated entry, including an archive that ends
 *             without a trailer, or a "070702" entry whose checksum is wrong.
 */
int cpio_next(const void *base, size_t len, size_t *off,
              struct cpio_entry *out);

/*
 * Finds a regular file by name; a leading "./" on archive names (and on
 * name) is ignored. The whole archive is checked up to its trailer, so a
 * damaged archive fails the same way whatever the name. If a name occurs
 * twice, the first regular file wins.
 * Returns 0 and fills *out, -E_NOENT, -E_FORMAT, or -E_INVAL for NULL
 * pointers.
 */
int cpio_find(const void *base, size_t len, const char *name,
              struct cpio_entry *out);

#endif
