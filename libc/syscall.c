/* The system call layer under musl; see libc/syscall.h. */
#define _GNU_SOURCE
#include "libc/syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "libc/devfile.h"
#include "libc/file.h"
#include "libc/sysinfo.h"
#include "libc/memory.h"
#include "libipc/server.h"
#include "libipc/sys.h"
#include "libipc/ulib.h"
#include "servers/console/console_proto.h"
#include "servers/name/name_proto.h"

#define CONSOLE_CHUNK 65536      /* the most SYS_DEBUG_WRITE takes at once */
#define CONSOLE_LOOKUP_NS 100000000ull /* a name server answers in far less */
#define WRITEV_GATHER 512        /* writev copies up to this much into one write */
#define LINUX_IOV_MAX 1024
#define LINUX_NSIG 64
#define LINUX_SIGSET_BYTES 8     /* the only sigset size Linux accepts */
#define LINUX_KSIGACTION 32      /* handler, flags, restorer, mask */

/* --- errors ---------------------------------------------------------------- */

_Static_assert(E_NCODES == 17, "give every new kernel error code a Linux errno here");

long mk_errno(long kernel_result)
{
	static const unsigned char linux_errno[E_NCODES] = {
		[E_INVAL] = EINVAL,  [E_FAULT] = EFAULT,      [E_NOMEM] = ENOMEM,
		[E_BADH] = EBADF,    [E_PERM] = EPERM,        [E_NOSYS] = ENOSYS,
		[E_NOENT] = ENOENT,  [E_TIMEOUT] = ETIMEDOUT, [E_AGAIN] = EAGAIN,
		[E_BUSY] = EBUSY,    [E_RANGE] = ERANGE,      [E_STALE] = ESTALE,
	};
	if (kernel_result >= 0)
		return kernel_result;
	long code = -kernel_result;
	int e = code < E_NCODES ? linux_errno[code] : 0;
	return -(e ? e : EIO);
}

/* --- the console: fds 0, 1 and 2 (servers/console/console_proto.h) -------- */

static int con_ep;      /* the console endpoint; 0: none (the kernel log) */
static bool con_looked; /* con_ep is settled */
static bool con_partial; /* the last byte sent was not a newline */
static int con_note;    /* subscribed notification (input waits on it); 0: none */
static struct ipc_buffer con_own_buffer;
static bool std_closed[3]; /* close() of 0, 1 or 2: later use is EBADF */
static int con_mode = CONS_MODE_COOKED; /* as last set through tcsetattr */

static bool std_open(int fd)
{
	return fd >= 0 && fd <= 2 && !std_closed[fd];
}

static long std_close(int fd)
{
	if (!std_open(fd))
		return -EBADF;
	std_closed[fd] = true;
	return 0;
}

struct ipc_buffer *mk_ipc_buffer(void)
{
	if (!ipc_registered_buffer)
		ipc_buffer_setup(&con_own_buffer);
	return ipc_registered_buffer;
}

/* An endpoint we may call: never one we serve (that would wait on ourselves). */
static bool client_endpoint(int h)
{
	return handle_is(h, OBJ_ENDPOINT, R_SEND) && !handle_is(h, OBJ_ENDPOINT, R_RECV);
}

/* The console published in the name server, with a badge of our own if the
 * console hands one out; 0 if there is none. */
static int console_by_name(void)
{
	uint64_t w[NAME_WORDS];
	struct ipc_buffer *b = mk_ipc_buffer();
	if (!client_endpoint(H_NAME) || !name_pack("console", w))
		return 0;
	long err = ipc_request_timed(H_NAME, b, NAME_LOOKUP, w, NAME_WORDS, 0, 0, 0, 0, 0, 0,
				     CONSOLE_LOOKUP_NS);
	int shared = err == 0 ? b->handles[0] : 0;
	if (shared <= 0 || !client_endpoint(shared))
		return 0;
	err = ipc_request_timed(shared, b, CONS_OPEN, 0, 0, 0, 0, 0, 0, 0, 0, CONSOLE_LOOKUP_NS);
	if (err || !client_endpoint(b->handles[0]))
		return shared;
	sys_handle_close(shared);
	return b->handles[0];
}

/* Looked up once: H_CONSOLE as handed at start, else through the name
 * server (H_NAME), else none. */
