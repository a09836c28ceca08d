/*
 * The big-text program (tests/qemu/bigtext.c, on the test disks' /bin):
 * BIGTEXT_PAGES pages of text, each a function returning
 * BIGTEXT_VALUE(page) at the page's start and BIGTEXT_FILL bytes up to
 * its end. Shared by the program, its generated blob and the scenarios
 * that run it (tests/qemu/fs_tests.c).
 */
#ifndef TESTS_QEMU_BIGTEXT_H
#define TESTS_QEMU_BIGTEXT_H

#define BIGTEXT_PAGES 8192 /* 32 MiB */
#define BIGTEXT_VALUE(page) ((page) * 3 + 7)
#define BIGTEXT_FILL 0xa5
#define BIGTEXT_LABEL 1 /* the call a round ends with (w0 bad pages, w1 round) */

#endif
