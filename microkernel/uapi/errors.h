/*
 * Error codes shared by the kernel, libipc and every server.
 *
 * System calls return a value >= 0 on success and the negated code on
 * failure. Servers answer bad requests with the same codes. The set is
 * closed: a new failure gets a new code here, never an ad-hoc number.
 */
#ifndef UAPI_ERRORS_H
#define UAPI_ERRORS_H

#define E_OK 0
#define E_INVAL 1      /* an argument is out of range or malformed */
#define E_FAULT 2      /* a user pointer does not point at mapped user memory */
#define E_NOMEM 3      /* out of frames or kernel objects */
#define E_BADH 4       /* handle slot empty, or of the wrong object type */
#define E_PERM 5       /* the handle lacks a right the call needs */
#define E_NOSYS 6      /* no such call or operation */
#define E_NOENT 7      /* no such name / module / entry */
#define E_FULL 8       /* a table or queue is full */
#define E_TIMEOUT 9    /* a deadline passed */
#define E_DEAD 10      /* the peer (task, pager, endpoint) is gone */
#define E_BUSY 11      /* the object is in a state that forbids the call */
#define E_FORMAT 12    /* a file or image is malformed (ELF, DTB, cpio, ...) */
#define E_RANGE 13     /* an offset or length lies outside the object */
#define E_AGAIN 14     /* nothing to do now; try again */
#define E_CANCELED 15  /* the operation was aborted before it completed */
#define E_STALE 16     /* a pager call names an old epoch: the object was rebound */
#define E_NCODES 17

#endif
