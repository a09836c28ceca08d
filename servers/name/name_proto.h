/*
 * Name server protocol, shared by the server and its clients.
 *
 * Names are 1..31 characters of [a-z0-9._-], packed NUL-padded into
 * NAME_WORDS message words.
 *
 * Who is asking: the server tells clients apart by the badge of the send
 * handle they call through. init holds the one unbadged handle
 * (NAME_BADGE_INIT) and hands every program it starts a handle minted
 * with a badge of its own (H_NAME); a program's children get a copy of
 * its handle, so they act as it does.
 *
 * A service's name, step by step:
 *   1. before it starts any other program, init reserves the names of
 *      the services it runs (NAME_RESERVE): from then on only init may
 *      register those names, so none can be squatted, even while a
 *      service is down or before it registers;
 *   2. the server's endpoint is registered (NAME_REGISTER); the name
 *      server keeps a send handle and the registrant's badge;
 *   3. clients look it up (NAME_LOOKUP) and get a copy of that handle;
 *   4. the registrant unregisters it (NAME_UNREGISTER), or the endpoint
 *      dies (the task that created it ended, or it was destroyed): the
 *      server drops a dead entry when a lookup or list meets it, and all
 *      of them before it weighs a registration against the limits
 *      (HANDLE_INFO_DEAD tells it, uapi/syscall.h).
 *
 * Messages (reply label: 0 or an error code; every refusal is answered):
 *   NAME_REGISTER    words: name; handles: 1 (the endpoint to publish,
 *                    kept with the rights it came with: R_SEND and
 *                    R_GRANT at least, else E_PERM)
 *                    reply: E_BUSY if taken, E_PERM if reserved for init,
 *                    E_DEAD if the endpoint is dead, E_FULL if the caller
 *                    already holds NAME_PER_CLIENT names (init: no limit)
 *                    or the table is full
 *   NAME_LOOKUP      words: name; reply: 1 handle (a copy of the
 *                    published one, with the rights it was published
 *                    with); E_NOENT if none or its endpoint died
 *   NAME_LIST        words: index; reply: words: the name at index among
 *                    the live entries (E_NOENT past the end)
 *   NAME_UNREGISTER  words: name; reply: E_NOENT if not registered,
 *                    E_PERM if another client registered it
 *   NAME_RESERVE     words: name (init only, else E_PERM); a name ending
 *                    in '.' reserves every name it begins
 *                    reply: E_FULL if the reservation table is full
 */
#ifndef SERVERS_NAME_PROTO_H
#define SERVERS_NAME_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"
#include "uapi/errors.h"
#include "uapi/syscall.h"

#define NAME_MAX_LEN 31
#define NAME_WORDS 4

enum name_label {
	NAME_REGISTER = 1,
	NAME_LOOKUP = 2,
	NAME_LIST = 3,
	NAME_UNREGISTER = 4,
	NAME_RESERVE = 5,
};

/* The badge of init's handle: unbadged. Every other client's is not 0. */
#define NAME_BADGE_INIT 0

/* Names one client (one badge) may hold at once. */
#define NAME_PER_CLIENT 8

static inline bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

/* Packs a valid name into w; false if the name is invalid. */
static inline bool name_pack(const char *name, uint64_t w[NAME_WORDS])
{
	size_t n = strnlen(name, NAME_MAX_LEN + 1);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(name[i]))
			return false;
	memset(w, 0, NAME_WORDS * sizeof(uint64_t));
	memcpy(w, name, n);
	return true;
}

/* Unpacks and checks a name from untrusted words: NUL-terminated within
 * 32 bytes, NUL-padded, valid characters. */
static inline bool name_unpack(const uint64_t w[NAME_WORDS], char out[NAME_MAX_LEN + 1])
{
	memcpy(out, w, NAME_MAX_LEN + 1);
	size_t n = strnlen(out, NAME_MAX_LEN + 1);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(out[i]))
			return false;
	for (size_t i = n; i <= NAME_MAX_LEN; i++)
		if (out[i])
			return false;
	return true;
}

/* Checks the handle a NAME_REGISTER would publish. Lookups hand out
 * copies of it, which the kernel refuses without R_GRANT (the looker
 * would get E_PERM and the name would be taken for nothing), and a copy
 * without R_SEND reaches nobody. Returns 0, -E_INVAL if it is no
 * endpoint, -E_PERM if a right is missing. */
static inline long name_publishable(const struct handle_info *hi)
{
	if (hi->type != OBJ_ENDPOINT)
		return -E_INVAL;
	if ((hi->rights & (R_SEND | R_GRANT)) != (R_SEND | R_GRANT))
		return -E_PERM;
	return 0;
}

#ifdef LIBIPC_SERVER_H
/* Client stub: the handle published under name, or an error. */
static inline long name_lookup(int ns, struct ipc_buffer *buf, const char *name)
{
	uint64_t w[NAME_WORDS];
	if (!name_pack(name, w))
		return -E_INVAL;
	long err = ipc_request(ns, buf, NAME_LOOKUP, w, NAME_WORDS, 0, 0, 0, 0, 0, 0);
	return err < 0 ? err : buf->handles[0];
}
#endif

#endif
