/* The stand-in kernel for host fuzzing of servers; see fake_kernel.h. */
#include "tests/fuzz/host/fake_kernel.h"

#include <sanitizer/asan_interface.h>
#include <stdarg.h>
#include <string.h>

#include "lib/fmt.h"
#include "libipc/ulib.h"
#include "tests/fuzz/host/fuzz_check.h"
#include "uapi/errors.h"
#include "uapi/pager.h"

struct fake_kernel fk;
bool (*fk_next)(struct fk_msg *m);
void (*fk_on_reply)(const struct fk_msg *req, const struct fk_reply *r);

/* --- input bytes ------------------------------------------------------------ */

bool fk_more(void)
{
	return fk.in_pos < fk.in_len;
}

uint8_t fk_byte(void)
{
	return fk_more() ? fk.in[fk.in_pos++] : 0;
}

uint64_t fk_bytes(unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)fk_byte() << (8 * i);
	return v;
}

uint64_t fk_badge(uint8_t b)
{
	return b < 192 ? b : 1ull << (b - 192);
}

/* Words as a client sends them: each word's bytes from the input. The
 * register words past m->words carry whatever the sender had there. */
void fk_fill_words(struct fk_msg *m)
{
	for (uint32_t i = 0; i < m->words; i++)
		m->w[i] = fk_bytes(8);
	for (uint32_t i = m->words; i < IPC_REG_WORDS; i++)
		m->w[i] = 0x5eed5eed00000000ull | i;
}

/* Handles as a client hands them: any object type, any rights it masked. */
void fk_fill_handles(struct fk_msg *m, uint32_t n)
{
	m->nhandles = n;
	for (uint32_t i = 0; i < n; i++) {
		m->htype[i] = 1 + fk_byte() % (OBJ_NTYPES - 1);
		m->hrights[i] = fk_byte() & R_ALL;
	}
}

/* --- handles ---------------------------------------------------------------- */

void fk_reset(const uint8_t *data, size_t size)
{
	memset(&fk, 0, sizeof(fk));
	fk.in = data;
	fk.in_len = size;
	fk.next_object = 1;
}

int fk_install(int slot, uint32_t type, uint32_t rights, uint64_t badge)
{
	for (int i = 0; slot < 0 && i < FK_SLOTS; i++)
		if (!fk.h[i].used)
			slot = i;
	if (slot < 0)
		return -E_FULL;
	FUZZ_CHECK(slot < FK_SLOTS && !fk.h[slot].used);
	fk.h[slot] = (struct fk_handle){ .used = true, .type = type, .rights = rights,
					 .badge = badge, .object = fk.next_object++,
					 .gen = ++fk.next_gen };
	return slot;
}

static struct fk_handle *handle(uint64_t slot)
{
	return slot < FK_SLOTS && fk.h[slot].used ? &fk.h[slot] : 0;
}

static long derive(uint64_t slot, uint32_t mask, uint64_t badge, bool mint)
{
	struct fk_handle *h = handle(slot);
	if (!h)
		return -E_BADH;
	if (mint && h->badge)
		return -E_PERM; /* only an unbadged handle mints */
	struct fk_handle copy = *h;
	int s = fk_install(-1, copy.type, copy.rights & mask, mint ? badge : copy.badge);
	if (s >= 0)
		fk.h[s].object = copy.object;
	return s;
}

static long handle_info(uint64_t slot, struct handle_info *out)
{
	struct fk_handle *h = handle(slot);
	if (!h)
		return -E_BADH;
	*out = (struct handle_info){ .type = h->type, .rights = h->rights, .badge = h->badge };
	return 0;
}

static long handle_close(uint64_t slot)
{
	/* A server closes only what it holds: anything else is a slip that
	 * would, in a real task, close some other handle reusing the slot. */
	FUZZ_CHECK(handle(slot) != 0);
	fk.h[slot].used = false;
	return 0;
}

/* --- messages --------------------------------------------------------------- */

/* The kernel's own check of a tag (kern/ipc.c check_tag). */
static bool tag_ok(uint64_t tag)
{
	return !(tag & ~IPC_TAG_VALID_MASK) && IPC_TAG_WORDS(tag) <= IPC_MAX_WORDS &&
	       IPC_TAG_HANDLES(tag) <= IPC_MAX_HANDLES;
}

