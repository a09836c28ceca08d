/*
 * swapstress run by the test runner with no swap pager (its memory then
 * simply fits in RAM): the program's output is captured through a
 * console endpoint the runner serves itself, so the scenario checks the
 * closing line, not only the exit status.
 *
 * The capture, step by step:
 *   1. make an endpoint and hand it to the program as its console
 *      (spawn_std's console slot, R_SEND);
 *   2. receive on it with a short timeout: CONS_WRITE appends the bytes
 *      and answers with their count, CONS_FLUSH is answered, anything
 *      else gets E_NOSYS;
 *   3. on a timeout, look whether the program has ended (its writes are
 *      calls, so none is left once it has);
 *   4. collect its status.
 */
#include <string.h>

#include "libipc/ipc.h"
#include "servers/console/console_proto.h"
#include "tests/qemu/runner.h"

#define CAPTURE_MAX 8192
#define POLL_NS (50ull * 1000 * 1000)

struct capture {
	char text[CAPTURE_MAX];
	size_t len;
	bool overflow;
};

static void capture_write(struct capture *c, const struct ipc_msg *m, const struct ipc_buffer *b,
			  struct ipc_msg *reply)
{
	uint32_t words = IPC_TAG_WORDS(m->tag);
	uint64_t n = m->w[0];
	if (words < 1 || n > CONS_DATA_MAX || cons_words(n) != words) {
		reply->tag = IPC_TAG(E_INVAL, 0, 0);
		return;
	}
	uint64_t data[IPC_MAX_WORDS];
	for (uint32_t i = 1; i < words; i++)
		data[i - 1] = i < IPC_REG_WORDS ? m->w[i] : b->mr[i];
	size_t room = sizeof(c->text) - 1 - c->len;
	size_t take = n < room ? (size_t)n : room;
	memcpy(c->text + c->len, data, take);
	c->len += take;
	c->text[c->len] = 0;
	c->overflow |= take < n;
	reply->tag = IPC_TAG(0, 1, 0);
	reply->w[0] = n;
}

/* Runs argv with a console endpoint of ours; returns its exit status (or
 * a negative error) with what it printed in c. */
static long run_captured(const char *const *argv, struct capture *c)
{
	static struct ipc_buffer own;
	struct ipc_buffer *b = ipc_registered_buffer;
	if (!b) {
		ipc_buffer_setup(&own);
		b = &own;
	}
	long ep = sys_endpoint_create();
	if (ep < 0)
		return ep;
	struct std_handles sh = { .name = -1, .sys = -1, .console = (int32_t)ep, .mm = -1 };
	int h = spawn_std(argv, &sh);
	if (h < 0) {
		sys_handle_close((int)ep);
		return h;
	}
	c->len = 0;
	c->text[0] = 0;
	for (;;) {
		struct ipc_msg m;
		long err = ipc_recv((int)ep, &m, POLL_NS);
		if (err == -E_TIMEOUT) {
			struct task_info ti;
			if (sys_task_info(h, &ti) < 0 || ti.state == TASK_DEAD)
				break;
			continue;
		}
		if (err)
			continue; /* a caller gone before we answered */
		struct ipc_msg reply = { .tag = IPC_TAG(E_NOSYS, 0, 0) };
		if (IPC_TAG_LABEL(m.tag) == CONS_WRITE)
			capture_write(c, &m, b, &reply);
		else if (IPC_TAG_LABEL(m.tag) == CONS_FLUSH)
			reply.tag = IPC_TAG(0, 0, 0);
		ipc_reply(&reply);
	}
	long status = sys_task_wait(h);
	sys_handle_close(h);
	sys_handle_close((int)ep);
	return status;
}

/* 4 MiB, 2 passes: every page verified twice, all of them found good. */
static void swapstress_small(void)
{
	static struct capture c;
	const char *argv[] = { "swapstress", "4", "2", 0 };
	long status = run_captured(argv, &c);
	if (status != 0)
		uprintf("%s: swapstress printed:\n%s\n", cur, c.text);
	CHECK_EQ(status, 0);
	CHECK(!c.overflow);
	CHECK(strstr(c.text, "swapstress: pass 1 done: 1024 pages,") != 0);
	CHECK(strstr(c.text, "swapstress: pass 2 done: 1024 pages,") != 0);
	CHECK(strstr(c.text, "\nswapstress: 2048 pages verified, 0 mismatches\n") != 0);
}

/* The checker checks: one word flipped after the fill (-C) is one bad
 * page, reported, and the exit status says so. */
static void swapstress_catches_a_damaged_page(void)
{
	static struct capture c;
	const char *argv[] = { "swapstress", "-q", "-C", "100", "1", "1", "3", 0 };
	long status = run_captured(argv, &c);
	if (status != 1)
		uprintf("%s: swapstress printed:\n%s\n", cur, c.text);
	CHECK_EQ(status, 1);
	CHECK(strstr(c.text, "swapstress: BAD page 100 (") != 0);
	CHECK(strstr(c.text, "swapstress: 256 pages verified, 1 mismatches\n") != 0);
	CHECK(strstr(c.text, "pass 1 done") == 0); /* -q */
}

/* Bad arguments are refused before any memory is touched. */
static void swapstress_refuses_bad_arguments(void)
{
	static struct capture c;
	const char *a[] = { "swapstress", "0", "1", 0 };
	const char *b[] = { "swapstress", "4", "x", 0 };
	const char *d[] = { "swapstress", "-C", "256", "1", "1", 0 };
	CHECK_EQ(run_captured(a, &c), 2);
	CHECK_EQ(run_captured(b, &c), 2);
	CHECK_EQ(run_captured(d, &c), 2);
	CHECK(strstr(c.text, "only 256 pages") != 0);
}

const struct qtest swapstress_tests[] = {
	{ "swapstress_small", swapstress_small },
	{ "swapstress_catches_a_damaged_page", swapstress_catches_a_damaged_page },
	{ "swapstress_refuses_bad_arguments", swapstress_refuses_bad_arguments },
};
const size_t n_swapstress_tests = sizeof(swapstress_tests) / sizeof(swapstress_tests[0]);
