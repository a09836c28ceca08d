/*
 * Loads a static ELF executable into a fresh task and builds the initial
 * user stack in the System V layout (argc, argv, envp, auxv), which is
 * what a C library's start code expects.
 */
#ifndef KERN_LOADER_H
#define KERN_LOADER_H

#include "kern/task.h"

/* argv: argc NUL-terminated strings laid end to end, argv_len bytes.
 * On success *entry and *sp are where the first thread starts. On failure
 * the task may hold part of the image; the caller discards the task. */
int loader_exec(struct task *t, const void *elf, size_t len, const char *argv,
		size_t argv_len, uint64_t *entry, uint64_t *sp);

#endif
