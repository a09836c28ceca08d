/*
 * The platform-level interrupt controller (PLIC) of QEMU virt, for
 * hart 0's S-mode context. A line is claimed when it interrupts and
 * completed only when its driver acknowledges it (kern/device.h), so a
 * line stays quiet while its driver works.
 */
#include "arch/riscv/plic.h"

#include "arch/riscv/csr.h"
#include "kern/arch.h"
#include "kern/phys.h"

#define PLIC_CONTEXT 1 /* hart 0, S-mode */
#define PRIORITY(l) (4 * (l))
#define ENABLE(c) (0x2000 + 0x80 * (c))
#define THRESHOLD(c) (0x200000 + 0x1000 * (c))
#define CLAIM(c) (0x200004 + 0x1000 * (c))

static volatile uint8_t *plic;
static uint32_t nlines;

static volatile uint32_t *reg(uint64_t off)
{
	return (volatile uint32_t *)(void *)(plic + off);
}

void plic_init(paddr_t base, uint32_t ndev)
{
	if (!base)
		return;
	plic = pa_to_kva(base);
	nlines = ndev;
	*reg(THRESHOLD(PLIC_CONTEXT)) = 0;
	csr_set(sie, SIE_SEIE);
}

void arch_irq_enable(uint32_t line)
{
	if (!plic || line == 0 || line > nlines)
		return;
	*reg(PRIORITY(line)) = 1;
	*reg(ENABLE(PLIC_CONTEXT) + 4 * (line / 32)) |= 1u << (line % 32);
}

uint32_t plic_claim(void)
{
	return plic ? *reg(CLAIM(PLIC_CONTEXT)) : 0;
}

void arch_irq_complete(uint32_t line)
{
	if (plic)
		*reg(CLAIM(PLIC_CONTEXT)) = line;
}
