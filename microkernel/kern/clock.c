/* The wall clock and CPU-time clocks; see kern/clock.h. */
#include "kern/clock.h"

#include "kern/arch.h"
#include "kern/cpu.h"
#include "lib/list.h"
#include "kern/log.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "uapi/errors.h"
#include "uapi/syscall.h"

#define NS_PER_S 1000000000ull

static uint64_t wall_at_zero_ns; /* 0: no RTC; set once at boot */

void clock_set_wall(uint64_t rtc_ns, uint64_t now_ticks)
{
	uint64_t hz = arch_timebase_hz();
	uint64_t since_boot = now_ticks / hz * NS_PER_S + now_ticks % hz * NS_PER_S / hz;
	if (rtc_ns <= since_boot) {
		klog("clock: no usable real-time clock; the wall clock counts from boot\n");
		return;
	}
	wall_at_zero_ns = rtc_ns - since_boot;
	klog("clock: real-time clock at %lu s since 1970\n", (unsigned long)(rtc_ns / NS_PER_S));
}

int64_t sys_wall_clock(uint64_t a0)
{
	(void)a0;
	return wall_at_zero_ns ? (int64_t)wall_at_zero_ns : -E_NOENT;
}

/* What t ran, with the slice it is running now if it is the current one. */
static uint64_t thread_cpu_time(const struct thread *t)
{
	const struct cpu *c = this_cpu();
	return t->cpu_time + (c->cur == t ? arch_time() - c->run_since : 0);
}

int64_t sys_cpu_time(uint64_t which)
{
	const struct thread *t = this_cpu()->cur;
	if (which == CPU_TIME_THREAD)
		return (int64_t)thread_cpu_time(t);
	if (which != CPU_TIME_TASK)
		return -E_INVAL;
	uint64_t sum = t->task->cpu_time;
	list_for_each(pos, &t->task->threads)
		sum += thread_cpu_time(list_entry(pos, struct thread, task_link));
	return (int64_t)sum;
}
