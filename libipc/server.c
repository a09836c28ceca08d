/* The server loop; see libipc/server.h. */
#include "libipc/server.h"

#include "libipc/sys.h"
#include "libipc/ulib.h"
#include "lib/string.h"

static const struct ipc_handler *find(const struct ipc_server *s, uint32_t label)
{
	for (size_t i = 0; i < s->ntable; i++)
		if (s->table[i].label == label)
			return &s->table[i];
	return 0;
}

long ipc_dispatch(struct ipc_server *s, const struct ipc_request *req,
		  struct ipc_response *resp)
{
	const struct ipc_handler *h = find(s, req->label);
	long status;
	resp->words = 0;
	resp->nhandles = 0;
	resp->move = 0;
	resp->undo = 0;
	if (!h)
		status = -E_NOSYS;
	else if ((req->badge & h->need_badge) != h->need_badge)
		status = -E_PERM;
	else if (req->words < h->min_words || req->words > h->max_words ||
		 req->nhandles != h->handles)
		status = -E_INVAL;
	else
		status = h->fn(s->ctx, req, resp);
	if (status < 0) {
		s->rejected++;
		for (uint32_t i = 0; i < resp->nhandles && i < IPC_MAX_HANDLES; i++)
			if (resp->move & (1u << i))
				sys_handle_close(resp->handles[i]);
		resp->words = 0;
		resp->nhandles = 0;
		resp->move = 0;
		resp->undo = 0;
	}
	/* Handles of a rejected request must not pile up in our table. */
	if (status < 0 || !h)
		for (uint32_t i = 0; i < req->nhandles; i++)
			sys_handle_close(req->handles[i]);
	s->served++;
	return status;
}

/* Unpacks a received message (registers plus buffer) into req. */
static void unpack(const struct ipc_server *s, const struct ipc_msg *m,
		   struct ipc_request *req)
{
	req->label = IPC_TAG_LABEL(m->tag);
	req->words = IPC_TAG_WORDS(m->tag);
	req->nhandles = IPC_TAG_HANDLES(m->tag);
	req->badge = m->badge;
	/* Word by word, not memcpy: the register-only message is the common
	 * case, and a call per copy is a sizeable share of a short request. */
	for (int i = 0; i < IPC_REG_WORDS; i++)
		req->w[i] = m->w[i];
	/* Longer than a message can be (the kernel lets none through; a fake
	 * one might): refused by every handler's range. */
	if (req->words > IPC_MAX_WORDS)
		req->words = IPC_MAX_WORDS + 1;
	else if (req->words > IPC_REG_WORDS)
		memcpy(&req->w[IPC_REG_WORDS], &s->buf->mr[IPC_REG_WORDS],
		       (req->words - IPC_REG_WORDS) * sizeof(uint64_t));
	if (req->nhandles)
		memcpy(req->handles, s->buf->handles,
		       (req->nhandles > IPC_MAX_HANDLES ? IPC_MAX_HANDLES : req->nhandles) *
			       sizeof(int32_t));
}

/* Packs the reply (status as label) into registers and buffer. */
static void pack(struct ipc_server *s, long status, const struct ipc_response *resp,
		 struct ipc_msg *m)
{
	uint32_t words = resp->words > IPC_MAX_WORDS ? IPC_MAX_WORDS : resp->words;
	uint32_t nh = resp->nhandles > IPC_MAX_HANDLES ? IPC_MAX_HANDLES : resp->nhandles;
	m->tag = IPC_TAG((uint32_t)-status, words, nh);
	for (int i = 0; i < IPC_REG_WORDS; i++)
		m->w[i] = resp->w[i];
	if (words > IPC_REG_WORDS)
		memcpy(&s->buf->mr[IPC_REG_WORDS], &resp->w[IPC_REG_WORDS],
		       (words - IPC_REG_WORDS) * sizeof(uint64_t));
	if (nh) {
		memcpy(s->buf->handles, resp->handles, nh * sizeof(int32_t));
		memcpy(s->buf->rights, resp->rights, nh * sizeof(uint32_t));
	}
}

/* The handles the reply moved go whether it was delivered or not: the
 * caller has its copies, or nothing needs them any more. */
static void close_moved(struct ipc_server *s)
{
	for (uint32_t i = 0; i < s->resp.nhandles && i < IPC_MAX_HANDLES; i++)
		if (s->resp.move & (1u << i))
			sys_handle_close(s->resp.handles[i]);
	s->resp.move = 0;
}

