/*
 * libFuzzer harness for the zero pager (pagers/zero/ on the shared loop
 * of pagers/common/pager.c), run whole from its own main over the fake
 * kernel. The input interleaves what clients send (any label, words and
 * handles, on the unbadged send side they are given) with what the
 * kernel sends: PAGER_FAULT for a page of an object the pager made,
 * PAGER_RETURN of a dirty page the memory manager evicted (and clean
 * pages dropped silently), PAGER_RELEASE and PAGER_TERMINATE.
 *
 * The pager's source is included so that its state can be reset between
 * inputs. Checked, besides what the fake kernel checks of replies and
 * supplies (whole pages inside the object that faulted, from the
 * faulting page on; the content each page gets: zeros, or what the last
 * RETURN of it brought, never lost however often it is evicted, dropped
 * and faulted again; no kept frame freed while its object lives): each
 * answer as zero_proto.h describes it (a new
 * object never comes with R_PAGER), and the pool's bookkeeping between
 * messages. Half the inputs (first byte odd) run with the refill thread,
 * which the fake keeps and the input runs a pass of between messages
 * (as it runs below the loop, when the hart would idle); the others
 * with the loop refilling its own pool.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/host/fake_kernel.h"
#include "tests/fuzz/host/fuzz_check.h"

/* The pager's wired memory: pool, staging area, return area. */
#define FZ_PAGES(n) ((n) * 4096)
static uint8_t fz_pool[FZ_PAGES(256)] __attribute__((aligned(4096)));
static uint8_t fz_stage[FZ_PAGES(64)] __attribute__((aligned(4096)));
static uint8_t fz_return[FZ_PAGES(256)] __attribute__((aligned(4096)));
#define POOL_BASE ((uint64_t)fz_pool)
#define STAGE_BASE ((uint64_t)fz_stage)
#define RETURN_BASE ((uint64_t)fz_return)
#define DOORBELL_BASE 0 /* no idle doorbell: the loop signals its refill thread */

#define main zero_pager_main
#include "pagers/zero/zero.c"
#undef main

#define ZERO_EP 1

static void check_pool(void)
{
	uint8_t on_stack[POOL_MAX] = { 0 };
	FUZZ_CHECK(zp.pool_cap == POOL_MAX && zp.pool_size <= zp.pool_cap);
	/* With the refill thread: a ring never more than pool_cap - 1 ahead
	 * (a ready page handed out before it was wired again would be caught
	 * by the content check: a supplied frame's page reads 0xa5). */
	FUZZ_CHECK(zp.pool_tail - zp.pool_head <= zp.pool_cap - 1);
	FUZZ_CHECK(zp.pool_count <= zp.pool_cap);
	FUZZ_CHECK(zp.cluster >= 1 && zp.cluster <= PAGER_SUPPLY_MAX);
	for (uint32_t i = 0; i < zp.pool_count; i++) {
		uint32_t slot = zp.pool_free[i];
		FUZZ_CHECK(slot < zp.pool_cap && !on_stack[slot] && zp.pool_ready[slot]);
		on_stack[slot] = 1;
	}
	for (uint32_t s = 0; s < zp.pool_cap; s++)
		FUZZ_CHECK(zp.pool_ready[s] == on_stack[s]);
}

static void on_reply(const struct fk_msg *m, const struct fk_reply *r)
{
	if (r->status != 0)
		return;
	switch (m->label) {
	case ZERO_CREATE:
		FUZZ_CHECK(m->words == 1 && m->w[0] != 0 && m->w[0] % FK_PAGE == 0);
		FUZZ_CHECK(r->nhandles == 1 && r->h[0]->type == OBJ_VMO);
		FUZZ_CHECK(fk.vmo[r->h[0]->vmo - 1].size == m->w[0]);
		FUZZ_CHECK(!(r->rights[0] & R_PAGER)); /* clients never page it */
		break;
	case ZERO_STATS:
		FUZZ_CHECK(r->words == 5 && r->nhandles == 0);
		break;
	case ZERO_PREFILL:
		FUZZ_CHECK(m->words == 1 && m->w[0] <= POOL_MAX);
		break;
	case ZERO_CLUSTER:
		FUZZ_CHECK(m->words == 1 && m->w[0] >= 1 && m->w[0] <= PAGER_SUPPLY_MAX);
		break;
	case ZERO_DRAIN:
		FUZZ_CHECK(zp.pool_count == 0 && zp.pool_tail == zp.pool_head);
		break;
	default:
		FUZZ_CHECK(false); /* an unknown label succeeded */
	}
}

