/*
 * Virtual memory ABI: protections and limits shared by the kernel and
 * user space.
 */
#ifndef UAPI_VM_H
#define UAPI_VM_H

#include <stdint.h>

#define VM_PAGE_SIZE 4096ul
#define VM_USER_LO 0x10000ul       /* lowest user address */
#define VM_USER_HI 0x4000000000ul  /* one past the highest user address */

/* Protections (SYS_MEM_WIRE, memory object mappings). */
#define VM_R 1u
#define VM_W 2u /* implies VM_R */
#define VM_X 4u

/*
 * SYS_VMO_MOVE (vmo h R_READ | R_MAP, offset, addr, npages, dir) ->
 * npages: frames change hands with no copy between the caller's own
 * pages at addr (wired: SYS_MEM_WIRE, or a pager's return area) and
 * pages [offset, offset + npages) of a kernel zero-fill object (no
 * pager, no object below, not a boot module's), such as a disk buffer:
 *   VMO_MOVE_IN   each page at addr must be the caller's alone (mapped
 *                 writable, in no region, shared with nobody); its frame
 *                 becomes the object's page, whose old frame is freed
 *                 (unmapped from every mapping first); addr is unmapped
 *   VMO_MOVE_OUT  each object page must be resident and each page at addr
 *                 unmapped and in no region; the frame is mapped there
 *                 (read-write, counted against the caller's quota) and
 *                 the object page reads as zeros again
 * A page pinned for a device (uapi/dma.h) never moves. Every page is
 * checked before any moves: an error (E_BADH, E_PERM, E_INVAL, E_RANGE,
 * E_BUSY, E_FAULT, E_NOENT, E_NOMEM) changes nothing.
 */
enum vmo_move_dir {
	VMO_MOVE_IN = 0,
	VMO_MOVE_OUT = 1,
};
#define VMO_MOVE_MAX 64 /* pages a call */

/*
 * The VM as the shell's `maps` and `objects` show it: read-only views
 * for a holder of the system object with R_READ (as SYS_TASK_ENUM).
 *
 * SYS_VM_REGIONS (system h R_READ, task id, from address, struct
 * vm_region_info *) -> the address to ask from next (the region's end):
 * the first region of the task that ends above `from` (at most
 * VM_USER_HI, else E_INVAL). E_NOENT past the last region, or if no live
 * task has that id.
 */
struct vm_region_info {
	uint64_t start, end; /* user addresses, page aligned */
	uint64_t offset;     /* bytes into the object at start */
	uint64_t object;     /* the object's kernel id (struct vm_object_info) */
	uint64_t resident;   /* pages of the region the task's page table maps
			      * (its resident set there) */
	uint32_t prot;       /* VM_R | VM_W | VM_X */
	uint32_t flags;      /* VM_SHARED or VM_PRIVATE (uapi/pager.h) */
};
_Static_assert(sizeof(struct vm_region_info) == 48, "vm_region_info ABI");

/*
 * SYS_VM_OBJECTS (system h R_READ, from id, struct vm_object_info *,
 * endpoint h or -1) -> the id to ask from next: the first live memory
 * object whose id is >= `from`. E_NOENT past the last. With an endpoint
 * handle (any rights), the first such object that endpoint pages, and
 * past the last it returns 0 with a record of id 0 that holds only
 * `pager` and `pager_task`: so a name looked up at the name server can
 * be matched with the trace's pager ids even while it pages nothing.
 */
struct vm_object_info {
	uint64_t id;
	uint64_t size;       /* bytes */
	uint64_t resident;   /* pages */
	uint64_t dirty;      /* resident pages written since their pager last had them */
	uint64_t faults;     /* faults that went to the pager */
	uint64_t minor;      /* faults resolved from the page cache */
	uint64_t supplies;   /* pages supplied */
	uint64_t pending;    /* requests waiting for the pager now */
	uint64_t pager;      /* its pager endpoint's kernel id (the trace's); 0: none */
	uint64_t backing;    /* the id of the object below it (a shadow's); 0: none */
	uint32_t pager_task; /* id of the task that made the pager endpoint; 0: gone or none */
	uint32_t task;       /* id of the task of its first mapping; 0: not mapped */
	uint32_t mappings;   /* regions mapping it */
	uint32_t anon;       /* 1: anonymous (zeros where nothing is below) */
};
_Static_assert(sizeof(struct vm_object_info) == 96, "vm_object_info ABI");

#endif
