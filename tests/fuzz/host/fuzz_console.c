/*
 * libFuzzer harness for the console server (servers/console/), its own
 * handler table and handlers run by libipc's loop over the fake kernel.
 * The input interleaves client messages (any label, badge, word count
 * and handles) with bytes arriving at the UART, which go through the
 * server's line discipline as its interrupt path would feed them.
 *
 * The server's source is included so that its state can be reset between
 * inputs and its UART pointed at plain memory (transmitter always ready,
 * no received byte waiting). Checked after every reply, besides what the
 * fake kernel checks: the answer to each request as console_proto.h
 * describes it, and the bounds of the server's buffers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/host/fake_kernel.h"
#include "tests/fuzz/host/fuzz_check.h"

#define main console_server_main
#include "servers/console/console.c"
#undef main

static uint8_t uart_regs[8];
static uint64_t opened[FK_MAX_MSGS]; /* badges CONS_OPEN handed out */
static int nopened;

static void check_state(void)
{
	for (int i = 0; i < NCLIENTS; i++)
		FUZZ_CHECK(clients[i].len < LINE_MAX);
	FUZZ_CHECK(edit_len <= EDIT_MAX);
	FUZZ_CHECK(inq_count() <= INQ_SIZE);
	for (int i = 0; i < NSUBS; i++) {
		if (!subs[i].note)
			continue;
		const struct fk_handle *h = &fk.h[subs[i].note];
		FUZZ_CHECK(h->used && h->type == OBJ_NOTIFY && (h->rights & R_SEND));
	}
}

static void check_open(const struct fk_reply *r)
{
	FUZZ_CHECK(r->nhandles == 1 && r->words == 0);
	const struct fk_handle *h = r->h[0];
	FUZZ_CHECK(h->type == OBJ_ENDPOINT && h->object == fk.h[CONS_H_EP].object);
	FUZZ_CHECK(h->rights == (R_SEND | R_GRANT) && h->badge >= CONS_BADGE_OPENED);
	FUZZ_CHECK(!(h->badge & (CONS_BADGE_SHARED | CONS_BADGE_IRQ)));
	for (int i = 0; i < nopened; i++)
		FUZZ_CHECK(opened[i] != h->badge);
	opened[nopened++] = h->badge;
}

static void on_reply(const struct fk_msg *m, const struct fk_reply *r)
{
	check_state();
	if (r->status != 0)
		return;
	switch (m->label) {
	case CONS_WRITE:
		FUZZ_CHECK(m->words >= 1 && m->w[0] <= CONS_DATA_MAX);
		FUZZ_CHECK(m->words >= cons_words(m->w[0]));
		FUZZ_CHECK(r->words == 1 && r->w[0] == m->w[0]);
		break;
	case CONS_READ:
		FUZZ_CHECK(m->words == 1 && m->w[0] >= 1 && m->w[0] <= CONS_DATA_MAX);
		FUZZ_CHECK(r->w[0] <= m->w[0] && r->words == cons_words(r->w[0]));
		break;
	case CONS_SUBSCRIBE:
		FUZZ_CHECK(m->nhandles == 1 && m->words == 1 && m->w[0] != 0);
		FUZZ_CHECK(m->htype[0] == OBJ_NOTIFY && (m->hrights[0] & R_SEND));
		break;
	case CONS_OPEN:
		check_open(r);
		break;
	case CONS_FLUSH:
		break;
	case CONS_INTR:
		FUZZ_CHECK(m->nhandles == 1 && m->words == 1 && m->w[0] != 0);
		FUZZ_CHECK(m->htype[0] == OBJ_NOTIFY && (m->hrights[0] & R_SEND));
		break;
	case CONS_MODE:
		FUZZ_CHECK(m->words == 1 && m->w[0] <= CONS_MODE_RAW);
		break;
	case CONS_IRQ:
		FUZZ_CHECK(m->badge & CONS_BADGE_IRQ);
		break;
	default:
		FUZZ_CHECK(false); /* an unknown label succeeded */
	}
}

/* Bytes arriving at the UART, handled as do_irq handles each one. */
static void uart_input(void)
{
	int n = 1 + fk_byte() % 32;
	bool completed = false;
	for (int i = 0; i < n; i++)
		completed |= input_byte(fk_byte());
	if (completed)
		subs_signal();
}

/* Mostly well-shaped requests of the server's own labels. */
static void shape(struct fk_msg *m, uint8_t how)
{
	uint64_t n;
	switch (m->label) {
	case CONS_WRITE:
		n = fk_bytes(2) % (CONS_DATA_MAX + 9);
		m->words = cons_words(n) > IPC_MAX_WORDS ? IPC_MAX_WORDS : cons_words(n);
		fk_fill_words(m);
		m->w[0] = n;
		break;
	case CONS_READ:
		m->words = 1;
		m->w[0] = fk_bytes(2) % (CONS_DATA_MAX + 9);
		break;
	case CONS_SUBSCRIBE:
		m->words = 1;
		m->w[0] = fk_byte();
		fk_fill_handles(m, 1);
		if (how & 1)
			m->htype[0] = OBJ_NOTIFY;
		break;
	default:
		break;
	}
}

static bool next_message(struct fk_msg *m)
{
	check_state();
	while (fk_more()) {
		uint8_t b = fk_byte();
		if (b >= 0xe0) {
			uart_input();
			continue;
		}
		m->label = b < 0xd8 ? b % 10 : (uint32_t)fk_bytes(4);
		m->badge = fk_badge(fk_byte());
		uint8_t how = fk_byte();
		if (how < 0xc0) {
			shape(m, how);
		} else {
			m->words = fk_byte() % (IPC_MAX_WORDS + 1);
			fk_fill_words(m);
			fk_fill_handles(m, fk_byte() % (IPC_MAX_HANDLES + 1));
		}
		m->call = true;
		return true;
	}
	return false;
}

static void reset_server(void)
{
	memset(clients, 0, sizeof(clients));
	use_clock = 0;
	inq_head = inq_tail = 0;
	edit_len = 0;
	last_cr = false;
	esc_state = 0;
	memset(subs, 0, sizeof(subs));
	sub_next = 0;
	next_open = CONS_BADGE_OPENED;
	memset(&server.req, 0, sizeof(server.req));
	server.served = server.rejected = 0;
	memset(uart_regs, 0, sizeof(uart_regs));
	uart_regs[UART_LSR] = UART_LSR_THRE;
	uart = uart_regs;
	nopened = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_reset(data, size);
	fk_next = next_message;
	fk_on_reply = on_reply;
	/* The handles init starts the console with (console_proto.h). */
	fk_install(H_SELF, OBJ_TASK, R_READ, 0);
	fk_install(CONS_H_EP, OBJ_ENDPOINT, R_RECV | R_SEND | R_GRANT, 0);
	fk_install(CONS_H_UART, OBJ_DEVMEM, R_MAP, 0);
	fk_install(CONS_H_IRQ, OBJ_IRQ, R_CONTROL, 0);
	reset_server();
	fk.req = &server.req;

	/* main less uart_setup: the registers are uart_regs, and the
	 * interrupt thread's work is uart_input. */
	long err = ipc_serve(&server);
	FUZZ_CHECK(err == -E_DEAD);
	return 0;
}
