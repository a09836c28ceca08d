/*
 * Host tests of synchronous IPC and notifications (kern/ipc.c; the fast
 * path is entry.S's, tested in tests/qemu/ipc_tests.c): the host
 * counterpart of tests/qemu/ipc_tests.c. The scene is in ipc_scene.h.
 */
#include "tests/unit/ipc_scene.h"

/* --- call, receive, reply ------------------------------------------------------- */

static void test_call_queues_until_recv_and_reply_wakes_the_caller(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(7, 4, 0) | IPC_TAG_SLOW, 100, 0), SYS_BLOCKED);
	expect_blocked(s.cli, &s.e->sendq, IPC_CALL_WAIT);
	assert_true(this_cpu()->need_resched);

	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	/* The tag comes without its flags, the badge is the client's. */
	expect_msg(s.srv, IPC_TAG(7, 4, 0), 100, CBADGE);
	assert_int_equal(s.srv->state, TH_RUNNING);
	assert_true(list_empty(&s.e->sendq.head));
	expect_reply_link(s.srv, s.cli);

	assert_int_equal(reply(s.srv, IPC_TAG(8, 2, 0), 200), 0);
	expect_woken(s.cli, 0);
	expect_msg(s.cli, IPC_TAG(8, 2, 0), 200, 0);
	assert_null(s.srv->reply_to);
	assert_int_equal(s.srv->state, TH_RUNNING);
}

static void test_recv_first_then_call_goes_straight_to_the_receiver(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);

	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 3, 0), 10, 0), SYS_BLOCKED);
	expect_woken(s.srv, 0);
	expect_msg(s.srv, IPC_TAG(1, 3, 0), 10, CBADGE);
	assert_true(list_empty(&s.e->recvq.head));
	assert_true(list_empty(&s.e->sendq.head));
	expect_reply_link(s.srv, s.cli);
	assert_int_equal(sched_top_ready(), PRIO);
}

static void test_reply_without_reply_right_is_noent(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	assert_int_equal(reply(s.srv, IPC_TAG(1, 0, 0), 0), -E_NOENT);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	assert_int_equal(reply(s.srv, IPC_TAG(2, 1, 0), 20), 0);
	expect_woken(s.cli, 0);
	/* The right was one-shot: the second reply changes nothing. */
	assert_int_equal(reply(s.srv, IPC_TAG(3, 1, 0), 30), -E_NOENT);
	expect_msg(s.cli, IPC_TAG(2, 1, 0), 20, 0);
}

static void test_taking_a_new_call_without_replying_cancels_the_old_caller(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct thread *cli2 = new_thread(s.ctask);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(call(cli2, s.cep, IPC_TAG(2, 1, 0), 20, 0), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	expect_reply_link(s.srv, s.cli);

	assert_int_equal(recv(s.srv, s.ep, 0), 0); /* a queued caller */
	expect_woken(s.cli, -E_CANCELED);
	expect_msg(s.srv, IPC_TAG(2, 1, 0), 20, CBADGE);
	expect_reply_link(s.srv, cli2);

	/* The same when the new call finds the receiver waiting. */
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(3, 1, 0), 30, 0), SYS_BLOCKED);
	expect_woken(cli2, -E_CANCELED);
	expect_reply_link(s.srv, s.cli);
	assert_int_equal(reply(s.srv, IPC_TAG(4, 1, 0), 40), 0);
	expect_woken(s.cli, 0);
	expect_msg(s.cli, IPC_TAG(4, 1, 0), 40, 0);
}

static void test_send_needs_a_waiting_receiver_and_gives_no_reply_right(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	assert_int_equal(send(s.cli, s.cep, IPC_TAG(5, 2, 0), 50), -E_AGAIN);
	assert_int_equal(s.cli->state, TH_RUNNING);
	assert_true(list_empty(&s.e->sendq.head));

	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(send(s.cli, s.cep, IPC_TAG(5, 2, 0), 50), 0);
	assert_int_equal(s.cli->state, TH_RUNNING);
	assert_int_equal(s.cli->ipc_state, IPC_NONE);
	expect_woken(s.srv, 0);
	expect_msg(s.srv, IPC_TAG(5, 2, 0), 50, CBADGE);
	assert_null(s.srv->reply_to);
	assert_int_equal(reply(s.srv, IPC_TAG(6, 0, 0), 0), -E_NOENT);
}