long ipc_server_answer(struct ipc_server *s, int ep, struct ipc_msg *m)
{
	ipc_undo_fn undo = s->resp.undo;
	s->resp.undo = 0;
	if (!undo) {
		long err = ipc_reply_recv(ep, m, 0);
		close_moved(s);
		return err;
	}
	long err = ipc_reply(m);
	if (err < 0) {
		/* Logged the 1st, 2nd, 4th, 8th... time: a flood of them does
		 * not flood the log. */
		s->undone++;
		if ((s->undone & (s->undone - 1)) == 0)
			uprintf("%s: reply to label %u from badge %lx not delivered (%s), "
				"undone (%lu so far)\n", s->name, s->req.label,
				(unsigned long)s->req.badge, err_name(err),
				(unsigned long)s->undone);
		undo(s->ctx, &s->req, &s->resp);
	}
	close_moved(s);
	return ipc_recv(ep, m, 0);
}

long ipc_serve(struct ipc_server *s)
{
	long err = ipc_buffer_setup(s->buf);
	if (err)
		return err;
	struct ipc_msg m;
	err = ipc_recv(s->ep, &m, 0);
	for (;;) {
		if (err == -E_DEAD || err == -E_CANCELED || err == -E_BADH)
			return err;
		if (err) { /* e.g. a caller gone before we answered: wait again */
			err = ipc_recv(s->ep, &m, 0);
			continue;
		}
		unpack(s, &m, &s->req);
		long status = ipc_dispatch(s, &s->req, &s->resp);
		pack(s, status, &s->resp, &m);
		err = ipc_server_answer(s, s->ep, &m);
	}
}

long ipc_request(int ep, struct ipc_buffer *buf, uint32_t label, const uint64_t *w,
		 uint32_t nwords, const int32_t *handles, const uint32_t *rights,
		 uint32_t nhandles, uint64_t *out, uint32_t max_out, uint32_t *out_words)
{
	return ipc_request_timed(ep, buf, label, w, nwords, handles, rights, nhandles, out,
				 max_out, out_words, 0);
}

long ipc_request_timed(int ep, struct ipc_buffer *buf, uint32_t label, const uint64_t *w,
		       uint32_t nwords, const int32_t *handles, const uint32_t *rights,
		       uint32_t nhandles, uint64_t *out, uint32_t max_out,
		       uint32_t *out_words, uint64_t timeout_ns)
{
	if (nwords > IPC_MAX_WORDS || nhandles > IPC_MAX_HANDLES ||
	    ((nwords > IPC_REG_WORDS || nhandles) && !buf))
		return -E_INVAL;
	struct ipc_msg m = { .tag = IPC_TAG(label, nwords, nhandles) };
	for (uint32_t i = 0; i < nwords && i < IPC_REG_WORDS; i++)
		m.w[i] = w[i];
	if (nwords > IPC_REG_WORDS)
		memcpy(&buf->mr[IPC_REG_WORDS], &w[IPC_REG_WORDS],
		       (nwords - IPC_REG_WORDS) * sizeof(uint64_t));
	for (uint32_t i = 0; i < nhandles; i++) {
		buf->handles[i] = handles[i];
		buf->rights[i] = rights ? rights[i] : R_ALL;
	}
	long err = ipc_call(ep, &m, timeout_ns);
	if (err)
		return err;
	uint32_t got = IPC_TAG_WORDS(m.tag);
	if (out_words)
		*out_words = got;
	for (uint32_t i = 0; out && i < got && i < max_out; i++)
		out[i] = i < IPC_REG_WORDS ? m.w[i] : buf->mr[i];
	return -(long)IPC_TAG_LABEL(m.tag);
}

bool ipc_server_serve(struct ipc_server *s, struct ipc_msg *m)
{
	unpack(s, m, &s->req);
	long status = ipc_dispatch(s, &s->req, &s->resp);
	pack(s, status, &s->resp, m);
	return !s->resp.undo && !s->resp.move;
}

long ipc_server_request(struct ipc_server *s, int ep, struct ipc_msg *m)
{
	ipc_server_serve(s, m); /* ipc_server_answer sees to undo and moves itself */
	return ipc_server_answer(s, ep, m);
}
