/*
 * Host tests of the name server's table (servers/name/name_table.c):
 * registration, ownership, per-client limits, init's reservations and the
 * purge of entries whose endpoint died. Handles are fake: small numbers
 * whose death the test decides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "servers/name/name_table.h"
#include "uapi/errors.h"

#define NHANDLES 512

static bool dead[NHANDLES];
static int closed[NHANDLES];
static struct name_table table;

static bool fake_dead(int32_t h)
{
	return dead[h];
}

static void fake_close(int32_t h)
{
	closed[h]++;
}

static int setup(void **state)
{
	memset(dead, 0, sizeof(dead));
	memset(closed, 0, sizeof(closed));
	memset(&table, 0, sizeof(table));
	table.dead = fake_dead;
	table.close = fake_close;
	return 0;
}

static const char *nth(const char *prefix, int i)
{
	static char name[NAME_MAX_LEN + 1];
	snprintf(name, sizeof(name), "%s%d", prefix, i);
	return name;
}

static void test_name_table_registers_looks_up_and_unregisters(void **state)
{
	int32_t h = 0;
	assert_int_equal(name_table_register(&table, "svc", 5, 7), 0);
	assert_int_equal(name_table_lookup(&table, "svc", &h), 0);
	assert_int_equal(h, 5);
	assert_int_equal(name_table_register(&table, "svc", 6, 7), -E_BUSY);
	assert_int_equal(closed[6], 0); /* a refused handle stays the caller's */
	assert_int_equal(name_table_unregister(&table, "svc", 7), 0);
	assert_int_equal(closed[5], 1);
	assert_int_equal(name_table_lookup(&table, "svc", &h), -E_NOENT);
	assert_int_equal(name_table_unregister(&table, "svc", 7), -E_NOENT);
}

static void test_name_table_unregister_is_for_the_owner_only(void **state)
{
	assert_int_equal(name_table_register(&table, "svc", 5, 7), 0);
	assert_int_equal(name_table_unregister(&table, "svc", 8), -E_PERM);
	assert_int_equal(name_table_unregister(&table, "svc", NAME_BADGE_INIT), -E_PERM);
	assert_int_equal(closed[5], 0);
	int32_t h;
	assert_int_equal(name_table_lookup(&table, "svc", &h), 0);
}

static void test_name_table_limits_each_client_but_not_init(void **state)
{
	for (int i = 0; i < NAME_PER_CLIENT; i++)
		assert_int_equal(name_table_register(&table, nth("a.", i), 10 + i, 7), 0);
	assert_int_equal(name_table_register(&table, "a.more", 100, 7), -E_FULL);
	/* Another client is not held back by the first one's names. */
	assert_int_equal(name_table_register(&table, "b.0", 101, 8), 0);
	/* Giving one back makes room again. */
	assert_int_equal(name_table_unregister(&table, "a.0", 7), 0);
	assert_int_equal(name_table_register(&table, "a.more", 100, 7), 0);
	for (int i = 0; i < 2 * NAME_PER_CLIENT; i++)
		assert_int_equal(name_table_register(&table, nth("init.", i), 200 + i,
						     NAME_BADGE_INIT), 0);
}

static void test_name_table_full_of_dead_entries_takes_new_names(void **state)
{
	/* Clients fill the whole table, then their tasks all end. */
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		assert_int_equal(name_table_register(&table, nth("gone.", i), 10 + i,
						     1 + (uint64_t)i / NAME_PER_CLIENT), 0);
	assert_int_equal(name_table_register(&table, "late", 300, 99), -E_FULL);
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		dead[10 + i] = true;
	assert_int_equal(name_table_register(&table, "late", 300, 99), 0);
	for (int i = 0; i < NAME_TABLE_SIZE; i++)
		assert_int_equal(closed[10 + i], 1); /* each dropped once */
	int32_t h;
	assert_int_equal(name_table_lookup(&table, "gone.0", &h), -E_NOENT);
	assert_int_equal(name_table_lookup(&table, "late", &h), 0);
	assert_int_equal(h, 300);
}