static int console(void)
{
	if (!con_looked) {
		con_looked = true;
		con_ep = client_endpoint(H_CONSOLE) ? H_CONSOLE : console_by_name();
	}
	return con_ep;
}

/* The console went away (its server died): the kernel log from now on,
 * and end of file on fd 0. */
static void console_lost(void)
{
	con_ep = 0;
}

static long debug_write(const char *p, size_t len)
{
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < CONSOLE_CHUNK ? len - done : CONSOLE_CHUNK;
		long r = sys_debug_write(p + done, n);
		if (r < 0)
			return done ? (long)done : mk_errno(r);
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

long mk_console_write(const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len && console()) {
		size_t n = len - done < CONS_DATA_MAX ? len - done : CONS_DATA_MAX;
		uint64_t w[IPC_MAX_WORDS];
		w[0] = n;
		w[cons_words(n) - 1] = 0; /* no stray bytes after the data */
		memcpy(&w[1], p + done, n);
		long r = ipc_request(con_ep, mk_ipc_buffer(), CONS_WRITE, w, cons_words(n), 0, 0, 0,
				     0, 0, 0);
		if (r == -E_DEAD || r == -E_BADH || r == -E_CANCELED) {
			console_lost();
			break;
		}
		if (r < 0)
			return done ? (long)done : mk_errno(r);
		done += n;
		con_partial = p[done - 1] != '\n';
	}
	if (done == len)
		return (long)done;
	long r = debug_write(p + done, len - done);
	return r < 0 ? (done ? (long)done : r) : (long)(done + (size_t)r);
}

/* A partial last line waits in the console's buffer: out with it. */
static void console_flush(void)
{
	if (con_ep && con_partial)
		ipc_request(con_ep, mk_ipc_buffer(), CONS_FLUSH, 0, 0, 0, 0, 0, 0, 0, 0);
	con_partial = false;
}

static long console_subscribe(void)
{
	if (con_note)
		return 0;
	long note = sys_notify_create();
	if (note < 0)
		return note;
	uint64_t w[1] = { 1 };
	int32_t hs[1] = { (int32_t)note };
	uint32_t rights[1] = { R_SEND };
	long err = ipc_request(con_ep, mk_ipc_buffer(), CONS_SUBSCRIBE, w, 1, hs, rights, 1, 0, 0, 0);
	if (err) {
		sys_handle_close((int)note);
		return err;
	}
	con_note = (int)note;
	return 0;
}

/* Completed input, at most len bytes; waits while there is none. 0: end
 * of input (Ctrl-D, or no console at all). */
static long console_read(void *dst, size_t len)
{
	if (!console() || len == 0)
		return 0;
	if (len > CONS_DATA_MAX)
		len = CONS_DATA_MAX;
	for (;;) {
		uint64_t w[1] = { len }, out[IPC_MAX_WORDS];
		uint32_t got = 0;
		long r = ipc_request(con_ep, mk_ipc_buffer(), CONS_READ, w, 1, 0, 0, 0, out,
				     IPC_MAX_WORDS, &got);
		if (r == 0) {
			size_t n = got ? (size_t)out[0] : 0;
			if (n > len || cons_words(n) > got)
				return -EIO;
			memcpy(dst, &out[1], n);
			return (long)n;
		}
		if (r == -E_DEAD || r == -E_BADH || r == -E_CANCELED) {
			console_lost();
			return 0;
		}
		if (r != -E_AGAIN)
			return mk_errno(r);
		r = console_subscribe();
		uint64_t bits;
		if (r == 0)
			r = notify_wait(con_note, &bits, 0);
		if (r < 0)
			return mk_errno(r);
	}
}

static long lx_write(int fd, const void *buf, size_t len)
{
	if (mk_file_fd(fd))
		return mk_file_write(fd, buf, len);
	if (mk_dev_fd(fd))
		return mk_dev_write(fd, buf, len);
	if ((fd != 1 && fd != 2) || !std_open(fd))
		return -EBADF;
	return mk_console_write(buf, len);
}

/* mk_iov_each's op for the console (which has no descriptor of its own). */
static long console_write_op(int fd, void *buf, size_t len)
{
	return mk_console_write(buf, len);
}

