/*
 * The user-space loader (libipc/spawn.c) and the calls it is built on:
 * boot modules as memory objects, mapping into another task, starting a
 * task's first thread. The runner's spawn() is that loader already; these
 * scenarios check what it promises: text shared, data private, bad calls
 * refused with nothing changed.
 */
#include "libipc/spawn.h"
#include "libipc/vm.h"
#include "tests/qemu/loader_mark.h"
#include "tests/qemu/runner.h"

#define PG VM_PAGE_SIZE
#define VIEW 0x3d00000000ul  /* the runner's read-only view of a module */
#define CHILD_VA 0x200000ul  /* where the scenarios map into a new task */

static uint64_t kmem_bytes(void)
{
	struct sysinfo si;
	sys_sysinfo(&si);
	return si.kmem_bytes;
}

static long module_vmo(const char *name, struct vmo_info *info)
{
	int m = module_lookup(name);
	if (m < 0)
		return m;
	long vmo = sys_module_object(m);
	if (vmo >= 0 && vmo_info((int)vmo, info))
		return -E_INVAL;
	return vmo;
}

/* Two running copies of uhelper: the text faults of each are served from
 * the module object's own frames (its minor count rises with each copy,
 * and a minor fault maps the object's frame) while its resident count
 * stays at every page of the file (no frame was added or copied for
 * either copy). */
static void program_text_shared(void)
{
	struct vmo_info i0, i1, i2;
	long vmo = module_vmo("uhelper", &i0);
	CHECK(vmo >= 0);
	CHECK_EQ(i0.resident, i0.size / PG);
	CHECK_EQ(i0.has_pager, 0);
	int a = helper("sleep", 0);
	CHECK(a > 0);
	sys_sleep(20000000); /* it runs up to its first sleep */
	CHECK_EQ(vmo_info((int)vmo, &i1), 0);
	CHECK(i1.minor > i0.minor);
	uint64_t before = free_frames();
	int b = helper("sleep", 0);
	CHECK(b > 0);
	sys_sleep(20000000);
	uint64_t used = before - free_frames();
	CHECK_EQ(vmo_info((int)vmo, &i2), 0);
	CHECK(i2.minor > i1.minor);
	CHECK_EQ(i2.resident, i0.resident);
	struct task_info ta, tb;
	CHECK_EQ(sys_task_info(a, &ta), 0);
	CHECK_EQ(sys_task_info(b, &tb), 0);
	CHECK_EQ(ta.state, TASK_ALIVE);
	CHECK_EQ(tb.state, TASK_ALIVE);
	/* b maps its text, data, .bss, heap and stack pages; only the private
	 * ones (and its page tables) came from the free pool. */
	uprintf("program_text_shared: second copy maps %lu frames, took %lu, text faults served %lu\n",
		(unsigned long)tb.frames, (unsigned long)used, (unsigned long)(i2.minor - i1.minor));
	sys_task_kill(a);
	sys_task_kill(b);
	sys_task_wait(a);
	sys_task_wait(b);
	sys_handle_close(a);
	sys_handle_close(b);
	sys_handle_close((int)vmo);
}

/* Counts the 8-byte-aligned words equal to w in n bytes at p. */
static int count_words(const volatile uint64_t *p, uint64_t n, uint64_t w)
{
	int c = 0;
	for (uint64_t i = 0; i < n / 8; i++)
		c += p[i] == w;
	return c;
}

/* uhelper's initialised data holds LOADER_MARK and its .bss reads zero
 * (the page where they meet included); it writes over the mark, yet the
 * module's bytes keep it and a second copy sees it again. */