/* --- timeouts ----------------------------------------------------------------------- */

static void test_queued_call_times_out_and_leaves_the_send_queue(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	uint64_t t0 = now_ticks;
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, MS), SYS_BLOCKED);
	expect_blocked(s.cli, &s.e->sendq, IPC_CALL_WAIT);
	expire_at(t0 + MS_TICKS);
	expect_blocked(s.cli, &s.e->sendq, IPC_CALL_WAIT);
	expire_at(t0 + MS_TICKS + 1);
	expect_woken(s.cli, -E_TIMEOUT);
	assert_true(list_empty(&s.e->sendq.head));
	/* Nothing is left to receive. */
	assert_int_equal(recv(s.srv, s.ep, MS), SYS_BLOCKED);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	/* A receive times out the same way. */
	expire_at(now_ticks + MS_TICKS + 1);
	expect_woken(s.srv, -E_TIMEOUT);
	assert_true(list_empty(&s.e->recvq.head));
}

static void test_caller_timing_out_before_the_reply_voids_the_reply_right(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	uint64_t t0 = now_ticks;
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, MS), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	expect_reply_link(s.srv, s.cli);
	/* Received, it keeps the deadline of its call. */
	expire_at(t0 + MS_TICKS + 1);
	expect_woken(s.cli, -E_TIMEOUT);
	assert_null(s.srv->reply_to);
	assert_int_equal(reply(s.srv, IPC_TAG(2, 1, 0), 20), -E_NOENT);
	assert_int_equal((int64_t)REG(s.cli, 0), -E_TIMEOUT);
	assert_int_equal(s.cli->state, TH_READY);
}

/* --- endpoint and thread death --------------------------------------------------------- */

static void test_destroying_an_endpoint_cancels_its_waiters_and_later_calls(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct thread *srv2 = new_thread(s.stask);
	int ep2 = new_endpoint(s.srv);
	struct endpoint *e2 = endpoint_of(s.stask, ep2);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(srv2, ep2, 0), SYS_BLOCKED);

	assert_int_equal(destroy(s.srv, s.ep), 0);
	expect_woken(s.cli, -E_CANCELED);
	assert_int_equal(destroy(s.srv, ep2), 0);
	expect_woken(srv2, -E_CANCELED);
	assert_true(list_empty(&s.e->sendq.head) && list_empty(&e2->recvq.head));
	assert_int_equal(s.e->dead, -E_CANCELED);

	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), -E_CANCELED);
	assert_int_equal(send(s.cli, s.cep, IPC_TAG(1, 1, 0), 10), -E_CANCELED);
	assert_int_equal(recv(s.srv, s.ep, 0), -E_CANCELED);
	assert_int_equal(sys(ipc_reply_recv, s.srv, ep2, IPC_TAG(1, 0, 0), 0, 0), -E_CANCELED);
	assert_int_equal(destroy(s.srv, s.ep), 0);
}

static void test_owner_task_death_wakes_waiters_with_dead(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	int ep2 = new_endpoint(s.srv);
	struct endpoint *e2 = endpoint_of(s.stask, ep2);
	struct task *other = new_task("other");
	struct thread *oth = new_thread(other);
	int oep = handle_install(other->handles, &e2->obj, R_RECV, 0);
	assert_true(oep >= 0);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(oth, oep, 0), SYS_BLOCKED);

	task_exit(s.stask, 0);
	expect_woken(s.cli, -E_DEAD);
	expect_woken(oth, -E_DEAD);
	assert_null(s.e->owner);
	assert_int_equal(e2->dead, -E_DEAD);
	/* The endpoints outlive their owner, dead. */
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), -E_DEAD);
	assert_int_equal(recv(oth, oep, 0), -E_DEAD);
}

