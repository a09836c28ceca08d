/* System calls; see kern/syscall.h and uapi/syscall.h. */
#include "kern/syscall.h"

#include "arch/riscv/memlayout.h"
#include "kern/arch.h"
#include "kern/clock.h"
#include "kern/cpu.h"
#include "kern/device.h"
#include "kern/dma.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/module.h"
#include "kern/module_object.h"
#include "kern/pmm.h"
#include "kern/random.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/task_build.h"
#include "kern/usercopy.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_info.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_move.h"
#include "kern/vm/vm_pager.h"
#include "kern/vm/vm_reclaim.h"
#include "lib/string.h"
#include "uapi/errors.h"

struct kobj system_obj = { OBJ_SYSTEM, 1 };


static int64_t sys_debug_write(struct thread *t, const uint64_t *a)
{
	uaddr_t buf = a[0];
	size_t len = a[1];
	if (len > 65536)
		return -E_INVAL;
	/* A task past its share writes what its budget allows plus a quarter
	 * second's worth at most, then sleeps that off: nothing is dropped
	 * (the call returns the count written; the caller writes the rest),
	 * no task keeps the console busy, and no call sleeps long. */
	len = MIN(len, task_console_room(t->task));
	int err = user_check(t->task, buf, len, false);
	if (err)
		return err;
	char chunk[128];
	for (size_t off = 0; off < len; off += sizeof(chunk)) {
		size_t n = MIN(sizeof(chunk), len - off);
		copy_from_user(t->task, chunk, buf + off, n);
		arch_console_write(chunk, n);
	}
	uint64_t debt = task_console_charge(t->task, len);
	if (debt) {
		thread_sleep(t, arch_time() + debt, (long)len);
		return SYS_BLOCKED;
	}
	return (int64_t)len;
}

static int64_t sys_exit(struct thread *t, const uint64_t *a)
{
	task_exit(t->task, (uint32_t)a[0] & 0xff);
	return SYS_BLOCKED;
}

static int64_t sys_yield(struct thread *t, const uint64_t *a)
{
	(void)t, (void)a;
	sched_yield();
	return 0;
}

static int64_t sys_task_wait(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_TASK, R_READ, &h);
	if (err)
		return err;
	struct task *target = container_of(h->obj, struct task, obj);
	if (target == t->task)
		return -E_INVAL;
	if (target->state == TASK_DEAD)
		return target->status;
	thread_block(t, &target->exit_waiters, TIMEOUT_NEVER);
	return SYS_BLOCKED;
}

static int64_t sys_task_kill(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_TASK, R_CONTROL, &h);
	if (err)
		return err;
	struct task *target = container_of(h->obj, struct task, obj);
	task_exit(target, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	return target == t->task ? SYS_BLOCKED : 0;
}

static int64_t sys_task_info(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_TASK, R_READ, &h);
	if (err)
		return err;
	struct task_info info;
	task_fill_info(container_of(h->obj, struct task, obj), &info);
	return copy_to_user(t->task, a[1], &info, sizeof(info));
}

static int64_t sys_handle_copy(struct thread *t, const uint64_t *a)
{
	return handle_copy(t->task->handles, (int64_t)a[0], t->task->handles,
			   (uint32_t)a[1]);
}

static int64_t sys_handle_close(struct thread *t, const uint64_t *a)
{
	if ((int64_t)a[0] == H_SELF)
		return -E_INVAL; /* a task's own handle goes only with the task */
	return handle_close(t->task->handles, (int64_t)a[0]);
}

static int64_t sys_handle_info(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_NONE, 0, &h);
	if (err)
		return err;
	struct handle_info info = { h->obj->type, h->rights, h->badge, 0, 0 };
	if (h->obj->type == OBJ_ENDPOINT && container_of(h->obj, struct endpoint, obj)->dead)
		info.flags |= HANDLE_INFO_DEAD;
	return copy_to_user(t->task, a[1], &info, sizeof(info));
}

static int64_t sys_module_name(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_MODULE, R_READ, &h);
	if (err)
		return err;
	struct module *m = container_of(h->obj, struct module, obj);
	size_t n = strlen(m->name) + 1;
	if (a[2] < n)
		return -E_RANGE;
	err = copy_to_user(t->task, a[1], m->name, n);
	return err ? err : (int64_t)n - 1;
}

