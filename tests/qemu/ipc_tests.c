/* IPC scenarios for the in-guest test runner. */
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/runner.h"

#define MS 1000000ull

static struct ipc_buffer buf;

static long new_endpoint(void)
{
	return sys0(SYS_ENDPOINT_CREATE);
}

/* Starts uhelper in an IPC mode with `ep` at its slot 1. */
static int helper_on(int ep, uint32_t rights, const char *mode, const char *a2,
		     const char *a3)
{
	const char *argv[] = { "uhelper", mode, a2, a3, 0 };
	int32_t hs[1] = { ep };
	uint32_t rs[1] = { rights };
	return spawn(argv, hs, rs, 1);
}

static void finish(int task, long want_status)
{
	long st = sys_task_wait(task);
	sys_handle_close(task);
	if (st != want_status) {
		uprintf("FAIL %s: helper status %ld, expected %ld\n", cur, st, want_status);
		cur_failed = true;
	}
}

static void ping_pong(bool slow)
{
	long ep = new_endpoint();
	CHECK(ep > 0);
	int h = helper_on((int)ep, R_RECV, "echo", 0, 0);
	CHECK(h > 0);
	for (uint64_t i = 0; i < 1000; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(1, 4, 0) | (slow ? IPC_TAG_SLOW : 0),
				     .w = { i * 7, i, ~i, 42 } };
		CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
		CHECK_EQ(IPC_TAG_LABEL(m.tag), 1);
		CHECK_EQ(IPC_TAG_WORDS(m.tag), 4);
		CHECK(m.w[0] == i * 7 + 1 && m.w[1] == i && m.w[2] == ~i && m.w[3] == 42);
	}
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &bye, 0), 0);
	finish(h, 0);
	sys_handle_close((int)ep);
}

static void ping_pong_between_tasks_fast_path(void)
{
	ping_pong(false);
}

static void ping_pong_between_tasks_slow_path(void)
{
	ping_pong(true);
}

/* The fast paths (entry.S) hand a message to a partner waiting with a
 * deadline, a receive's or a call's: the deadline ends with that wait
 * and never fires into a later one. */
static void fast_paths_cancel_the_partners_deadline(void)
{
	long ep = new_endpoint();
	int h = helper_on((int)ep, R_RECV, "echodl", "30", 0);
	CHECK(h > 0);
	sys_sleep(10 * MS); /* it waits in a receive that ends in 30 ms */
	struct ipc_msg m = { .tag = IPC_TAG(1, 4, 0), .w = { 1, 2, 3, 4 } };
	CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), 1);
	sys_sleep(60 * MS); /* past that deadline: it waits in reply_recv, with none */
	m = (struct ipc_msg){ .tag = IPC_TAG(1, 1, 0), .w = { 7 } };
	CHECK_EQ(ipc_call((int)ep, &m, 30 * MS), 0); /* it answers; our deadline ends */
	/* Answered 60 ms later: no stale 30 ms deadline cuts this call short. */
	m = (struct ipc_msg){ .tag = IPC_TAG(5, 1, 0), .w = { 5 } };
	CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
	CHECK_EQ(m.w[0], 5);
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &bye, 0), 0);
	finish(h, 0);
	sys_handle_close((int)ep);
}

/* Both sides use the FPU between fast round trips: each finds its own
 * floating-point registers as it left them. */
static void fpu_state_survives_fast_ipc(void)
{
	long ep = new_endpoint();
	int h = helper_on((int)ep, R_RECV, "echodl", "0", 0);
	CHECK(h > 0);
	volatile double seed = 1.0;
	double a = seed, b = seed * 2.0;
	for (uint64_t i = 0; i < 300; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(6, 1, 0), .w = { 2 * i } };
		CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
		CHECK_EQ(m.w[0], 3 * i);
		a += 1.0;
		b += 2.0;
	}
	CHECK(a == seed + 300.0 && b == 2.0 * a);
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &bye, 0), 0);
	finish(h, 0);
	sys_handle_close((int)ep);
}

