/* What the file scenarios share (fs_tests.c, fs_big_tests.c). */
#ifndef TESTS_QEMU_FS_TESTS_H
#define TESTS_QEMU_FS_TESTS_H

#include <stdbool.h>
#include <stdint.h>

/* A direct request to the file server (its read-ahead setting, its
 * statistics): w0 of the reply, the words in out[0..nout) if out. */
long fs_request_out(uint32_t label, uint64_t w0, uint32_t nwords, uint64_t *out, uint32_t nout);
long fs_request(uint32_t label, uint64_t w0, uint32_t nwords);

/* The file server's FS_STATS counters. */
struct fs_counts {
	uint64_t fills, pages_read, pages_written;
};
bool fs_counts(struct fs_counts *c);

/* fs_big_tests.c */
void fs_64mib_file_checksum(void);
void program_32mib_text_touches_few_pages(void);
void two_copies_share_text_frames(void);
void text_pages_dropped_under_pressure(void);

#endif
