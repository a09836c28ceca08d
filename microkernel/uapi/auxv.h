/*
 * The auxiliary vector entries a new program's initial stack carries
 * (System V ABI; the values musl reads), written by the kernel's loader
 * for init and by the user-space loader (libipc/spawn.c) for the rest.
 */
#ifndef UAPI_AUXV_H
#define UAPI_AUXV_H

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_RANDOM 25

#endif
