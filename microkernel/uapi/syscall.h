/*
 * System call ABI shared by the kernel and libipc.
 *
 * Calling convention: `ecall` with the call number in a7 and arguments in
 * a0..a5. The result comes back in a0: a value >= 0 on success, or a
 * negated code from uapi/errors.h. Numbers are this kernel's own; it knows
 * nothing of Linux system call numbers. a1..a6 come back as the call
 * leaves them (message words for IPC, else unchanged), a7 unchanged,
 * t0..t6 zeroed. The leaf calls (marked "leaf" below: SYS_NOP,
 * SYS_IDLE_COUNT, SYS_CPU_TIME, SYS_WALL_CLOCK) return a1..a6 zeroed too:
 * the kernel takes them on a shorter path that does not save them.
 */
#ifndef UAPI_SYSCALL_H
#define UAPI_SYSCALL_H

#include <stdint.h>

enum sys_nr {
	SYS_DEBUG_WRITE = 0, /* (buf, len) -> len: text to the kernel log */
	SYS_EXIT = 1,        /* (code): ends the calling task */
	SYS_YIELD = 2,       /* (): gives up the rest of the time slice */
	SYS_UNUSED_3 = 3,   /* was SYS_TASK_SPAWN; programs are started by libipc/spawn.h */
	SYS_TASK_WAIT = 4,   /* (task h) -> exit status, blocks until it ends */
	SYS_TASK_KILL = 5,   /* (task h): CONTROL right */
	SYS_TASK_INFO = 6,   /* (task h, struct task_info *) */
	SYS_HANDLE_COPY = 7, /* (h, rights mask) -> new handle, rights only shrink */
	SYS_HANDLE_CLOSE = 8,
	SYS_HANDLE_INFO = 9,  /* (h, struct handle_info *): type, rights, badge, dead */
	SYS_MODULE_NAME = 10, /* (module h, buf, len) -> name length */
	SYS_SYSINFO = 11,     /* (struct sysinfo *) */
	SYS_POWEROFF = 12,    /* (system h, code): CONTROL right */
	SYS_SLEEP = 13,       /* (nanoseconds) */
	SYS_NOP = 14,         /* (), leaf: does nothing; measures the trap cost */
	/* IPC, see uapi/ipc.h for registers and message layout */
	SYS_ENDPOINT_CREATE = 15, /* () -> endpoint handle */
	SYS_NOTIFY_CREATE = 16,   /* () -> notification handle */
	SYS_CALL = 17,
	SYS_SEND = 18,
	SYS_RECV = 19,
	SYS_REPLY = 20,
	SYS_REPLY_RECV = 21,
	SYS_NOTIFY_SIGNAL = 22, /* (h, bits) */
	SYS_NOTIFY_WAIT = 23,   /* (h, timeout ns) -> a1 = bits */
	SYS_IPC_BUFFER = 24,    /* (user address of a struct ipc_buffer, page aligned) */
	SYS_HANDLE_MINT = 25,   /* (h, rights mask, badge) -> new handle; h must be unbadged */
	SYS_OBJ_DESTROY = 26,   /* (h): R_CONTROL; an endpoint stops, waiters get E_CANCELED */
	SYS_THREAD_CREATE = 27, /* (entry, sp, arg, prio) -> thread handle */
	SYS_THREAD_EXIT = 28,   /* (): the calling thread ends; the last one ends the task */
	/* Memory: see uapi/vm.h */
	SYS_MEM_WIRE = 29,      /* (addr, len, prot): fresh zeroed frames, counted against the quota */
	SYS_MEM_UNMAP = 30,     /* (addr, len): unmap whatever is mapped in the range */
	/* Memory objects and pagers: see uapi/pager.h */
	SYS_VMO_CREATE = 31,    /* (size, pager endpoint h or VMO_KERNEL_ZERO, badge) -> vmo h */
	SYS_VM_MAP = 32,        /* (vmo h, addr, len, offset, prot | VM_SHARED/VM_PRIVATE) */
	SYS_VM_PROTECT = 33,    /* (addr, len, prot): a whole mapped region */
	SYS_PAGER_SUPPLY = 34,  /* (vmo h, offset, src, npages, prot, recv endpoint h or -1, epoch) */
	SYS_PAGER_FAIL = 35,    /* (vmo h, offset, npages, error, epoch) */
	SYS_PAGER_QUERY = 36,   /* (vmo h, offset, npages, out bytes, flags) */
	SYS_PAGER_EVICT = 37,   /* (vmo h, offset, npages, dst, out bytes, epoch) */
	SYS_PAGER_LOCK = 38,    /* (vmo h, offset, npages, op, epoch) */
	SYS_VMO_SET = 39,       /* (vmo h, fallback endpoint h or -1, badge, deadline ms) */
	SYS_VMO_INFO = 40,      /* (vmo h, struct vmo_info *) */
	SYS_TRACE_READ = 41,    /* (first index, struct trace_record *, max) -> records copied */
	/* Devices and system-wide information: see uapi/dev.h */
	SYS_DEV_INFO = 42,      /* (devmem or irq h, struct dev_info *) */
	SYS_DEV_MAP = 43,       /* (devmem h, addr): maps the device registers at addr */
	SYS_IRQ_BIND = 44,      /* (irq h, notification h, bits): the IRQ signals bits */
	SYS_IRQ_ACK = 45,       /* (irq h): handled; the IRQ may fire again */
	SYS_TASK_ENUM = 46,     /* (system h R_READ, index, struct task_info *) -> next index */
	SYS_VM_STATS = 47,      /* (struct vm_stats *) */
	/* DMA: see uapi/dma.h */
	SYS_DMA_PIN = 48,       /* (dma h, vmo h, offset, npages, flags, u64 *paddrs) -> pin h */
	SYS_IDLE_COUNT = 49,    /* (), leaf -> instret counted while the hart idled (benchmarks) */
	/* Building a task from user space (the loader, libipc/spawn.c) */
	SYS_MODULE_OBJECT = 50, /* (module h R_READ) -> vmo h (R_READ | R_MAP | R_GRANT) */
	SYS_TASK_CREATE = 51,   /* (struct task_create_req *) -> task h, no thread yet */
	SYS_VM_MAP_TASK = 52,   /* (task h R_MAP, vmo h R_MAP, addr, len, offset, prot | flags) */
	SYS_THREAD_START = 53,  /* (task h R_CONTROL, entry, sp, arg): its first thread */
	SYS_VMO_ANON = 54,      /* (size, below vmo h or -1, offset, pager ep or -1, badge) -> vmo h:
				 * anonymous memory, a shadow of below if given (uapi/pager.h) */
	SYS_DEFAULT_PAGER = 55, /* (system h R_CONTROL, endpoint h R_RECV or -1) */
	SYS_PAGER_CTL = 56,     /* (vmo h R_PAGER, op, offset, npages, arg, epoch) */
	SYS_VMO_REBIND = 57,    /* (vmo h R_CONTROL, endpoint h R_RECV, badge) -> the new epoch */
	/* The memory manager: see uapi/mm.h */
	SYS_MM_REGISTER = 58,   /* (mm h R_CONTROL, notification h R_SEND or -1, bits, lab bits) */
	SYS_MM_WATERMARKS = 59, /* (mm h R_CONTROL, min, low, high or all 0, struct mm_state *) */
	SYS_MM_OBJECTS = 60,    /* (mm h R_CONTROL, index, struct mm_object_info *) -> next index */
	SYS_MM_QUERY = 61,      /* (mm h R_CONTROL, object id, offset, npages, out bytes, flags) */
	SYS_MM_EVICT = 62,      /* (mm h R_CONTROL, object id, offset, npages, out bytes) -> freed */
	SYS_PAGER_RETURN_AREA = 63, /* (endpoint h R_RECV, base, npages, flags): where RETURNs land */
	SYS_VMO_READ = 64,      /* (vmo h R_READ, offset, buf, len) -> bytes: uapi/pager.h */
	SYS_VMO_WRITE = 65,     /* (vmo h R_MAP, offset, buf, len) -> bytes */
	SYS_PAGER_OPEN = 66,    /* (endpoint h R_RECV, badge) -> vmo h (R_PAGER | R_READ) of the
				 * object bound to it with that badge */
	SYS_VM_OBJECT = 67,     /* (task h R_CONTROL, addr) -> vmo h (R_CONTROL | R_READ | R_GRANT)
				 * of the object mapped there */
	SYS_MM_LAB = 68,        /* (mm h R_CONTROL, object id, op, n): uapi/mm.h */
	/* Read-only views of the VM (the shell's maps, objects): uapi/vm.h */
	SYS_VM_REGIONS = 69,    /* (system h R_READ, task id, from addr, struct vm_region_info *)
				 * -> next addr */
	SYS_VM_OBJECTS = 70,    /* (system h R_READ, from id, struct vm_object_info *,
				 * endpoint h or -1) -> next id */
	/* Clocks and entropy for the C library */
	SYS_CPU_TIME = 71,      /* (CPU_TIME_THREAD or CPU_TIME_TASK), leaf -> timebase ticks run
				 * by the calling thread, or by all of its task's threads */
	SYS_WALL_CLOCK = 72,    /* (), leaf -> ns since 1970 at time 0 of the `time` CSR, read
				 * from the real-time clock at boot; E_NOENT: no RTC */
	SYS_GETRANDOM = 73,     /* (buf, len <= GETRANDOM_MAX) -> len random bytes */
	SYS_CONSOLE_WRITE = 74, /* (UART devmem h R_MAP, buf, len <= CONSOLE_WRITE_MAX) -> len:
				 * the bytes to the UART as they are, in one piece; kernel log
				 * lines come before or after, and start on a line of their own */
	SYS_DMA_UNPIN = 75,     /* (pin h, ok): closes the pin; ok: the device wrote it (uapi/dma.h) */
	SYS_VMO_MOVE = 76,      /* (vmo h R_READ | R_MAP, offset, addr, npages, dir) -> npages:
				 * frames move between own pages and the object (uapi/vm.h) */
	SYS_NOTIFY_IDLE = 77,   /* (notify h R_SEND, addr, bits): an idle doorbell (uapi/ipc.h);
				 * addr 0: none */
	SYS_NCALLS
};

