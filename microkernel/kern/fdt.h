/*
 * Flattened device tree (DTB) reader: turns the blob the firmware hands
 * over into the handful of facts the kernel needs at boot.
 *
 * Lifecycle:
 *   1. OpenSBI enters the kernel with a1 = physical address of the DTB.
 *   2. Boot code calls fdt_totalsize() to learn how long the blob claims
 *      to be, and decides how much memory it trusts (maxlen).
 *   3. fdt_parse() validates the whole blob and fills one struct fdt_info.
 *   4. From then on the kernel reads only fdt_info. The blob's own frames
 *      are not in fdt_info.resv (OpenSBI puts it near the top of RAM), so
 *      boot code keeps them from the allocator until step 3 is done.
 *
 * The blob is untrusted: fdt_parse() never reads outside
 * [blob, blob + maxlen), whatever the bytes are, and returns -E_FORMAT for
 * any structural error. Addresses are taken from "reg" as written, decoded
 * with the parent's #address-cells/#size-cells; "ranges" is not applied,
 * so devices behind a translating bus are reported untranslated (QEMU virt
 * uses identity ranges only).
 */
#ifndef KERN_FDT_H
#define KERN_FDT_H

#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MAX_MEM 4
#define FDT_MAX_VIRTIO 8
#define FDT_MAX_RESV 8
#define FDT_MAX_DEPTH 16 /* deeper nesting is rejected as -E_FORMAT */
#define FDT_BOOTARGS_MAX 2048 /* SPAWN_MAX_ARGS: init's argv holds them */
#define FDT_RNG_SEED_MAX 64

struct fdt_reg {
    uint64_t base, size;
};

struct fdt_info {
    /* reg entries of every /memory node, in blob order; entries past
     * FDT_MAX_MEM and zero-sized entries are dropped */
    struct fdt_reg mem[FDT_MAX_MEM];
    int nmem;
    /* memory the kernel must not hand out: the header's reservation block
     * followed by the reg entries of /reserved-memory children (OpenSBI
     * puts its own firmware region there) */
    struct fdt_reg resv[FDT_MAX_RESV];
    int nresv;
    /* /chosen linux,initrd-start/-end; both 0 if absent */
    uint64_t initrd_start, initrd_end;
    /* /chosen bootargs; "" if absent, truncated, always NUL-terminated */
    char bootargs[FDT_BOOTARGS_MAX];
    /* /chosen rng-seed (QEMU fills it with random bytes); cut at
     * FDT_RNG_SEED_MAX, length 0 if absent. Copied: the blob's frames
     * are freed after boot. */
    uint8_t rng_seed[FDT_RNG_SEED_MAX];
    uint32_t rng_seed_len;
    /* /cpus timebase-frequency (or the first cpu node's, if /cpus has none) */
    uint64_t timebase_hz;
    /* /cpus children with device_type "cpu" */
    int nharts;
    /* first node compatible "ns16550a"; irq = first "interrupts" cell */
    struct fdt_reg uart;
    uint32_t uart_irq;
    /* "riscv,plic0" or "sifive,plic-1.0.0"; ndev = riscv,ndev */
    struct fdt_reg plic;
    uint32_t plic_ndev;
    /* "riscv,clint0" or "sifive,clint0" */
    struct fdt_reg clint;
    /* "sifive,test0", "sifive,test1" or "syscon"; size 0 if absent */
    struct fdt_reg test_dev;
    /* "google,goldfish-rtc": the real-time clock; size 0 if absent */
    struct fdt_reg rtc;
    /* "virtio,mmio" nodes sorted by base; past FDT_MAX_VIRTIO the highest
     * addresses are dropped */
    struct fdt_reg virtio[FDT_MAX_VIRTIO];
    uint32_t virtio_irq[FDT_MAX_VIRTIO];
    int nvirtio;
};

/*
 * Validate the blob at [blob, blob + maxlen) and fill *out.
 * Returns 0, -E_INVAL for a NULL argument, -E_FORMAT for a malformed blob,
 * -E_FULL for more than FDT_MAX_RESV reservations (dropping one would let
 * the kernel hand out firmware memory).
 * On failure *out is all zero: nothing is left half filled.
 */
int fdt_parse(const void *blob, size_t maxlen, struct fdt_info *out);

/*
 * The header's totalsize field, or 0 if the magic is wrong. Reads only the
 * first 8 bytes, which the caller must be able to read; the value is
 * untrusted until fdt_parse() accepts the blob.
 */
uint32_t fdt_totalsize(const void *blob);

#endif