static void test_server_death_wakes_the_caller_it_owes_a_reply(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct thread *srv2 = new_thread(s.stask);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	expect_reply_link(s.srv, s.cli);
	task_exit_thread(s.srv); /* the task lives on in srv2 */
	expect_woken(s.cli, -E_DEAD);
	assert_int_equal(s.e->dead, 0);

	/* Its other thread serves on; then the whole task dies. */
	assert_int_equal(recv(srv2, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(2, 1, 0), 20, 0), SYS_BLOCKED);
	expect_reply_link(srv2, s.cli);
	task_exit(s.stask, 0);
	expect_woken(s.cli, -E_DEAD);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(3, 1, 0), 30, 0), -E_DEAD);
}

/* --- handles: badges, rights, tags -------------------------------------------------- */

static void test_minted_badge_reaches_the_receiver_and_cannot_be_reminted(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	int b = handle_mint(s.stask->handles, s.ep, R_SEND | R_GRANT, 111);
	assert_true(b >= 0);
	assert_int_equal(handle_mint(s.stask->handles, b, R_SEND, 333), -E_PERM);
	int cb = handle_copy(s.stask->handles, b, s.ctask->handles, R_SEND);
	assert_true(cb >= 0);

	assert_int_equal(call(s.cli, cb, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	expect_msg(s.srv, IPC_TAG(1, 1, 0), 10, 111);
	assert_int_equal(reply(s.srv, IPC_TAG(1, 0, 0), 0), 0);
	/* The client's first handle keeps its own badge. */
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(send(s.cli, s.cep, IPC_TAG(2, 0, 0), 0), 0);
	assert_int_equal(REG(s.srv, 6), CBADGE);
	/* The mask of a mint only takes rights away. */
	assert_int_equal(recv(s.srv, b, 0), -E_PERM);
}

static void test_calls_without_the_right_or_on_other_objects_are_refused(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	int recv_only = handle_install(s.ctask->handles, &s.e->obj, R_RECV, 0);
	run(s.cli);
	int n = (int)ipc_notify_create(s.cli, NULL);
	assert_true(recv_only >= 0 && n >= 0);

	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, recv_only, IPC_TAG(1, 1, 0), 10, 0), -E_PERM);
	assert_int_equal(send(s.cli, recv_only, IPC_TAG(1, 1, 0), 10), -E_PERM);
	assert_int_equal(call(s.cli, n, IPC_TAG(1, 1, 0), 10, 0), -E_BADH);
	assert_int_equal(call(s.cli, 99, IPC_TAG(1, 1, 0), 10, 0), -E_BADH);
	assert_int_equal(call(s.cli, -1, IPC_TAG(1, 1, 0), 10, 0), -E_BADH);
	assert_int_equal(call(s.cli, HANDLE_MAX, IPC_TAG(1, 1, 0), 10, 0), -E_BADH);
	assert_int_equal(destroy(s.cli, s.cep), -E_PERM);
	assert_int_equal(sys(ipc_notify_signal, s.cli, s.cep, 1, 0, 0), -E_BADH);
	/* The receiver never saw any of it. */
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	assert_int_equal(REG(s.srv, 1), JUNK);
	assert_int_equal(s.cli->state, TH_RUNNING);
	assert_int_equal(s.cli->ipc_state, IPC_NONE);

	assert_int_equal(recv(s.cli, s.cep, 0), -E_PERM);
	assert_int_equal(recv(s.cli, n, 0), -E_BADH);
	assert_int_equal(s.cli->state, TH_RUNNING);
}

