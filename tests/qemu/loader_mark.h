/* The word uhelper's "datamark" mode keeps in its initialised data
 * (tests/qemu/loader_tests.c looks for it in the module's bytes). */
#ifndef TESTS_QEMU_LOADER_MARK_H
#define TESTS_QEMU_LOADER_MARK_H

#define LOADER_MARK 0x6b6d2d6d61726b21ull

#endif
