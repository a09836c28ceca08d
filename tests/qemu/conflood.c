/*
 * conflood: floods the console to show it loses and mixes nothing.
 *
 *   conflood [LINES [TAG [BUFSIZE]]]
 *
 * Prints LINES lines (default 16384: 1 MiB) through stdio, each 64 bytes:
 *   TAG (optional, one letter), 8-digit line number, a space, letters
 *   that depend on the number, \n
 * then one summary line:
 *   conflood[ TAG]: N lines, B bytes, cksum C
 * where C is the POSIX cksum (the host's `cksum`) of all the lines.
 * BUFSIZE > 0 makes stdout fully buffered with that buffer, so writes
 * break lines at arbitrary points and the console must put them back
 * together (per client) before they go out. The host test
 * (tests/shell/run-shell-tests) checks every number appears once, in
 * order, and that its own cksum of the lines matches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_BYTES 64
#define CKSUM_POLY 0x04c11db7u

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ CKSUM_POLY : c << 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_add(uint32_t crc, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		crc = (crc << 8) ^ crc_table[(crc >> 24) ^ (uint8_t)p[i]];
	return crc;
}

/* cksum's ending: the length, least significant byte first, then invert. */
static uint32_t crc_finish(uint32_t crc, uint64_t len)
{
	for (; len; len >>= 8) {
		char b = (char)(len & 0xff);
		crc = crc_add(crc, &b, 1);
	}
	return ~crc;
}

int main(int argc, char **argv)
{
	long lines = argc > 1 ? strtol(argv[1], 0, 10) : 16384;
	const char *tag = argc > 2 ? argv[2] : "";
	long bufsize = argc > 3 ? strtol(argv[3], 0, 10) : 0;
	if (lines <= 0 || lines > 99999999 || strlen(tag) > 1 || bufsize < 0 || bufsize > 65536) {
		fprintf(stderr, "usage: conflood [LINES [TAG [BUFSIZE]]]\n");
		return 2;
	}
	static char stdout_buf[65536];
	if (bufsize)
		setvbuf(stdout, stdout_buf, _IOFBF, (size_t)bufsize);
	crc_init();
	uint32_t crc = 0;
	uint64_t bytes = 0;
	char line[LINE_BYTES + 1];
	for (long i = 0; i < lines; i++) {
		int n = snprintf(line, sizeof(line), "%s%08ld ", tag, i);
		for (int k = n; k < LINE_BYTES - 1; k++)
			line[k] = (char)('a' + (i * 7 + k * 3) % 26);
		line[LINE_BYTES - 1] = '\n';
		line[LINE_BYTES] = 0;
		if (fputs(line, stdout) == EOF)
			return 1;
		crc = crc_add(crc, line, LINE_BYTES);
		bytes += LINE_BYTES;
	}
	printf("conflood%s%s: %ld lines, %lu bytes, cksum %lu\n", *tag ? " " : "", tag, lines,
	       (unsigned long)bytes, (unsigned long)crc_finish(crc, bytes));
	return 0;
}