static void spawn_maps_segments(void)
{
	struct vmo_info info;
	long vmo = module_vmo("uhelper", &info);
	CHECK(vmo >= 0);
	CHECK_EQ(vm_map((int)vmo, VIEW, info.size, 0, VM_R | VM_SHARED), 0);
	const volatile uint64_t *file = (const volatile uint64_t *)VIEW;
	int marks = count_words(file, info.size, LOADER_MARK);
	const uint64_t n = 0x5eed1234ul;
	CHECK(marks >= 1);
	CHECK_EQ(count_words(file, info.size, LOADER_MARK ^ n), 0);
	for (int round = 0; round < 2; round++) {
		int h = helper("datamark", "0x5eed1234");
		CHECK(h > 0);
		CHECK_EQ(sys_task_wait(h), 0);
		sys_handle_close(h);
	}
	CHECK_EQ(count_words(file, info.size, LOADER_MARK), marks);
	CHECK_EQ(count_words(file, info.size, LOADER_MARK ^ n), 0);
	/* Only a module handle with R_READ names a module's object. */
	CHECK_EQ(sys_module_object(H_SELF), -E_BADH);
	CHECK_EQ(sys_module_object((int)vmo), -E_BADH);
	long blind = sys_handle_copy(module_lookup("uhelper"), R_GRANT);
	CHECK(blind >= 0);
	CHECK_EQ(sys_module_object((int)blind), -E_PERM);
	sys_handle_close((int)blind);
	/* The module's pages cannot be mapped shared and writable. */
	CHECK_EQ(vm_map((int)vmo, VIEW + 0x10000000ul, PG, 0, VM_R | VM_W | VM_SHARED), -E_PERM);
	CHECK_EQ(vm_unmap(VIEW, info.size), 0);
	sys_handle_close((int)vmo);
}

/* A valid ELF whose segments share a page, and a file that is no ELF:
 * refused with E_FORMAT before any task exists; nothing is left. */
static void spawn_refuses_bad_layouts(void)
{
	const char *shared[] = { "sharedpage", 0 }, *notelf[] = { "notelf", 0 };
	CHECK_EQ(spawn(notelf, 0, 0, 0), -E_FORMAT); /* the scratch window's tables stay */
	uint64_t kmem0 = kmem_bytes(), free0 = free_frames();
	struct sysinfo si0, si1;
	sys_sysinfo(&si0);
	CHECK_EQ(spawn(shared, 0, 0, 0), -E_FORMAT);
	CHECK_EQ(spawn(notelf, 0, 0, 0), -E_FORMAT);
	sys_sysinfo(&si1);
	CHECK_EQ(si1.ntasks, si0.ntasks);
	CHECK_EQ(kmem_bytes(), kmem0);
	CHECK_EQ(free_frames(), free0);
}

/* A task made empty, for the checks below; handle with every right. */
static long empty_task(void)
{
	const char name[] = "empty";
	struct task_create_req r = { .name = (uint64_t)name, .name_len = 5, .prio = PRIO_DEFAULT };
	return sys_task_create(&r);
}

static void create_checks_arguments(void)
{
	const char name[] = "bad";
	int32_t hs[1] = { 99 };
	struct task_create_req r = { .name = (uint64_t)name, .name_len = 3, .prio = PRIO_DEFAULT };
	struct task_create_req bad = r;
	bad.name_len = 0;
	CHECK_EQ(sys_task_create(&bad), -E_INVAL);
	bad = r, bad.prio = PRIO_MAX + 1;
	CHECK_EQ(sys_task_create(&bad), -E_INVAL);
	bad = r, bad.name = 0x10;
	CHECK_EQ(sys_task_create(&bad), -E_FAULT);
	bad = r, bad.handles = (uint64_t)hs, bad.nhandles = 1;
	CHECK_EQ(sys_task_create(&bad), -E_BADH);
	hs[0] = H_SELF; /* R_READ only: cannot be handed on */
	CHECK_EQ(sys_task_create(&bad), -E_PERM);
	CHECK_EQ(sys_task_create((struct task_create_req *)0x8), -E_FAULT);
}

/* Every refused call below changes nothing: the same kernel memory and
 * free frames before and after. */
