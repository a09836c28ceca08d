/*
 * Console server: the serial console (a 16550 UART) in user space. The
 * protocol is in console_proto.h.
 *
 * Two threads. The main thread runs the libipc server loop and alone
 * touches the state below (client line buffers, the input line, the
 * input queue, subscribers) and the UART registers. The interrupt thread
 * only waits on the interrupt notification and turns each interrupt into
 * a CONS_IRQ call on the server's own endpoint, so input is handled in
 * the same loop as every request:
 *   1. a byte arrives, the UART raises its line, the kernel signals the
 *      notification (the line stays masked);
 *   2. the interrupt thread wakes and calls CONS_IRQ (badge CONS_BADGE_IRQ);
 *   3. the main thread reads every byte waiting, runs the line discipline
 *      on it, signals subscribers if input completed, and acknowledges
 *      the interrupt (the line may fire again);
 *   4. the interrupt thread gets the reply and waits again.
 *
 * Output goes out through the kernel (SYS_CONSOLE_WRITE, which polls
 * the transmit register), "\n" as "\r\n" except in binary mode. The
 * kernel log shares the UART: going through the kernel, each of our
 * lines goes out in one piece, and a kernel line that follows a partial
 * one of ours (a prompt) starts on a line of its own.
 */
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/console/console_proto.h"

#define UART_VA 0x2800000000ul /* where the registers are mapped */
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_LSR 5
#define UART_IER_RDI 0x01  /* interrupt when received data is available */
#define UART_LSR_DR 0x01   /* a received byte waits in RBR */
#define UART_LSR_THRE 0x20 /* the transmit register takes a byte */

#define NCLIENTS 32    /* line buffers; the least recently used is reused */
#define LINE_MAX 512   /* a longer line goes out in pieces */
#define EDIT_MAX 255   /* the input line being edited */
#define INQ_SIZE 4096  /* completed input waiting for readers */
#define IN_EOF 0x100   /* end-of-input mark in the input queue */
#define NSUBS 16

#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f
#define ESC 0x1b

/* The registers, at UART_VA once uart_setup has mapped them. A pointer
 * rather than a constant so that host tests can put memory of their own
 * there (tests/fuzz/host/fuzz_console.c). */
static volatile uint8_t *uart;
static bool binary_mode; /* CONS_MODE_BINARY: output untranslated, unbuffered */

/* --- output ----------------------------------------------------------------- */

/* Polls the bytes out through the registers: only where the kernel has
 * no SYS_CONSOLE_WRITE (host tests). */
static void uart_poll_out(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (!(uart[UART_LSR] & UART_LSR_THRE))
			;
		uart[UART_THR] = (uint8_t)s[i];
	}
	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
}

/* The bytes as they are, through the kernel (SYS_CONSOLE_WRITE), which
 * puts its own log lines between ours, never inside one. Returns once
 * the last byte has left the transmit register, so nothing is pending
 * when the caller hears back (a power-off right after loses nothing). */
static void uart_out(const char *s, size_t n)
{
	while (n) {
		size_t k = n < CONSOLE_WRITE_MAX ? n : CONSOLE_WRITE_MAX;
		if (sys3(SYS_CONSOLE_WRITE, CONS_H_UART, s, k) != (long)k) {
			uart_poll_out(s, n);
			return;
		}
		s += k;
		n -= k;
	}
}

static void uart_putc(uint8_t c)
{
	char b = (char)c;
	uart_out(&b, 1);
}

/* Writes n bytes, "\n" as "\r\n", in one piece if they fit. */
static void uart_write(const char *s, size_t n)
{
	char out[2 * LINE_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k + 2 > sizeof(out)) {
			uart_out(out, k);
			k = 0;
		}
		if (s[i] == '\n')
			out[k++] = '\r';
		out[k++] = s[i];
	}
	uart_out(out, k);
}

static void uart_puts(const char *s)
{
	uart_write(s, strlen(s));
}

struct client {
	uint64_t badge;
	uint64_t last_use; /* for reuse: the least recently used goes */
	bool used;
	uint32_t len;      /* bytes waiting in line: a partial line */
	char line[LINE_MAX];
};

static struct client clients[NCLIENTS];
static uint64_t use_clock;

