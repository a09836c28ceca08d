/* Command-line words with quoting; see lib/words.h. */
#include "lib/words.h"

#include <stdbool.h>
#include <stddef.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies the quoted part opening at *in (on the quote) to *out; false if
 * it never closes. Both move past what was used. */
static bool quoted(char **in, char **out)
{
	char q = *(*in)++, *p = *in, *o = *out;
	while (*p && *p != q) {
		if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*o++ = *p++;
	}
	if (!*p)
		return false;
	*in = p + 1;
	*out = o;
	return true;
}

int words_split(char *s, char **argv, int max, int flags)
{
	int n = 0;
	char *in = s, *out = s; /* out never passes in: the copy is in place */
	for (;;) {
		while (blank(*in))
			in++;
		if (!*in)
			break;
		if (n == max)
			return WORDS_TOO_MANY;
		if (*in == ';' && (flags & WORDS_SEMICOLON)) {
			argv[n++] = NULL;
			in++;
			continue;
		}
		argv[n++] = out;
		while (*in && !blank(*in) && !(*in == ';' && (flags & WORDS_SEMICOLON))) {
			if (*in == '\'' || *in == '"') {
				if (!quoted(&in, &out))
					return WORDS_UNTERMINATED;
			} else {
				if (*in == '\\' && in[1])
					in++;
				*out++ = *in++;
			}
		}
		/* The byte at in (a blank, ';' or the end) is read before the
		 * terminator may overwrite it. */
		char stop = *in;
		*out++ = 0;
		if (!stop)
			break;
		in++;
		if (stop == ';') {
			if (n == max)
				return WORDS_TOO_MANY;
			argv[n++] = NULL;
		}
	}
	argv[n] = NULL;
	return n;
}
