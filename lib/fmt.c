/* printf-style formatting; see lib/fmt.h. */
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

struct spec {
	int width;
	bool zero, left;
	int lng; /* 0: int, 1: long, 2: long long, 3: size_t */
};

static void emit_padded(fmt_sink sink, void *ctx, const char *s, size_t n,
			const struct spec *sp)
{
	size_t pad = sp->width > 0 && (size_t)sp->width > n ? sp->width - n : 0;
	char fill = sp->zero && !sp->left ? '0' : ' ';
	if (!sp->left)
		for (size_t i = 0; i < pad; i++)
			sink(ctx, &fill, 1);
	sink(ctx, s, n);
	if (sp->left)
		for (size_t i = 0; i < pad; i++)
			sink(ctx, " ", 1);
}

static void emit_number(fmt_sink sink, void *ctx, uint64_t v, bool neg,
			unsigned base, bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);
	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (sp->zero && sp->width > 0) {
			sink(ctx, "-", 1);
			struct spec s2 = *sp;
			s2.width--;
			emit_padded(sink, ctx, buf + i, sizeof(buf) - i, &s2);
			return;
		}
		buf[--i] = '-';
	}
	emit_padded(sink, ctx, buf + i, sizeof(buf) - i, sp);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '0')
			sp->zero = true;
		else if (*f == '-')
			sp->left = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == 'z') {
		sp->lng = 3;
		f++;
	}
	while (*f == 'l') {
		sp->lng++;
		f++;
	}
	return f;
}

static uint64_t arg_unsigned(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, unsigned int);
	if (lng == 3)
		return va_arg(*ap, size_t);
	return va_arg(*ap, unsigned long long);
}

static int64_t arg_signed(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, int);
	if (lng == 3)
		return (int64_t)va_arg(*ap, size_t);
	return va_arg(*ap, long long);
}

void fmt_vformat(fmt_sink sink, void *ctx, const char *f, va_list ap0)
{
	va_list ap;
	va_copy(ap, ap0);
	while (*f) {
		const char *p = f;
		while (*p && *p != '%')
			p++;
		if (p != f)
			sink(ctx, f, p - f);
		if (!*p)
			break;
		struct spec sp;
		f = parse_spec(p + 1, &sp);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, sp.lng);
			emit_number(sink, ctx, v < 0 ? -(uint64_t)v : (uint64_t)v,
				    v < 0, 10, false, &sp);
			break;
		}
		case 'u':
			emit_number(sink, ctx, arg_unsigned(&ap, sp.lng), false, 10,
				    false, &sp);
			break;
		case 'x':
		case 'X':
			emit_number(sink, ctx, arg_unsigned(&ap, sp.lng), false, 16,
				    *f == 'X', &sp);
			break;
		case 'p':
			sink(ctx, "0x", 2);
			emit_number(sink, ctx, (uintptr_t)va_arg(ap, void *), false,
				    16, false, &sp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			emit_padded(sink, ctx, s, strlen(s), &sp);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit_padded(sink, ctx, &c, 1, &sp);
			break;
		}
		case '%':
			sink(ctx, "%", 1);
			break;
		default: /* unknown conversion: print it as it stands */
			sink(ctx, p, f - p + (*f ? 1 : 0));
			if (!*f) {
				va_end(ap);
				return;
			}
		}
		f++;
	}
	va_end(ap);
}

struct bufctx {
	char *buf;
	size_t size, len;
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
	struct bufctx *b = ctx;
	for (size_t i = 0; i < n; i++, b->len++)
		if (b->len + 1 < b->size)
			b->buf[b->len] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufctx b = { buf, size, 0 };
	fmt_vformat(buf_sink, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = 0;
	return (int)b.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
