/*
 * System call stubs for user programs. One inline function per call in
 * uapi/syscall.h; results are as the kernel returns them (>= 0 success,
 * negated uapi/errors.h code on failure).
 *
 * Like a function call, ecall may clobber t0..t6 (they come back zeroed);
 * every other register survives unless it carries a result.
 */
#ifndef LIBIPC_SYS_H
#define LIBIPC_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/dev.h"
#include "uapi/errors.h"
#include "uapi/syscall.h"

/* The one ecall: r[0..6] go in a0..a6 and come back from them (a0 is
 * the result; calls that answer more, such as IPC, use the rest). On the
 * host a stand-in kernel defines it (tests/fuzz/host/fake_kernel.c), so a
 * server's own code runs there unchanged. */
#ifdef HOST_TEST
void sys_ecall(long nr, uint64_t r[7]);
#else
static inline void sys_ecall(long nr, uint64_t r[7])
{
	register uint64_t a0 __asm__("a0") = r[0];
	register uint64_t a1 __asm__("a1") = r[1];
	register uint64_t a2 __asm__("a2") = r[2];
	register uint64_t a3 __asm__("a3") = r[3];
	register uint64_t a4 __asm__("a4") = r[4];
	register uint64_t a5 __asm__("a5") = r[5];
	register uint64_t a6 __asm__("a6") = r[6];
	register long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6)
			 : "r"(a7)
			 : "memory", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	r[0] = a0;
	r[1] = a1;
	r[2] = a2;
	r[3] = a3;
	r[4] = a4;
	r[5] = a5;
	r[6] = a6;
}
#endif

static inline long sys7(long nr, long a0, long a1, long a2, long a3, long a4, long a5,
			long a6)
{
	uint64_t r[7] = { (uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3,
			  (uint64_t)a4, (uint64_t)a5, (uint64_t)a6 };
	sys_ecall(nr, r);
	return (long)r[0];
}

#define sys6(n, a, b, c, d, e, f) sys7((n), (a), (b), (c), (d), (e), (f), 0)

/* A leaf call (uapi/syscall.h): one argument, one result, and a1..a6
 * come back zeroed, so the caller need not set or keep them. */
#ifdef HOST_TEST
#define sys_leaf(n, a) sys6((n), (a), 0, 0, 0, 0, 0)
#else
static inline long sys_leaf(long nr, long arg)
{
	register long a0 __asm__("a0") = arg;
	register long a7 __asm__("a7") = nr;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7)
			 : "memory", "a1", "a2", "a3", "a4", "a5", "a6", "t0", "t1", "t2", "t3",
			   "t4", "t5", "t6");
	return a0;
}
#endif

#define sys0(n) sys6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline long sys_debug_write(const void *buf, size_t len)
{
	return sys2(SYS_DEBUG_WRITE, buf, len);
}
static inline _Noreturn void sys_exit(int code)
{
	sys1(SYS_EXIT, code);
	__builtin_unreachable();
}
static inline long sys_yield(void)
{
	return sys0(SYS_YIELD);
}
static inline long sys_module_object(int module)
{
	return sys1(SYS_MODULE_OBJECT, module);
}

static inline long sys_task_create(const struct task_create_req *r)
{
	return sys1(SYS_TASK_CREATE, r);
}

static inline long sys_vm_map_task(int task, int vmo, uint64_t addr, uint64_t len,
				   uint64_t offset, uint32_t prot_flags)
{
	return sys6(SYS_VM_MAP_TASK, task, vmo, (long)addr, (long)len, (long)offset, prot_flags);
}

static inline long sys_thread_start(int task, uint64_t entry, uint64_t sp, uint64_t arg)
{
	return sys6(SYS_THREAD_START, task, (long)entry, (long)sp, (long)arg, 0, 0);
}

static inline long sys_task_wait(int h)
{
	return sys1(SYS_TASK_WAIT, h);
}
static inline long sys_task_kill(int h)
{
	return sys1(SYS_TASK_KILL, h);
}
static inline long sys_task_info(int h, struct task_info *info)
{
	return sys2(SYS_TASK_INFO, h, info);
}
static inline long sys_handle_copy(int h, uint32_t rights)
{
	return sys2(SYS_HANDLE_COPY, h, rights);
}
static inline long sys_handle_close(int h)
{
	return sys1(SYS_HANDLE_CLOSE, h);
}
static inline long sys_handle_info(int h, struct handle_info *info)
{
	return sys2(SYS_HANDLE_INFO, h, info);
}
static inline long sys_module_name(int h, char *buf, size_t len)
{
	return sys3(SYS_MODULE_NAME, h, buf, len);
}
static inline long sys_sysinfo(struct sysinfo *si)
{
	return sys1(SYS_SYSINFO, si);
}
static inline long sys_poweroff(int h, int code)
{
	return sys2(SYS_POWEROFF, h, code);
}
static inline long sys_sleep(uint64_t ns)
{
	return sys1(SYS_SLEEP, ns);
}

static inline long sys_endpoint_create(void)
{
	return sys0(SYS_ENDPOINT_CREATE);
}
static inline long sys_notify_create(void)
{
	return sys0(SYS_NOTIFY_CREATE);
}
static inline long sys_handle_mint(int h, uint32_t rights, uint64_t badge)
{
	return sys3(SYS_HANDLE_MINT, h, rights, badge);
}
static inline long sys_task_enum(int system, uint32_t index, struct task_info *info)
{
	return sys3(SYS_TASK_ENUM, system, index, info);
}

/* Devices and system figures (uapi/dev.h). */
static inline long sys_dev_info(int h, struct dev_info *info)
{
	return sys2(SYS_DEV_INFO, h, info);
}
static inline long sys_dev_map(int devmem, uint64_t va)
{
	return sys2(SYS_DEV_MAP, devmem, va);
}
static inline long sys_irq_bind(int irq, int notification, uint64_t bits)
{
	return sys3(SYS_IRQ_BIND, irq, notification, bits);
}
static inline long sys_irq_ack(int irq)
{
	return sys1(SYS_IRQ_ACK, irq);
}
static inline long sys_vm_stats(struct vm_stats *st)
{
	return sys1(SYS_VM_STATS, st);
}

static inline uint64_t rd_cycle(void)
{
	uint64_t v;
	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}
static inline uint64_t rd_instret(void)
{
	uint64_t v;
	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}
static inline uint64_t rd_time(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

#endif
