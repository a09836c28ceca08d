/* The user-space loader; see libipc/spawn.h. */
#include "libipc/spawn.h"

#include <string.h>

#include "libipc/spawn_plan.h"
#include "libipc/ulib.h"
#include "libipc/vm.h"

#include "uapi/auxv.h"
#include <stdbool.h>

_Static_assert(SPAWN_SCRATCH + SPAWN_SCRATCH_SLOTS * SPAWN_SCRATCH_SLOT + (1ul << 30) <=
		       SPAWN_STACK_TOP - SPAWN_STACK_MAX,
	       "a guard gap of at least 1 GiB below the largest stack");

#define STACK_WINDOW (4 * VM_PAGE_SIZE) /* the stack's top pages, written by the loader */
#define WRITE_AT (SPAWN_SCRATCH_SLOT - 0x1000000ul) /* in a slot: the pages being written */
#define MODULE_MAX_SIZE WRITE_AT

/* Anonymous memory (VMO_KERNEL_ZERO objects are anonymous: zeros until
 * written, paged by the default pager once one registers). */
long anon_object(uint64_t size)
{
	return vmo_create(size, VMO_KERNEL_ZERO, 0);
}

/* What one spawn holds while it builds the task. */
/* Bytes of whole pages holding n bytes. */
#define SPAN(n) (((n) + VM_PAGE_SIZE - 1) & ~(uint64_t)(VM_PAGE_SIZE - 1))

struct loader {
	int vmo;          /* the module's object */
	uint64_t stack_size;
	uint64_t size;    /* the file's bytes */
	uint64_t base;    /* its scratch slot; the module is mapped at base */
	const uint8_t *file;
	int task;
};

/* Maps the program (l->size bytes) read-only into the first free
 * scratch slot. */
static int map_module(struct loader *l)
{
	struct vmo_info info;
	long err = vmo_info(l->vmo, &info);
	if (err)
		return (int)err;
	if (l->size == 0 || l->size > MODULE_MAX_SIZE || l->size > info.size)
		return -E_RANGE;
	for (int i = 0; i < SPAWN_SCRATCH_SLOTS; i++) {
		uint64_t base = SPAWN_SCRATCH + (uint64_t)i * SPAWN_SCRATCH_SLOT;
		err = vm_map(l->vmo, base, SPAN(l->size), 0, VM_R | VM_SHARED);
		if (err == 0) {
			l->base = base;
			l->file = (const uint8_t *)base;
			return 0;
		}
		if (err != -E_BUSY)
			return (int)err;
	}
	return -E_BUSY;
}

/* Maps npages of a fresh anonymous object of size bytes at the write
 * window, from page `first`, for the loader to fill. */
static long anon_for_writing(struct loader *l, uint64_t size, uint64_t first, uint64_t npages)
{
	long h = anon_object(size);
	if (h < 0)
		return h;
	long err = vm_map((int)h, l->base + WRITE_AT, npages * VM_PAGE_SIZE,
			  first * VM_PAGE_SIZE, VM_R | VM_W | VM_SHARED);
	if (err) {
		sys_handle_close((int)h);
		return err;
	}
	return h;
}

/* Maps one planned mapping into the task. */
static int map_one(struct loader *l, const struct spawn_map *m)
{
	if (m->kind == SPAWN_MAP_MODULE)
		return (int)sys_vm_map_task(l->task, l->vmo, m->va, m->len, m->offset,
					    m->prot | m->flags);
	long h = m->copy_len ? anon_for_writing(l, m->len, 0, 1) : anon_object(m->len);
	if (h < 0)
		return (int)h;
	if (m->copy_len) {
		memcpy((uint8_t *)(l->base + WRITE_AT) + m->copy_to, l->file + m->copy_from,
		       m->copy_len);
		vm_unmap(l->base + WRITE_AT, VM_PAGE_SIZE);
	}
	long err = sys_vm_map_task(l->task, (int)h, m->va, m->len, 0, m->prot | m->flags);
	sys_handle_close((int)h); /* the task's mapping keeps the object */
	return (int)err;
}

/* A few bytes of entropy for AT_RANDOM (musl seeds its stack guard and
 * malloc hardening with it). */
static void random_bytes(uint8_t out[16])
{
	uint64_t x = rd_time() ^ (rd_cycle() << 17) ^ 0x9e3779b97f4a7c15ul;
	for (int i = 0; i < 16; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		out[i] = (uint8_t)x;
	}
}

/* Builds the System V initial stack in the top of the stack object (seen
 * at `win`, which is the child's `top - STACK_WINDOW`); returns the
 * child's sp. argv: argc strings laid end to end, argv_len bytes. */
static uint64_t build_stack(uint8_t *win, const char *argv, uint64_t argv_len, int argc,
			    const struct elf_image *img)
{
	uint64_t child_win = SPAWN_STACK_TOP - STACK_WINDOW;
	uint64_t at = STACK_WINDOW - argv_len;
	memcpy(win + at, argv, argv_len);
	uint64_t strings = child_win + at;
	at -= 16;
	random_bytes(win + at);
	uint64_t random = child_win + at;
	uint64_t aux[] = { AT_PHDR, img->phdr_vaddr, AT_PHENT, img->phentsize,
			   AT_PHNUM, img->phnum, AT_PAGESZ, VM_PAGE_SIZE,
			   AT_ENTRY, img->entry, AT_RANDOM, random, AT_NULL, 0 };
	uint64_t n = 1 + (uint64_t)argc + 1 + 1 + sizeof(aux) / sizeof(aux[0]);
	at = (at - n * 8) & ~15ul;
	uint64_t *vec = (uint64_t *)(win + at);
	*vec++ = (uint64_t)argc;
	for (uint64_t p = 0; p < argv_len; p += strlen(argv + p) + 1)
		*vec++ = strings + p;
	*vec++ = 0; /* end of argv */
	*vec++ = 0; /* no environment */
	memcpy(vec, aux, sizeof(aux));
	return child_win + at;
}