static void refused_maps(long t, long anon, long ro_task, long ro_anon, long modvmo)
{
	const uint32_t rw = VM_R | VM_W | VM_SHARED;
	CHECK_EQ(sys_vm_map_task((int)ro_task, (int)anon, CHILD_VA, PG, 0, rw), -E_PERM);
	CHECK_EQ(sys_vm_map_task(H_SELF, (int)anon, CHILD_VA, PG, 0, rw), -E_PERM);
	CHECK_EQ(sys_vm_map_task((int)anon, (int)anon, CHILD_VA, PG, 0, rw), -E_BADH);
	CHECK_EQ(sys_vm_map_task((int)t, (int)ro_anon, CHILD_VA, PG, 0, rw), -E_PERM);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA, PG, 4 * PG, rw), -E_RANGE);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA, 5 * PG, 0, rw), -E_RANGE);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA + 1, PG, 0, rw), -E_INVAL);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, VM_USER_HI, PG, 0, rw), -E_RANGE);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA, PG, 0, VM_R), -E_INVAL);
	/* overlaps the page mapped by the caller */
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA + PG, 2 * PG, 0, rw), -E_BUSY);
	CHECK_EQ(sys_vm_map_task((int)t, (int)modvmo, 0x400000, PG, 0, rw), -E_PERM);
	CHECK_EQ(sys_thread_start((int)ro_task, CHILD_VA, CHILD_VA + PG, 0), -E_PERM);
	CHECK_EQ(sys_thread_start((int)t, 0, CHILD_VA + PG, 0), -E_INVAL);
	CHECK_EQ(sys_thread_start((int)t, CHILD_VA, CHILD_VA + 8, 0), -E_INVAL);
}

static void map_into_other_task_needs_right(void)
{
	create_checks_arguments();
	if (cur_failed)
		return;
	uint64_t kmem0 = kmem_bytes(), free0 = free_frames();
	struct vmo_info info;
	long modvmo = module_vmo("hello", &info);
	long t = empty_task(), anon = anon_object(4 * PG);
	CHECK(modvmo >= 0 && t >= 0 && anon >= 0);
	long ro_task = sys_handle_copy((int)t, R_READ | R_GRANT);
	long ro_anon = sys_handle_copy((int)anon, R_READ | R_GRANT);
	CHECK(ro_task >= 0 && ro_anon >= 0);
	CHECK_EQ(sys_vm_map_task((int)t, (int)anon, CHILD_VA + PG, PG, PG, VM_R | VM_W | VM_SHARED),
		 0);
	struct task_info ti;
	uint64_t kmem1 = kmem_bytes(), free1 = free_frames();
	refused_maps(t, anon, ro_task, ro_anon, modvmo);
	if (cur_failed)
		return;
	CHECK_EQ(kmem_bytes(), kmem1);
	CHECK_EQ(free_frames(), free1);
	CHECK_EQ(sys_task_info((int)t, &ti), 0);
	CHECK_EQ(ti.state, TASK_ALIVE);
	CHECK_EQ(ti.nthreads, 0);
	/* Never started: closing every handle ends it and frees it all. */
	sys_handle_close((int)ro_task);
	sys_handle_close((int)t);
	sys_handle_close((int)ro_anon);
	sys_handle_close((int)anon);
	sys_handle_close((int)modvmo);
	CHECK_EQ(kmem_bytes(), kmem0);
	CHECK_EQ(free_frames(), free0);
}

/* The main stack's size is a spawn option: libctest's 4 MiB recursion
 * ("deep") runs in the default 8 MiB and is killed by a store page fault
 * in a 256 KiB one; sizes out of range or not whole pages are refused. */
static void spawn_stack_size_option(void)
{
	static const char argv[] = "libctest\0deep";
	int m = module_lookup("libctest");
	CHECK(m >= 0);
	static const uint64_t bad[] = { 0, 3 * PG, SPAWN_STACK_MIN - PG, SPAWN_STACK_MAX + PG,
					SPAWN_STACK_SIZE + 100 };
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spawn_options o = { .stack_size = bad[i] };
		CHECK_EQ(spawn_module_opts(m, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT, &o),
			 -E_INVAL);
	}
	int h = spawn_module_opts(m, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT, 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
	struct spawn_options small = { .stack_size = 256ul << 10 };
	h = spawn_module_opts(m, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT, &small);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | 15);
	sys_handle_close(h);
}

const struct qtest loader_tests[] = {
	{ "spawn_stack_size_option", spawn_stack_size_option },
	{ "program_text_shared", program_text_shared },
	{ "spawn_maps_segments", spawn_maps_segments },
	{ "map_into_other_task_needs_right", map_into_other_task_needs_right },
	{ "spawn_refuses_bad_layouts", spawn_refuses_bad_layouts },
};
const size_t n_loader_tests = sizeof(loader_tests) / sizeof(loader_tests[0]);