/* Checks the reply in r[1..5] and the buffer and hands it to the harness. */
static void take_reply(const uint64_t r[7])
{
	uint64_t tag = r[1];
	FUZZ_CHECK(tag_ok(tag));
	struct fk_reply rep = { .status = -(long)IPC_TAG_LABEL(tag),
				.words = IPC_TAG_WORDS(tag),
				.nhandles = IPC_TAG_HANDLES(tag) };
	/* The status is 0 or one code of the closed set. */
	FUZZ_CHECK(IPC_TAG_LABEL(tag) < E_NCODES);
	FUZZ_CHECK((rep.words <= IPC_REG_WORDS && rep.nhandles == 0) || fk.buf);
	for (uint32_t i = 0; i < rep.words; i++)
		rep.w[i] = i < IPC_REG_WORDS ? r[2 + i] : fk.buf->mr[i];
	for (uint32_t i = 0; i < rep.nhandles; i++) {
		/* The kernel refuses to pass on a handle without R_GRANT:
		 * the caller would get E_PERM instead of the answer. */
		rep.h[i] = handle((uint64_t)(int64_t)fk.buf->handles[i]);
		FUZZ_CHECK(rep.h[i] != 0);
		FUZZ_CHECK(rep.h[i]->rights & R_GRANT);
		rep.rights[i] = fk.buf->rights[i];
	}
	if (rep.status < 0) {
		FUZZ_CHECK(rep.words == 0 && rep.nhandles == 0);
		/* Handles of a rejected request do not pile up. */
		for (uint32_t i = 0; i < fk.cur.nhandles; i++) {
			const struct fk_handle *h = &fk.h[fk.cur_slot[i]];
			FUZZ_CHECK(!h->used || h->gen != fk.cur_gen[i]);
		}
	}
	if (fk_on_reply)
		fk_on_reply(&fk.cur, &rep);
}

static void unpoison_request(void)
{
	if (fk.req) {
		ASAN_UNPOISON_MEMORY_REGION(fk.req->w, sizeof(fk.req->w));
		ASAN_UNPOISON_MEMORY_REGION(fk.req->handles, sizeof(fk.req->handles));
	}
}

/* Words and handle slots that did not come with the message: the server's
 * unpacking never writes them, so its handlers must never read them. */
static void poison_request(const struct fk_msg *m)
{
	if (!fk.req)
		return;
	uint32_t from = m->words > IPC_REG_WORDS ? m->words : IPC_REG_WORDS;
	ASAN_POISON_MEMORY_REGION(&fk.req->w[from], (IPC_MAX_WORDS - from) * sizeof(uint64_t));
	ASAN_POISON_MEMORY_REGION(&fk.req->handles[m->nhandles],
				  (IPC_MAX_HANDLES - m->nhandles) * sizeof(int32_t));
}

/* The message being served is a fault the kernel sent. */
static bool serving_fault(void)
{
	return fk.cur.label == PAGER_FAULT && fk.cur.kernel;
}

/* Puts the next message in r[0..6] and the buffer, as a receive returns. */
static void deliver(uint64_t r[7])
{
	struct fk_msg *m = &fk.cur;
	/* The kernel sends a pager faults for live objects only: each must
	 * get a supply or a fail, or the faulting thread waits forever. */
	FUZZ_CHECK(!serving_fault() || fk.fault_answered);
	fk.fault_answered = false;
	unpoison_request();
	memset(m, 0, sizeof(*m));
	fk.pending_call = false;
	if (fk.delivered >= FK_MAX_MSGS || !fk_next || !fk_next(m)) {
		r[0] = (uint64_t)-E_DEAD;
		return;
	}
	fk.delivered++;
	FUZZ_CHECK(m->words <= IPC_MAX_WORDS && m->nhandles <= IPC_MAX_HANDLES);
	/* Every server registers its buffer before it receives. */
	FUZZ_CHECK(fk.buf != 0);
	for (uint32_t i = 0; i < m->nhandles; i++) {
		fk.cur_slot[i] = fk_install(-1, m->htype[i], m->hrights[i], 0);
		/* Full only if the server keeps handles it should have closed. */
		FUZZ_CHECK(fk.cur_slot[i] >= 0);
		fk.cur_gen[i] = fk.h[fk.cur_slot[i]].gen;
		fk.buf->handles[i] = fk.cur_slot[i];
	}
	for (uint32_t i = IPC_REG_WORDS; i < m->words; i++)
		fk.buf->mr[i] = m->w[i];
	r[0] = 0;
	r[1] = IPC_TAG(m->label, m->words, m->nhandles) | (m->kernel ? IPC_TAG_KERNEL : 0);
	for (int i = 0; i < IPC_REG_WORDS; i++)
		r[2 + i] = m->w[i];
	r[6] = m->badge;
	fk.pending_call = m->call;
	poison_request(m);
}

