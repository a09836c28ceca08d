/* Calls into the SBI firmware (OpenSBI): timer, shutdown, early console. */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <stdint.h>

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2);
void sbi_set_timer(uint64_t when);
void sbi_putchar(int c);
void sbi_shutdown(void); /* returns only if the firmware lacks SRST */
long sbi_probe(long eid);

#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_HSM 0x48534d

#endif