static void test_bad_tags_and_timeouts_are_refused_before_anything_changes(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	uint64_t bad[] = { IPC_TAG(1, IPC_MAX_WORDS + 1, 0), IPC_TAG(1, 0, IPC_MAX_HANDLES + 1),
			   IPC_TAG(1, 1, 0) | (1ull << 20) };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(call(s.cli, s.cep, bad[i], 10, 0), -E_INVAL);
		assert_int_equal(send(s.cli, s.cep, bad[i], 10), -E_INVAL);
	}
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 3601ull * 1000000000ull),
			 -E_INVAL);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	assert_int_equal(REG(s.srv, 1), JUNK);
	assert_null(s.srv->reply_to);
	assert_int_equal(s.cli->state, TH_RUNNING);
	assert_ptr_equal(this_cpu()->cur, s.cli);

	/* A malformed reply still uses up the right: the caller hears why. */
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 1, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(reply(s.srv, IPC_TAG(2, IPC_MAX_WORDS + 1, 0), 20), -E_INVAL);
	expect_woken(s.cli, -E_INVAL);
	assert_null(s.srv->reply_to);
}

/* --- long messages and handle transfer --------------------------------------------- */

static void test_long_messages_move_buffer_words_both_ways(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct ipc_buffer *cb = give_buffer(s.cli), *sb = give_buffer(s.srv);
	fill_words(cb, IPC_MAX_WORDS, 1000);
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(3, IPC_MAX_WORDS, 0), 1000, 0), SYS_BLOCKED);
	expect_woken(s.srv, 0);
	expect_msg(s.srv, IPC_TAG(3, IPC_MAX_WORDS, 0), 1000, CBADGE);
	expect_words(sb, IPC_MAX_WORDS, 1000);

	fill_words(sb, 6, 2000);
	assert_int_equal(reply(s.srv, IPC_TAG(4, 6, 0), 2000), 0);
	expect_woken(s.cli, 0);
	expect_msg(s.cli, IPC_TAG(4, 6, 0), 2000, 0);
	expect_words(cb, 6, 2000);
	assert_int_equal(cb->mr[6], 1006); /* only the words the tag names */

	/* A queued long call is read from the caller's buffer at receive. */
	fill_words(cb, 9, 3000);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(5, 9, 0), 3000, 0), SYS_BLOCKED);
	memset(sb, 0x6a, sizeof(*sb));
	assert_int_equal(recv(s.srv, s.ep, 0), 0);
	expect_msg(s.srv, IPC_TAG(5, 9, 0), 3000, CBADGE);
	expect_words(sb, 9, 3000);
	assert_int_equal(sb->mr[9], 0x6a6a6a6a6a6a6a6aull);
}

static void test_long_messages_need_buffers_on_both_sides(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	give_buffer(s.cli);
	assert_int_equal(sys(ipc_set_buffer, s.srv, (int64_t)BUFVA + 4, 0, 0, 0), -E_INVAL);
	assert_int_equal(sys(ipc_set_buffer, s.srv, (int64_t)BUFVA, 0, 0, 0), -E_FAULT);
	assert_int_equal(s.srv->ipc_buffer, 0);

	/* A receiver without a buffer refuses a queued long call and waits on. */
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 5, 0), 10, 0), SYS_BLOCKED);
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	expect_woken(s.cli, -E_RANGE);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	/* ...and a direct one. */
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 5, 0), 10, 0), -E_RANGE);
	assert_int_equal(s.cli->state, TH_RUNNING);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	assert_int_equal(REG(s.srv, 1), JUNK);
	/* A sender without one cannot name buffer words. */
	assert_int_equal(sys(ipc_set_buffer, s.cli, 0, 0, 0, 0), 0);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(1, 5, 0), 10, 0), -E_INVAL);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
}

