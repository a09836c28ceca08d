/*
 * Console server protocol, shared by the server (servers/console/) and
 * its clients (libc's stdio, init, the shell).
 *
 * The console owns the UART. Output is assembled per client (per badge)
 * into whole lines, so lines of several programs never mix; input goes
 * through a line discipline (echo, erase, Enter, Ctrl-D) and is handed
 * out a completed line at a time.
 *
 * Reading input, step by step:
 *   1. the client sends CONS_SUBSCRIBE once with a notification (R_SEND);
 *   2. CONS_READ returns completed input, or E_AGAIN when there is none;
 *   3. on E_AGAIN the client waits on its notification: the server
 *      signals every subscriber when a line (or end of input) completes;
 *   4. back to 2. (Bits that arrive before the wait latch: no wake-up is
 *      lost; a wake-up for input another client took just retries.)
 *
 * Messages (reply label: 0 or an error code):
 *   CONS_WRITE      w0: length n (0..CONS_DATA_MAX), w1..: the bytes.
 *                   Whole lines go out at once; the rest waits in the
 *                   client's line buffer (a full buffer goes out as is).
 *                   reply: w0 bytes taken (n)
 *   CONS_READ       w0: most bytes wanted (1..CONS_DATA_MAX). Flushes the
 *                   caller's partial line first (a prompt shows).
 *                   reply: w0 n, w1..: the bytes (n == 0: end of input);
 *                   E_AGAIN if no completed input waits
 *   CONS_SUBSCRIBE  w0: bits to signal; 1 handle: a notification (R_SEND);
 *                   replaces the caller's earlier one
 *   CONS_OPEN       reply: 1 handle: a send handle with a fresh badge of
 *                   its own (R_SEND | R_GRANT), for a program to hand to
 *                   a program it starts
 *   CONS_FLUSH      writes the caller's partial line out now
 *   CONS_IRQ        (the server's own interrupt thread only) the UART
 *                   interrupted: read what arrived, then acknowledge
 *   CONS_INTR       w0: bits to signal; 1 handle: a notification (R_SEND).
 *                   Ctrl-C typed in cooked mode discards the line being
 *                   edited, echoes ^C and signals it (one subscriber: the
 *                   last to ask, the shell, which kills its foreground job)
 *   CONS_MODE       w0: CONS_MODE_COOKED (the line discipline above) or
 *                   CONS_MODE_RAW (every byte goes to readers as it comes,
 *                   no echo: the shell edits its own lines) or
 *                   CONS_MODE_BINARY (input as in raw; output goes out
 *                   byte for byte as written: no "\n" -> "\r\n", nothing
 *                   held back for a whole line; what programs that pass
 *                   binary data through stdin/stdout ask for with
 *                   tcsetattr). Drops a partly edited line.
 *
 * Badges: init mints badges below CONS_BADGE_OPENED, one per program it
 * starts; CONS_OPEN hands out badges from CONS_BADGE_OPENED up; the handle
 * published in the name server as "console" carries CONS_BADGE_SHARED;
 * only the server itself holds CONS_BADGE_IRQ.
 *
 * Handles the console server starts with (from init): CONS_H_EP its
 * endpoint (R_RECV | R_SEND | R_GRANT, unbadged: it mints the badges
 * above), CONS_H_UART the UART's registers, CONS_H_IRQ its interrupt.
 */
#ifndef SERVERS_CONSOLE_PROTO_H
#define SERVERS_CONSOLE_PROTO_H

#include <stdint.h>

#include "uapi/ipc.h"

enum cons_label {
	CONS_WRITE = 1,
	CONS_READ = 2,
	CONS_SUBSCRIBE = 3,
	CONS_OPEN = 4,
	CONS_FLUSH = 5,
	CONS_IRQ = 6,
	CONS_INTR = 7,
	CONS_MODE = 8,
};

#define CONS_MODE_COOKED 0
#define CONS_MODE_RAW 1
#define CONS_MODE_BINARY 2

/* Bytes one CONS_WRITE or CONS_READ carries: the message minus w0. */
#define CONS_DATA_MAX ((IPC_MAX_WORDS - 1) * 8)

#define CONS_BADGE_OPENED (1ull << 32)
#define CONS_BADGE_SHARED (1ull << 62)
#define CONS_BADGE_IRQ (1ull << 63)

#define CONS_H_EP 1
#define CONS_H_UART 2
#define CONS_H_IRQ 3

/* Message words for n data bytes: the length word and the bytes. */
static inline uint32_t cons_words(uint64_t n)
{
	return 1 + (uint32_t)((n + 7) / 8);
}

#endif
