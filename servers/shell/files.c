/*
 * The shell's file commands, on the C library's file calls (libc/file.h,
 * which carries them to the file system server): ls [-l], cat, cp, mv,
 * mkdir, rmdir, rm, write, stat, df, sync, cd, pwd. Each prints one line
 * per failure, naming the path and strerror.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libipc/server.h"
#include "libipc/ulib.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"
#include "servers/shell/shell.h"

static void failed(const char *cmd, const char *path)
{
	printf("%s: %s: %s\n", cmd, path, strerror(errno));
}

static char type_char(mode_t m)
{
	return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISREG(m) ? '-' : S_ISCHR(m) ? 'c' : '?';
}

static void long_line(const char *dir, const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0) {
		failed("ls", path);
		return;
	}
	printf("%c%04o %3lu %8lld %s\n", type_char(st.st_mode), (unsigned)(st.st_mode & 07777),
	       (unsigned long)st.st_nlink, (long long)st.st_size, name);
}

static void list(const char *path, int longfmt)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		failed("ls", path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (longfmt)
			printf("%c%04o %3lu %8lld %s\n", type_char(st.st_mode),
			       (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink,
			       (long long)st.st_size, path);
		else
			printf("%s\n", path);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		failed("ls", path);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (longfmt)
			long_line(path, e->d_name);
		else
			printf("%s%s\n", e->d_name, e->d_type == DT_DIR ? "/" : "");
	}
	closedir(d);
}

void cmd_ls(int argc, char **argv)
{
	int longfmt = argc > 1 && strcmp(argv[1], "-l") == 0, first = 1 + longfmt;
	if (first == argc)
		list(".", longfmt);
	for (int i = first; i < argc; i++)
		list(argv[i], longfmt);
}

void cmd_cat(int argc, char **argv)
{
	if (argc < 2)
		printf("usage: cat FILE...\n");
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			failed("cat", argv[i]);
			continue;
		}
		char buf[512];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		if (ferror(f))
			failed("cat", argv[i]);
		fclose(f);
	}
	fflush(stdout);
}

void cmd_mkdir(int argc, char **argv)
{
	if (argc < 2)
		printf("usage: mkdir DIR...\n");
	for (int i = 1; i < argc; i++)
		if (mkdir(argv[i], 0755) < 0)
			failed("mkdir", argv[i]);
}

/* rm FILE... removes files; a directory goes with rmdir (empty only). */
void cmd_rm(int argc, char **argv)
{
	if (argc < 2)
		printf("usage: rm PATH...\n");
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r = lstat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? rmdir(argv[i])
									: unlink(argv[i]);
		if (r < 0)
			failed("rm", argv[i]);
	}
}

/* write FILE TEXT...: the words joined by spaces and a newline, into
 * FILE (created or truncated). */
void cmd_write(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: write FILE TEXT...\n");
		return;
	}
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		failed("write", argv[1]);
		return;
	}
	for (int i = 2; i < argc; i++)
		fprintf(f, "%s%s", argv[i], i + 1 < argc ? " " : "");
	fputc('\n', f);
	if (fclose(f) != 0)
		failed("write", argv[1]);
}

void cmd_stat(int argc, char **argv)
{
	if (argc < 2)
		printf("usage: stat PATH...\n");
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (lstat(argv[i], &st) < 0) {
			failed("stat", argv[i]);
			continue;
		}
		printf("%s: inode %lu, %s, mode %04o, %lu links, %lld bytes, %lld blocks\n",
		       argv[i], (unsigned long)st.st_ino,
		       S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink"
			: S_ISREG(st.st_mode) ? "regular file" : "other",
		       (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink,
		       (long long)st.st_size, (long long)st.st_blocks);
	}
}

void cmd_sync(int argc, char **argv)
{
	sync();
}

void cmd_cd(int argc, char **argv)
{
	const char *to = argc > 1 ? argv[1] : "/";
	if (chdir(to) < 0)
		failed("cd", to);
}

void cmd_pwd(int argc, char **argv)
{
	char buf[512];
	if (getcwd(buf, sizeof(buf)))
		printf("%s\n", buf);
	else
		failed("pwd", ".");
}

/* cp SRC DST: DST created or truncated, SRC's bytes copied in. */
void cmd_cp(int argc, char **argv)
{
	if (argc != 3) {
		printf("usage: cp SRC DST\n");
		return;
	}
	int in = open(argv[1], O_RDONLY);
	if (in < 0) {
		failed("cp", argv[1]);
		return;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		failed("cp", argv[2]);
		close(in);
		return;
	}
	static char buf[16384];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0)
			failed("cp", argv[1]);
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n) {
			failed("cp", argv[2]);
			break;
		}
	}
	close(in);
	close(out);
}

void cmd_mv(int argc, char **argv)
{
	if (argc != 3)
		printf("usage: mv OLD NEW\n");
	else if (rename(argv[1], argv[2]) < 0)
		failed("mv", argv[1]);
}

void cmd_rmdir(int argc, char **argv)
{
	if (argc < 2)
		printf("usage: rmdir DIR...\n");
	for (int i = 1; i < argc; i++)
		if (rmdir(argv[i]) < 0)
			failed("rmdir", argv[i]);
}

/* df: the root file system's blocks and inodes (FS_STATFS). */
void cmd_df(int argc, char **argv)
{
	static struct ipc_buffer buf;
	ipc_buffer_setup(&buf);
	long ep = name_lookup(H_NAME, &buf, "fs");
	uint64_t out[5] = { 0 };
	long r = ep < 0 ? ep : ipc_request((int)ep, &buf, FS_STATFS, 0, 0, 0, 0, 0, out, 5, 0);
	if (ep >= 0)
		sys_handle_close((int)ep);
	if (r < 0 || (int64_t)out[0] < 0) {
		printf("df: no file system: %s\n", r < 0 ? err_name(r) : strerror((int)-(int64_t)out[0]));
		return;
	}
	uint64_t bs = out[1], total = out[2], free = out[3];
	printf("%-8s %10s %10s %10s %6s %12s\n", "fs", "KiB", "used", "free", "use%", "inodes free");
	printf("%-8s %10lu %10lu %10lu %5lu%% %12lu\n", "/", (unsigned long)(total * bs / 1024),
	       (unsigned long)((total - free) * bs / 1024), (unsigned long)(free * bs / 1024),
	       (unsigned long)(total ? (total - free) * 100 / total : 0), (unsigned long)out[4]);
}
