/*
 * What portable kernel code needs from the architecture. Implemented in
 * microkernel/arch/riscv/; host tests provide stubs.
 */
#ifndef KERN_ARCH_H
#define KERN_ARCH_H

#include "kern/types.h"

void arch_console_write(const char *s, size_t n); /* "\n" as "\r\n" */
/* The bytes as they are (the console server's output, SYS_CONSOLE_WRITE). */
void arch_console_write_raw(const char *s, size_t n);
/* Ends a partial line on the console, so what follows starts a line. */
void arch_console_line_start(void);
_Noreturn void arch_poweroff(int code);
void arch_backtrace(void);
uint64_t arch_time(void); /* timebase ticks since boot */
uint64_t arch_timebase_hz(void);
uint64_t arch_instret(void); /* instructions retired on this hart */
/* Of arch_instret, what passed while the hart had nothing to run (wfi,
 * and timer ticks that woke nobody): under qemu -icount the counter
 * follows the virtual clock, which jumps to the next timer while idle. */
uint64_t arch_idle_instret(void);

/* Address spaces: a new root with the kernel half, and an ASID if the
 * hardware has them. arch_as_destroy flushes the ASID and makes sure satp
 * no longer names root; the caller then frees the tables. */
int arch_as_create(paddr_t *root, uint32_t *asid);
/* The value that selects the address space on a switch (satp). */
uint64_t arch_as_token(paddr_t root, uint32_t asid);
void arch_as_destroy(paddr_t root, uint32_t asid);
/* Interrupt controller: enable a line for this hart; finish a claim. */
void arch_irq_enable(uint32_t line);
void arch_irq_complete(uint32_t line);

/* Drops any cached translation of va in the address space with asid. */
void arch_tlb_flush_page(uint32_t asid, uint64_t va);

#endif
