/*
 * Clocks the C library cannot read from the `time` CSR alone:
 *   - the wall clock: the real-time clock (QEMU virt's goldfish RTC) is
 *     read once at boot (arch code, which knows the device), and its
 *     value is kept as the wall time at `time` = 0; user space adds the
 *     CSR (SYS_WALL_CLOCK). One read at boot is enough: the RTC and the
 *     timebase count the same host time, and no call sets the clock.
 *   - CPU time: what each thread ran, charged at every switch
 *     (sched_set_cur), plus the running thread's time since it started
 *     (SYS_CPU_TIME).
 */
#ifndef KERN_CLOCK_H
#define KERN_CLOCK_H

#include <stdint.h>

/* Boot: the RTC read rtc_ns (ns since 1970) when the timebase read
 * now_ticks. rtc_ns 0: no RTC. */
void clock_set_wall(uint64_t rtc_ns, uint64_t now_ticks);

/* Leaf system calls (kern/syscall.h): of the current thread. */
int64_t sys_cpu_time(uint64_t which);
int64_t sys_wall_clock(uint64_t unused);

#endif
