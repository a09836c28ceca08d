/*
 * Name server scenarios: who may register and unregister a name, how many
 * names one client may hold, what becomes of the names of a task that
 * ended, and the names init keeps for its services.
 */
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/runner.h"

static struct ipc_buffer buf;

/* A name request with one name and optionally one handle; the status. */
static long name_call(uint32_t label, const char *name, int handle)
{
	uint64_t w[NAME_WORDS];
	if (!name_pack(name, w))
		return -E_INVAL;
	int32_t hs[1] = { handle };
	uint32_t rs[1] = { R_SEND | R_GRANT };
	return ipc_request(H_NAME, &buf, label, w, NAME_WORDS, hs, rs, handle >= 0 ? 1 : 0, 0,
			   0, 0);
}

/* Looks name up; closes the handle it got. The status. */
static long name_probe(const char *name)
{
	long err = name_call(NAME_LOOKUP, name, -1);
	if (err == 0)
		sys_handle_close(buf.handles[0]);
	return err;
}

static void name_unregister_is_for_the_registrant_only(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep = sys_endpoint_create();
	CHECK(ep > 0);
	CHECK_EQ(name_call(NAME_REGISTER, "mine.once", (int)ep), 0);
	CHECK_EQ(name_probe("mine.once"), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "pager.zero", -1), -E_PERM); /* init's */
	CHECK_EQ(name_probe("pager.zero"), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "no.such.name", -1), -E_NOENT);
	uint64_t junk[NAME_WORDS] = { 0x4141414141414141ull, ~0ull, ~0ull, ~0ull };
	CHECK_EQ(ipc_request(H_NAME, &buf, NAME_UNREGISTER, junk, NAME_WORDS, 0, 0, 0, 0, 0, 0),
		 -E_INVAL);
	CHECK_EQ(name_call(NAME_UNREGISTER, "mine.once", -1), 0);
	CHECK_EQ(name_probe("mine.once"), -E_NOENT);
	CHECK_EQ(name_call(NAME_UNREGISTER, "mine.once", -1), -E_NOENT);
	/* The name is free again. */
	CHECK_EQ(name_call(NAME_REGISTER, "mine.once", (int)ep), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "mine.once", -1), 0);
	sys_handle_close((int)ep);
}

static void name_registrations_are_limited_per_client(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep = sys_endpoint_create();
	CHECK(ep > 0);
	char name[16];
	int got = 0;
	long err = 0;
	for (int i = 0; i < NAME_PER_CLIENT + 4 && !err; i++) {
		fmt_snprintf(name, sizeof(name), "many.%d", i);
		err = name_call(NAME_REGISTER, name, (int)ep);
		got += err == 0;
	}
	/* Unregister before checking: what is left would count against us. */
	for (int i = 0; i < got; i++) {
		fmt_snprintf(name, sizeof(name), "many.%d", i);
		name_call(NAME_UNREGISTER, name, -1);
	}
	CHECK_EQ(err, -E_FULL);
	CHECK(got >= 1 && got <= NAME_PER_CLIENT);
	/* With the names given back, registering works again. */
	CHECK_EQ(name_call(NAME_REGISTER, "many.again", (int)ep), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "many.again", -1), 0);
	sys_handle_close((int)ep);
}

/*
 * A task registers as many names as it can, on an endpoint of its own,
 * and exits: its endpoint dies with it, so its names must not be found
 * any more, nor keep the table full for everybody else.
 */
static void names_of_an_exited_task_are_purged(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	const char *argv[] = { "uhelper", "names", "40", 0 };
	int32_t hs[1] = { H_NAME };
	uint32_t rs[1] = { R_SEND };
	int h = spawn(argv, hs, rs, 1);
	CHECK(h > 0);
	long registered = sys_task_wait(h);
	sys_handle_close(h);
	CHECK(registered >= 1 && registered < 40);
	CHECK_EQ(name_probe("gone.0"), -E_NOENT);
	long ep = sys_endpoint_create();
	CHECK(ep > 0);
	CHECK_EQ(name_call(NAME_REGISTER, "after.gone", (int)ep), 0);
	CHECK_EQ(name_probe("after.gone"), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "after.gone", -1), 0);
	/* A dead endpoint is refused outright. */
	CHECK_EQ(sys1(SYS_OBJ_DESTROY, ep), 0);
	CHECK_EQ(name_call(NAME_REGISTER, "after.dead", (int)ep), -E_DEAD);
	sys_handle_close((int)ep);
}

/* init reserves its services' names before any other program starts. */
static void init_service_names_cannot_be_squatted(void)
{
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long ep = sys_endpoint_create();
	CHECK(ep > 0);
	CHECK_EQ(name_call(NAME_REGISTER, "pager.swap", (int)ep), -E_PERM); /* not yet there */
	CHECK_EQ(name_call(NAME_REGISTER, "console", (int)ep), -E_PERM);
	CHECK_EQ(name_call(NAME_REGISTER, "pager.zero", (int)ep), -E_PERM);
	CHECK_EQ(name_call(NAME_RESERVE, "mine.", -1), -E_PERM); /* init only */
	CHECK_EQ(name_probe("pager.swap"), -E_NOENT);
	CHECK_EQ(name_probe("pager.zero"), 0);
	/* Names outside the reservations stay open to everybody. */
	CHECK_EQ(name_call(NAME_REGISTER, "pagerx", (int)ep), 0);
	CHECK_EQ(name_call(NAME_UNREGISTER, "pagerx", -1), 0);
	sys_handle_close((int)ep);
}

const struct qtest name_tests[] = {
	{ "names_of_an_exited_task_are_purged", names_of_an_exited_task_are_purged },
	{ "name_unregister_is_for_the_registrant_only", name_unregister_is_for_the_registrant_only },
	{ "name_registrations_are_limited_per_client", name_registrations_are_limited_per_client },
	{ "init_service_names_cannot_be_squatted", init_service_names_cannot_be_squatted },
};
const size_t n_name_tests = sizeof(name_tests) / sizeof(name_tests[0]);
