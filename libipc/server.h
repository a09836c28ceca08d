/*
 * The one server loop every server and pager uses.
 *
 *   1. receive a message (with the long part from the IPC buffer);
 *   2. find the handler for its label in the server's table; check the
 *      sender's badge carries the handler's required bits, the word count
 *      lies in the handler's range and exactly the expected number of
 *      handles came along;
 *   3. run the handler, which fills the reply;
 *   4. reply (label = status: 0 or an error code) and wait again, in one
 *      system call.
 * Unknown labels get E_NOSYS, malformed requests E_INVAL, failed access
 * checks E_PERM; handles that arrived with a rejected request are closed.
 * The loop never stops on a bad request.
 */
#ifndef LIBIPC_SERVER_H
#define LIBIPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "libipc/ipc.h"

struct ipc_request {
	uint32_t label;
	uint32_t words;
	uint32_t nhandles;
	uint64_t badge;
	uint64_t w[IPC_MAX_WORDS];
	int32_t handles[IPC_MAX_HANDLES];
};

struct ipc_response {
	uint32_t words;
	uint32_t nhandles;
	uint64_t w[IPC_MAX_WORDS];
	int32_t handles[IPC_MAX_HANDLES];
	uint32_t rights[IPC_MAX_HANDLES];
	uint32_t move; /* bit i: close handles[i] once the reply carried a copy
			* (ipc_serve only; a handle minted for the caller) */
};

/* Returns 0 or a negated error code, which becomes the reply label. */
typedef long (*ipc_handler_fn)(void *ctx, const struct ipc_request *req,
			       struct ipc_response *resp);

struct ipc_handler {
	uint32_t label;
	const char *name;
	uint32_t min_words, max_words;
	uint32_t handles;    /* handles the request must carry */
	uint64_t need_badge; /* badge bits the sender must hold */
	ipc_handler_fn fn;
};

struct ipc_server {
	int ep;
	const struct ipc_handler *table;
	size_t ntable;
	void *ctx;
	struct ipc_buffer *buf; /* this thread's IPC buffer */
	const char *name;       /* for log lines */
	uint64_t served, rejected;
	struct ipc_request req;  /* scratch for the loop */
	struct ipc_response resp;
};

/* Runs the loop; returns only if the endpoint dies (the error). */
long ipc_serve(struct ipc_server *s);

/* One step, for tests and servers with their own loop: checks and
 * dispatches req, filling resp; returns the status. */
long ipc_dispatch(struct ipc_server *s, const struct ipc_request *req,
		  struct ipc_response *resp);

/* Client side: sends label with words (and handles from the buffer) and
 * waits for the reply. Returns the reply status (label) or a call error;
 * reply words land in out (if non-NULL, up to max_out words). */
long ipc_request(int ep, struct ipc_buffer *buf, uint32_t label, const uint64_t *w,
		 uint32_t nwords, const int32_t *handles, const uint32_t *rights,
		 uint32_t nhandles, uint64_t *out, uint32_t max_out, uint32_t *out_words);

/* ipc_request with a deadline: E_TIMEOUT if no server answered within
 * timeout_ns (0: none). */
long ipc_request_timed(int ep, struct ipc_buffer *buf, uint32_t label, const uint64_t *w,
		       uint32_t nwords, const int32_t *handles, const uint32_t *rights,
		       uint32_t nhandles, uint64_t *out, uint32_t max_out,
		       uint32_t *out_words, uint64_t timeout_ns);

#endif
