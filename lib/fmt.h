/*
 * printf-style formatting shared by the kernel log and the early user
 * runtime. Output goes through a sink callback so the kernel can write to
 * the UART and user code into a buffer. Supports %d %i %u %x %X %p %s %c
 * %%, the length modifiers l, ll, z, and a field width with optional 0
 * or - flag.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink)(void *ctx, const char *s, size_t n);

void fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
