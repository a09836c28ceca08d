/*
 * The stand-in swap pager (see fakeswap.h). Its status is canned, with
 * each counter a distinct number (1000 + its word) so a field printed in
 * the wrong place shows, except the settings, which are the last ones
 * set: a test sets them with pagerctl and reads them back. Its own rule
 * for refusals: cluster 13 is E_RANGE (the real pager's range is wider
 * than what pagerctl checks only if it says so), SWAP_ADOPT E_NOSYS.
 */
#include <string.h>

#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "pagers/swap/swap_proto.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/fakeswap.h"

static struct ipc_buffer fs_buf;
static struct swap_status st;

static long fake_status(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	memcpy(resp->w, &st, sizeof(st));
	resp->words = SWAP_STATUS_WORDS;
	return 0;
}

static long fake_set(void *ctx, const struct ipc_request *req, struct ipc_response *resp)
{
	switch (req->label) {
	case SWAP_POLICY:
		st.policy = req->w[0];
		st.switches++;
		break;
	case SWAP_CLUSTER:
		if (req->w[0] == 13)
			return -E_RANGE;
		st.cluster = req->w[0];
		break;
	case SWAP_WATERMARKS:
		st.wm_min = req->w[0];
		st.wm_low = req->w[1];
		st.wm_high = req->w[2];
		break;
	case SWAP_MAP_MODE:
		st.map_mode = req->w[0];
		break;
	case SWAP_TAU:
		st.tau_ms = req->w[0];
		break;
	default: /* SWAP_LIMIT, SWAP_SEED: taken, not shown */
		break;
	}
	return 0;
}

static const struct ipc_handler fake_table[] = {
	{ SWAP_STATUS, "status", 0, 0, 0, 0, fake_status },
	{ SWAP_POLICY, "policy", 1, 1, 0, 0, fake_set },
	{ SWAP_CLUSTER, "cluster", 1, 1, 0, 0, fake_set },
	{ SWAP_WATERMARKS, "watermarks", 3, 3, 0, 0, fake_set },
	{ SWAP_MAP_MODE, "map", 1, 1, 0, 0, fake_set },
	{ SWAP_LIMIT, "limit", 2, 2, 0, 0, fake_set },
	{ SWAP_TAU, "tau", 1, 1, 0, 0, fake_set },
	{ SWAP_SEED, "seed", 1, 1, 0, 0, fake_set },
};

int fakeswap(int name_ep)
{
	uint64_t *w = (uint64_t *)&st;
	for (uint32_t i = 0; i < SWAP_STATUS_WORDS; i++)
		w[i] = 1000 + i;
	st.policy = 2; /* clock */
	st.cluster = 8;
	st.map_mode = 0;
	st.switches = 0;
	ipc_buffer_setup(&fs_buf);
	long ep = sys_endpoint_create();
	uint64_t nw[NAME_WORDS];
	if (ep < 0 || !name_pack(FAKESWAP_NAME, nw))
		return 10;
	int32_t hs[1] = { (int32_t)ep };
	uint32_t rs[1] = { R_SEND | R_GRANT };
	if (ipc_request(name_ep, &fs_buf, NAME_REGISTER, nw, NAME_WORDS, hs, rs, 1, 0, 0, 0))
		return 11;
	static struct ipc_server s = {
		.table = fake_table,
		.ntable = sizeof(fake_table) / sizeof(fake_table[0]),
		.buf = &fs_buf,
		.name = "fakeswap",
	};
	s.ep = (int)ep;
	ipc_serve(&s);
	return 12;
}
