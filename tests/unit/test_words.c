/* lib/words.c: the tokenizer of bootargs (init) and the shell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/words.h"

#define MAX 8

/* Splits text; expect lists the entries, "" standing for a NULL separator
 * is written as ";" here only with WORDS_SEMICOLON (see sep). */
static int split(const char *text, char **argv, int flags)
{
	static char buf[256];
	strcpy(buf, text);
	return words_split(buf, argv, MAX, flags);
}

static void test_words_split_at_blanks(void **state)
{
	(void)state;
	char *v[MAX + 1];
	assert_int_equal(split("  ls \t -l\n /bin  ", v, 0), 3);
	assert_string_equal(v[0], "ls");
	assert_string_equal(v[1], "-l");
	assert_string_equal(v[2], "/bin");
	assert_null(v[3]);
	assert_int_equal(split("   ", v, 0), 0);
	assert_null(v[0]);
}

static void test_words_keep_quoted_blanks(void **state)
{
	(void)state;
	char *v[MAX + 1];
	assert_int_equal(split("lua -e 'print(1, 2)'", v, 0), 3);
	assert_string_equal(v[2], "print(1, 2)");
	assert_int_equal(split("echo \"a 'b' \\\"c\\\" \\\\\" x", v, 0), 3);
	assert_string_equal(v[1], "a 'b' \"c\" \\");
	assert_string_equal(v[2], "x");
	assert_int_equal(split("a'b c'd '' \"\"", v, 0), 3);
	assert_string_equal(v[0], "ab cd");
	assert_string_equal(v[1], "");
	assert_string_equal(v[2], "");
	assert_int_equal(split("a\\ b 'it\\'", v, 0), 2);
	assert_string_equal(v[0], "a b");
	assert_string_equal(v[1], "it\\");
}

static void test_words_separate_programs_at_unquoted_semicolons(void **state)
{
	(void)state;
	char *v[MAX + 1];
	assert_int_equal(split("hello;uhelper segv ; lua -e 'a=1; print(a)'", v,
			       WORDS_SEMICOLON), 8);
	assert_string_equal(v[0], "hello");
	assert_null(v[1]);
	assert_string_equal(v[2], "uhelper");
	assert_string_equal(v[3], "segv");
	assert_null(v[4]);
	assert_string_equal(v[5], "lua");
	assert_string_equal(v[6], "-e");
	assert_string_equal(v[7], "a=1; print(a)");
	/* Without the flag ';' is an ordinary byte. */
	assert_int_equal(split("a;b", v, 0), 1);
	assert_string_equal(v[0], "a;b");
}

static void test_words_refuse_open_quotes_and_too_many(void **state)
{
	(void)state;
	char *v[MAX + 1];
	assert_int_equal(split("echo 'abc", v, 0), WORDS_UNTERMINATED);
	assert_int_equal(split("echo \"abc\\\"", v, 0), WORDS_UNTERMINATED);
	assert_int_equal(split("1 2 3 4 5 6 7 8", v, 0), 8);
	assert_int_equal(split("1 2 3 4 5 6 7 8 9", v, 0), WORDS_TOO_MANY);
	assert_int_equal(split("1;2;3;4;5", v, WORDS_SEMICOLON), WORDS_TOO_MANY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_split_at_blanks),
		cmocka_unit_test(test_words_keep_quoted_blanks),
		cmocka_unit_test(test_words_separate_programs_at_unquoted_semicolons),
		cmocka_unit_test(test_words_refuse_open_quotes_and_too_many),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
