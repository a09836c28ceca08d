/*
 * Virtual memory ABI: protections and limits shared by the kernel and
 * user space.
 */
#ifndef UAPI_VM_H
#define UAPI_VM_H

#define VM_PAGE_SIZE 4096ul
#define VM_USER_LO 0x10000ul       /* lowest user address */
#define VM_USER_HI 0x4000000000ul  /* one past the highest user address */

/* Protections (SYS_MEM_WIRE, memory object mappings). */
#define VM_R 1u
#define VM_W 2u /* implies VM_R */
#define VM_X 4u

#endif
