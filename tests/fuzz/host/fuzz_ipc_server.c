/*
 * libFuzzer harness for libipc/server.c: the loop every server runs.
 *
 * The input describes a handler table (labels, word ranges, handle
 * counts, badge bits, and what each handler answers) and then the
 * messages clients send. ipc_serve() runs over the fake kernel, and each
 * reply is checked against server.h's rules, computed here on their own:
 * the first entry with the label decides; E_NOSYS without one, E_PERM
 * without the badge bits, E_INVAL for a word count out of range or a
 * handle count not exact; otherwise the handler runs once and sees
 * exactly the message sent (words, handles, badge), and its reply goes
 * out as it wrote it. Handles of a rejected request, and handles a
 * rejected handler minted to move, end up closed; moved handles are
 * closed once the reply carried them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "libipc/server.h"
#include "tests/fuzz/host/fake_kernel.h"
#include "tests/fuzz/host/fuzz_check.h"
#include "uapi/errors.h"

#define MAX_HANDLERS 6
#define NLABELS 8 /* labels are drawn from 0..7, so tables collide often */
#define SERVER_EP 1

struct behaviour {
	long status;
	uint32_t words, nhandles; /* of the reply */
};

static struct ipc_handler table[MAX_HANDLERS];
static struct behaviour act[MAX_HANDLERS];
static int ntable;
static struct ipc_buffer buf;
static struct ipc_server srv;

static int called;                          /* handler index, or -1 */
static int minted[IPC_MAX_HANDLES];         /* slots the handler minted */
static uint32_t minted_gen[IPC_MAX_HANDLES];
static unsigned sent, rejected;
/* Handles the last reply moved: ipc_serve closes them once the reply
 * call returns, so they are checked at the next reply and at the end. */
static int moved[IPC_MAX_HANDLES];
static uint32_t moved_gen[IPC_MAX_HANDLES], nmoved;

static uint64_t pattern(uint32_t i)
{
	return 0xa11ce00000000000ull | i;
}

static bool closed(int slot, uint32_t gen)
{
	return !fk.h[slot].used || fk.h[slot].gen != gen;
}

static long run_handler(int i, const struct ipc_request *req, struct ipc_response *resp)
{
	const struct fk_msg *m = &fk.cur;
	FUZZ_CHECK(called == -1); /* once per request */
	called = i;
	FUZZ_CHECK(req->label == m->label && req->badge == m->badge);
	FUZZ_CHECK(req->words == m->words && req->nhandles == m->nhandles);
	for (uint32_t k = 0; k < req->words; k++)
		FUZZ_CHECK(req->w[k] == m->w[k]);
	const struct behaviour *b = &act[i];
	for (uint32_t k = 0; k < req->nhandles; k++) {
		FUZZ_CHECK(req->handles[k] == fk.cur_slot[k]);
		/* A handler that succeeds owns them (here: done with them);
		 * one that fails leaves them to the loop, which closes them. */
		if (b->status == 0)
			sys_handle_close(req->handles[k]);
	}
	resp->words = b->words;
	for (uint32_t k = 0; k < b->words; k++)
		resp->w[k] = pattern(k);
	resp->nhandles = b->nhandles;
	for (uint32_t k = 0; k < b->nhandles; k++) {
		long h = sys_notify_create();
		FUZZ_CHECK(h >= 0);
		minted[k] = (int)h;
		minted_gen[k] = fk.h[h].gen;
		resp->handles[k] = (int32_t)h;
		resp->rights[k] = R_SEND;
		resp->move |= 1u << k;
	}
	return b->status;
}

#define HANDLER(i)                                                                  \
	static long handler_##i(void *ctx, const struct ipc_request *req,              \
				struct ipc_response *resp)                          \
	{                                                                           \
		return run_handler(i, req, resp);                                   \
	}
HANDLER(0)
HANDLER(1)
HANDLER(2)
HANDLER(3)
HANDLER(4)
HANDLER(5)
static const ipc_handler_fn handler_fns[MAX_HANDLERS] = {
	handler_0, handler_1, handler_2, handler_3, handler_4, handler_5,
};

