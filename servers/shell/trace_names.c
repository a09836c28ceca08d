/*
 * Names for the pagers of the fault trace, and the clock its stamps run
 * on, for `trace` (stats.c).
 *
 * A trace record names its pager by the endpoint's kernel id, which no
 * system call tells user space. So the shell asks by doing: it makes a
 * fault that must go to a pager it can name and reads the id off the
 * record that fault leaves:
 *   1. pager.zero: an object from the zero pager (ZERO_CREATE), one page
 *      touched;
 *   2. fs: a file mapped (/bin/bigtext, /bin/hello, /bin/libctest), pages
 *      spread over it touched until one is not resident and goes to
 *      the file pager.
 * Other pagers (the swap pager serves only pages it wrote out) keep
 * their id. The probes cost a page or a few, freed at once; run them
 * after the window of records has been read.
 *
 * The clock: the stamps are the hart's instret. Under QEMU -icount
 * (shift 0) that counts instructions: 100 a tick of the 10 MHz timer,
 * exactly. Without -icount QEMU returns the host's cycle counter, which
 * runs at a rate of its own: it is measured against the timer and the
 * figures are given in timer ticks.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libc/file.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"
#include "servers/shell/shell.h"
#include "servers/shell/trace_names.h"

#define PG 4096ul
#define PROBE_AREA 0x3c00000000ul
#define FILE_PROBES 16

/* The first record since `from` that went to a pager: its pager id, or 0. */
static uint64_t pager_since(uint64_t from)
{
	struct trace_record r[8];
	long got;
	for (uint64_t at = from; (got = trace_read(at, r, 8)) > 0; at += (uint64_t)got)
		for (long i = 0; i < got; i++)
			if (r[i].pager)
				return r[i].pager;
	return 0;
}

static uint64_t probe_zero(uint64_t end)
{
	long ep = name_lookup(H_NAME, &shell_buf, "pager.zero");
	if (ep < 0)
		return 0;
	uint64_t w[1] = { PG }, id = 0;
	long err = ipc_request((int)ep, &shell_buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0);
	sys_handle_close((int)ep);
	int vmo = err < 0 ? -1 : shell_buf.handles[0];
	if (vmo >= 0 && vm_map(vmo, PROBE_AREA, PG, 0, VM_R | VM_W | VM_SHARED) == 0) {
		*(volatile uint64_t *)PROBE_AREA = 1;
		id = pager_since(end);
		vm_unmap(PROBE_AREA, PG);
	}
	if (vmo >= 0)
		sys_handle_close(vmo);
	return id;
}

static uint64_t probe_file(const char *path)
{
	int fd = open(path, O_RDONLY), writable;
	struct stat st;
	long vmo = fd < 0 || fstat(fd, &st) || st.st_size < 1 ? -1 : mk_file_object(fd, &writable);
	uint64_t id = 0, size = vmo < 0 ? 0 : ((uint64_t)st.st_size + PG - 1) & ~(PG - 1);
	if (vmo >= 0 && vm_map((int)vmo, PROBE_AREA, size, 0, VM_R | VM_SHARED) == 0) {
		uint64_t pages = size / PG;
		for (uint64_t k = 0; k < FILE_PROBES && !id; k++) {
			uint64_t from = trace_records_end();
			(void)*(volatile const uint8_t *)(PROBE_AREA + k * pages / FILE_PROBES * PG);
			id = pager_since(from);
		}
		vm_unmap(PROBE_AREA, size);
	}
	if (vmo >= 0)
		sys_handle_close((int)vmo);
	if (fd >= 0)
		close(fd);
	return id;
}

int trace_names_probe(struct trace_name *out, int max)
{
	static const char *const files[] = { "/bin/bigtext", "/bin/hello", "/bin/libctest" };
	int n = 0;
	uint64_t id = probe_zero(trace_records_end());
	if (id && n < max)
		out[n++] = (struct trace_name){ id, "pager.zero" };
	id = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !id; i++)
		id = probe_file(files[i]);
	ipc_buffer_setup(&shell_buf); /* the file calls may have set another */
	if (id && n < max)
		out[n++] = (struct trace_name){ id, "fs" };
	return n;
}


/* instret and the timer across a busy loop of about a million
 * instructions (a few timer ticks' worth even at 2^-0 ns each). */
void trace_clock_probe(struct trace_clock *c)
{
	uint64_t t0 = rd_time(), i0 = rd_instret();
	for (volatile uint32_t k = 0; k < 200000; k++)
		;
	uint64_t t1 = rd_time(), i1 = rd_instret();
	c->per_tick_num = i1 - i0;
	c->per_tick_den = t1 > t0 ? t1 - t0 : 1;
	/* -icount shift=0: 100 per tick, to within the loop's edges. */
	uint64_t per100 = c->per_tick_num * 100 / c->per_tick_den;
	c->icount = per100 >= 9900 && per100 <= 10100;
}

uint64_t trace_clock_units(const struct trace_clock *c, uint64_t stamps)
{
	if (c->icount)
		return stamps;
	return (uint64_t)((unsigned __int128)stamps * c->per_tick_den / c->per_tick_num);
}
