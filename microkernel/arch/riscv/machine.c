/* Machine support; see machine.h. */
#include "arch/riscv/machine.h"

#include <stdbool.h>

#include "arch/riscv/csr.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/sv39.h"
#include "kern/arch.h"
#include "kern/cpu.h"
#include "kern/log.h"
#include "kern/phys.h"
#include "kern/sched.h"
#include "kern/vm/vm_fault.h"
#include "uapi/errors.h"

extern char boot_pagetable[], _kernel_start[], _kernel_end[], boot_stack_top[];

_Static_assert(phys_virt_offset == DIRECT_BASE, "kern/phys.h and memlayout.h");

#define ASID_MAX 4096 /* ASIDs handed out at most; beyond, tasks share 0 */

static struct {
	volatile uint8_t *uart; /* 16550 registers in the direct map, or NULL */
	volatile uint32_t *test_dev;
	uint64_t timebase_hz;
	uint64_t tick_interval;
	uint64_t next_tick;
	uint32_t asid_bits;
	uint32_t nasids;   /* ASIDs in use: 1 .. nasids-1; 0 means none */
	uint64_t asid_used[ASID_MAX / 64];
	uint64_t idle_instret; /* counter ticks with nothing to run (machine_idle_account) */
	uint64_t last_wake;    /* the counter when wfi last returned */
} mach;

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static bool console_mid_line; /* the last byte out was not "\n" */

static void console_putc(char c)
{
	console_mid_line = c != '\n';
	if (!mach.uart) {
		sbi_putchar(c);
		return;
	}
	while (!(mach.uart[UART_LSR] & UART_LSR_THRE))
		;
	mach.uart[UART_THR] = (uint8_t)c;
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			console_putc('\r');
		console_putc(s[i]);
	}
}

void arch_console_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		console_putc(s[i]);
}

void arch_console_line_start(void)
{
	if (console_mid_line)
		arch_console_write("\n", 1);
}

uint64_t arch_time(void)
{
	return csr_read(time);
}

uint64_t arch_instret(void)
{
	return csr_read(instret);
}

uint64_t arch_timebase_hz(void)
{
	return mach.timebase_hz;
}

