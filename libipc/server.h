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
 *      system call; or, when the handler succeeded and set an undo hook
 *      (resp->undo), reply alone (SYS_REPLY reports a failed delivery,
 *      reply_recv does not), run the hook if the reply did not arrive,
 *      then wait.
 * Unknown labels get E_NOSYS, malformed requests E_INVAL, failed access
 * checks E_PERM; handles that arrived with a rejected request are closed.
 * The loop never stops on a bad request.
 *
 * Undo: a handler that commits something for its caller (a new object
 * whose handle rides in the reply) sets resp->undo. A reply that cannot
 * be delivered (the caller died or gave up, has no IPC buffer for the
 * handles, or no free slot in its table) leaves the caller with nothing,
 * so the hook takes the commitment back; without it each such request
 * would leak server state for good.
 */
#ifndef LIBIPC_SERVER_H
#define LIBIPC_SERVER_H

#include <stdbool.h>
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

struct ipc_response;

/* Takes back what a successful handler committed: resp is the reply that
 * could not be delivered. Cannot fail. */
typedef void (*ipc_undo_fn)(void *ctx, const struct ipc_request *req,
			    const struct ipc_response *resp);

struct ipc_response {
	uint32_t words;
	uint32_t nhandles;
	uint64_t w[IPC_MAX_WORDS];
	int32_t handles[IPC_MAX_HANDLES];
	uint32_t rights[IPC_MAX_HANDLES];
	uint32_t move; /* bit i: close handles[i] once the reply carried a copy
			* (a handle minted for the caller) */
	ipc_undo_fn undo; /* set by a handler that committed something for
			   * its caller: runs if the reply is not delivered */
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
	uint64_t undone;         /* replies not delivered, their handler undone */
	struct ipc_request req;  /* scratch for the loop */
	struct ipc_response resp;
};

/* Runs the loop; returns only if the endpoint dies (the error). */
long ipc_serve(struct ipc_server *s);

/* One step, for tests and servers with their own loop: checks and
 * dispatches req, filling resp; returns the status. */
long ipc_dispatch(struct ipc_server *s, const struct ipc_request *req,
		  struct ipc_response *resp);

/* The end of one step, for servers with their own loop (the pagers):
 * sends the reply packed in m for the request ipc_dispatch just handled
 * in s->req / s->resp, undoes the handler if it had an undo hook and the
 * reply was not delivered, closes the reply's moved handles, then waits
 * on ep. Returns the receive status; the next message is then in m. */
long ipc_server_answer(struct ipc_server *s, int ep, struct ipc_msg *m);

/* Serves m, a client request received on ep, through s's handler table
 * (long words and handles from s's IPC buffer); answers and receives the
 * next message into m, as ipc_server_answer. For loops that receive
 * kernel messages and requests on one endpoint. */
long ipc_server_request(struct ipc_server *s, int ep, struct ipc_msg *m);

/* Its first half, for a loop that answers with a reply_recv of its own
 * (inline, so that the next message lands where its other receives'
 * do): serves m and packs the reply into m. True when a plain reply_recv
 * is all the answer needs (no undo hook, no moved handle to close);
 * false: answer with ipc_server_answer. */
bool ipc_server_serve(struct ipc_server *s, struct ipc_msg *m);

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