static void receive(uint64_t ep, uint64_t r[7])
{
	struct fk_handle *h = handle(ep);
	FUZZ_CHECK(h && h->type == OBJ_ENDPOINT && (h->rights & R_RECV));
	deliver(r);
}

static void reply(const uint64_t r[7])
{
	if (fk.pending_call)
		take_reply(r);
	fk.pending_call = false; /* no reply right without a caller */
}

/* --- memory objects (pagers) ------------------------------------------------- */

static struct fk_vmo *vmo_of(uint64_t slot)
{
	struct fk_handle *h = handle(slot);
	FUZZ_CHECK(h && h->type == OBJ_VMO && (h->rights & R_PAGER) && h->vmo);
	return &fk.vmo[h->vmo - 1];
}

static long vmo_create(uint64_t size, uint64_t ep, uint64_t badge)
{
	if (size == 0 || size % FK_PAGE || fk.nvmo == FK_MAX_VMOS)
		return -E_INVAL;
	struct fk_handle *e = handle(ep);
	FUZZ_CHECK(e && e->type == OBJ_ENDPOINT);
	int s = fk_install(-1, OBJ_VMO, R_ALL, 0);
	if (s < 0)
		return s;
	fk.h[s].vmo = (uint32_t)fk.nvmo + 1;
	fk.vmo[fk.nvmo++] = (struct fk_vmo){ .size = size, .badge = badge, .pager_ep = (int)ep,
					     .epoch = PAGER_EPOCH_FIRST };
	return s;
}

/* Every call of the pager's names the epoch the kernel's last message
 * about the object gave. While a fault is served, the pager answers that
 * fault: its object, from its page on, by a supply or fail for data, by
 * an unlock for a write. */
static void check_answers_fault(const struct fk_vmo *v, uint64_t offset, uint64_t epoch,
				bool unlock)
{
	FUZZ_CHECK(epoch == v->epoch);
	if (!serving_fault())
		return;
	FUZZ_CHECK(v->badge == fk.cur.badge && offset == fk.cur.w[0]);
	FUZZ_CHECK(!unlock || PAGER_KIND(fk.cur.w[1]) == FAULT_UNLOCK);
	fk.fault_answered = true;
}

/* --- the pager's memory and the frames that move ---------------------------- */

void fk_memory(void *base, size_t len)
{
	FUZZ_CHECK(fk.nmem < FK_MEM_RANGES);
	fk.mem[fk.nmem].base = (uint64_t)base;
	fk.mem[fk.nmem++].len = len;
}

/* The host memory behind [va, va + len) of the pager, or NULL. */
static uint64_t *mem_at(uint64_t va, uint64_t len)
{
	for (int i = 0; i < fk.nmem; i++)
		if (va >= fk.mem[i].base && len <= fk.mem[i].len &&
		    va - fk.mem[i].base <= fk.mem[i].len - len)
			return (uint64_t *)va;
	return 0;
}

static uint64_t pattern(uint64_t version, uint64_t i)
{
	return version ? version ^ (i * 0x9e3779b97f4a7c15ull) : 0;
}

/* The version a page of the pager's memory holds; the pager must never
 * supply anything else (a half-copied or foreign page). */
static uint64_t version_of(const uint64_t *page)
{
	uint64_t v = page[0];
	for (uint64_t i = 0; i < FK_PAGE / 8; i++)
		FUZZ_CHECK(page[i] == pattern(v, i));
	return v;
}

/* The return-area page at va, or NULL. */
static struct fk_ret *ret_at(uint64_t va)
{
	if (!fk.ret_pages || va < fk.ret_base || (va - fk.ret_base) / FK_PAGE >= fk.ret_pages)
		return 0;
	return &fk.ret[(va - fk.ret_base) / FK_PAGE];
}

static long mem_wire(uint64_t va, uint64_t len)
{
	uint64_t *m = mem_at(va, len);
	FUZZ_CHECK(m != 0); /* a pager wires only its pool and staging area */
	FUZZ_CHECK(!ret_at(va)); /* the return area is the kernel's to fill */
	memset(m, 0, len);
	return 0;
}

/* Unmapping frees frames; a pager that keeps returned frames must not
 * free the one a live page's content is in. */
static long mem_unmap(uint64_t va, uint64_t len)
{
	for (uint64_t a = va; a - va < len && a >= va; a += FK_PAGE) {
		struct fk_ret *rp = ret_at(a);
		if (!rp || !rp->used)
			continue;
		const struct fk_vmo *v = &fk.vmo[rp->vmo];
		FUZZ_CHECK(!fk.check_content || v->terminated || v->expect[rp->page] != rp->version);
		rp->used = false;
	}
	return 0;
}