static int map_stack(struct loader *l, const char *argv, uint64_t argv_len, int argc,
		     const struct elf_image *img, uint64_t *sp)
{
	uint64_t pages = l->stack_size / VM_PAGE_SIZE, top = STACK_WINDOW / VM_PAGE_SIZE;
	long h = anon_for_writing(l, l->stack_size, pages - top, top);
	if (h < 0)
		return (int)h;
	*sp = build_stack((uint8_t *)(l->base + WRITE_AT), argv, argv_len, argc, img);
	vm_unmap(l->base + WRITE_AT, STACK_WINDOW);
	long err = sys_vm_map_task(l->task, (int)h, SPAWN_STACK_TOP - l->stack_size,
				   l->stack_size, 0, VM_R | VM_W | VM_SHARED);
	sys_handle_close((int)h);
	return (int)err;
}

/* The task's name: argv[0]'s last path component. */
static struct task_create_req create_req(const char *argv0, const int32_t *handles,
					 const uint32_t *rights, uint32_t nhandles, uint32_t prio)
{
	const char *name = argv0;
	for (const char *p = argv0; *p; p++)
		if (*p == '/')
			name = p + 1;
	size_t n = strlen(name);
	return (struct task_create_req){ .name = (uint64_t)name, .name_len = n < 31 ? n : 31,
					 .handles = (uint64_t)handles, .rights = (uint64_t)rights,
					 .nhandles = nhandles, .prio = prio };
}

/* Checks the module's headers, plans, makes the task and maps it all. */
static int load(struct loader *l, const char *argv, uint64_t argv_len, int argc,
		const struct task_create_req *req, uint64_t *entry, uint64_t *sp)
{
	struct elf_image img;
	struct spawn_plan plan;
	int err = elf_parse(l->file, l->size, VM_USER_LO, SPAWN_SCRATCH, &img);
	if (!err)
		err = spawn_plan(&img, l->size, &plan);
	if (err) {
		uprintf("spawn: %s is not a loadable executable (%s)\n", argv, err_name(err));
		return err;
	}
	long t = sys_task_create(req);
	if (t < 0)
		return (int)t;
	l->task = (int)t;
	for (int i = 0; !err && i < plan.nmaps; i++)
		err = map_one(l, &plan.map[i]);
	if (!err)
		err = map_stack(l, argv, argv_len, argc, &img, sp);
	*entry = img.entry;
	return err;
}

int spawn_module(int module, const char *argv, uint64_t argv_len, const int32_t *handles,
		 const uint32_t *rights, uint32_t nhandles, uint32_t prio)
{
	return spawn_module_opts(module, argv, argv_len, handles, rights, nhandles, prio, 0);
}

int spawn_module_opts(int module, const char *argv, uint64_t argv_len,
		      const int32_t *handles, const uint32_t *rights, uint32_t nhandles,
		      uint32_t prio, const struct spawn_options *opts)
{
	long vmo = argv_len && argv[argv_len - 1] == 0 ? sys_module_object(module) : -E_INVAL;
	if (vmo < 0)
		return (int)vmo;
	struct vmo_info info;
	long err = vmo_info((int)vmo, &info);
	if (!err)
		err = spawn_object_opts((int)vmo, info.size, argv, argv_len, handles, rights,
					nhandles, prio, opts);
	sys_handle_close((int)vmo);
	return (int)err;
}

__attribute__((weak)) long spawn_open_file(const char *path, uint64_t *size)
{
	(void)path, (void)size;
	return -E_NOENT;
}

int spawn_object(int vmo, uint64_t size, const char *argv, uint64_t argv_len,
		 const int32_t *handles, const uint32_t *rights, uint32_t nhandles, uint32_t prio)
{
	return spawn_object_opts(vmo, size, argv, argv_len, handles, rights, nhandles, prio, 0);
}

/* The stack size asked, or the default; 0 if out of range. */
static uint64_t stack_size_of(const struct spawn_options *opts)
{
	uint64_t n = opts && opts->stack_size ? opts->stack_size : SPAWN_STACK_SIZE;
	bool ok = n >= SPAWN_STACK_MIN && n <= SPAWN_STACK_MAX && n % VM_PAGE_SIZE == 0;
	return ok ? n : 0;
}

int spawn_object_opts(int vmo, uint64_t size, const char *argv, uint64_t argv_len,
		      const int32_t *handles, const uint32_t *rights, uint32_t nhandles,
		      uint32_t prio, const struct spawn_options *opts)
{
	int argc = 0;
	for (uint64_t i = 0; i < argv_len; i++)
		argc += argv[i] == 0;
	if (argc == 0 || argc > 256 || argv_len > SPAWN_MAX_ARGS || argv[argv_len - 1] != 0 ||
	    argv[0] == 0 || !stack_size_of(opts))
		return -E_INVAL;
	struct loader l = { .task = -1, .vmo = vmo, .size = size, .stack_size = stack_size_of(opts) };
	int err = map_module(&l);
	uint64_t entry = 0, sp = 0;
	struct task_create_req req = create_req(argv, handles, rights, nhandles, prio);
	if (!err)
		err = load(&l, argv, argv_len, argc, &req, &entry, &sp);
	if (!err)
		err = (int)sys_thread_start(l.task, entry, sp, 0);
	if (l.base)
		vm_unmap(l.base, SPAN(l.size));
	if (err && l.task >= 0)
		sys_handle_close(l.task); /* never started: it ends with its mappings */
	return err ? err : l.task;
}