static long lx_writev(int fd, const struct iovec *iov, int cnt)
{
	if (mk_file_fd(fd))
		return mk_file_writev(fd, iov, cnt);
	if (cnt < 0 || cnt > LINUX_IOV_MAX)
		return -EINVAL;
	if (mk_dev_fd(fd)) {
		long n = 0;
		for (int i = 0; i < cnt; i++)
			n += (long)iov[i].iov_len;
		return mk_dev_write(fd, 0, (size_t)n);
	}
	if ((fd != 1 && fd != 2) || !std_open(fd))
		return -EBADF;
	/* stdio hands over a line as buffered part + rest: gathered, it
	 * reaches the console in one piece. */
	char gather[WRITEV_GATHER];
	size_t total = 0;
	bool fits = true;
	for (int i = 0; i < cnt && fits; i++) {
		fits = iov[i].iov_len <= sizeof(gather) - total;
		total += fits ? iov[i].iov_len : 0;
	}
	if (fits) {
		size_t at = 0;
		for (int i = 0; i < cnt; i++) {
			memcpy(gather + at, iov[i].iov_base, iov[i].iov_len);
			at += iov[i].iov_len;
		}
		return mk_console_write(gather, total);
	}
	return mk_iov_each(1, iov, cnt, console_write_op);
}

static long lx_read(int fd, void *buf, size_t len)
{
	if (mk_file_fd(fd))
		return mk_file_read(fd, buf, len);
	if (mk_dev_fd(fd))
		return mk_dev_read(fd, buf, len);
	if (fd != 0 || !std_open(fd))
		return -EBADF;
	return console_read(buf, len);
}

/* One console read, spread over the vectors in order. */
static long lx_readv(int fd, const struct iovec *iov, int cnt)
{
	if (mk_file_fd(fd))
		return mk_file_readv(fd, iov, cnt);
	if (cnt < 0 || cnt > LINUX_IOV_MAX)
		return -EINVAL;
	if (mk_dev_fd(fd)) /* the vectors one by one: a device read never ends early */
		return mk_iov_each(fd, iov, cnt, mk_dev_read);
	if (fd != 0 || !std_open(fd))
		return -EBADF;
	size_t want = 0;
	for (int i = 0; i < cnt && want < CONS_DATA_MAX; i++)
		want += iov[i].iov_len;
	char tmp[CONS_DATA_MAX];
	long n = console_read(tmp, want < sizeof(tmp) ? want : sizeof(tmp));
	size_t at = 0;
	for (int i = 0; i < cnt && n > 0 && at < (size_t)n; i++) {
		size_t k = (size_t)n - at < iov[i].iov_len ? (size_t)n - at : iov[i].iov_len;
		memcpy(iov[i].iov_base, tmp + at, k);
		at += k;
	}
	return n;
}

/* The console's mode as a termios: cooked is canonical with echo and
 * "\n" -> "\r\n"; binary has none of these (what cfmakeraw asks). */
static void termios_of_mode(struct termios *t)
{
	memset(t, 0, sizeof(*t));
	t->c_cflag = CS8 | CREAD | B38400;
	t->c_cc[VMIN] = 1;
	t->c_cc[VEOF] = 4;
	t->c_cc[VERASE] = 0x7f;
	t->c_cc[VINTR] = 3;
	if (con_mode == CONS_MODE_COOKED) {
		t->c_iflag = ICRNL;
		t->c_oflag = OPOST | ONLCR;
		t->c_lflag = ICANON | ECHO | ECHOE | ISIG;
	}
}

/* tcsetattr: canonical input or output processing asks for the cooked
 * console, anything else for binary (raw input, untranslated output).
 * The console's mode is one for all its clients. */
static long console_set_termios(const struct termios *t)
{
	int mode = (t->c_lflag & ICANON) || (t->c_oflag & OPOST) ? CONS_MODE_COOKED
								  : CONS_MODE_BINARY;
	if (!console())
		return -ENOTTY;
	console_flush();
	uint64_t w[1] = { (uint64_t)mode };
	long r = ipc_request(con_ep, mk_ipc_buffer(), CONS_MODE, w, 1, 0, 0, 0, 0, 0, 0);
	if (r < 0)
		return mk_errno(r);
	con_mode = mode;
	return 0;
}