/* Writes all-ones into satp's ASID field and counts the bits that stick. */
static uint32_t probe_asid_bits(void)
{
	uint64_t satp = csr_read(satp);
	csr_write(satp, satp | (SATP_ASID_MASK << SATP_ASID_SHIFT));
	uint64_t got = (csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
	csr_write(satp, satp);
	__asm__ volatile("sfence.vma");
	uint32_t bits = 0;
	for (; got; got >>= 1)
		bits += got & 1;
	return bits;
}

void machine_init(const struct fdt_info *dt)
{
	if (dt->uart.size)
		mach.uart = pa_to_kva(dt->uart.base);
	if (dt->test_dev.size)
		mach.test_dev = pa_to_kva(dt->test_dev.base);
	mach.timebase_hz = dt->timebase_hz ? dt->timebase_hz : 10000000;
	mach.tick_interval = mach.timebase_hz / TICK_HZ;
	mach.asid_bits = probe_asid_bits();
	mach.nasids = mach.asid_bits >= 8 ? MIN(1u << mach.asid_bits, ASID_MAX) : 0;
	mach.asid_used[0] = 1; /* ASID 0: the kernel and tasks without one */
	this_cpu()->kstack_top = (uint64_t)boot_stack_top;
	/* U-mode may read cycle, time and instret (for measurements). */
	csr_write(scounteren, 7);
	csr_clear(sstatus, SSTATUS_FS); /* off until a thread uses FP (trap.c) */
}

/* Goldfish RTC registers: reading TIME_LOW latches TIME_HIGH, so low
 * goes first. */
#define RTC_TIME_LOW 0
#define RTC_TIME_HIGH 1

uint64_t machine_rtc_ns(const struct fdt_info *dt)
{
	if (dt->rtc.size < 8)
		return 0;
	volatile uint32_t *rtc = pa_to_kva(dt->rtc.base);
	uint64_t lo = rtc[RTC_TIME_LOW];
	return (uint64_t)rtc[RTC_TIME_HIGH] << 32 | lo;
}

uint32_t machine_asid_bits(void)
{
	return mach.asid_bits;
}

void machine_timer_start(void)
{
	mach.next_tick = arch_time() + mach.tick_interval;
	sbi_set_timer(mach.next_tick);
	csr_set(sie, SIE_STIE);
}

void machine_timer_tick(void)
{
	uint64_t now = arch_time();
	while (mach.next_tick <= now)
		mach.next_tick += mach.tick_interval;
	sbi_set_timer(mach.next_tick);
	sched_tick();
	thread_expire_timeouts(now);
	vm_tick(now);
}

void machine_idle(void (*handler)(uint64_t cause))
{
	/* wfi wakes on a pending interrupt even with sstatus.SIE clear, so
	 * the kernel stays non-preemptible and polls sip instead. */
	__asm__ volatile("wfi");
	mach.last_wake = arch_instret();
	uint64_t pending = csr_read(sip) & csr_read(sie);
	for (uint64_t c = 0; c < 64; c++)
		if (pending & (1ul << c))
			handler(c);
}

void machine_idle_account(uint64_t since)
{
	mach.idle_instret += mach.last_wake - since;
}

uint64_t arch_idle_instret(void)
{
	return mach.idle_instret;
}

paddr_t machine_kernel_root(void)
{
	return kva_to_pa(boot_pagetable);
}

uint64_t arch_as_token(paddr_t root, uint32_t asid)
{
	return SATP_SV39 | ((uint64_t)asid << SATP_ASID_SHIFT) | (root >> PAGE_SHIFT);
}

int arch_as_create(paddr_t *root, uint32_t *asid)
{
	*root = sv39_new_root(machine_kernel_root());
	if (!*root)
		return -E_NOMEM;
	/* Reusing a freed ASID is safe: arch_as_destroy flushed it. When all
	 * are taken (or the hart has too few), the task shares ASID 0, which
	 * machine_as_load flushes on every switch. */
	*asid = 0;
	for (uint32_t i = 1; i < mach.nasids; i++) {
		if (!(mach.asid_used[i / 64] & (1ul << (i % 64)))) {
			mach.asid_used[i / 64] |= 1ul << (i % 64);
			*asid = i;
			break;
		}
	}
	return 0;
}

void arch_as_destroy(paddr_t root, uint32_t asid)
{
	uint64_t satp_root = (csr_read(satp) & ((1ul << 44) - 1)) << PAGE_SHIFT;
	if (satp_root == root)
		machine_as_load(arch_as_token(machine_kernel_root(), 0));
	if (asid) {
		__asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)asid) : "memory");
		mach.asid_used[asid / 64] &= ~(1ul << (asid % 64));
	}
}

void arch_tlb_flush_page(uint32_t asid, uint64_t va)
{
	if (asid) /* (an ASID is under 2^16: the register as it is, no zero extension) */
		__asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
	else
		__asm__ volatile("sfence.vma %0" ::"r"(va) : "memory");
}

void machine_backtrace_from(uint64_t fp, uint64_t ra)
{
	klog("backtrace:\n  %lx\n", (unsigned long)ra);
	uint64_t lo = (uint64_t)boot_stack_top - 16384, hi = (uint64_t)boot_stack_top;
	for (int depth = 0; depth < 32 && fp > lo && fp <= hi && (fp & 7) == 0; depth++) {
		uint64_t ret = ((uint64_t *)fp)[-1];
		fp = ((uint64_t *)fp)[-2];
		klog("  %lx\n", (unsigned long)ret);
	}
}

void arch_backtrace(void)
{
	uint64_t fp;
	__asm__ volatile("mv %0, s0" : "=r"(fp));
	machine_backtrace_from(fp, (uint64_t)__builtin_return_address(0));
}

void machine_poweroff(int code)
{
	if (code == 0)
		sbi_shutdown();
	if (mach.test_dev)
		*mach.test_dev = ((uint32_t)code << 16) | 0x3333;
	sbi_shutdown();
	for (;;)
		__asm__ volatile("wfi");
}

void arch_poweroff(int code)
{
	machine_poweroff(code);
}