static int64_t sys_sysinfo(struct thread *t, const uint64_t *a)
{
	struct sysinfo si = { .frames_total = pmm_total_count(),
			      .frames_free = pmm_free_count(),
			      .timebase_hz = arch_timebase_hz(),
			      .ntasks = task_count(),
			      .nthreads = thread_count,
			      .kmem_bytes = kmem_bytes_in_use(),
			      .log_suppressed = task_log_suppressed,
			      .console_throttled = task_console_throttled };
	return copy_to_user(t->task, a[0], &si, sizeof(si));
}

static int64_t sys_poweroff(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_SYSTEM, R_CONTROL, &h);
	if (err)
		return err;
	klog("poweroff requested by task %u (%s), status %d\n", t->task->id,
	     t->task->name, (int)a[1]);
	arch_poweroff((int)a[1]);
}

static int64_t sys_sleep(struct thread *t, const uint64_t *a)
{
	uint64_t hz = arch_timebase_hz();
	uint64_t ns = a[0];
	if (ns > 3600ull * 1000000000ull)
		return -E_INVAL;
	uint64_t ticks = ns / 1000 * hz / 1000000;
	thread_block(t, 0, arch_time() + ticks);
	return SYS_BLOCKED;
}

static int64_t sys_nop(uint64_t a0)
{
	(void)a0;
	return 0;
}

static int64_t sys_idle_count(uint64_t a0)
{
	(void)a0;
	return (int64_t)arch_idle_instret();
}

const leaf_fn syscall_leaf[SYS_NCALLS] = {
	[SYS_NOP] = sys_nop,
	[SYS_IDLE_COUNT] = sys_idle_count,
	[SYS_CPU_TIME] = sys_cpu_time,
	[SYS_WALL_CLOCK] = sys_wall_clock,
};

static int64_t sys_handle_mint(struct thread *t, const uint64_t *a)
{
	return handle_mint(t->task->handles, (int64_t)a[0], (uint32_t)a[1], a[2]);
}

static int64_t sys_thread_create(struct thread *t, const uint64_t *a)
{
	struct task *k = t->task;
	uint64_t entry = a[0], sp = a[1], arg = a[2];
	uint32_t prio = (uint32_t)a[3];
	if (prio > k->prio_max || (sp & 15) || entry < USER_LO || entry >= USER_HI ||
	    sp < USER_LO || sp > USER_HI)
		return -E_INVAL;
	if (handle_room(k->handles, 1))
		return -E_FULL;
	if (task_kmem_charge(k, sizeof(struct thread)))
		return -E_NOMEM;
	struct thread *n = task_add_thread(k, entry, sp, prio);
	if (!n) {
		task_kmem_uncharge(k, sizeof(struct thread));
		return -E_NOMEM;
	}
	n->charged = true;
	n->tf.x[REG_A0] = arg;
	int h = handle_install(k->handles, &n->obj, R_READ | R_CONTROL, 0);
	sched_enqueue(n);
	return h;
}

static int64_t sys_thread_exit(struct thread *t, const uint64_t *a)
{
	task_exit_thread(t);
	return SYS_BLOCKED;
}

static int64_t sys_mem_wire(struct thread *t, const uint64_t *a)
{
	return vm_wire(t->task, a[0], a[1], (uint32_t)a[2]);
}

static int64_t sys_mem_unmap(struct thread *t, const uint64_t *a)
{
	/* Regions first: a split is the one step that can fail (memory). */
	int err = vm_check_range(a[0], a[1]);
	if (!err)
		err = vm_unmap_regions(t->task, a[0], a[1]);
	return err ? err : vm_unmap(t->task, a[0], a[1]);
}

/* Lists every task (for ps): needs R_READ on the system object. Returns
 * the index to ask for next, or E_NOENT past the last task. */
static int64_t sys_task_enum(struct thread *t, const uint64_t *a)
{
	struct handle *h;
	int err = handle_lookup(t->task->handles, (int64_t)a[0], OBJ_SYSTEM, R_READ, &h);
	if (!err && a[1] > UINT32_MAX)
		err = -E_INVAL;
	if (err)
		return err;
	struct task *k = task_from_id((uint32_t)a[1]);
	if (!k)
		return -E_NOENT;
	struct task_info info;
	task_fill_info(k, &info);
	err = copy_to_user(t->task, a[2], &info, sizeof(info));
	return err ? err : (int64_t)k->id + 1;
}