#define CPU_TIME_THREAD 0
#define CPU_TIME_TASK 1
#define GETRANDOM_MAX 256
#define CONSOLE_WRITE_MAX 4096

/* Kinds of kernel object a handle can name. */
enum obj_type {
	OBJ_NONE = 0,
	OBJ_TASK = 1,
	OBJ_THREAD = 2,
	OBJ_MODULE = 3, /* a boot module: read-only file from the boot image */
	OBJ_SYSTEM = 4, /* power and whole-machine control */
	OBJ_ENDPOINT = 5,
	OBJ_NOTIFY = 6,
	OBJ_VMO = 7, /* memory object */
	OBJ_DEVMEM = 8, /* a device's registers (physical MMIO range) */
	OBJ_IRQ = 9,    /* a device interrupt line */
	OBJ_DMA = 10,   /* the right to pin memory for devices (uapi/dma.h) */
	OBJ_PIN = 11,   /* pinned pages of a memory object; closing unpins */
	OBJ_MM = 12,    /* the memory manager's capability (uapi/mm.h) */
	OBJ_NTYPES
};

/* Rights carried by a handle. A copy may drop rights, never add them. */
#define R_READ (1u << 0)    /* inspect: info, wait, read module data */
#define R_SEND (1u << 1)
#define R_RECV (1u << 2)
#define R_MAP (1u << 3)
#define R_PAGER (1u << 4)
#define R_CONTROL (1u << 5) /* kill, power off, reconfigure */
#define R_GRANT (1u << 6)   /* may be handed to another task */
#define R_ALL 0x7fu