static void test_name_table_lookup_drops_a_dead_entry(void **state)
{
	int32_t h = 0;
	assert_int_equal(name_table_register(&table, "svc", 5, 7), 0);
	dead[5] = true;
	assert_int_equal(name_table_lookup(&table, "svc", &h), -E_NOENT);
	assert_int_equal(closed[5], 1);
	/* The name is free for anybody now, the dead owner's limit too. */
	assert_int_equal(name_table_register(&table, "svc", 6, 8), 0);
	assert_int_equal(name_table_lookup(&table, "svc", &h), 0);
	assert_int_equal(h, 6);
	assert_int_equal(closed[5], 1);
}

static void test_name_table_refuses_a_dead_endpoint(void **state)
{
	dead[5] = true;
	assert_int_equal(name_table_register(&table, "svc", 5, 7), -E_DEAD);
	assert_int_equal(closed[5], 0);
	int32_t h;
	assert_int_equal(name_table_lookup(&table, "svc", &h), -E_NOENT);
}

static void test_name_table_reserved_names_are_for_init_only(void **state)
{
	assert_int_equal(name_table_reserve(&table, "console", NAME_BADGE_INIT), 0);
	assert_int_equal(name_table_reserve(&table, "pager.", NAME_BADGE_INIT), 0);
	assert_int_equal(name_table_reserve(&table, "pager.", NAME_BADGE_INIT), 0); /* again */
	assert_int_equal(name_table_reserve(&table, "mine.", 7), -E_PERM);
	assert_int_equal(name_table_register(&table, "console", 5, 7), -E_PERM);
	assert_int_equal(name_table_register(&table, "pager.swap", 5, 7), -E_PERM);
	assert_int_equal(name_table_register(&table, "pager.", 5, 7), -E_PERM);
	/* Only the prefix itself: neighbours stay open. */
	assert_int_equal(name_table_register(&table, "pagerx", 5, 7), 0);
	assert_int_equal(name_table_register(&table, "console2", 6, 7), 0);
	assert_int_equal(name_table_register(&table, "mine.x", 8, 7), 0);
	assert_int_equal(name_table_register(&table, "pager.zero", 9, NAME_BADGE_INIT), 0);
	assert_int_equal(name_table_register(&table, "console", 10, NAME_BADGE_INIT), 0);
	/* A reserved name whose service died stays init's. */
	dead[9] = true;
	assert_int_equal(name_table_register(&table, "pager.zero", 11, 7), -E_PERM);
	assert_int_equal(name_table_register(&table, "pager.zero", 11, NAME_BADGE_INIT), 0);
}

static void test_name_table_reservations_are_bounded(void **state)
{
	for (int i = 0; i < NAME_RESERVED_MAX; i++)
		assert_int_equal(name_table_reserve(&table, nth("r", i), NAME_BADGE_INIT), 0);
	assert_int_equal(name_table_reserve(&table, "one.more", NAME_BADGE_INIT), -E_FULL);
}

static void test_name_table_list_skips_dead_entries(void **state)
{
	char out[NAME_MAX_LEN + 1];
	assert_int_equal(name_table_register(&table, "one", 5, 7), 0);
	assert_int_equal(name_table_register(&table, "two", 6, 7), 0);
	assert_int_equal(name_table_register(&table, "three", 7, 8), 0);
	dead[6] = true;
	assert_int_equal(name_table_at(&table, 0, out), 0);
	assert_string_equal(out, "one");
	assert_int_equal(name_table_at(&table, 1, out), 0);
	assert_string_equal(out, "three");
	assert_int_equal(name_table_at(&table, 2, out), -E_NOENT);
	assert_int_equal(closed[6], 1);
}

static void test_name_table_refuses_overlong_names(void **state)
{
	char longname[NAME_MAX_LEN + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(name_table_register(&table, longname, 5, 7), -E_INVAL);
	assert_int_equal(name_table_reserve(&table, longname, NAME_BADGE_INIT), -E_INVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_name_table_registers_looks_up_and_unregisters),
		T(test_name_table_unregister_is_for_the_owner_only),
		T(test_name_table_limits_each_client_but_not_init),
		T(test_name_table_full_of_dead_entries_takes_new_names),
		T(test_name_table_lookup_drops_a_dead_entry),
		T(test_name_table_refuses_a_dead_endpoint),
		T(test_name_table_reserved_names_are_for_init_only),
		T(test_name_table_reservations_are_bounded),
		T(test_name_table_list_skips_dead_entries),
		T(test_name_table_refuses_overlong_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
