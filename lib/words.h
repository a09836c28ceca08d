/*
 * Splitting a command line into words, for init (the kernel's bootargs)
 * and the shell: one tokenizer, so both quote alike.
 *
 * Words are separated by unquoted blanks (space, tab, newline). Inside
 * '...' every byte stands for itself; inside "..." too, except that \"
 * and \\ stand for " and \. Outside quotes a backslash takes the next
 * byte literally. Quotes may join parts of one word (a'b c'd is "ab cd");
 * '' is an empty word. With WORDS_SEMICOLON an unquoted ';' ends the
 * word before it and becomes a NULL entry: it separates programs (init).
 */
#ifndef LIB_WORDS_H
#define LIB_WORDS_H

#define WORDS_SEMICOLON 1

#define WORDS_UNTERMINATED -1 /* a quote is not closed */
#define WORDS_TOO_MANY -2     /* more than max entries */

/* Splits s in place; argv gets the entries (words, and with
 * WORDS_SEMICOLON the NULL separators), then a NULL. argv holds max + 1
 * pointers. Returns the number of entries, or a WORDS_* error (argv is
 * then unspecified). */
int words_split(char *s, char **argv, int max, int flags);

#endif