static void test_transferred_handle_arrives_with_masked_rights_and_needs_grant(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct ipc_buffer *cb = give_buffer(s.cli), *sb = give_buffer(s.srv);
	run(s.cli);
	int n = (int)ipc_notify_create(s.cli, NULL);
	assert_true(n >= 0);
	struct kobj *obj = handle_obj(s.ctask, n, OBJ_NOTIFY);
	uint32_t refs = obj->refs;

	cb->handles[0] = n;
	cb->rights[0] = R_SEND | R_GRANT;
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(9, 2, 1), 90, 0), SYS_BLOCKED);
	expect_woken(s.srv, 0);
	expect_msg(s.srv, IPC_TAG(9, 2, 1), 90, CBADGE);
	int got = sb->handles[0];
	struct handle *h;
	assert_int_equal(handle_lookup(s.stask->handles, got, OBJ_NOTIFY, 0, &h), 0);
	assert_ptr_equal(h->obj, obj);
	assert_int_equal(h->rights, R_SEND | R_GRANT);
	assert_int_equal(obj->refs, refs + 1);
	assert_ptr_equal(handle_obj(s.ctask, n, OBJ_NOTIFY), obj); /* a copy */
	assert_int_equal(reply(s.srv, IPC_TAG(1, 0, 0), 0), 0);

	/* Without R_GRANT the call is refused and the receiver waits on. */
	int nogrant = handle_copy(s.ctask->handles, n, s.ctask->handles, R_SEND | R_RECV);
	assert_true(nogrant >= 0);
	cb->handles[0] = nogrant;
	sb->handles[0] = -7;
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(9, 0, 1), 90, 0), -E_PERM);
	cb->handles[0] = 77; /* an empty slot */
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(9, 0, 1), 90, 0), -E_BADH);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	assert_int_equal(sb->handles[0], -7);
	assert_int_equal(obj->refs, refs + 2);
}

static void test_receiver_with_full_handle_table_refuses_transfer_unchanged(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct ipc_buffer *cb = give_buffer(s.cli), *sb = give_buffer(s.srv);
	run(s.cli);
	int n = (int)ipc_notify_create(s.cli, NULL);
	struct kobj *obj = handle_obj(s.ctask, n, OBJ_NOTIFY);
	int last = -1;
	for (int h; (h = handle_install(s.stask->handles, &s.e->obj, R_SEND, 0)) >= 0;)
		last = h;
	assert_int_equal(last, HANDLE_MAX - 1);
	uint32_t refs = obj->refs;
	cb->handles[0] = n;
	cb->rights[0] = R_ALL;
	fill_words(cb, 6, 500);

	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	struct ipc_buffer before = *sb;
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(9, 6, 1), 500, 0), -E_FULL);
	expect_blocked(s.srv, &s.e->recvq, IPC_RECV_WAIT);
	assert_int_equal(REG(s.srv, 1), JUNK);
	assert_memory_equal(sb, &before, sizeof(before));
	assert_int_equal(obj->refs, refs);
	assert_int_equal(s.cli->state, TH_RUNNING);
	assert_int_equal(s.cli->ipc_state, IPC_NONE);

	/* One free slot is enough. */
	assert_int_equal(handle_close(s.stask->handles, last), 0);
	assert_int_equal(call(s.cli, s.cep, IPC_TAG(9, 6, 1), 500, 0), SYS_BLOCKED);
	expect_woken(s.srv, 0);
	assert_int_equal(sb->handles[0], last);
	expect_words(sb, 6, 500);
	assert_int_equal(obj->refs, refs + 1);
}

/* --- notifications ------------------------------------------------------------------------ */

/* A notification the server creates: its handle, and *nt the object. */
static int server_notify(struct ipc_scene *s, struct notify **nt)
{
	run(s->srv);
	int n = (int)ipc_notify_create(s->srv, NULL);
	assert_true(n >= 0);
	*nt = container_of(handle_obj(s->stask, n, OBJ_NOTIFY), struct notify, obj);
	return n;
}

