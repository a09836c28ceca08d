/*
 * Build-time switches. KDEBUG (default on) enables the checks that cost
 * time on hot paths: junk-filling freed frames and checking the junk on
 * allocation, and the fast paths' invariants (KASSERT_FAST, kern/log.h).
 * `make bench` builds with KDEBUG=0.
 */
#ifndef KERN_CONFIG_H
#define KERN_CONFIG_H

#ifndef KDEBUG
#define KDEBUG 1
#endif

#define MAX_HARTS 4
#define TICK_HZ 100          /* scheduler timer frequency */
#define TIMESLICE_TICKS 2    /* ticks a thread runs before round-robin */

#endif