static long lx_ioctl(int fd, unsigned long req, void *arg)
{
	if (mk_file_fd(fd) || mk_dev_fd(fd))
		return -ENOTTY;
	if (!std_open(fd))
		return -EBADF;
	if (!arg)
		return -EFAULT;
	switch (req) {
	case TIOCGWINSZ: /* answering makes musl treat stdout as a terminal: line buffered */
		*(struct winsize *)arg = (struct winsize){ .ws_row = 24, .ws_col = 80 };
		return 0;
	case TCGETS:
		termios_of_mode(arg);
		return 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return console_set_termios(arg);
	default:
		return -ENOTTY;
	}
}

/* --- the task -------------------------------------------------------------- */

static long lx_getpid(void)
{
	static long pid; /* a task's id never changes */
	if (!pid) {
		struct task_info ti;
		long r = sys_task_info(H_SELF, &ti);
		if (r < 0)
			return mk_errno(r);
		pid = ti.id;
	}
	return pid;
}

long mk_getpid(void)
{
	return lx_getpid();
}

static long lx_exit(int code)
{
	console_flush();
	sys_exit(code & 0xff);
}

/* Signals are never delivered: masks and actions are accepted, and what
 * is read back is the empty mask and the default action. */
static long lx_sigprocmask(void *old, size_t size)
{
	if (size != LINUX_SIGSET_BYTES)
		return -EINVAL;
	if (old)
		memset(old, 0, size);
	return 0;
}

static long lx_sigaction(int sig, void *old, size_t size)
{
	if (sig < 1 || sig > LINUX_NSIG || size != LINUX_SIGSET_BYTES)
		return -EINVAL;
	if (old)
		memset(old, 0, LINUX_KSIGACTION);
	return 0;
}

/* --- dispatch -------------------------------------------------------------- */

