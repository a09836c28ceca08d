/*
 * Host unit tests for lib/fmt.c.
 *
 * Most cases are checked against literal expected strings; where fmt and
 * the C library must agree (every supported conversion with plain
 * arguments), the host snprintf result is the reference as well.
 * Truncation tests format into a heap block of exactly the size passed,
 * so AddressSanitizer reports any write past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"

/* Formats into a roomy buffer, checks the text and the returned length. */
#define CHECK(expect, ...)                                             \
    do {                                                               \
        char out_[256];                                                \
        int n_ = fmt_snprintf(out_, sizeof(out_), __VA_ARGS__);        \
        assert_string_equal(out_, expect);                             \
        assert_int_equal(n_, (int)strlen(expect));                     \
    } while (0)

/* fmt_snprintf without the format attribute, for formats that gcc's
 * printf checking rejects on purpose: fmt must still behave. */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

#define CHECK_UNCHECKED(expect, ...)                                   \
    do {                                                               \
        char out_[256];                                                \
        int n_ = fmt_unchecked(out_, sizeof(out_), __VA_ARGS__);       \
        assert_string_equal(out_, expect);                             \
        assert_int_equal(n_, (int)strlen(expect));                     \
    } while (0)

/* As CHECK, with the host's snprintf as a second reference. */
#define CHECK_HOST(expect, ...)                                        \
    do {                                                               \
        char host_[256];                                               \
        snprintf(host_, sizeof(host_), __VA_ARGS__);                   \
        assert_string_equal(host_, expect);                            \
        CHECK(expect, __VA_ARGS__);                                    \
    } while (0)

static void test_fmt_plain_text_and_percent(void **state)
{
    CHECK_HOST("", "%s", "");
    CHECK("hello", "hello");
    CHECK_HOST("100%", "100%%");
    CHECK_HOST("%d", "%%d");
    CHECK_HOST("a%b", "a%cb", '%');
}

static void test_fmt_signed_decimal(void **state)
{
    CHECK_HOST("0", "%d", 0);
    CHECK_HOST("42", "%d", 42);
    CHECK_HOST("-42", "%i", -42);
    CHECK_HOST("2147483647", "%d", INT_MAX);
    CHECK_HOST("-2147483648", "%d", INT_MIN);
    CHECK_HOST("-1 7 -3", "%d %i %d", -1, 7, -3);
}

static void test_fmt_unsigned_and_hex(void **state)
{
    CHECK_HOST("4294967295", "%u", UINT_MAX);
    CHECK_HOST("4294967295", "%u", -1);
    CHECK_HOST("0", "%x", 0);
    CHECK_HOST("deadbeef", "%x", 0xdeadbeefu);
    CHECK_HOST("DEADBEEF", "%X", 0xdeadbeefu);
    CHECK_HOST("ffffffff", "%x", -1);
    CHECK_HOST("a 1F", "%x %X", 10u, 31u);
}

