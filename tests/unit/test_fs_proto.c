/* Host tests of the file protocol's path marshalling (servers/fs/fs_proto.h):
 * what libc packs, the server unpacks, and an untrusted message never
 * makes the server read past it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "servers/fs/fs_proto.h"

static void test_one_path_round_trips(void **state)
{
	uint64_t w[IPC_MAX_WORDS];
	w[0] = 0101;
	w[1] = 0644;
	uint32_t words = fs_pack_paths(w, 2, "/docs/numbers.txt", 0);
	assert_int_equal(words, 2 + 3); /* 18 bytes with the NUL: 3 words */
	const char *a = 0;
	assert_int_equal(fs_unpack_paths(w, words, 2, 1, &a, 0), 0);
	assert_string_equal(a, "/docs/numbers.txt");
	assert_int_equal(w[0], 0101); /* the fixed words are left alone */
	/* padding after the NUL is zero */
	assert_int_equal(((const char *)&w[2])[23], 0);
}

static void test_two_paths_round_trip(void **state)
{
	uint64_t w[IPC_MAX_WORDS];
	uint32_t words = fs_pack_paths(w, 0, "/a/old", "/b/new-name");
	assert_true(words > 0 && words <= IPC_MAX_WORDS);
	const char *a = 0, *b = 0;
	assert_int_equal(fs_unpack_paths(w, words, 0, 2, &a, &b), 0);
	assert_string_equal(a, "/a/old");
	assert_string_equal(b, "/b/new-name");
}

static void test_paths_that_do_not_fit_are_refused(void **state)
{
	uint64_t w[IPC_MAX_WORDS];
	char big[FS_PATH_BYTES(0) + 1];
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(fs_pack_paths(w, 0, big, 0), 0); /* no room for the NUL */
	big[FS_PATH_BYTES(0) - 1] = 0;                   /* exactly fits */
	assert_int_equal(fs_pack_paths(w, 0, big, 0), IPC_MAX_WORDS);
	big[FS_PATH_BYTES(2) - 1] = 0;
	assert_int_equal(fs_pack_paths(w, 2, big, 0), IPC_MAX_WORDS);
	big[300] = 0; /* two of 300 do not fit together */
	assert_int_equal(fs_pack_paths(w, 0, big, big), 0);
}

static void test_unterminated_and_empty_paths_are_refused(void **state)
{
	uint64_t w[IPC_MAX_WORDS];
	const char *a = 0, *b = 0;
	memset(w, 'x', sizeof(w)); /* no NUL anywhere */
	assert_int_equal(fs_unpack_paths(w, IPC_MAX_WORDS, 0, 1, &a, 0), -FS_EINVAL);
	assert_int_equal(fs_unpack_paths(w, 3, 1, 1, &a, 0), -FS_EINVAL);
	/* a NUL only after the words the message carried */
	((char *)w)[3 * 8] = 0;
	assert_int_equal(fs_unpack_paths(w, 3, 0, 1, &a, 0), -FS_EINVAL);
	/* no path words at all */
	assert_int_equal(fs_unpack_paths(w, 2, 2, 1, &a, 0), -FS_EINVAL);
	/* empty */
	memset(w, 0, sizeof(w));
	assert_int_equal(fs_unpack_paths(w, 1, 0, 1, &a, 0), -FS_ENOENT);
	/* one good path, the second missing its NUL */
	memset(w, 'y', sizeof(w));
	memcpy(w, "/ok", 4);
	assert_int_equal(fs_unpack_paths(w, 2, 0, 2, &a, &b), -FS_EINVAL);
	assert_int_equal(fs_unpack_paths(w, 2, 0, 1, &a, 0), 0);
	assert_string_equal(a, "/ok");
}

static void test_dirent_sizes_are_word_padded(void **state)
{
	assert_int_equal(FS_DIRENT_SIZE(1), 16);
	assert_int_equal(FS_DIRENT_SIZE(8), 16);
	assert_int_equal(FS_DIRENT_SIZE(9), 24);
	assert_int_equal(FS_DIRENT_SIZE(255), 8 + 256);
	assert_true(FS_DIRENT_SIZE(255) <= FS_READDIR_BYTES); /* a longest name fits a batch */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_path_round_trips),
		cmocka_unit_test(test_two_paths_round_trip),
		cmocka_unit_test(test_paths_that_do_not_fit_are_refused),
		cmocka_unit_test(test_unterminated_and_empty_paths_are_refused),
		cmocka_unit_test(test_dirent_sizes_are_word_padded),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