/* Fixed handle slots at task start. */
#define H_SELF 0   /* the task itself (R_READ) */
#define H_SYSTEM 1 /* init only: the system object */
#define H_NAME 1   /* programs init starts: the name server endpoint */
#define H_SYSINFO 2 /* programs init or the shell start: the system object, R_READ */
#define H_CONSOLE 3 /* ... the console server endpoint, R_SEND, badged per program */

#define SPAWN_MAX_ARGS 2048  /* bytes of NUL-separated argv */
#define SPAWN_MAX_HANDLES 32

/*
 * SYS_TASK_CREATE: an empty task (no mappings, no thread) with copies of
 * `handles[i]` at slots 1..nhandles, masked by `rights[i]` (each needs
 * R_GRANT in the caller). The caller gets a task handle with R_READ | R_MAP |
 * R_CONTROL | R_GRANT: it maps objects into the task (SYS_VM_MAP_TASK),
 * then starts it (SYS_THREAD_START, which also puts H_SELF at slot 0).
 * A task that is never started ends when no handle names it any more.
 */
struct task_create_req {
	uint64_t name;       /* user pointer: the task's name (ps) */
	uint64_t name_len;   /* bytes, at most 31 */
	uint64_t handles;    /* user pointer: int32_t[nhandles] */
	uint64_t rights;     /* user pointer: uint32_t[nhandles] masks, or 0 */
	uint32_t nhandles;
	uint32_t prio;       /* its threads' priority; at most the caller's */
};
_Static_assert(sizeof(struct task_create_req) == 40, "task_create_req ABI");

