/*
 * The user-space loader's plan: which mappings make a program's address
 * space, worked out from the checked ELF headers alone (no system call),
 * so that the host unit tests run it as is (tests/unit/test_spawn_plan.c).
 *
 * For each PT_LOAD segment [vaddr, vaddr + memsz), file bytes [offset,
 * offset + filesz):
 *   - the pages holding only file bytes map the module's object at the
 *     same offset: shared read-only for a segment without ELF_PF_W (text:
 *     every copy of the program shares these frames), private (copy on
 *     write) for one with it (data: writes never reach the module);
 *   - the rest, from the page where the file bytes end to the end of
 *     memsz, maps a fresh anonymous object (.bss), into which the loader
 *     first copies that page's file bytes, so the bytes beyond filesz
 *     read as zero.
 * A segment with memsz == filesz needs no anonymous part: its last page
 * maps the module too (bytes beyond filesz are file bytes, never
 * promised to be zero).
 *
 * Refused (-E_FORMAT), on top of what elf_parse already refuses: a
 * segment whose vaddr and offset disagree within a page (it cannot be
 * mapped from the file), one without any of R/W/X, and segments that share
 * a page (two regions cannot map one page).
 */
#ifndef LIBIPC_SPAWN_PLAN_H
#define LIBIPC_SPAWN_PLAN_H

#include <stdint.h>

#include "kern/elf.h"

enum spawn_map_kind {
	SPAWN_MAP_MODULE = 1, /* the module's object at `offset` */
	SPAWN_MAP_ANON,       /* a fresh anonymous object, `copy_len` bytes copied in */
};

struct spawn_map {
	enum spawn_map_kind kind;
	uint64_t va, len;   /* page aligned */
	uint64_t offset;    /* MODULE: page-aligned offset in the module */
	uint32_t prot;      /* VM_R / VM_W / VM_X */
	uint32_t flags;     /* VM_SHARED or VM_PRIVATE */
	uint64_t copy_from; /* ANON: file offset of the bytes to copy in */
	uint64_t copy_to;   /* ANON: where they go in the object */
	uint64_t copy_len;  /* ANON: how many (< one page) */
};

#define SPAWN_MAX_MAPS (2 * ELF_MAX_SEGS)

struct spawn_plan {
	int nmaps;
	struct spawn_map map[SPAWN_MAX_MAPS];
};

/* Plans img (checked by elf_parse against a file of file_size bytes).
 * Returns 0, or -E_FORMAT with *plan unspecified. */
int spawn_plan(const struct elf_image *img, uint64_t file_size, struct spawn_plan *plan);

#endif
