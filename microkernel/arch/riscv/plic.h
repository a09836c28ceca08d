/* PLIC access for the trap code; see plic.c. */
#ifndef ARCH_PLIC_H
#define ARCH_PLIC_H

#include "kern/types.h"

void plic_init(paddr_t base, uint32_t ndev);
uint32_t plic_claim(void); /* 0: nothing pending */

#endif
