/*
 * The shell's line editor (see lineedit.h). The console runs in raw mode
 * while a line is edited (CONS_MODE_RAW: bytes come as typed, no echo)
 * and back in cooked mode while a command runs, so programs read lines
 * and Ctrl-C reaches the shell's interrupt thread.
 *
 * A key, step by step:
 *   1. read() hands over the bytes typed (CONS_READ flushes our echo);
 *   2. escape sequences (ESC [ X, ESC [ N ~, ESC O X) become keys;
 *   3. the key edits the line, moves the cursor or walks the history;
 *   4. the screen follows: a character typed at the end is echoed, an
 *      erase at the end is "\b \b", anything else redraws the line
 *      (\r, prompt, line, erase to end of line, cursor back).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/console/console_proto.h"
#include "servers/shell/shell.h"

#define HIST_N 16
#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f
#define ESC 0x1b

enum key {
	K_LEFT = 0x100,
	K_RIGHT,
	K_UP,
	K_DOWN,
	K_HOME,
	K_END,
	K_DELETE,
	K_NONE,
};

/* The line being edited; a line never holds a NUL. */
struct edit {
	const char *prompt;
	char *buf;
	size_t size; /* buf's size: at most size - 1 characters */
	size_t len, pos;
};

static char hist[HIST_N][LINEEDIT_MAX];
static unsigned hist_count; /* lines ever added; the last is hist[(count-1) % N] */

static unsigned char inbuf[256]; /* bytes read, not yet taken */
static size_t in_len, in_at;
static bool last_cr; /* the \n of a \r\n pair is no second Enter */

static bool console_mode(uint64_t mode)
{
	uint64_t w[1] = { mode };
	return ipc_request(H_CONSOLE, &shell_buf, CONS_MODE, w, 1, 0, 0, 0, 0, 0, 0) == 0;
}

/* The next byte typed; -1 at end of input. */
static int next_byte(void)
{
	if (in_at == in_len) {
		fflush(stdout);
		long n = read(0, inbuf, sizeof(inbuf));
		if (n <= 0)
			return -1;
		in_len = (size_t)n;
		in_at = 0;
	}
	return inbuf[in_at++];
}

/* A key: a byte, or one of enum key for an escape sequence. */
static int next_key(void)
{
	int c = next_byte();
	if (c != ESC)
		return c;
	int c1 = next_byte();
	if (c1 != '[' && c1 != 'O')
		return K_NONE;
	int c2 = next_byte(), num = 0;
	while (c2 >= '0' && c2 <= '9') {
		num = num * 10 + (c2 - '0');
		c2 = next_byte();
	}
	switch (c2) {
	case 'A': return K_UP;
	case 'B': return K_DOWN;
	case 'C': return K_RIGHT;
	case 'D': return K_LEFT;
	case 'H': return K_HOME;
	case 'F': return K_END;
	case '~':
		return num == 1 || num == 7 ? K_HOME : num == 4 || num == 8 ? K_END :
		       num == 3 ? K_DELETE : K_NONE;
	default: return c2 < 0 ? -1 : K_NONE;
	}
}

static void redraw(const struct edit *e)
{
	printf("\r%s%.*s\x1b[K", e->prompt, (int)e->len, e->buf);
	if (e->len > e->pos)
		printf("\x1b[%zuD", e->len - e->pos);
}

static void insert(struct edit *e, const char *s, size_t n)
{
	if (e->len + n >= e->size) {
		putchar('\a');
		return;
	}
	memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
	memcpy(e->buf + e->pos, s, n);
	e->len += n;
	e->pos += n;
	if (e->pos == e->len)
		printf("%.*s", (int)n, s);
	else
		redraw(e);
}

static void erase_before(struct edit *e)
{
	if (!e->pos)
		return;
	memmove(e->buf + e->pos - 1, e->buf + e->pos, e->len - e->pos);
	e->len--;
	e->pos--;
	if (e->pos == e->len)
		printf("\b \b");
	else
		redraw(e);
}

static void set_line(struct edit *e, const char *s)
{
	size_t n = strlen(s);
	if (n >= e->size)
		n = e->size - 1;
	memcpy(e->buf, s, n);
	e->len = e->pos = n;
	redraw(e);
}

static void hist_add(const char *line)
{
	if (!line[0])
		return;
	if (hist_count && strcmp(hist[(hist_count - 1) % HIST_N], line) == 0)
		return;
	snprintf(hist[hist_count % HIST_N], LINEEDIT_MAX, "%s", line);
	hist_count++;
}

/* --- Tab ------------------------------------------------------------------ */

struct completion {
	const char *word; /* the prefix typed */
	size_t wlen;
	char common[LINEEDIT_MAX]; /* the longest prefix all matches share */
	int matches;
	bool list; /* print each match */
};

