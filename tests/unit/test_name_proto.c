/* Host tests of the name server's message checks (servers/name/name_proto.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "servers/name/name_proto.h"

static void test_name_pack_accepts_valid_names(void **state)
{
	uint64_t w[NAME_WORDS];
	assert_true(name_pack("pager.zero", w));
	char out[NAME_MAX_LEN + 1];
	assert_true(name_unpack(w, out));
	assert_string_equal(out, "pager.zero");
	assert_true(name_pack("a", w));
	assert_true(name_pack("0123456789abcdefghij-_.klmnopqr", w)); /* 31 characters */
	assert_true(name_unpack(w, out));
	assert_int_equal(strlen(out), NAME_MAX_LEN);
}

static void test_name_pack_refuses_bad_names(void **state)
{
	uint64_t w[NAME_WORDS];
	assert_false(name_pack("", w));
	assert_false(name_pack("0123456789abcdefghij-_.klmnopqrs", w)); /* 32 characters */
	assert_false(name_pack("Upper", w));
	assert_false(name_pack("sp ace", w));
	assert_false(name_pack("slash/x", w));
	assert_false(name_pack("\xff", w));
}

static void test_name_unpack_refuses_missing_terminator(void **state)
{
	uint64_t w[NAME_WORDS];
	memset(w, 'a', sizeof(w)); /* 32 letters, no NUL */
	char out[NAME_MAX_LEN + 1];
	assert_false(name_unpack(w, out));
}

static void test_name_unpack_refuses_junk_after_the_name(void **state)
{
	uint64_t w[NAME_WORDS];
	assert_true(name_pack("ok", w));
	((char *)w)[10] = 'x'; /* padding must be zero */
	char out[NAME_MAX_LEN + 1];
	assert_false(name_unpack(w, out));
}

static void test_name_unpack_refuses_empty_and_bad_characters(void **state)
{
	uint64_t w[NAME_WORDS] = { 0 };
	char out[NAME_MAX_LEN + 1];
	assert_false(name_unpack(w, out));
	memcpy(w, "HELLO", 5);
	assert_false(name_unpack(w, out));
	memset(w, 0, sizeof(w));
	memcpy(w, "a\tb", 3);
	assert_false(name_unpack(w, out));
}

static void test_name_register_refuses_handle_it_cannot_hand_on(void **state)
{
	struct handle_info hi = { .type = OBJ_ENDPOINT, .rights = R_SEND | R_GRANT };
	assert_int_equal(name_publishable(&hi), 0);
	hi.rights = R_ALL;
	assert_int_equal(name_publishable(&hi), 0);
	/* Lookups would fail with E_PERM in the kernel: no copy to hand on. */
	hi.rights = R_SEND;
	assert_int_equal(name_publishable(&hi), -E_PERM);
	/* A copy that reaches nobody. */
	hi.rights = R_GRANT | R_RECV;
	assert_int_equal(name_publishable(&hi), -E_PERM);
	hi = (struct handle_info){ .type = OBJ_NOTIFY, .rights = R_ALL };
	assert_int_equal(name_publishable(&hi), -E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_pack_accepts_valid_names),
		cmocka_unit_test(test_name_pack_refuses_bad_names),
		cmocka_unit_test(test_name_unpack_refuses_missing_terminator),
		cmocka_unit_test(test_name_unpack_refuses_junk_after_the_name),
		cmocka_unit_test(test_name_unpack_refuses_empty_and_bad_characters),
		cmocka_unit_test(test_name_register_refuses_handle_it_cannot_hand_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