bool fk_evict(struct fk_msg *m, struct fk_vmo *v)
{
	uint64_t npages = v->size / FK_PAGE < FK_VMO_PAGES ? v->size / FK_PAGE : FK_VMO_PAGES;
	uint64_t page = fk_byte() % npages;
	bool dirty = fk_byte() & 1;
	if (!v->resident[page])
		return false;
	if (!dirty) {
		v->resident[page] = false; /* clean: the pager has it */
		fk.drops++;
		return false;
	}
	struct fk_ret *rp = 0;
	for (uint32_t i = 0; !rp && i < fk.ret_pages; i++)
		if (!fk.ret[i].used)
			rp = &fk.ret[i];
	if (!rp)
		return false; /* no room: it stays */
	uint64_t va = fk.ret_base + (uint64_t)(rp - fk.ret) * FK_PAGE;
	uint64_t *mem = mem_at(va, FK_PAGE);
	FUZZ_CHECK(mem != 0);
	uint64_t version = ++fk.next_version;
	for (uint64_t i = 0; i < FK_PAGE / 8; i++)
		mem[i] = pattern(version, i);
	*rp = (struct fk_ret){ .used = true, .vmo = (uint32_t)(v - fk.vmo), .page = page,
			       .version = version };
	v->resident[page] = false;
	v->expect[page] = version;
	fk.returns++;
	m->label = PAGER_RETURN;
	m->kernel = true;
	m->badge = v->badge;
	m->words = 4;
	m->w[0] = page * FK_PAGE;
	m->w[1] = v->epoch;
	m->w[2] = va;
	m->w[3] = v->size;
	return true;
}

/* One page of a supply goes in (if not resident already): its content
 * must be what the page held (check_content), and a frame moves out of
 * the pager's memory (with copy, PAGER_SUPPLY_COPY, the kernel copies it
 * and the pager keeps its frame). */
static bool supply_page(struct fk_vmo *v, uint64_t page, uint64_t src, bool copy)
{
	if (page >= FK_VMO_PAGES || v->resident[page])
		return false; /* already there: the frame stays with the pager */
	uint64_t version = 0;
	if (src) {
		uint64_t *mem = mem_at(src, FK_PAGE);
		FUZZ_CHECK(mem != 0); /* memory the pager has */
		version = version_of(mem);
		struct fk_ret *rp = ret_at(src);
		if (rp) /* a returned frame goes back: only to its own page */
			FUZZ_CHECK(rp->used && &fk.vmo[rp->vmo] == v && rp->page == page);
		if (rp && !copy)
			rp->used = false;
		if (!copy)
			memset(mem, 0xa5, FK_PAGE); /* the frame left */
	}
	FUZZ_CHECK(!fk.check_content || version == v->expect[page]);
	v->resident[page] = true;
	return true;
}

/* A supply must name whole pages inside the object the fault was for. */
static long supply(const uint64_t r[7])
{
	struct fk_vmo *v = vmo_of(r[0]);
	uint64_t offset = r[1], npages = r[3];
	FUZZ_CHECK(offset % FK_PAGE == 0 && offset < v->size);
	FUZZ_CHECK(npages >= 1 && npages <= PAGER_SUPPLY_MAX);
	FUZZ_CHECK(npages <= (v->size - offset) / FK_PAGE);
	FUZZ_CHECK(r[2] % FK_PAGE == 0);
	check_answers_fault(v, offset, r[6], false);
	FUZZ_CHECK(!(r[4] & PAGER_SUPPLY_TAKE)); /* no buffer objects here */
	bool copy = r[4] & PAGER_SUPPLY_COPY;
	FUZZ_CHECK(!copy || r[2]);
	long installed = 0;
	for (uint64_t i = 0; i < npages; i++)
		installed += supply_page(v, offset / FK_PAGE + i, r[2] ? r[2] + i * FK_PAGE : 0, copy);
	return installed;
}

static long return_area(const uint64_t r[7])
{
	struct fk_handle *h = handle(r[0]);
	FUZZ_CHECK(h && h->type == OBJ_ENDPOINT && (h->rights & R_RECV));
	FUZZ_CHECK(r[2] <= FK_RET_MAX && mem_at(r[1], r[2] * FK_PAGE));
	FUZZ_CHECK(fk.ret_pages == 0); /* set once */
	fk.ret_base = r[1];
	fk.ret_pages = (uint32_t)r[2];
	return 0;
}

static long pager_lock(const uint64_t r[7])
{
	FUZZ_CHECK(r[3] == LOCK_UNLOCK && r[2] == 1);
	check_answers_fault(vmo_of(r[0]), r[1], r[4], true);
	return 0;
}

