/*
 * Copies between kernel memory and a task's user memory. User addresses
 * are untrusted: each page is translated through the task's page table
 * (present, user, and readable or writable as needed) before any byte
 * moves, so a bad pointer yields -E_FAULT and never a kernel trap. The
 * whole range is checked before the first byte is copied, so a failed
 * copy changes nothing.
 */
#ifndef KERN_USERCOPY_H
#define KERN_USERCOPY_H

#include "kern/task.h"

int user_check(struct task *t, uaddr_t va, size_t n, bool write);
int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t n);
int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t n);

#endif
