/*
 * libFuzzer harness for the name server (servers/name/), run whole: its
 * own main, handler table and handlers over the fake kernel, with the
 * messages any task holding H_NAME could send.
 *
 * The server's source is included, not linked, so that its table can be
 * emptied between inputs (each input starts from a fresh server) and so
 * that its main does not clash with libFuzzer's.
 *
 * Besides what the fake kernel checks of every reply, a model of the
 * table checks the answers: a lookup finds exactly what a successful
 * register published under that name (the same object) until it is
 * unregistered, a name is published at most once, a listed name is one
 * that was published, and only init (badge NAME_BADGE_INIT) reserves.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/host/fake_kernel.h"
#include "tests/fuzz/host/fuzz_check.h"

#define main name_server_main
#include "servers/name/name.c"
#undef main

#define MODEL_MAX 64

struct published {
	char name[NAME_MAX_LEN + 1];
	uint32_t object;
};

static struct published model[MODEL_MAX];
static int nmodel;

static const struct published *model_find(const char *name)
{
	for (int i = 0; i < nmodel; i++)
		if (strcmp(model[i].name, name) == 0)
			return &model[i];
	return 0;
}

/* The name a request carries, if it is a valid one. */
static bool request_name(const struct fk_msg *m, char out[NAME_MAX_LEN + 1])
{
	return m->words == NAME_WORDS && name_unpack(m->w, out);
}

static void on_reply(const struct fk_msg *m, const struct fk_reply *r)
{
	char name[NAME_MAX_LEN + 1];
	bool valid = request_name(m, name);
	const struct published *p = valid ? model_find(name) : 0;

	switch (m->label) {
	case NAME_REGISTER:
		if (r->status != 0) {
			FUZZ_CHECK(!valid || p || r->status != -E_BUSY);
			break;
		}
		FUZZ_CHECK(valid && !p && m->nhandles == 1);
		FUZZ_CHECK(nmodel < MODEL_MAX);
		memcpy(model[nmodel].name, name, sizeof(name));
		model[nmodel++].object = fk.h[fk.cur_slot[0]].object;
		break;
	case NAME_LOOKUP:
		if (r->status != 0) {
			FUZZ_CHECK(!valid || !p || r->status != -E_NOENT);
			break;
		}
		FUZZ_CHECK(valid && p && r->nhandles == 1);
		FUZZ_CHECK(r->h[0]->object == p->object);
		break;
	case NAME_UNREGISTER:
		if (r->status != 0) {
			FUZZ_CHECK(!valid || p || r->status != 0);
			break;
		}
		FUZZ_CHECK(valid && p);
		model[p - model] = model[--nmodel];
		break;
	case NAME_RESERVE:
		FUZZ_CHECK(r->status != 0 || m->badge == NAME_BADGE_INIT);
		break;
	case NAME_LIST:
		if (r->status != 0)
			break;
		FUZZ_CHECK(r->words == NAME_WORDS && name_unpack(r->w, name));
		FUZZ_CHECK(model_find(name) != 0);
		break;
	default:
		FUZZ_CHECK(r->status != 0);
	}
}

/* Mostly the server's own labels, with names that are valid more often
 * than random bytes would be. */
static bool next_message(struct fk_msg *m)
{
	if (!fk_more())
		return false;
	uint8_t b = fk_byte();
	m->label = b < 0xf0 ? b % 7 : (uint32_t)fk_bytes(4);
	m->badge = fk_badge(fk_byte());
	uint8_t shape = fk_byte();
	m->words = shape < 0xc0 ? NAME_WORDS : shape % (IPC_MAX_WORDS + 1);
	if (m->label == NAME_LIST && shape < 0x80)
		m->words = 1;
	uint8_t hs = fk_byte();
	fk_fill_handles(m, hs < 0xc0 ? m->label == NAME_REGISTER : hs % (IPC_MAX_HANDLES + 1));
	if (m->words == NAME_WORDS && fk_byte() < 0xc0) {
		/* a short name of the allowed characters, NUL-padded */
		static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789._-";
		char s[NAME_WORDS * 8] = { 0 };
		int n = 1 + fk_byte() % 8;
		for (int i = 0; i < n; i++)
			s[i] = chars[fk_byte() % (sizeof(chars) - 1)];
		memcpy(m->w, s, sizeof(s));
	} else {
		fk_fill_words(m);
	}
	if (m->label == NAME_LIST && m->words >= 1)
		m->w[0] %= 40; /* indexes around the table's size */
	m->call = true;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_reset(data, size);
	fk_next = next_message;
	fk_on_reply = on_reply;
	/* The start handles init gives a program (uapi/syscall.h). */
	fk_install(H_SELF, OBJ_TASK, R_READ, 0);
	fk_install(H_NAME, OBJ_ENDPOINT, R_RECV | R_SEND | R_GRANT, 0);
	fk_install(H_SYSINFO, OBJ_SYSTEM, R_READ, 0);
	fk_install(H_CONSOLE, OBJ_ENDPOINT, R_SEND | R_GRANT, 1);
	memset(names.entries, 0, sizeof(names.entries));
	memset(names.reserved, 0, sizeof(names.reserved));
	memset(&server.req, 0, sizeof(server.req));
	server.served = server.rejected = 0;
	nmodel = 0;
	fk.req = &server.req;

	name_server_main(0, 0);
	return 0;
}