/* Only the answer to a RELEASE, for an object the kernel released. */
static long pager_ctl(const uint64_t r[7])
{
	struct fk_vmo *v = vmo_of(r[0]);
	FUZZ_CHECK(r[1] == PAGER_CTL_RELEASED && !r[2] && !r[3] && !r[4]);
	FUZZ_CHECK(r[5] == v->epoch && v->terminated);
	FUZZ_CHECK(fk.cur.kernel && fk.cur.label == PAGER_RELEASE && fk.cur.badge == v->badge);
	return 0;
}

static long pager_fail(const uint64_t r[7])
{
	check_answers_fault(vmo_of(r[0]), r[1], r[4], false);
	long err = (long)r[3];
	/* The closed set of pagers/common/pager.h. */
	FUZZ_CHECK(PAGER_FAIL_CODE_OK(err));
	return 0;
}

/* --- the trap --------------------------------------------------------------- */

static long debug_write(const char *s, size_t n)
{
	unsigned long sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)s[i];
	fuzz_sink(sum);
	return (long)n;
}

void sys_ecall(long nr, uint64_t r[7])
{
	long ret = -E_NOSYS;
	switch (nr) {
	case SYS_DEBUG_WRITE:
		ret = debug_write((const char *)r[0], r[1]);
		break;
	case SYS_HANDLE_COPY:
		ret = derive(r[0], (uint32_t)r[1], 0, false);
		break;
	case SYS_HANDLE_MINT:
		ret = derive(r[0], (uint32_t)r[1], r[2], true);
		break;
	case SYS_HANDLE_CLOSE:
		ret = handle_close(r[0]);
		break;
	case SYS_HANDLE_INFO:
		ret = handle_info(r[0], (struct handle_info *)r[1]);
		break;
	case SYS_NOTIFY_CREATE:
		ret = fk_install(-1, OBJ_NOTIFY, R_ALL, 0);
		break;
	case SYS_NOTIFY_WAIT: /* ends a taken thread's pass (fk.take_threads) */
		ret = -E_BADH;
		break;
	case SYS_NOTIFY_SIGNAL: {
		struct fk_handle *h = handle(r[0]);
		ret = !h || h->type != OBJ_NOTIFY ? -E_BADH : !(h->rights & R_SEND) ? -E_PERM : 0;
		break;
	}
	case SYS_IPC_BUFFER:
		fk.buf = (struct ipc_buffer *)r[0];
		ret = 0;
		break;
	case SYS_RECV:
		receive(r[0], r);
		return;
	case SYS_REPLY:
		reply(r);
		ret = 0;
		break;
	case SYS_REPLY_RECV:
		reply(r);
		receive(r[0], r);
		return;
	case SYS_IRQ_ACK:
		ret = 0;
		break;
	case SYS_MEM_WIRE:
		ret = mem_wire(r[0], r[1]);
		break;
	case SYS_MEM_UNMAP:
		ret = mem_unmap(r[0], r[1]);
		break;
	case SYS_PAGER_RETURN_AREA:
		ret = return_area(r);
		break;
	case SYS_VMO_CREATE:
		ret = vmo_create(r[0], r[1], r[2]);
		break;
	case SYS_PAGER_SUPPLY:
		ret = supply(r);
		if ((int64_t)r[5] >= 0) { /* supply, then receive */
			receive(r[5], r);
			return;
		}
		break;
	case SYS_PAGER_FAIL:
		ret = pager_fail(r);
		break;
	case SYS_PAGER_LOCK:
		ret = pager_lock(r);
		break;
	case SYS_PAGER_CTL:
		ret = pager_ctl(r);
		break;
	default:
		break;
	}
	r[0] = (uint64_t)ret;
}

/* --- what libipc/ulib.c gives a program (it does not build for the host:
 * thread_spawn reads the RISC-V thread pointer) ------------------------------ */

struct ipc_buffer *ipc_registered_buffer;

int uprintf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sys_debug_write(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	return n;
}

bool handle_is(int h, uint32_t type, uint32_t rights)
{
	struct handle_info hi;
	return sys_handle_info(h, &hi) == 0 && hi.type == type && (hi.rights & rights) == rights;
}

const char *err_name(long err)
{
	return err == 0 ? "ok" : "E_?";
}

int thread_spawn(void (*fn)(void *), void *arg, void *stack, size_t size, uint32_t prio)
{
	if (!fk.take_threads || fk.thread_fn)
		return -E_NOSYS;
	fk.thread_fn = fn;
	fk.thread_arg = arg;
	return 1;
}