static void client_flush(struct client *c)
{
	uart_write(c->line, c->len);
	c->len = 0;
}

/* The client's line buffer; a new badge takes a free one or the least
 * recently used (whose partial line goes out first). */
static struct client *client_get(uint64_t badge)
{
	struct client *victim = &clients[0];
	for (int i = 0; i < NCLIENTS; i++) {
		struct client *c = &clients[i];
		if (c->used && c->badge == badge) {
			c->last_use = ++use_clock;
			return c;
		}
		if (victim->used && (!c->used || c->last_use < victim->last_use))
			victim = c;
	}
	if (victim->used)
		client_flush(victim);
	*victim = (struct client){ .badge = badge, .used = true, .last_use = ++use_clock };
	return victim;
}

/* Appends to the client's line; every completed line goes out whole. */
static void client_write(struct client *c, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;
		if (c->len == 0 && nl) { /* a whole line with nothing before it */
			uart_write(p, take);
		} else {
			size_t room = LINE_MAX - c->len;
			if (take > room)
				take = room;
			memcpy(c->line + c->len, p, take);
			c->len += (uint32_t)take;
			if (c->line[c->len - 1] == '\n' || c->len == LINE_MAX)
				client_flush(c);
		}
		p += take;
		n -= take;
	}
}

/* --- input: the line discipline ---------------------------------------- */

static uint16_t inq[INQ_SIZE]; /* bytes, or IN_EOF */
static uint32_t inq_head, inq_tail; /* free-running; head - tail = queued */
static char edit[EDIT_MAX];
static uint32_t edit_len;
static bool last_cr; /* swallow the \n of a \r\n pair */
static int esc_state; /* 0 none, 1 after ESC, 2 inside ESC [ ... */
static bool raw_mode; /* CONS_MODE: bytes go to readers as they come */

static uint32_t inq_count(void)
{
	return inq_head - inq_tail;
}

/* Moves the edited line (plus nl, if not 0) into the input queue; a line
 * that does not fit is dropped with a bell. */
static bool commit_line(char nl)
{
	uint32_t n = edit_len + (nl ? 1 : 0);
	bool fits = INQ_SIZE - inq_count() >= n;
	for (uint32_t i = 0; fits && i < edit_len; i++)
		inq[inq_head++ % INQ_SIZE] = (uint8_t)edit[i];
	if (fits && nl)
		inq[inq_head++ % INQ_SIZE] = (uint8_t)nl;
	if (!fits)
		uart_putc('\a');
	edit_len = 0;
	return fits;
}

static void erase_char(void)
{
	if (!edit_len)
		return;
	/* A UTF-8 character goes whole: its continuation bytes, then its lead. */
	while (edit_len > 1 && ((uint8_t)edit[edit_len - 1] & 0xc0) == 0x80)
		edit_len--;
	edit_len--;
	uart_puts("\b \b");
}

/* Skips terminal escape sequences (arrow keys...): ESC, ESC [ params final. */
static bool in_escape(uint8_t c)
{
	if (esc_state == 1) {
		esc_state = c == '[' ? 2 : 0;
		return true;
	}
	if (esc_state == 2) {
		if (c >= 0x40 && c <= 0x7e)
			esc_state = 0;
		return true;
	}
	if (c == ESC) {
		esc_state = 1;
		return true;
	}
	return false;
}

static void intr_signal(void);

/* Raw mode: the byte as it came, no echo; it completes input at once. */
static bool input_raw(uint8_t c)
{
	if (inq_count() == INQ_SIZE)
		return false;
	inq[inq_head++ % INQ_SIZE] = c;
	return true;
}

/* One received byte; true if input completed (a line or end of input). */
static bool input_byte(uint8_t c)
{
	if (raw_mode)
		return input_raw(c);
	bool after_cr = last_cr;
	last_cr = c == '\r';
	if (in_escape(c) || (after_cr && c == '\n'))
		return false;
	switch (c) {
	case '\r':
	case '\n':
		uart_puts("\n"); /* goes out as \r\n */
		return commit_line('\n');
	case CTRL('D'):
		if (edit_len) /* mid-line: hand over what is there, no newline */
			return commit_line(0);
		if (inq_count() == INQ_SIZE)
			return false;
		inq[inq_head++ % INQ_SIZE] = IN_EOF;
		return true;
	case '\b':
	case DEL:
		erase_char();
		return false;
	case CTRL('U'):
		while (edit_len)
			erase_char();
		return false;
	case CTRL('C'): /* the line goes; the interrupt subscriber hears */
		edit_len = 0;
		uart_puts("^C\n");
		intr_signal();
		return false;
	default:
		if (c < 0x20 && c != '\t')
			return false; /* other control characters: ignored */
		if (edit_len == EDIT_MAX) {
			uart_putc('\a');
			return false;
		}
		edit[edit_len++] = (char)c;
		uart_putc(c);
		return false;
	}
}