/* server.h's rules, on their own: the status the request must get and the
 * handler that must run (or -1). */
static long expected(const struct fk_msg *m, int *runs)
{
	*runs = -1;
	for (int i = 0; i < ntable; i++) {
		const struct ipc_handler *h = &table[i];
		if (h->label != m->label)
			continue;
		if ((m->badge & h->need_badge) != h->need_badge)
			return -E_PERM;
		if (m->words < h->min_words || m->words > h->max_words ||
		    m->nhandles != h->handles)
			return -E_INVAL;
		*runs = i;
		return act[i].status;
	}
	return -E_NOSYS;
}

static void check_moved(void)
{
	for (uint32_t k = 0; k < nmoved; k++)
		FUZZ_CHECK(closed(moved[k], moved_gen[k]));
	nmoved = 0;
}

static void on_reply(const struct fk_msg *m, const struct fk_reply *r)
{
	int runs;
	long want = expected(m, &runs);
	check_moved();
	FUZZ_CHECK(r->status == want);
	FUZZ_CHECK(called == runs);
	if (want < 0) {
		rejected++;
		for (uint32_t k = 0; runs >= 0 && k < act[runs].nhandles; k++)
			FUZZ_CHECK(closed(minted[k], minted_gen[k]));
		return;
	}
	const struct behaviour *b = &act[runs];
	FUZZ_CHECK(r->words == b->words && r->nhandles == b->nhandles);
	for (uint32_t k = 0; k < r->words; k++)
		FUZZ_CHECK(r->w[k] == pattern(k));
	for (uint32_t k = 0; k < r->nhandles; k++) {
		FUZZ_CHECK(r->h[k] == &fk.h[minted[k]] && r->rights[k] == R_SEND);
		FUZZ_CHECK(!closed(minted[k], minted_gen[k])); /* closed after the reply */
		moved[k] = minted[k];
		moved_gen[k] = minted_gen[k];
	}
	nmoved = r->nhandles;
}

static bool next_message(struct fk_msg *m)
{
	called = -1;
	if (!fk_more())
		return false;
	uint8_t b = fk_byte();
	m->label = b < 0xf8 ? b % NLABELS : (uint32_t)fk_bytes(4);
	m->words = fk_byte() % (IPC_MAX_WORDS + 1);
	m->badge = fk_badge(fk_byte());
	fk_fill_handles(m, fk_byte() % (IPC_MAX_HANDLES + 1));
	fk_fill_words(m);
	m->call = true;
	sent++;
	return true;
}

static void read_table(void)
{
	ntable = 1 + fk_byte() % MAX_HANDLERS;
	for (int i = 0; i < ntable; i++) {
		uint8_t s = fk_byte();
		table[i] = (struct ipc_handler){
			.label = fk_byte() % NLABELS,
			.name = "fuzz",
			.min_words = fk_byte() % (IPC_MAX_WORDS + 2),
			.max_words = fk_byte() % (IPC_MAX_WORDS + 2),
			.handles = fk_byte() % (IPC_MAX_HANDLES + 1),
			.need_badge = fk_badge(fk_byte()),
			.fn = handler_fns[i],
		};
		act[i] = (struct behaviour){
			.status = s % 4 == 0 ? -(long)(1 + s / 4 % (E_NCODES - 1)) : 0,
			.words = fk_byte() % (IPC_MAX_WORDS + 1),
			.nhandles = fk_byte() % (IPC_MAX_HANDLES + 1),
		};
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_reset(data, size);
	fk_next = next_message;
	fk_on_reply = on_reply;
	fk_install(SERVER_EP, OBJ_ENDPOINT, R_RECV | R_SEND | R_GRANT, 0);
	read_table();
	called = -1;
	sent = rejected = nmoved = 0;
	srv = (struct ipc_server){ .ep = SERVER_EP, .table = table, .ntable = (size_t)ntable,
				   .buf = &buf, .name = "fuzz" };
	fk.req = &srv.req;
	long err = ipc_serve(&srv);
	FUZZ_CHECK(err == -E_DEAD);
	check_moved();
	FUZZ_CHECK(srv.served == sent && srv.rejected == rejected);
	return 0;
}
