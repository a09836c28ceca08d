/*
 * What entry.S's IPC fast path (call and reply_recv) reads and writes of
 * the kernel's structures: field offsets and constants. The static
 * asserts in trap.c keep them in step with the C definitions; a
 * change of layout there fails the build until this file follows.
 */
#ifndef ARCH_IPC_ASM_H
#define ARCH_IPC_ASM_H

/* struct thread */
#define TH_FP_DIRTY 544
#define TH_TASK 568
#define TH_QLINK 592
#define TH_WQ 608
#define TH_TIMEOUT_ARMED 628
#define TH_STATE 644
#define TH_PRIO 648
#define TH_CPU_TIME 664
#define TH_IPC_STATE 672
#define TH_REPLY_TO 688
#define TH_REPLY_SERVER 696

/* struct task */
#define TASK_AS_TOKEN 72
#define TASK_HANDLES 80

/* struct handle (the table is an array of them at offset 0) */
#define H_OBJ 0
#define H_RIGHTS 8
#define H_BADGE 16
#define H_SIZE 32
#define H_MAX 128

/* struct kobj, struct endpoint (its kobj first) */
#define KOBJ_TYPE 0
#define EP_KMSGS 16
#define EP_SENDQ 64
#define EP_RECVQ 80
#define EP_DEAD 128

/* struct list */
#define L_NEXT 0
#define L_PREV 8

/* struct cpu (cpus[0]: this_cpu) */
#define CPU_CUR 0
#define CPU_PREV 8
#define CPU_FPU_OWNER 24
#define CPU_AS_OWNER 32
#define CPU_RUN_SINCE 64

/* Constants */
#define K_OBJ_ENDPOINT 5
#define K_R_SEND 2
#define K_R_RECV 4
#define K_IPC_REG_WORDS 4
#define K_TH_BLOCKED 0
#define K_TH_RUNNING 2
#define K_IPC_NONE 0
#define K_IPC_REPLY_WAIT 2
#define K_IPC_RECV_WAIT 3
#define K_SSTATUS_FS 0x6000
#define K_SSTATUS_FS_CLEAN 0x4000

#endif