/* --- subscribers ---------------------------------------------------------- */

struct sub {
	uint64_t badge;
	int32_t note; /* 0: free (slot 0 is never a notification) */
	uint64_t bits;
};

static struct sub subs[NSUBS];
static int sub_next; /* reused round robin when all are taken */

static void subs_signal(void)
{
	for (int i = 0; i < NSUBS; i++)
		if (subs[i].note)
			notify_signal(subs[i].note, subs[i].bits);
}

static struct sub intr_sub; /* CONS_INTR: one, the last to ask */

static void intr_signal(void)
{
	if (intr_sub.note)
		notify_signal(intr_sub.note, intr_sub.bits);
}

/* --- handlers ------------------------------------------------------------- */

static uint64_t next_open = CONS_BADGE_OPENED;

static long do_write(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t n = req->w[0];
	if (n > CONS_DATA_MAX || cons_words(n) > req->words)
		return -E_INVAL;
	struct client *c = client_get(req->badge);
	if (binary_mode) {
		client_flush(c);
		uart_out((const char *)&req->w[1], n);
	} else {
		client_write(c, (const char *)&req->w[1], n);
	}
	resp->w[0] = n;
	resp->words = 1;
	return 0;
}

static long do_read(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t max = req->w[0];
	if (max == 0 || max > CONS_DATA_MAX)
		return -E_INVAL;
	client_flush(client_get(req->badge));
	if (inq_count() == 0)
		return -E_AGAIN;
	uint8_t *out = (uint8_t *)&resp->w[1];
	uint64_t n = 0;
	if (inq[inq_tail % INQ_SIZE] == IN_EOF)
		inq_tail++; /* end of input: this read returns 0 bytes */
	else
		while (n < max && inq_count() && inq[inq_tail % INQ_SIZE] != IN_EOF)
			out[n++] = (uint8_t)inq[inq_tail++ % INQ_SIZE];
	resp->w[0] = n;
	resp->words = cons_words(n);
	return 0;
}

static long do_subscribe(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	int32_t note = req->handles[0];
	if (!handle_is(note, OBJ_NOTIFY, R_SEND) || req->w[0] == 0)
		return -E_INVAL;
	struct sub *s = 0;
	for (int i = 0; i < NSUBS && !s; i++)
		if (subs[i].note && subs[i].badge == req->badge)
			s = &subs[i];
	for (int i = 0; i < NSUBS && !s; i++)
		if (!subs[i].note)
			s = &subs[i];
	if (!s)
		s = &subs[sub_next++ % NSUBS];
	if (s->note)
		sys_handle_close(s->note);
	*s = (struct sub){ .badge = req->badge, .note = note, .bits = req->w[0] };
	if (inq_count())
		notify_signal(note, s->bits); /* input is already there */
	return 0;
}

static long do_intr(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	int32_t note = req->handles[0];
	if (!handle_is(note, OBJ_NOTIFY, R_SEND) || req->w[0] == 0)
		return -E_INVAL;
	if (intr_sub.note)
		sys_handle_close(intr_sub.note);
	intr_sub = (struct sub){ .badge = req->badge, .note = note, .bits = req->w[0] };
	return 0;
}

static long do_mode(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	if (req->w[0] > CONS_MODE_BINARY)
		return -E_INVAL;
	raw_mode = req->w[0] != CONS_MODE_COOKED;
	binary_mode = req->w[0] == CONS_MODE_BINARY;
	edit_len = 0;
	esc_state = 0;
	return 0;
}