static void test_notify_signals_accumulate_and_wait_takes_them(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct notify *nt;
	int n = server_notify(&s, &nt);
	int cn = handle_copy(s.stask->handles, n, s.ctask->handles, R_SEND);
	assert_true(cn >= 0);

	assert_int_equal(sys(ipc_notify_signal, s.cli, cn, 0x1, 0, 0), 0);
	assert_int_equal(sys(ipc_notify_signal, s.cli, cn, 0x4, 0, 0), 0);
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, 0, 0, 0), 0);
	assert_int_equal(REG(s.srv, 1), 0x5);
	assert_int_equal(nt->bits, 0);

	/* Nothing pending: the waiter blocks until a signal. */
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, 0, 0, 0), SYS_BLOCKED);
	expect_blocked(s.srv, &nt->waiters, IPC_NONE);
	assert_int_equal(sys(ipc_notify_signal, s.cli, cn, 0x30, 0, 0), 0);
	expect_woken(s.srv, 0);
	assert_int_equal(REG(s.srv, 1), 0x30);
	assert_int_equal(nt->bits, 0);

	/* A timed wait ends with E_TIMEOUT; rights are checked. */
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, MS, 0, 0), SYS_BLOCKED);
	expire_at(now_ticks + MS_TICKS + 1);
	expect_woken(s.srv, -E_TIMEOUT);
	assert_true(list_empty(&nt->waiters.head));
	assert_int_equal(sys(ipc_notify_wait, s.cli, cn, 0, 0, 0), -E_PERM);
	assert_int_equal(sys(ipc_notify_wait, s.cli, s.cep, 0, 0, 0), -E_BADH);
}

/* An idle doorbell: armed by a store to a word of a wired page, rung
 * (cleared, its bits delivered) when the hart is about to idle, unarmed
 * words left alone; its frame held while it is set; bad arguments refused. */
#define BELL 0x2100000000ul
static void test_idle_doorbell_rings_only_when_armed(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct notify *nt;
	int n = server_notify(&s, &nt);
	assert_int_equal(vm_wire(s.stask, BELL, PG, VM_R | VM_W), 0);
	pte_t *e = sv39_walk(s.stask->pt_root, BELL, false);
	assert_non_null(e);
	paddr_t f = pte_pa(*e);
	uint64_t *word = (uint64_t *)((char *)pa_to_kva(f) + 8);

	/* Refused: a misaligned word, a page not wired, no bits, a handle
	 * that is not a notification or lacks R_SEND. */
	assert_int_equal(sys(ipc_notify_idle, s.srv, n, BELL + 4, 1, 0), -E_INVAL);
	assert_int_equal(sys(ipc_notify_idle, s.srv, n, BELL + PG, 1, 0), -E_INVAL);
	assert_int_equal(sys(ipc_notify_idle, s.srv, n, BELL + 8, 0, 0), -E_INVAL);
	assert_int_equal(sys(ipc_notify_idle, s.srv, s.ep, BELL + 8, 1, 0), -E_BADH);
	int rn = handle_copy(s.stask->handles, n, s.ctask->handles, R_RECV);
	assert_true(rn >= 0);
	assert_int_equal(sys(ipc_notify_idle, s.cli, rn, BELL + 8, 1, 0), -E_PERM);
	/* Only its creator may set it, even with R_SEND, on a page of its own. */
	int sn = handle_copy(s.stask->handles, n, s.ctask->handles, R_SEND);
	assert_true(sn >= 0);
	assert_int_equal(vm_wire(s.ctask, BELL, PG, VM_R | VM_W), 0);
	assert_int_equal(sys(ipc_notify_idle, s.cli, sn, BELL + 8, 1, 0), -E_PERM);
	assert_int_equal(handle_close(s.ctask->handles, sn), 0);
	assert_null(nt->idle_word);
	uint64_t kmem = s.stask->kmem;
	assert_int_equal(pmm_refcount(f), 1);

	assert_int_equal(sys(ipc_notify_idle, s.srv, n, BELL + 8, 0x8, 0), 0);
	assert_ptr_equal(nt->idle_word, word);
	assert_int_equal(pmm_refcount(f), 2); /* held while set, charged... */
	assert_int_equal(s.stask->kmem, kmem + PG);
	assert_null(vm_own_frame(s.stask, BELL)); /* ...so no supply can hand it away */

	/* Not armed: nothing rings. */
	assert_false(notify_idle_ring());
	assert_int_equal(nt->bits, 0);
	/* Armed, nobody waiting: the bits wait in the notification. */
	*word = 1;
	assert_true(notify_idle_ring());
	assert_int_equal(*word, 0);
	assert_int_equal(nt->bits, 0x8);
	assert_false(notify_idle_ring()); /* once per arming */
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, 0, 0, 0), 0);
	assert_int_equal(REG(s.srv, 1), 0x8);
	/* Armed with a waiter: it wakes with the bits. */
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, 0, 0, 0), SYS_BLOCKED);
	*word = 7;
	assert_true(notify_idle_ring());
	expect_woken(s.srv, 0);
	assert_int_equal(REG(s.srv, 1), 0x8);

	/* Taken off: the frame is the task's alone again, nothing rings. */
	assert_int_equal(sys(ipc_notify_idle, s.srv, n, 0, 0, 0), 0);
	assert_null(nt->idle_word);
	assert_int_equal(pmm_refcount(f), 1);
	assert_int_equal(s.stask->kmem, kmem);
	*word = 1;
	assert_false(notify_idle_ring());
	*word = 0;

	/* Set again, then the notification goes (its last handles close):
	 * the doorbell goes with it and the frame's reference too. */
	assert_int_equal(sys(ipc_notify_idle, s.srv, n, BELL + 8, 0x8, 0), 0);
	assert_int_equal(pmm_refcount(f), 2);
	assert_int_equal(handle_close(s.ctask->handles, rn), 0);
	assert_int_equal(handle_close(s.stask->handles, n), 0);
	assert_int_equal(pmm_refcount(f), 1);
	assert_int_equal(s.stask->kmem, kmem - sizeof(struct notify));
	*word = 1;
	assert_false(notify_idle_ring());
}

