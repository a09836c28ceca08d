/*
 * Name server: services publish endpoints under names, clients look them
 * up. init starts it first and hands its endpoint (H_NAME) to every
 * program it starts. State: a fixed table of (name, handle).
 */
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/name/name_proto.h"

#define NAME_TABLE 32

struct entry {
	char name[NAME_MAX_LEN + 1];
	int32_t handle; /* 0: free */
};

static struct entry table[NAME_TABLE];

static struct entry *find(const char *name)
{
	for (int i = 0; i < NAME_TABLE; i++)
		if (table[i].handle && strcmp(table[i].name, name) == 0)
			return &table[i];
	return 0;
}

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
	if (find(name))
		return -E_BUSY;
	for (int i = 0; i < NAME_TABLE; i++) {
		if (!table[i].handle) {
			memcpy(table[i].name, name, sizeof(name));
			table[i].handle = req->handles[0];
			return 0;
		}
	}
	return -E_FULL;
}

static long do_lookup(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	char name[NAME_MAX_LEN + 1];
	if (!name_unpack(req->w, name))
		return -E_INVAL;
	struct entry *e = find(name);
	if (!e)
		return -E_NOENT;
	resp->nhandles = 1;
	resp->handles[0] = e->handle;
	resp->rights[0] = R_ALL;
	return 0;
}

static long do_list(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	uint64_t idx = req->w[0], seen = 0;
	for (int i = 0; i < NAME_TABLE; i++) {
		if (table[i].handle && seen++ == idx) {
			name_pack(table[i].name, resp->w);
			resp->words = NAME_WORDS;
			return 0;
		}
	}
	return -E_NOENT;
}

static const struct ipc_handler handlers[] = {
	{ NAME_REGISTER, "register", NAME_WORDS, NAME_WORDS, 1, 0, do_register },
	{ NAME_LOOKUP, "lookup", NAME_WORDS, NAME_WORDS, 0, 0, do_lookup },
	{ NAME_LIST, "list", 1, 1, 0, 0, do_list },
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
