/*
 * Name server: services publish endpoints under names, clients look them
 * up (protocol in name_proto.h). init starts it first and hands its
 * endpoint to every program it starts (H_NAME), each with a badge of its
 * own; init's own handle is unbadged. This file checks messages and
 * handles; the bookkeeping is name_table.c.
 */
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/name/name_proto.h"
#include "servers/name/name_table.h"

/* A handle that is no endpoint, or whose endpoint died, is dead to us. */
static bool name_endpoint_dead(int32_t h)
{
	struct handle_info hi;
	return sys_handle_info(h, &hi) != 0 || hi.type != OBJ_ENDPOINT ||
	       (hi.flags & HANDLE_INFO_DEAD);
}

static void name_handle_close(int32_t h)
{
	sys_handle_close(h);
}

static struct name_table names = { .dead = name_endpoint_dead, .close = name_handle_close };

static long do_register(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	if (!name_unpack(req->w, name))
		return -E_INVAL;
	struct handle_info hi;
	if (sys_handle_info(req->handles[0], &hi))
		return -E_INVAL;
	long err = name_publishable(&hi);
	if (err)
		return err;
	/* On success the table keeps the handle; on failure the loop closes it. */
	return name_table_register(&names, name, req->handles[0], req->badge);
}

static long do_lookup(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	int32_t h;
	if (!name_unpack(req->w, name))
		return -E_INVAL;
	long err = name_table_lookup(&names, name, &h);
	if (err)
		return err;
	resp->nhandles = 1;
	resp->handles[0] = h; /* a copy goes; the table keeps its own */
	resp->rights[0] = R_ALL;
	return 0;
}

static long do_unregister(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	if (!name_unpack(req->w, name))
		return -E_INVAL;
	return name_table_unregister(&names, name, req->badge);
}

static long do_reserve(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	if (!name_unpack(req->w, name))
		return -E_INVAL;
	return name_table_reserve(&names, name, req->badge);
}

static long do_list(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	long err = name_table_at(&names, req->w[0], name);
	if (err)
		return err;
	name_pack(name, resp->w);
	resp->words = NAME_WORDS;
	return 0;
}

static const struct ipc_handler handlers[] = {
	{ NAME_REGISTER, "register", NAME_WORDS, NAME_WORDS, 1, 0, do_register },
	{ NAME_LOOKUP, "lookup", NAME_WORDS, NAME_WORDS, 0, 0, do_lookup },
	{ NAME_LIST, "list", 1, 1, 0, 0, do_list },
	{ NAME_UNREGISTER, "unregister", NAME_WORDS, NAME_WORDS, 0, 0, do_unregister },
	{ NAME_RESERVE, "reserve", NAME_WORDS, NAME_WORDS, 0, 0, do_reserve },
};

static struct ipc_buffer buf;
static struct ipc_server server = {
	.table = handlers,
	.ntable = sizeof(handlers) / sizeof(handlers[0]),
	.buf = &buf,
	.name = "name",
};

int main(int argc, char **argv)
{
	server.ep = H_NAME;
	long err = ipc_serve(&server);
	uprintf("name: endpoint gone (%s), exiting\n", err_name(err));
	return 0;
}