static void test_fmt_long_modifiers(void **state)
{
    CHECK_HOST("9223372036854775807", "%ld", LONG_MAX);
    CHECK_HOST("-9223372036854775807", "%ld", -LONG_MAX);
    CHECK_HOST("18446744073709551615", "%lu", ULONG_MAX);
    CHECK_HOST("ffffffffffffffff", "%lx", ULONG_MAX);
    CHECK_HOST("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
    CHECK_HOST("-5000000000", "%lld", -5000000000ll);
    CHECK_HOST("18446744073709551615", "%llu", ULLONG_MAX);
    CHECK_HOST("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
    /* An int-sized conversion does not swallow a wider argument's bits. */
    CHECK_HOST("1 2", "%d %ld", 1, 2l);
}

static void test_fmt_size_modifier(void **state)
{
    CHECK_HOST("18446744073709551615", "%zu", SIZE_MAX);
    CHECK_HOST("ffffffffffffffff", "%zx", SIZE_MAX);
    CHECK_HOST("4096", "%zu", (size_t)4096);
    CHECK_HOST("-7", "%zd", (ptrdiff_t)-7);
}

static void test_fmt_int64_min(void **state)
{
    CHECK_HOST("-9223372036854775808", "%lld", (long long)INT64_MIN);
    CHECK_HOST("-9223372036854775808", "%ld", (long)INT64_MIN);
    CHECK_HOST("-000009223372036854775808", "%025lld", (long long)INT64_MIN);
    CHECK_HOST("8000000000000000", "%llx", (unsigned long long)INT64_MIN);
}

static void test_fmt_width_pads_left_with_spaces(void **state)
{
    CHECK_HOST("   42", "%5d", 42);
    CHECK_HOST("  -42", "%5d", -42);
    CHECK_HOST("12345", "%3d", 12345);
    CHECK_HOST("    ab", "%6s", "ab");
    CHECK_HOST("  ff", "%4x", 255u);
    CHECK_HOST("   x", "%4c", 'x');
}

static void test_fmt_minus_flag_pads_right(void **state)
{
    CHECK_HOST("42   |", "%-5d|", 42);
    CHECK_HOST("-42  |", "%-5d|", -42);
    CHECK_HOST("ab    |", "%-6s|", "ab");
    CHECK_HOST("x  |", "%-3c|", 'x');
    /* '-' wins over '0'. */
    CHECK_UNCHECKED("42   |", "%-05d|", 42);
    CHECK_UNCHECKED("-42  |", "%-05d|", -42);
    CHECK_UNCHECKED("42   |", "%0-5d|", 42);
}

static void test_fmt_zero_flag_pads_numbers(void **state)
{
    CHECK_HOST("00042", "%05d", 42);
    CHECK_HOST("000000ff", "%08x", 255u);
    CHECK_HOST("00000000deadbeef", "%016lx", 0xdeadbeeful);
    CHECK_HOST("0000000000000000", "%016llx", 0ull);
    CHECK_HOST("123456", "%04d", 123456);
}

static void test_fmt_negative_with_zero_padding(void **state)
{
    /* The sign comes first, then the zeros. */
    CHECK_HOST("-0042", "%05d", -42);
    CHECK_HOST("-0000000001", "%011ld", -1l);
    CHECK_HOST("-42", "%03d", -42);
    CHECK_HOST("-42", "%02d", -42);
    CHECK_UNCHECKED("-42", "%00d", -42);
    CHECK_HOST("-000000000000000000009223372036854775808", "%040lld",
               (long long)INT64_MIN);
}

static void test_fmt_pointer(void **state)
{
    CHECK("0x0", "%p", (void *)0);
    CHECK("0x1000", "%p", (void *)0x1000);
    CHECK("0xffffffc000200000", "%p", (void *)0xffffffc000200000ull);
    CHECK("[0x1000]", "[%p]", (void *)0x1000);
}

static void test_fmt_strings_and_null(void **state)
{
    CHECK_HOST("a-b", "%s-%s", "a", "b");
    CHECK_UNCHECKED("(null)", "%s", (char *)NULL);
    CHECK_UNCHECKED("  (null)", "%8s", (char *)NULL);
    CHECK_UNCHECKED("x(null)y", "x%sy", (char *)NULL);
}

static void test_fmt_char(void **state)
{
    CHECK_HOST("A", "%c", 'A');
    CHECK_HOST("xyz", "%c%c%c", 'x', 'y', 'z');
    CHECK_HOST("\xff", "%c", 0xff);
}

static void test_fmt_mixed_arguments_stay_in_step(void **state)
{
    CHECK_HOST("pid 7 name init at ffffffffffffff00 (3 KiB) ok",
               "pid %d name %s at %lx (%zu KiB) %c%c", 7, "init",
               0xffffffffffffff00ul, (size_t)3, 'o', 'k');
}

static void test_fmt_unknown_conversion_is_printed_as_is(void **state)
{
    CHECK_UNCHECKED("%q 5", "%q %d", 5);
    CHECK_UNCHECKED("%5y|", "%5y|");
    CHECK_UNCHECKED("end%", "end%");
    CHECK_UNCHECKED("end%05", "end%05");
    CHECK_UNCHECKED("end%l", "end%l");
}

/* fmt_snprintf into a heap buffer of exactly `size` bytes. */
static int fmt_exact(size_t size, char **out, const char *fmt, ...)
{
    va_list ap;
    *out = size ? malloc(size) : NULL;
    if (size)
        memset(*out, '#', size);
    va_start(ap, fmt);
    int n = fmt_vsnprintf(*out, size, fmt, ap);
    va_end(ap);
    return n;
}

static void test_fmt_truncation_returns_full_length(void **state)
{
    char *out;
    for (size_t size = 1; size <= 12; size++) {
        int n = fmt_exact(size, &out, "hello %d!", 12345);
        assert_int_equal(n, 12);
        size_t kept = size - 1 < 12 ? size - 1 : 12;
        assert_int_equal(strlen(out), kept);
        assert_memory_equal(out, "hello 12345!", kept);
        free(out);
    }
    assert_int_equal(fmt_exact(13, &out, "hello %d!", 12345), 12);
    assert_string_equal(out, "hello 12345!");
    free(out);
}

static void test_fmt_truncation_inside_padding(void **state)
{
    char *out;
    assert_int_equal(fmt_exact(4, &out, "%10d", 7), 10);
    assert_string_equal(out, "   ");
    free(out);
    assert_int_equal(fmt_exact(4, &out, "%-10d|", 7), 11);
    assert_string_equal(out, "7  ");
    free(out);
    assert_int_equal(fmt_exact(2, &out, "%05d", -3), 5);
    assert_string_equal(out, "-");
    free(out);
}

static void test_fmt_size_one_writes_only_nul(void **state)
{
    char *out;
    assert_int_equal(fmt_exact(1, &out, "abc%s", "def"), 6);
    assert_int_equal(out[0], 0);
    free(out);
}

static void test_fmt_size_zero_writes_nothing(void **state)
{
    char *out;
    assert_int_equal(fmt_exact(0, &out, "abc%d", 42), 5);
    assert_null(out);
    char guard[4] = "###";
    assert_int_equal(fmt_snprintf(guard, 0, "xyz"), 3);
    assert_string_equal(guard, "###");
}

static void test_fmt_long_output_is_counted(void **state)
{
    char *out;
    assert_int_equal(fmt_exact(8, &out, "%200s", "x"), 200);
    assert_string_equal(out, "       ");
    free(out);
    assert_int_equal(fmt_exact(8, &out, "%s%s%s", "aaaa", "bbbb", "cccc"), 12);
    assert_string_equal(out, "aaaabbb");
    free(out);
}

struct collect {
    char text[64];
    size_t len;
};

static void collect_sink(void *ctx, const char *s, size_t n)
{
    struct collect *c = ctx;
    assert_true(c->len + n < sizeof(c->text));
    memcpy(c->text + c->len, s, n);
    c->len += n;
}

static void vformat(struct collect *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(collect_sink, c, fmt, ap);
    va_end(ap);
}

static void test_fmt_vformat_feeds_sink(void **state)
{
    struct collect c = { .len = 0 };
    vformat(&c, "a=%d, b=%s.", -5, "xy");
    assert_int_equal(c.len, strlen("a=-5, b=xy."));
    assert_memory_equal(c.text, "a=-5, b=xy.", c.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_plain_text_and_percent),
        cmocka_unit_test(test_fmt_signed_decimal),
        cmocka_unit_test(test_fmt_unsigned_and_hex),
        cmocka_unit_test(test_fmt_long_modifiers),
        cmocka_unit_test(test_fmt_size_modifier),
        cmocka_unit_test(test_fmt_int64_min),
        cmocka_unit_test(test_fmt_width_pads_left_with_spaces),
        cmocka_unit_test(test_fmt_minus_flag_pads_right),
        cmocka_unit_test(test_fmt_zero_flag_pads_numbers),
        cmocka_unit_test(test_fmt_negative_with_zero_padding),
        cmocka_unit_test(test_fmt_pointer),
        cmocka_unit_test(test_fmt_strings_and_null),
        cmocka_unit_test(test_fmt_char),
        cmocka_unit_test(test_fmt_mixed_arguments_stay_in_step),
        cmocka_unit_test(test_fmt_unknown_conversion_is_printed_as_is),
        cmocka_unit_test(test_fmt_truncation_returns_full_length),
        cmocka_unit_test(test_fmt_truncation_inside_padding),
        cmocka_unit_test(test_fmt_size_one_writes_only_nul),
        cmocka_unit_test(test_fmt_size_zero_writes_nothing),
        cmocka_unit_test(test_fmt_long_output_is_counted),
        cmocka_unit_test(test_fmt_vformat_feeds_sink),
    };
    return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