static void long_message_round_trips_through_buffer(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep = new_endpoint();
	int h = helper_on((int)ep, R_RECV, "echo", 0, 0);
	CHECK(h > 0);
	for (uint32_t words = 0; words <= IPC_MAX_WORDS; words += 9) {
		struct ipc_msg m = { .tag = IPC_TAG(2, words, 0) };
		for (uint32_t i = 0; i < words; i++) {
			if (i < IPC_REG_WORDS)
				m.w[i] = 1000 + i;
			else
				buf.mr[i] = 1000 + i;
		}
		CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
		CHECK_EQ(IPC_TAG_WORDS(m.tag), words);
		for (uint32_t i = 0; i < words; i++)
			CHECK_EQ(i < IPC_REG_WORDS ? m.w[i] : buf.mr[i], 1000 + words - 1 - i);
	}
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	ipc_call((int)ep, &bye, 0);
	finish(h, 0);
	sys_handle_close((int)ep);
}

static void call_times_out_on_a_server_that_never_replies(void)
{
	long ep = new_endpoint();
	/* No receiver at all: the call waits in the send queue, then times out. */
	struct ipc_msg m = { .tag = IPC_TAG(1, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &m, 30 * MS), -E_TIMEOUT);
	/* A receiver that takes the message and never answers. */
	int h = helper_on((int)ep, R_RECV, "silent", 0, 0);
	CHECK(h > 0);
	m.tag = IPC_TAG(1, 0, 0);
	CHECK_EQ(ipc_call((int)ep, &m, 50 * MS), -E_TIMEOUT);
	/* recv with a timeout on an endpoint nobody sends to. */
	CHECK_EQ(ipc_recv((int)ep, &m, 20 * MS), -E_TIMEOUT);
	sys_task_kill(h);
	finish(h, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	sys_handle_close((int)ep);
}

static void server_death_wakes_blocked_caller(void)
{
	long ep = new_endpoint();
	int h = helper_on((int)ep, R_RECV, "recvexit", 0, 0);
	CHECK(h > 0);
	struct ipc_msg m = { .tag = IPC_TAG(1, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &m, 0), -E_DEAD);
	finish(h, 0);
	sys_handle_close((int)ep);
}

static void destroyed_endpoint_refuses_calls(void)
{
	long ep = new_endpoint();
	CHECK_EQ(sys1(SYS_OBJ_DESTROY, ep), 0);
	struct ipc_msg m = { .tag = IPC_TAG(1, 0, 0) };
	CHECK_EQ(ipc_call((int)ep, &m, 0), -E_CANCELED);
	CHECK_EQ(ipc_recv((int)ep, &m, 0), -E_CANCELED);
	sys_handle_close((int)ep);
}

static void handle_info_tells_a_dead_endpoint(void)
{
	long ep = new_endpoint();
	CHECK(ep > 0);
	long send = sys_handle_copy((int)ep, R_SEND);
	CHECK(send > 0);
	struct handle_info hi;
	CHECK_EQ(sys_handle_info((int)send, &hi), 0);
	CHECK_EQ(hi.flags & HANDLE_INFO_DEAD, 0);
	CHECK_EQ(sys1(SYS_OBJ_DESTROY, ep), 0);
	CHECK_EQ(sys_handle_info((int)send, &hi), 0);
	CHECK_EQ(hi.type, OBJ_ENDPOINT);
	CHECK_EQ(hi.flags & HANDLE_INFO_DEAD, HANDLE_INFO_DEAD);
	/* An endpoint dies with the task that created it: the "pagerdie"
	 * helper creates one, hands it over and exits. */
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep2 = new_endpoint();
	int h = helper_on((int)ep2, R_SEND, "pagerdie", 0, 0);
	CHECK(h > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv((int)ep2, &m, 0), 0);
	int theirs = buf.handles[0];
	CHECK_EQ(sys_handle_info(theirs, &hi), 0);
	CHECK_EQ(hi.flags & HANDLE_INFO_DEAD, 0);
	m.tag = IPC_TAG(0, 0, 0);
	CHECK_EQ(ipc_reply(&m), 0);
	m.tag = IPC_TAG(1, 0, 0); /* it takes this one and exits unanswered */
	CHECK_EQ(ipc_call(theirs, &m, 0), -E_DEAD);
	finish(h, 0);
	CHECK_EQ(sys_handle_info(theirs, &hi), 0);
	CHECK_EQ(hi.flags & HANDLE_INFO_DEAD, HANDLE_INFO_DEAD);
	sys_handle_close(theirs);
	sys_handle_close((int)ep2);
	sys_handle_close((int)send);
	sys_handle_close((int)ep);
}

struct waiter {
	int ep, note;
	volatile long result;
};

static void recv_thread(void *arg)
{
	struct waiter *w = arg;
	struct ipc_msg m;
	w->result = ipc_recv(w->ep, &m, 0);
	notify_signal(w->note, 1);
}

static uint8_t thread_stack[16384] __attribute__((aligned(16)));

static void destroying_endpoint_wakes_blocked_receiver(void)
{
	struct waiter w = { (int)new_endpoint(), (int)sys0(SYS_NOTIFY_CREATE), 12345 };
	int th = thread_spawn(recv_thread, &w, thread_stack, sizeof(thread_stack), PRIO_DEFAULT);
	CHECK(th > 0);
	sys_sleep(20 * MS); /* let it block in recv */
	CHECK_EQ(w.result, 12345);
	CHECK_EQ(sys1(SYS_OBJ_DESTROY, w.ep), 0);
	uint64_t bits;
	CHECK_EQ(notify_wait(w.note, &bits, 1000 * MS), 0);
	CHECK_EQ(bits, 1);
	CHECK_EQ(w.result, -E_CANCELED);
	sys_handle_close(th);
	sys_handle_close(w.ep);
	sys_handle_close(w.note);
}

/* Threads asleep with deadlines given out of order wake in deadline
 * order (the timeout heap), each once. */
#define SLEEPERS 8
static volatile int wake_seq, woke[SLEEPERS];
static uint8_t sleeper_stacks[SLEEPERS][4096] __attribute__((aligned(16)));

static void sleeper_thread(void *arg)
{
	int i = (int)(uintptr_t)arg;
	sys_sleep((uint64_t)((i * 5) % SLEEPERS + 1) * 40 * MS);
	woke[i] = __atomic_add_fetch(&wake_seq, 1, __ATOMIC_SEQ_CST);
}

static void sleepers_wake_in_deadline_order(void)
{
	wake_seq = 0;
	int th[SLEEPERS];
	for (int i = 0; i < SLEEPERS; i++) {
		woke[i] = 0;
		th[i] = thread_spawn(sleeper_thread, (void *)(uintptr_t)i, sleeper_stacks[i],
				     sizeof(sleeper_stacks[i]), PRIO_DEFAULT);
		CHECK(th[i] > 0);
	}
	sys_sleep((SLEEPERS + 2) * 40 * MS);
	CHECK_EQ(wake_seq, SLEEPERS);
	for (int i = 0; i < SLEEPERS; i++)
		CHECK_EQ(woke[i], (i * 5) % SLEEPERS + 1);
	for (int i = 0; i < SLEEPERS; i++)
		sys_handle_close(th[i]);
}

static void handle_transfer_reduces_rights(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep = new_endpoint();
	long other = new_endpoint();
	int h = helper_on((int)ep, R_RECV, "echo", 0, 0);
	CHECK(h > 0);
	buf.handles[0] = (int32_t)other;
	buf.rights[0] = R_SEND; /* drop RECV, GRANT, CONTROL */
	struct ipc_msg m = { .tag = IPC_TAG(3, 0, 1) };
	CHECK_EQ(ipc_call((int)ep, &m, 0), 0);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(m.w[1], OBJ_ENDPOINT);
	CHECK_EQ(m.w[2], R_SEND);
	/* A handle without R_GRANT cannot be handed on. */
	long weak = sys_handle_copy((int)other, R_SEND);
	buf.handles[0] = (int32_t)weak;
	buf.rights[0] = R_ALL;
	m.tag = IPC_TAG(3, 0, 1);
	CHECK_EQ(ipc_call((int)ep, &m, 0), -E_PERM);
	/* Buffer words and handles need a valid tag. */
	m.tag = IPC_TAG(3, IPC_MAX_WORDS + 1, 0);
	CHECK_EQ(ipc_call((int)ep, &m, 0), -E_INVAL);
	m.tag = IPC_TAG(3, 0, IPC_MAX_HANDLES + 1);
	CHECK_EQ(ipc_call((int)ep, &m, 0), -E_INVAL);
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	ipc_call((int)ep, &bye, 0);
	finish(h, 0);
	sys_handle_close((int)weak);
	sys_handle_close((int)other);
	sys_handle_close((int)ep);
}

static void badge_identifies_the_sender(void)
{
	long ep = new_endpoint();
	long a = sys3(SYS_HANDLE_MINT, ep, R_SEND, 111);
	long b = sys3(SYS_HANDLE_MINT, ep, R_SEND, 222);
	CHECK(a > 0 && b > 0);
	/* A badge is set once: a badged handle cannot be re-badged. */
	CHECK_EQ(sys3(SYS_HANDLE_MINT, a, R_SEND, 333), -E_PERM);
	int h = helper_on((int)ep, R_RECV, "echo", 0, 0);
	struct ipc_msg m = { .tag = IPC_TAG(4, 0, 0) };
	CHECK_EQ(ipc_call((int)a, &m, 0), 0);
	CHECK_EQ(m.w[0], 111);
	m.tag = IPC_TAG(4, 0, 0) | IPC_TAG_SLOW;
	CHECK_EQ(ipc_call((int)b, &m, 0), 0);
	CHECK_EQ(m.w[0], 222);
	/* A send-only handle cannot receive. */
	CHECK_EQ(ipc_recv((int)a, &m, 10 * MS), -E_PERM);
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	ipc_call((int)ep, &bye, 0);
	finish(h, 0);
	sys_handle_close((int)a);
	sys_handle_close((int)b);
	sys_handle_close((int)ep);
}

#define NCLIENTS 16
#define NCALLS 10000

static void sixteen_clients_lose_and_duplicate_nothing(void)
{
	long ep = new_endpoint();
	int tasks[NCLIENTS];
	uint64_t next[NCLIENTS + 1] = { 0 };
	for (int i = 0; i < NCLIENTS; i++) {
		long c = sys3(SYS_HANDLE_MINT, ep, R_SEND | R_GRANT, i + 1);
		tasks[i] = helper_on((int)c, R_SEND, "client", "10000", i % 2 ? "slow" : "fast");
		CHECK_EQ(tasks[i] > 0 ? 0 : tasks[i], 0);
		sys_handle_close((int)c);
	}
	struct ipc_msg m;
	long err = ipc_recv((int)ep, &m, 0);
	for (long done = 1;; done++) {
		CHECK_EQ(err, 0);
		CHECK(m.badge >= 1 && m.badge <= NCLIENTS);
		CHECK_EQ(m.w[0], next[m.badge]); /* in order: none lost, none twice */
		next[m.badge]++;
		m.w[0]++;
		m.tag = IPC_TAG(1, 2, 0);
		if (done == (long)NCLIENTS * NCALLS) {
			CHECK_EQ(ipc_reply(&m), 0);
			break;
		}
		err = ipc_reply_recv((int)ep, &m, 0);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		CHECK_EQ(next[i + 1], NCALLS);
		finish(tasks[i], 0);
	}
	sys_handle_close((int)ep);
}

static void reply_twice_is_refused(void)
{
	long ep = new_endpoint();
	int h = helper_on((int)ep, R_SEND, "client", "1", 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv((int)ep, &m, 0), 0);
	m.w[0]++;
	CHECK_EQ(ipc_reply(&m), 0);
	CHECK_EQ(ipc_reply(&m), -E_NOENT);
	finish(h, 0);
	/* Nobody ever called: no reply right either. */
	CHECK_EQ(ipc_reply(&m), -E_NOENT);
	sys_handle_close((int)ep);
}

static void send_without_receiver_is_refused(void)
{
	long ep = new_endpoint();
	struct ipc_msg m = { .tag = IPC_TAG(1, 1, 0), .w = { 5 } };
	CHECK_EQ(ipc_send((int)ep, &m), -E_AGAIN);
	CHECK_EQ(ipc_send(H_SELF, &m), -E_BADH);
	CHECK_EQ(ipc_call(99, &m, 0), -E_BADH);
	sys_handle_close((int)ep);
}

static void notification_bits_accumulate(void)
{
	long n = sys0(SYS_NOTIFY_CREATE);
	CHECK(n > 0);
	CHECK_EQ(notify_signal((int)n, 1), 0);
	CHECK_EQ(notify_signal((int)n, 4), 0);
	uint64_t bits = 0;
	CHECK_EQ(notify_wait((int)n, &bits, 0), 0);
	CHECK_EQ(bits, 5);
	CHECK_EQ(notify_wait((int)n, &bits, 10 * MS), -E_TIMEOUT);
	sys_handle_close((int)n);
}

/* Sends a raw request to the name server and returns the status. */
static long name_raw(uint32_t label, const uint64_t *w, uint32_t nw, int handle)
{
	int32_t hs[1] = { handle };
	return ipc_request(H_NAME, &buf, label, w, nw, hs, 0, handle >= 0 ? 1 : 0, 0, 0, 0);
}

static void name_server_survives_malformed_requests(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	uint64_t w[NAME_WORDS];
	CHECK(name_pack("test.echo", w));
	uint64_t junk[NAME_WORDS] = { 0x4141414141414141ull, 0x4141414141414141ull,
				      0x4141414141414141ull, 0x4141414141414141ull };
	uint64_t upper[NAME_WORDS] = { 0x4f4c4c4548 }; /* "HELLO": bad characters */
	long ep = new_endpoint();
	CHECK_EQ(name_raw(77, w, NAME_WORDS, -1), -E_NOSYS);          /* unknown label */
	CHECK_EQ(name_raw(NAME_LOOKUP, w, 2, -1), -E_INVAL);          /* too short */
	CHECK_EQ(name_raw(NAME_LOOKUP, junk, NAME_WORDS, -1), -E_INVAL); /* no NUL */
	CHECK_EQ(name_raw(NAME_LOOKUP, upper, NAME_WORDS, -1), -E_INVAL);
	CHECK_EQ(name_raw(NAME_REGISTER, w, NAME_WORDS, -1), -E_INVAL); /* no handle */
	CHECK_EQ(name_raw(NAME_REGISTER, w, NAME_WORDS, H_SELF), -E_PERM); /* no GRANT */
	long task_copy = sys_handle_copy(H_SELF, R_ALL);
	CHECK_EQ(name_raw(NAME_REGISTER, w, NAME_WORDS, (int)task_copy), -E_PERM);
	CHECK_EQ(name_raw(NAME_LOOKUP, w, NAME_WORDS, -1), -E_NOENT);
	/* Still serving: a valid register and lookup work. */
	CHECK_EQ(name_raw(NAME_REGISTER, w, NAME_WORDS, (int)ep), 0);
	CHECK_EQ(name_raw(NAME_REGISTER, w, NAME_WORDS, (int)ep), -E_BUSY);
	CHECK_EQ(name_raw(NAME_LOOKUP, w, NAME_WORDS, -1), 0);
	int found = buf.handles[0];
	struct handle_info hi;
	CHECK_EQ(sys_handle_info(found, &hi), 0);
	CHECK_EQ(hi.type, OBJ_ENDPOINT);
	/* The looked-up handle reaches the same endpoint. */
	int h = helper_on((int)ep, R_RECV, "echo", 0, 0);
	struct ipc_msg m = { .tag = IPC_TAG(1, 1, 0), .w = { 41 } };
	CHECK_EQ(ipc_call(found, &m, 0), 0);
	CHECK_EQ(m.w[0], 42);
	struct ipc_msg bye = { .tag = IPC_TAG(9, 0, 0) };
	ipc_call((int)ep, &bye, 0);
	finish(h, 0);
	sys_handle_close(found);
	sys_handle_close((int)task_copy);
}

static long srv_add(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	resp->w[0] = req->w[0] + req->w[1];
	resp->words = 1;
	return 0;
}

static void server_loop_checks_access_and_sizes(void)
{
	static const struct ipc_handler tab[] = {
		{ 1, "add", 2, 2, 0, 0x1, srv_add },
	};
	struct ipc_server s = { .table = tab, .ntable = 1, .name = "t" };
	struct ipc_request req = { .label = 1, .words = 2, .badge = 1, .w = { 2, 3 } };
	struct ipc_response resp;
	CHECK_EQ(ipc_dispatch(&s, &req, &resp), 0);
	CHECK_EQ(resp.words, 1);
	CHECK_EQ(resp.w[0], 5);
	req.badge = 2; /* lacks bit 0 */
	CHECK_EQ(ipc_dispatch(&s, &req, &resp), -E_PERM);
	req.badge = 1;
	req.words = 3;
	CHECK_EQ(ipc_dispatch(&s, &req, &resp), -E_INVAL);
	req.words = 2;
	req.label = 2;
	CHECK_EQ(ipc_dispatch(&s, &req, &resp), -E_NOSYS);
	CHECK_EQ(s.rejected, 3);
}

/* One ecall with a0..a7 and t3 set; they come back in r (a0..a7, t3). */
static void raw_ecall(long nr, long r[9])
{
	register long a0 __asm__("a0") = 77;
	register long a1 __asm__("a1") = 0x1111;
	register long a2 __asm__("a2") = 0x2222;
	register long a3 __asm__("a3") = 0x3333;
	register long a4 __asm__("a4") = 0x4444;
	register long a5 __asm__("a5") = 0x5555;
	register long a6 __asm__("a6") = 0x6666;
	register long a7 __asm__("a7") = nr;
	register long t3 __asm__("t3") = 0x7777;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
			   "+r"(a7), "+r"(t3)
			 :
			 : "memory", "t0", "t1", "t2", "t4", "t5", "t6");
	long out[9] = { a0, a1, a2, a3, a4, a5, a6, a7, t3 };
	for (int i = 0; i < 9; i++)
		r[i] = out[i];
}