/* A live object (one not terminated) picked by the input, or NULL. */
static struct fk_vmo *pick_vmo(void)
{
	int live[FK_MAX_VMOS], n = 0;
	for (int i = 0; i < fk.nvmo; i++)
		if (!fk.vmo[i].terminated)
			live[n++] = i;
	uint8_t b = fk_byte();
	return n ? &fk.vmo[live[b % n]] : 0;
}

/* What the kernel sends: a fault on a page of the object (for data, or
 * to unlock a write), a dirty page the memory manager evicted (RETURN;
 * a clean one is dropped without a word), its end, or its rebinding
 * away. The epoch grows now and then, as rebinds make it. */
static bool kernel_message(struct fk_msg *m, bool fault, bool evict)
{
	struct fk_vmo *v = pick_vmo();
	if (!v)
		return false;
	if (evict)
		return fk_evict(m, v);
	m->badge = v->badge;
	m->kernel = true;
	m->words = fault ? 4 : 2;
	uint8_t b = fk_byte();
	v->epoch += b >= 0xf0;
	if (fault) {
		m->label = PAGER_FAULT;
		m->w[0] = fk_bytes(2) % (v->size / FK_PAGE) * FK_PAGE;
		m->w[1] = PAGER_W1(b & 7, b & 0x80 ? FAULT_UNLOCK : FAULT_DATA, v->epoch);
		m->w[2] = fk.delivered;
		m->w[3] = v->size;
	} else {
		m->label = b & 1 ? PAGER_RELEASE : PAGER_TERMINATE;
		m->w[0] = v->size;
		m->w[1] = v->epoch;
		v->terminated = true;
	}
	return true;
}

/* What a client sends: mostly the pager's own requests, well shaped. */
static void client_message(struct fk_msg *m, uint8_t b)
{
	/* Some pass for the kernel's own labels: forged, they must be refused
	 * as unknown requests (no IPC_TAG_KERNEL). */
	m->label = b < 0x90 ? b % 8
		 : b < 0x98 ? (b & 1 ? PAGER_FAULT : b & 2 ? PAGER_RETURN : PAGER_TERMINATE)
			    : (uint32_t)fk_bytes(4);
	m->badge = 0;
	m->call = true;
	uint8_t how = fk_byte();
	if (how >= 0xc0) {
		m->words = fk_byte() % (IPC_MAX_WORDS + 1);
		fk_fill_words(m);
		fk_fill_handles(m, fk_byte() % (IPC_MAX_HANDLES + 1));
		return;
	}
	m->words = m->label == ZERO_STATS || m->label == ZERO_DRAIN ? 0 : 1;
	fk_fill_words(m);
	if (m->label == ZERO_CREATE)
		m->w[0] = how & 1 ? m->w[0] % 0x20000 : (m->w[0] % 32) * FK_PAGE;
	else if (m->label == ZERO_PREFILL || m->label == ZERO_CLUSTER)
		m->w[0] %= 300;
}

static bool next_message(struct fk_msg *m)
{
	check_pool();
	while (fk_more()) {
		uint8_t b = fk_byte();
		if (b >= 0xfc && fk.thread_fn) {
			fk.thread_fn(fk.thread_arg); /* one pass of the refill thread */
			continue;
		}
		if (b >= 0xa0) {
			if (kernel_message(m, b >= 0xc0 && b < 0xf8, b < 0xc0))
				return true;
			continue; /* no object yet, or nothing to evict */
		}
		client_message(m, b);
		return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_reset(data, size);
	fk_next = next_message;
	fk_on_reply = on_reply;
	fk_install(H_SELF, OBJ_TASK, R_READ, 0);
	fk_install(ZERO_EP, OBJ_ENDPOINT, R_RECV | R_SEND | R_GRANT, 0);
	memset(&zp, 0, sizeof(zp));
	memset(pool_slots, 0, sizeof(pool_slots));
	memset(pool_ready, 0, sizeof(pool_ready));
	fk.req = &zp.server.req;
	fk_memory(fz_pool, sizeof(fz_pool));
	fk_memory(fz_stage, sizeof(fz_stage));
	fk_memory(fz_return, sizeof(fz_return));
	fk.check_content = true; /* zeros, or what a RETURN brought */
	fk.take_threads = size > 0 && (data[0] & 1); /* half the inputs: with the refill thread */

	zero_pager_main(0, 0);
	check_pool();
	return 0;
}
