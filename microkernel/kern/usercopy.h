/*
 * Copies between kernel memory and a task's user memory. User addresses
 * are untrusted: each page is translated through the task's page table
 * (present, user, and readable or writable as needed) before any byte
 * moves, so a bad pointer yields -E_FAULT and never a kernel trap. The
 * whole range is checked before the first byte is copied, so a failed
 * copy changes nothing.
 *
 * A system call's own buffers may lie in memory that is mapped but not
 * yet touched (an object page not resident, a private page only read so
 * far): user_check and copy_*_user fault such pages in for the calling
 * thread, as its own access would. When that needs the pager they return
 * USER_BLOCKED: the thread waits for the page and the system call is
 * restarted from the beginning once it is there (syscall_dispatch), so a
 * call must reach its first user access before it changes anything.
 * The _mapped variants never fault (IPC transfers between two threads:
 * neither may wait on the other's pager); pages must be mapped already.
 */
#ifndef KERN_USERCOPY_H
#define KERN_USERCOPY_H

#include "kern/task.h"

#define USER_BLOCKED (-4096) /* not an error code: the call is restarted */

int user_check(struct task *t, uaddr_t va, size_t n, bool write);
int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t n);
int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t n);

int user_check_mapped(struct task *t, uaddr_t va, size_t n, bool write);
int copy_from_user_mapped(struct task *t, void *dst, uaddr_t src, size_t n);
int copy_to_user_mapped(struct task *t, uaddr_t dst, const void *src, size_t n);

#endif