#define PRIO_MAX 31
#define PRIO_DEFAULT 16

/* Exit status returned by SYS_TASK_WAIT. */
#define TASK_STATUS_KILLED 0x100 /* low byte: scause of the fault, 0xff: killed */
#define TASK_KILLED_BY_REQUEST 0xff
#define TASK_KILLED_PAGER 0xfe /* its pager failed or missed a deadline */
#define TASK_KILLED_OOM 0xfd   /* out of memory, nothing freed in time (uapi/mm.h) */

enum task_state_u { TASK_ALIVE = 0, TASK_DEAD = 1 };

struct task_info {
	uint32_t id;
	uint32_t state;     /* enum task_state_u */
	uint32_t status;    /* exit status once dead */
	uint32_t nthreads;
	uint64_t ticks;     /* timer ticks charged to the task's threads */
	uint64_t frames;    /* user frames mapped */
	char name[32];
};
_Static_assert(sizeof(struct task_info) == 64, "task_info ABI");

struct handle_info {
	uint32_t type;   /* enum obj_type */
	uint32_t rights;
	uint64_t badge;
	uint32_t flags;  /* HANDLE_INFO_* */
	uint32_t pad;
};
_Static_assert(sizeof(struct handle_info) == 24, "handle_info ABI");

/* handle_info.flags: the endpoint is dead (destroyed, or the task that
 * created it ended); every call on it fails. A holder of a send handle
 * learns it without sending (the name server purges such entries). */
#define HANDLE_INFO_DEAD 1u

struct sysinfo {
	uint64_t frames_total;
	uint64_t frames_free;
	uint64_t timebase_hz;
	uint64_t ntasks;
	uint64_t nthreads;
	uint64_t kmem_bytes; /* kernel object memory in use */
	uint64_t log_suppressed;    /* kernel log lines tasks caused, not shown (rate limit) */
	uint64_t console_throttled; /* SYS_DEBUG_WRITE calls that slept (rate limit) */
};
_Static_assert(sizeof(struct sysinfo) == 64, "sysinfo ABI");

#endif