static void complete_one(const char *name, void *arg)
{
	struct completion *c = arg;
	if (strncmp(name, c->word, c->wlen) != 0)
		return;
	if (c->list) {
		printf("%s  ", name);
		return;
	}
	if (c->matches++ == 0) {
		snprintf(c->common, sizeof(c->common), "%s", name);
		return;
	}
	size_t i = 0;
	while (c->common[i] && c->common[i] == name[i])
		i++;
	c->common[i] = 0;
}

/* Completes the word before the cursor: a command name if it is the
 * first word, a program name after "run". Several matches: the common
 * part; nothing to add: the matches listed, then the line again. */
static void complete(struct edit *e)
{
	size_t start = e->pos;
	while (start && e->buf[start - 1] != ' ')
		start--;
	size_t first = 0;
	while (first < e->len && e->buf[first] == ' ')
		first++;
	void (*each)(void (*)(const char *, void *), void *);
	if (start <= first)
		each = shell_each_command;
	else if (e->len - first >= 4 && strncmp(e->buf + first, "run ", 4) == 0 &&
		 start == first + 4 + strspn(e->buf + first + 4, " "))
		each = shell_each_program;
	else
		return;
	char word[LINEEDIT_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)(e->pos - start), e->buf + start);
	struct completion c = { .word = word, .wlen = strlen(word) };
	each(complete_one, &c);
	if (c.matches == 0) {
		putchar('\a');
		return;
	}
	size_t add = strlen(c.common) - c.wlen;
	if (add)
		insert(e, c.common + c.wlen, add);
	if (c.matches == 1) {
		insert(e, " ", 1);
	} else if (!add) {
		c.list = true;
		printf("\n");
		each(complete_one, &c);
		printf("\n");
		redraw(e);
	}
}

/* --- the line ------------------------------------------------------------- */

/* One key; 1: the line is done, -1: end of input, 0: go on. */
static int edit_key(struct edit *e, int k, unsigned *hist_at, char *saved)
{
	bool after_cr = last_cr;
	last_cr = k == '\r';
	switch (k) {
	case -1:
		return -1;
	case '\n':
		if (after_cr)
			return 0;
		/* fall through */
	case '\r':
		printf("\n");
		return 1;
	case CTRL('D'):
		return e->len ? 0 : -1;
	case CTRL('C'):
		printf("^C\n");
		e->len = e->pos = 0;
		return 1;
	case '\b':
	case DEL:
		erase_before(e);
		return 0;
	case K_DELETE:
		if (e->pos < e->len) {
			e->pos++;
			erase_before(e);
		}
		return 0;
	case CTRL('U'):
		e->len = e->pos = 0;
		redraw(e);
		return 0;
	case K_LEFT:
	case CTRL('B'):
		if (e->pos) {
			e->pos--;
			printf("\b");
		}
		return 0;
	case K_RIGHT:
	case CTRL('F'):
		if (e->pos < e->len)
			putchar(e->buf[e->pos++]);
		return 0;
	case K_HOME:
	case CTRL('A'):
		e->pos = 0;
		redraw(e);
		return 0;
	case K_END:
	case CTRL('E'):
		e->pos = e->len;
		redraw(e);
		return 0;
	case K_UP:
	case K_DOWN: {
		unsigned oldest = hist_count > HIST_N ? hist_count - HIST_N : 0;
		if (*hist_at == hist_count) { /* leaving the new line: keep it */
			e->buf[e->len] = 0;
			snprintf(saved, LINEEDIT_MAX, "%s", e->buf);
		}
		if (k == K_UP && *hist_at > oldest)
			(*hist_at)--;
		else if (k == K_DOWN && *hist_at < hist_count)
			(*hist_at)++;
		else
			return 0;
		set_line(e, *hist_at == hist_count ? saved : hist[*hist_at % HIST_N]);
		return 0;
	}
	case '\t':
		complete(e);
		return 0;
	default:
		if (k < 0x20 || k >= 0x100)
			return 0;
		char ch = (char)k;
		insert(e, &ch, 1);
		return 0;
	}
}

static bool read_cooked(char *line, size_t size)
{
	if (!fgets(line, (int)size, stdin))
		return false;
	line[strcspn(line, "\n")] = 0;
	return true;
}

bool lineedit_read(const char *prompt, char *line, size_t size)
{
	if (size > LINEEDIT_MAX)
		size = LINEEDIT_MAX;
	printf("%s", prompt);
	if (!console_mode(CONS_MODE_RAW))
		return read_cooked(line, size); /* no console of ours to edit on */
	struct edit e = { .prompt = prompt, .buf = line, .size = size };
	unsigned hist_at = hist_count;
	static char saved[LINEEDIT_MAX];
	int r;
	while ((r = edit_key(&e, next_key(), &hist_at, saved)) == 0)
		;
	fflush(stdout);
	console_mode(CONS_MODE_COOKED);
	line[e.len] = 0;
	if (r < 0)
		return false;
	hist_add(line);
	return true;
}