/* The system call ABI (uapi/syscall.h): a leaf call returns a0 and
 * zeroes a1..a6 and the t registers; any other call leaves a1..a6 as
 * they were (unless they carry a result); both keep a7, and both go on
 * after their ecall, once. */
static void leaf_calls_keep_the_abi(void)
{
	long r[9];
	raw_ecall(SYS_NOP, r);
	CHECK_EQ(r[0], 0);
	for (int i = 1; i <= 6; i++)
		CHECK_EQ(r[i], 0);
	CHECK_EQ(r[7], SYS_NOP);
	CHECK_EQ(r[8], 0);
	raw_ecall(SYS_YIELD, r);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(r[1], 0x1111);
	CHECK_EQ(r[6], 0x6666);
	CHECK_EQ(r[7], SYS_YIELD);
	CHECK_EQ(r[8], 0);
	long t0 = sys_leaf(SYS_CPU_TIME, CPU_TIME_THREAD);
	CHECK(t0 > 0);
	CHECK(sys_leaf(SYS_CPU_TIME, CPU_TIME_TASK) >= t0);
	CHECK_EQ(sys_leaf(SYS_CPU_TIME, 7), -E_INVAL);
	long wall = sys_leaf(SYS_WALL_CLOCK, 0);
	CHECK(wall > 0 || wall == -E_NOENT);
	CHECK(sys_leaf(SYS_IDLE_COUNT, 0) >= 0);
}