long __mk_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	switch (n) {
	case __NR_write:
		return lx_write((int)a, (const void *)b, (size_t)c);
	case __NR_writev:
		return lx_writev((int)a, (const struct iovec *)b, (int)c);
	case __NR_read:
		return lx_read((int)a, (void *)b, (size_t)c);
	case __NR_readv:
		return lx_readv((int)a, (const struct iovec *)b, (int)c);
	case __NR_ioctl:
		return lx_ioctl((int)a, (unsigned long)b, (void *)c);
	case __NR_exit:
	case __NR_exit_group:
		return lx_exit((int)a);
	case __NR_getpid:
	case __NR_gettid:
	case __NR_set_tid_address:
		return lx_getpid();
	case __NR_rt_sigprocmask:
		return lx_sigprocmask((void *)c, (size_t)d);
	case __NR_rt_sigaction:
		return lx_sigaction((int)a, (void *)c, (size_t)d);
	case __NR_sched_yield:
		return sys_yield();
	case __NR_clock_gettime:
		return mk_clock_gettime(a, (struct timespec *)b);
	case __NR_clock_getres:
		return mk_clock_getres(a, (struct timespec *)b);
	case __NR_getuid:
	case __NR_geteuid:
		return MK_UID;
	case __NR_getgid:
	case __NR_getegid:
		return MK_GID;
	case __NR_getresuid:
		return mk_getres((unsigned *)a, (unsigned *)b, (unsigned *)c, MK_UID);
	case __NR_getresgid:
		return mk_getres((unsigned *)a, (unsigned *)b, (unsigned *)c, MK_GID);
	case __NR_setuid:
		return mk_setid(a, MK_UID);
	case __NR_setgid:
		return mk_setid(a, MK_GID);
	case __NR_getgroups:
		return a < 0 ? -EINVAL : 0;
	case __NR_getppid:
		return 1; /* init's task id: no parent is tracked */
	case __NR_umask:
		return mk_umask((unsigned)a);
	case __NR_uname:
		return mk_uname((struct utsname *)a);
	case __NR_prlimit64:
		return mk_prlimit(a, (int)b, (const struct rlimit *)c, (struct rlimit *)d);
	case __NR_getrusage:
		return mk_getrusage((int)a, (struct rusage *)b);
	case __NR_times:
		return mk_times((struct tms *)a);
	case __NR_getrandom:
		return mk_getrandom((void *)a, (size_t)b, (unsigned)c);
	case __NR_nanosleep:
		return mk_clock_nanosleep(CLOCK_REALTIME, 0, (const struct timespec *)a,
					  (struct timespec *)b);
	case __NR_clock_nanosleep:
		return mk_clock_nanosleep(a, (int)b, (const struct timespec *)c,
					  (struct timespec *)d);
	case __NR_openat:
		return mk_dev_path((const char *)b) ? mk_dev_open((const char *)b, (int)c)
						   : mk_file_openat((int)a, (const char *)b, (int)c, (int)d);
	case __NR_close:
		return mk_file_fd((int)a) ? mk_file_close((int)a)
		       : mk_dev_fd((int)a) ? mk_dev_close((int)a)
					   : std_close((int)a);
	case __NR_pread64:
		return mk_dev_fd((int)a) ? mk_dev_read((int)a, (void *)b, (size_t)c)
					 : mk_file_pread((int)a, (void *)b, (size_t)c, (int64_t)d);
	case __NR_pwrite64:
		return mk_dev_fd((int)a) ? mk_dev_write((int)a, (const void *)b, (size_t)c)
					 : mk_file_pwrite((int)a, (const void *)b, (size_t)c, (int64_t)d);
	case __NR_lseek:
		return mk_file_fd((int)a) ? mk_file_lseek((int)a, (int64_t)b, (int)c)
		       : mk_dev_fd((int)a) ? 0
		       : std_open((int)a)  ? -ESPIPE
					   : -EBADF;
	case __NR_fstat:
		return mk_dev_fd((int)a) ? mk_dev_fstat((int)a, (void *)b)
		       : (a >= 0 && a <= 2 && !std_open((int)a)) ? -EBADF
								 : mk_file_fstat((int)a, (void *)b);
	case __NR_newfstatat:
		return mk_dev_path((const char *)b) ? mk_dev_stat((const char *)b, (void *)c)
		       : mk_file_fstatat((int)a, (const char *)b, (void *)c, (int)d);
	case __NR_getdents64:
		return mk_file_getdents64((int)a, (void *)b, (size_t)c);
	case __NR_mkdirat:
		return mk_file_mkdirat((int)a, (const char *)b, (int)c);
	case __NR_unlinkat:
		return mk_file_unlinkat((int)a, (const char *)b, (int)c);
	case __NR_renameat2:
		return mk_file_renameat((int)a, (const char *)b, (int)c, (const char *)d,
					(unsigned)e);
	case __NR_linkat:
		return mk_file_linkat((int)a, (const char *)b, (int)c, (const char *)d, (int)e);
	case __NR_symlinkat:
		return mk_file_symlinkat((const char *)a, (int)b, (const char *)c);
	case __NR_readlinkat:
		return mk_file_readlinkat((int)a, (const char *)b, (char *)c, (size_t)d);
	case __NR_faccessat:
	case __NR_faccessat2:
		return mk_dev_path((const char *)b) ? 0 : mk_file_faccessat((int)a, (const char *)b, (int)c);
	case __NR_ftruncate:
		return mk_file_ftruncate((int)a, (int64_t)b);
	case __NR_truncate:
		return mk_file_truncate((const char *)a, (int64_t)b);
	case __NR_fsync:
	case __NR_fdatasync:
		return mk_file_fsync((int)a);
	case __NR_sync:
		return mk_file_sync();
	case __NR_fcntl:
		return mk_dev_fd((int)a) ? (b == F_GETFL ? O_RDWR : 0) : mk_file_fcntl((int)a, (int)b, c);
	case __NR_chdir:
		return mk_file_chdir((const char *)a);
	case __NR_getcwd:
		return mk_file_getcwd((char *)a, (size_t)b);
	case __NR_brk:
		return mk_brk((uintptr_t)a);
	case __NR_mmap:
		return mk_mmap((uintptr_t)a, (uintptr_t)b, (int)c, (int)d, (int)e, f);
	case __NR_munmap:
		return mk_munmap((uintptr_t)a, (uintptr_t)b);
	case __NR_mprotect:
		return mk_mprotect((uintptr_t)a, (uintptr_t)b, (int)c);
	case __NR_msync:
		return mk_msync((uintptr_t)a, (uintptr_t)b, (int)c);
	case __NR_madvise:
		return mk_madvise((uintptr_t)a, (uintptr_t)b, (int)c);
	case __NR_mremap:
		return mk_mremap((uintptr_t)a, (uintptr_t)b, (uintptr_t)c, (int)d, (uintptr_t)e);
	default:
		return -ENOSYS;
	}
}