static long do_open(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	long h = sys_handle_mint(CONS_H_EP, R_SEND | R_GRANT, next_open);
	if (h < 0)
		return h;
	next_open++;
	resp->nhandles = 1;
	resp->handles[0] = (int32_t)h;
	resp->rights[0] = R_SEND | R_GRANT;
	resp->move = 1;
	return 0;
}

static long do_flush(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	client_flush(client_get(req->badge));
	return 0;
}

static long do_irq(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	bool completed = false;
	while (uart[UART_LSR] & UART_LSR_DR)
		completed |= input_byte(uart[UART_RBR]);
	if (completed)
		subs_signal();
	sys_irq_ack(CONS_H_IRQ);
	return 0;
}

static const struct ipc_handler handlers[] = {
	{ CONS_WRITE, "write", 1, IPC_MAX_WORDS, 0, 0, do_write },
	{ CONS_READ, "read", 1, 1, 0, 0, do_read },
	{ CONS_SUBSCRIBE, "subscribe", 1, 1, 1, 0, do_subscribe },
	{ CONS_OPEN, "open", 0, 0, 0, 0, do_open },
	{ CONS_FLUSH, "flush", 0, 0, 0, 0, do_flush },
	{ CONS_IRQ, "irq", 0, 0, 0, CONS_BADGE_IRQ, do_irq },
	{ CONS_INTR, "intr", 1, 1, 1, 0, do_intr },
	{ CONS_MODE, "mode", 1, 1, 0, 0, do_mode },
};

static struct ipc_buffer buf;
static struct ipc_server server = {
	.ep = CONS_H_EP,
	.table = handlers,
	.ntable = sizeof(handlers) / sizeof(handlers[0]),
	.buf = &buf,
	.name = "console",
};

/* --- start ----------------------------------------------------------------- */

struct irq_link {
	int note; /* the interrupt notification */
	int ep;   /* our endpoint, badged CONS_BADGE_IRQ */
};

static struct irq_link link;
static uint64_t irq_stack[2048] __attribute__((aligned(16)));

/* The interrupt thread: no state of its own beyond the link. */
static void irq_thread(void *arg)
{
	const struct irq_link *l = arg;
	for (;;) {
		uint64_t bits;
		if (notify_wait(l->note, &bits, 0) < 0)
			return;
		struct ipc_msg m = { .tag = IPC_TAG(CONS_IRQ, 0, 0) };
		if (ipc_call(l->ep, &m, 0) == -E_DEAD)
			return;
	}
}

static long setup_failed(const char *step, long err)
{
	uprintf("console: %s: %s\n", step, err_name(err));
	return err;
}

/* Maps the UART, routes its interrupt to the interrupt thread and turns
 * on the receive interrupt. Returns 0 or the error of the step that
 * failed (named in the log). */
static long uart_setup(void)
{
	struct dev_info di;
	long err = sys_dev_info(CONS_H_UART, &di);
	if (err || strcmp(di.name, "uart") != 0)
		return setup_failed("no uart handle", err ? err : -E_INVAL);
	err = sys_dev_map(CONS_H_UART, UART_VA);
	if (err)
		return setup_failed("map", err);
	uart = (volatile uint8_t *)UART_VA;
	long note = sys_notify_create();
	long ep = sys_handle_mint(CONS_H_EP, R_SEND, CONS_BADGE_IRQ);
	if (note < 0 || ep < 0)
		return setup_failed("notification", note < 0 ? note : ep);
	link = (struct irq_link){ .note = (int)note, .ep = (int)ep };
	err = sys_irq_bind(CONS_H_IRQ, link.note, 1);
	if (err)
		return setup_failed("irq bind", err);
	long t = thread_spawn(irq_thread, &link, irq_stack, sizeof(irq_stack), PRIO_DEFAULT);
	if (t < 0)
		return setup_failed("interrupt thread", t);
	uart[UART_IER] = UART_IER_RDI;
	return 0;
}

int main(int argc, char **argv)
{
	if (!handle_is(CONS_H_EP, OBJ_ENDPOINT, R_RECV | R_SEND)) {
		uprintf("console: slot %d is not my endpoint\n", CONS_H_EP);
		return 1;
	}
	if (uart_setup())
		return 1;
	long err = ipc_serve(&server);
	uprintf("console: endpoint gone (%s), exiting\n", err_name(err));
	return 0;
}