static const sys_fn table[SYS_NCALLS] = {
	[SYS_DEV_INFO] = sys_dev_info,
	[SYS_DMA_PIN] = sys_dma_pin,
	[SYS_DMA_UNPIN] = sys_dma_unpin,
	[SYS_VMO_MOVE] = sys_vmo_move,
	[SYS_MODULE_OBJECT] = sys_module_object,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_VM_MAP_TASK] = sys_vm_map_task,
	[SYS_THREAD_START] = sys_thread_start,
	[SYS_DEV_MAP] = sys_dev_map,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_TASK_ENUM] = sys_task_enum,
	[SYS_VM_STATS] = sys_vm_stats,
	[SYS_VMO_CREATE] = sys_vmo_create,
	[SYS_VMO_ANON] = sys_vmo_anon,
	[SYS_DEFAULT_PAGER] = sys_default_pager,
	[SYS_PAGER_CTL] = sys_pager_ctl,
	[SYS_VMO_REBIND] = sys_vmo_rebind,
	[SYS_MM_REGISTER] = sys_mm_register,
	[SYS_MM_WATERMARKS] = sys_mm_watermarks,
	[SYS_MM_OBJECTS] = sys_mm_objects,
	[SYS_MM_QUERY] = sys_mm_query,
	[SYS_MM_EVICT] = sys_mm_evict,
	[SYS_PAGER_RETURN_AREA] = sys_pager_return_area,
	[SYS_VMO_READ] = sys_vmo_read,
	[SYS_VMO_WRITE] = sys_vmo_write,
	[SYS_PAGER_OPEN] = sys_pager_open,
	[SYS_VM_OBJECT] = sys_vm_object,
	[SYS_MM_LAB] = sys_mm_lab,
	[SYS_VM_REGIONS] = sys_vm_regions,
	[SYS_VM_OBJECTS] = sys_vm_objects,
	[SYS_GETRANDOM] = sys_getrandom,
	[SYS_CONSOLE_WRITE] = sys_console_write,
	[SYS_VM_MAP] = sys_vm_map,
	[SYS_VM_PROTECT] = sys_vm_protect,
	[SYS_PAGER_SUPPLY] = sys_pager_supply,
	[SYS_PAGER_FAIL] = sys_pager_fail,
	[SYS_PAGER_QUERY] = sys_pager_query,
	[SYS_PAGER_EVICT] = sys_pager_evict,
	[SYS_PAGER_LOCK] = sys_pager_lock,
	[SYS_VMO_SET] = sys_vmo_set,
	[SYS_VMO_INFO] = sys_vmo_info,
	[SYS_TRACE_READ] = sys_trace_read,
	[SYS_MEM_WIRE] = sys_mem_wire,
	[SYS_MEM_UNMAP] = sys_mem_unmap,
	[SYS_ENDPOINT_CREATE] = ipc_endpoint_create,
	[SYS_NOTIFY_CREATE] = ipc_notify_create,
	[SYS_CALL] = ipc_call,
	[SYS_SEND] = ipc_send,
	[SYS_RECV] = ipc_recv,
	[SYS_REPLY] = ipc_reply,
	[SYS_REPLY_RECV] = ipc_reply_recv,
	[SYS_NOTIFY_SIGNAL] = ipc_notify_signal,
	[SYS_NOTIFY_WAIT] = ipc_notify_wait,
	[SYS_NOTIFY_IDLE] = ipc_notify_idle,
	[SYS_IPC_BUFFER] = ipc_set_buffer,
	[SYS_HANDLE_MINT] = sys_handle_mint,
	[SYS_OBJ_DESTROY] = ipc_destroy,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_EXIT] = sys_thread_exit,
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_EXIT] = sys_exit,
	[SYS_YIELD] = sys_yield,
	[SYS_TASK_WAIT] = sys_task_wait,
	[SYS_TASK_KILL] = sys_task_kill,
	[SYS_TASK_INFO] = sys_task_info,
	[SYS_HANDLE_COPY] = sys_handle_copy,
	[SYS_HANDLE_CLOSE] = sys_handle_close,
	[SYS_HANDLE_INFO] = sys_handle_info,
	[SYS_MODULE_NAME] = sys_module_name,
	[SYS_SYSINFO] = sys_sysinfo,
	[SYS_POWEROFF] = sys_poweroff,
	[SYS_SLEEP] = sys_sleep,
};

void syscall_dispatch(struct thread *t)
{
	uint64_t nr = t->tf.x[REG_A7];
	/* (The leaf calls never come here: entry.S takes them.) */
	int64_t r = nr < SYS_NCALLS && table[nr] ? table[nr](t, &t->tf.x[REG_A0])
						: -E_NOSYS;
	if (r == USER_BLOCKED) /* waits for a page of its buffer: run the call again then */
		t->tf.sepc -= SYSCALL_INSN_BYTES;
	else if (r != SYS_BLOCKED)
		t->tf.x[REG_A0] = (uint64_t)r;
}
