/* Kernel log; see kern/log.h. */
#include "kern/log.h"

#include "kern/arch.h"
#include "lib/fmt.h"

static void console_sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	arch_console_write(s, n);
}

void kvlog(const char *fmt, va_list ap)
{
	/* Format into a line buffer first so a message reaches the UART in
	 * one piece rather than in fragments between conversions. */
	char line[256];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	/* Never inside a line the console server (or a task) left partial. */
	arch_console_line_start();
	arch_console_write(line, (size_t)n);
}

void klog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvlog(fmt, ap);
	va_end(ap);
}

void kpanic(const char *fmt, ...)
{
	va_list ap;
	arch_console_write("\nPANIC: ", 8);
	va_start(ap, fmt);
	fmt_vformat(console_sink, 0, fmt, ap);
	va_end(ap);
	arch_console_write("\n", 1);
	arch_backtrace();
	arch_poweroff(3);
}
