/*
 * ELF64 executable checker for the program loader.
 *
 * Lifecycle:
 *   1. The loader (kernel or a server) holds a whole executable in memory.
 *   2. elf_parse() checks every header field it relies on and describes the
 *      PT_LOAD segments; it never reads outside [data, data + len).
 *   3. The loader maps or copies each segment, zero-fills memsz - filesz,
 *      builds the auxiliary vector from phdr_vaddr/phnum/phentsize and
 *      starts a thread at entry.
 *
 * Only static, non-PIE RISC-V executables (ET_EXEC, EM_RISCV, ELFCLASS64,
 * little-endian) are accepted: there is no dynamic linker and no
 * relocation step.
 *
 * What holds after a successful parse (so the loader need not re-check):
 *   - 1 <= nseg <= ELF_MAX_SEGS; seg[] lists PT_LOAD headers in file order.
 *   - Each segment has 0 < memsz, filesz <= memsz, and its file bytes
 *     [offset, offset + filesz) lie inside the buffer.
 *   - Each segment's page-rounded range [vaddr & ~4095, round_up(vaddr +
 *     memsz)) lies inside [user_lo, user_hi) and does not wrap.
 *   - Byte ranges of segments never overlap. Two segments may share one
 *     4 KiB page at their boundary; the loader gives that page the union
 *     of both segments' permissions.
 *   - entry lies inside a segment that has ELF_PF_X.
 *   - phdr_vaddr is 0 or the address at which the whole program header
 *     table is visible inside a segment's file-backed bytes.
 */
#ifndef KERN_ELF_H
#define KERN_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 8
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

#define ELF_PAGE_SIZE 4096u

struct elf_segment {
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t flags; /* ELF_PF_* bits only; other p_flags bits dropped */
};

struct elf_image {
    uint64_t entry;
    int nseg;
    struct elf_segment seg[ELF_MAX_SEGS]; /* PT_LOAD only, in file order */
    /* vaddr of the program header table if a PT_PHDR or a load segment
     * covers it, else 0 (for AT_PHDR) */
    uint64_t phdr_vaddr;
    uint16_t phnum, phentsize;
};

/*
 * Checks and describes a static RISC-V executable. user_lo/user_hi bound the
 * allowed virtual addresses [user_lo, user_hi).
 *
 * Returns 0 and fills *out, or leaves *out untouched and returns
 *   -E_INVAL  NULL pointer or empty user range,
 *   -E_FORMAT malformed or unsupported file,
 *   -E_RANGE  a segment lies outside [user_lo, user_hi).
 */
int elf_parse(const void *data, size_t len, uint64_t user_lo, uint64_t user_hi,
              struct elf_image *out);

#endif
