/* Early user runtime; see libipc/ulib.h. */
#include "libipc/ulib.h"

#include <stdarg.h>

#include "libipc/ipc.h"
#include "libipc/spawn.h"

struct ipc_buffer *ipc_registered_buffer;

int uprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_debug_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int module_handles(int32_t *out, int max)
{
	int n = 0;
	for (int h = 0; h < 128 && n < max; h++) {
		struct handle_info hi;
		if (sys_handle_info(h, &hi) == 0 && hi.type == OBJ_MODULE)
			out[n++] = h;
	}
	return n;
}

int module_lookup(const char *name)
{
	int32_t hs[64];
	int n = module_handles(hs, 64);
	for (int i = 0; i < n; i++) {
		char buf[32];
		if (sys_module_name(hs[i], buf, sizeof(buf)) >= 0 && strcmp(buf, name) == 0)
			return hs[i];
	}
	return -E_NOENT;
}

int spawn(const char *const argv[], const int32_t *handles, const uint32_t *rights,
	  uint32_t nhandles)
{
	bool path = strchr(argv[0], '/') != 0;
	int m = path ? 0 : module_lookup(argv[0]);
	if (m < 0)
		return m;
	char blob[SPAWN_MAX_ARGS];
	size_t len = 0;
	for (int i = 0; argv[i]; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (len + n > sizeof(blob))
			return -E_INVAL;
		memcpy(blob + len, argv[i], n);
		len += n;
	}
	if (!path)
		return spawn_module(m, blob, len, handles, rights, nhandles, PRIO_DEFAULT);
	uint64_t size;
	long vmo = spawn_open_file(argv[0], &size);
	if (vmo < 0)
		return (int)vmo;
	int h = spawn_object((int)vmo, size, blob, len, handles, rights, nhandles, PRIO_DEFAULT);
	sys_handle_close((int)vmo);
	return h;
}

bool handle_is(int h, uint32_t type, uint32_t rights)
{
	struct handle_info hi;
	return sys_handle_info(h, &hi) == 0 && hi.type == type && (hi.rights & rights) == rights;
}

#define STD_MAX_HANDLES 64

int spawn_std(const char *const argv[], const struct std_handles *sh)
{
	int32_t hs[STD_MAX_HANDLES];
	uint32_t rights[STD_MAX_HANDLES];
	const int32_t fixed[3] = { sh->name, sh->sys, sh->console };
	const uint32_t fixed_rights[3] = { R_SEND | R_GRANT, sh->sys_rights, R_SEND | R_GRANT };
	long placeholder = 0;
	if (fixed[0] < 0 || fixed[1] < 0 || fixed[2] < 0) {
		placeholder = sys_notify_create();
		if (placeholder < 0)
			return (int)placeholder;
	}
	for (int i = 0; i < 3; i++) {
		hs[i] = fixed[i] >= 0 ? fixed[i] : (int32_t)placeholder;
		rights[i] = fixed[i] >= 0 ? fixed_rights[i] : 0;
	}
	int n = 3 + module_handles(hs + 3, STD_MAX_HANDLES - 3);
	for (int i = 3; i < n; i++)
		rights[i] = R_READ | R_GRANT;
	if (sh->mm >= 0 && n < STD_MAX_HANDLES) {
		hs[n] = sh->mm;
		rights[n++] = R_READ | R_CONTROL | R_GRANT;
	}
	int h = spawn(argv, hs, rights, (uint32_t)n);
	if (placeholder > 0)
		sys_handle_close((int)placeholder);
	return h;
}

void _thread_entry(void);

int thread_spawn(void (*fn)(void *), void *arg, void *stack, size_t size, uint32_t prio)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	uint64_t *rec = (uint64_t *)(top - 32);
	uint64_t tp;
	__asm__("mv %0, tp" : "=r"(tp));
	rec[0] = (uint64_t)(uintptr_t)fn;
	rec[1] = (uint64_t)(uintptr_t)arg;
	rec[2] = tp;
	return (int)sys6(SYS_THREAD_CREATE, (long)_thread_entry, (long)rec, (long)rec,
			 (long)prio, 0, 0);
}

const char *err_name(long err)
{
	static const char *names[E_NCODES] = {
		"ok", "E_INVAL", "E_FAULT", "E_NOMEM", "E_BADH", "E_PERM", "E_NOSYS",
		"E_NOENT", "E_FULL", "E_TIMEOUT", "E_DEAD", "E_BUSY", "E_FORMAT",
		"E_RANGE", "E_AGAIN", "E_CANCELED", "E_STALE",
	};
	if (err < 0)
		err = -err;
	return err < E_NCODES ? names[err] : "E_?";
}
