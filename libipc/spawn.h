/*
 * The user-space loader: programs are mapped, not copied
 * (docs/DESIGN.md section 2). spawn() (libipc/ulib.h) starts a boot
 * module, or a program file when argv[0] is a path, this way:
 *   1. The program's memory object: SYS_MODULE_OBJECT for a module, the
 *      file's own object (the file server pages it) for a file. The
 *      loader maps it read-only into its own scratch window to read the
 *      ELF headers, which elf_parse and spawn_plan check; only the pages
 *      it reads come in.
 *   2. SYS_TASK_CREATE: an empty task holding the handed handles.
 *   3. SYS_VM_MAP_TASK per planned mapping (libipc/spawn_plan.h): text
 *      shared read-only from the module's object, data private copy on
 *      write, .bss and the stack anonymous objects (anon_object). The
 *      partial page where data meets .bss and the stack's top page are
 *      written through the scratch window first: argv, no environment,
 *      the auxiliary vector (the System V layout musl's start code reads).
 *   4. SYS_THREAD_START at the ELF entry.
 * Nothing is left behind on failure: closing the only handle to a task
 * that was never started ends it, with everything mapped into it.
 *
 * The scratch window (SPAWN_SCRATCH, 16 slots of 256 MiB below the stack's
 * guard gap)
 * is the loader's own; a slot in use (a spawn in another thread) is
 * skipped.
 */
#ifndef LIBIPC_SPAWN_H
#define LIBIPC_SPAWN_H

#include <stdint.h>

#include "uapi/vm.h"

#define SPAWN_STACK_TOP (VM_USER_HI - VM_PAGE_SIZE) /* a guard page above */
/* The main thread's stack: an anonymous object of this size (pages come
 * on first touch, and may be paged out like any anonymous memory), with
 * nothing mapped below it down to the scratch window: a program that
 * recurses past the bottom dies of a page fault. */
#define SPAWN_STACK_SIZE (8ul << 20)
#define SPAWN_STACK_MIN (16 * VM_PAGE_SIZE)
#define SPAWN_STACK_MAX (1ul << 30)
#define SPAWN_SCRATCH 0x3e00000000ul
#define SPAWN_SCRATCH_SLOTS 16
#define SPAWN_SCRATCH_SLOT 0x10000000ul /* module, then the pages being written */

/* Anonymous memory of size bytes (zero on first touch) as a memory object
 * handle: a kernel zero-fill object today, the default pager's
 * anonymous objects later. */
long anon_object(uint64_t size);

/* Starts module `module` (a handle) as described above; prio as for
 * SYS_TASK_CREATE. Returns the task handle or an error. */
int spawn_module(int module, const char *argv_blob, uint64_t argv_len, const int32_t *handles,
		 const uint32_t *rights, uint32_t nhandles, uint32_t prio);

/* The same from a memory object (borrowed, not closed) holding an ELF
 * file of size bytes: a program file's object. */
int spawn_object(int vmo, uint64_t size, const char *argv_blob, uint64_t argv_len,
		 const int32_t *handles, const uint32_t *rights, uint32_t nhandles, uint32_t prio);

/* What a caller may choose per spawn; a zero field takes the default. */
struct spawn_options {
	uint64_t stack_size; /* bytes, page multiple in [SPAWN_STACK_MIN, SPAWN_STACK_MAX] */
};

/* spawn_module and spawn_object with options (opts may be NULL): an
 * option out of range is -E_INVAL. */
int spawn_module_opts(int module, const char *argv_blob, uint64_t argv_len,
		      const int32_t *handles, const uint32_t *rights, uint32_t nhandles,
		      uint32_t prio, const struct spawn_options *opts);
int spawn_object_opts(int vmo, uint64_t size, const char *argv_blob, uint64_t argv_len,
		      const int32_t *handles, const uint32_t *rights, uint32_t nhandles,
		      uint32_t prio, const struct spawn_options *opts);

/* The memory object (a new handle, R_READ | R_MAP) and size of the
 * program file at path, or an error: given by the C library's file layer
 * (libc/file.c); without it, -E_NOENT. */
long spawn_open_file(const char *path, uint64_t *size);

#endif