/* --- closing the last handle ------------------------------------------------------ */

/* Another thread of the waiter's task closes the last handle naming the
 * object: the waiter wakes with E_CANCELED, as if it were destroyed. */
static void test_closing_the_last_handle_cancels_the_waiters(void **state)
{
	struct ipc_scene s;
	ipc_scene_new(&s);
	struct thread *srv2 = new_thread(s.stask);
	assert_int_equal(handle_close(s.ctask->handles, s.cep), 0);
	assert_int_equal(recv(s.srv, s.ep, 0), SYS_BLOCKED);
	run(srv2);
	assert_int_equal(handle_close(s.stask->handles, s.ep), 0);
	expect_woken(s.srv, -E_CANCELED);
	assert_true(list_empty(&s.stask->endpoints));

	run(srv2);
	int n = (int)ipc_notify_create(srv2, NULL);
	assert_true(n >= 0);
	assert_int_equal(sys(ipc_notify_wait, s.srv, n, 0, 0, 0), SYS_BLOCKED);
	run(srv2);
	assert_int_equal(handle_close(s.stask->handles, n), 0);
	expect_woken(s.srv, -E_CANCELED);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_call_queues_until_recv_and_reply_wakes_the_caller),
		T(test_recv_first_then_call_goes_straight_to_the_receiver),
		T(test_reply_without_reply_right_is_noent),
		T(test_taking_a_new_call_without_replying_cancels_the_old_caller),
		T(test_send_needs_a_waiting_receiver_and_gives_no_reply_right),
		T(test_queued_call_times_out_and_leaves_the_send_queue),
		T(test_caller_timing_out_before_the_reply_voids_the_reply_right),
		T(test_destroying_an_endpoint_cancels_its_waiters_and_later_calls),
		T(test_owner_task_death_wakes_waiters_with_dead),
		T(test_server_death_wakes_the_caller_it_owes_a_reply),
		T(test_minted_badge_reaches_the_receiver_and_cannot_be_reminted),
		T(test_calls_without_the_right_or_on_other_objects_are_refused),
		T(test_bad_tags_and_timeouts_are_refused_before_anything_changes),
		T(test_long_messages_move_buffer_words_both_ways),
		T(test_long_messages_need_buffers_on_both_sides),
		T(test_transferred_handle_arrives_with_masked_rights_and_needs_grant),
		T(test_receiver_with_full_handle_table_refuses_transfer_unchanged),
		T(test_notify_signals_accumulate_and_wait_takes_them),
		T(test_idle_doorbell_rings_only_when_armed),
		T(test_closing_the_last_handle_cancels_the_waiters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