const struct qtest ipc_tests[] = {
	{ "leaf_calls_keep_the_abi", leaf_calls_keep_the_abi },
	{ "ping_pong_between_tasks_fast_path", ping_pong_between_tasks_fast_path },
	{ "ping_pong_between_tasks_slow_path", ping_pong_between_tasks_slow_path },
	{ "fast_paths_cancel_the_partners_deadline", fast_paths_cancel_the_partners_deadline },
	{ "fpu_state_survives_fast_ipc", fpu_state_survives_fast_ipc },
	{ "long_message_round_trips_through_buffer", long_message_round_trips_through_buffer },
	{ "call_times_out_on_a_server_that_never_replies",
	  call_times_out_on_a_server_that_never_replies },
	{ "server_death_wakes_blocked_caller", server_death_wakes_blocked_caller },
	{ "destroyed_endpoint_refuses_calls", destroyed_endpoint_refuses_calls },
	{ "destroying_endpoint_wakes_blocked_receiver", destroying_endpoint_wakes_blocked_receiver },
	{ "sleepers_wake_in_deadline_order", sleepers_wake_in_deadline_order },
	{ "handle_info_tells_a_dead_endpoint", handle_info_tells_a_dead_endpoint },
	{ "handle_transfer_reduces_rights", handle_transfer_reduces_rights },
	{ "badge_identifies_the_sender", badge_identifies_the_sender },
	{ "sixteen_clients_lose_and_duplicate_nothing", sixteen_clients_lose_and_duplicate_nothing },
	{ "reply_twice_is_refused", reply_twice_is_refused },
	{ "send_without_receiver_is_refused", send_without_receiver_is_refused },
	{ "notification_bits_accumulate", notification_bits_accumulate },
	{ "name_server_survives_malformed_requests", name_server_survives_malformed_requests },
	{ "server_loop_checks_access_and_sizes", server_loop_checks_access_and_sizes },
};
const size_t n_ipc_tests = sizeof(ipc_tests) / sizeof(ipc_tests[0]);
