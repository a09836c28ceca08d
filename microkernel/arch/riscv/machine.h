/*
 * The machine below the kernel: console UART, timer, power, address-space
 * switching, backtraces. Filled in from the device tree at boot.
 */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include "kern/fdt.h"
#include "kern/types.h"

void machine_init(const struct fdt_info *dt);
/* The goldfish RTC's time (ns since 1970), or 0 without one. */
uint64_t machine_rtc_ns(const struct fdt_info *dt);
void machine_timer_start(void);
void machine_timer_tick(void);
/* Waits for an interrupt with interrupts masked, then hands each pending
 * one to handler (cause number). */
void machine_idle(void (*handler)(uint64_t cause));
/* The hart had nothing to run from `since` (the counter) until the last
 * machine_idle's wfi returned: timer ticks that woke nobody count as idle,
 * the handler of the wake-up that found work does not. */
void machine_idle_account(uint64_t since);

/* Loads an address-space token (arch_as_token). Without an ASID every
 * switch must flush the TLB; with one, the ASID is flushed when it is
 * freed (arch_as_destroy) instead. */
static inline void machine_as_load(uint64_t satp)
{
	__asm__ volatile("csrw satp, %0" ::"r"(satp) : "memory");
	if (!(satp & (0xfffful << 44)))
		__asm__ volatile("sfence.vma" ::: "memory");
}
paddr_t machine_kernel_root(void);
uint32_t machine_asid_bits(void);
void machine_backtrace_from(uint64_t fp, uint64_t ra);
_Noreturn void machine_poweroff(int code);

#endif
