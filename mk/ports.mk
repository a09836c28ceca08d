# The ports (README "Ports"): Lua 5.4, SQLite 3 (the shell and speedtest1)
# and zlib's minigzip, built from Debian bookworm's source packages against
# our libc and installed in the disk image's /bin. Included from the
# Makefile after prog_rule.
#
# ports/prepare fetches the packages (cached in $(B)/ports-dl), extracts
# them into $(PORTS) and makes SQLite's amalgamation; the objects and the
# links are the Makefile's own rules for user programs ($(B)/u/%.o and
# prog_rule), with the flags below instead of the project's warning flags.
# Reference builds of the same sources for the host ($(B)/ports-host) give
# the outputs the tests compare with.

PORTS := $(B)/ports
PORTS_STAMP := $(PORTS)/.stamp
PORTS_PATCHES := $(wildcard ports/patches/*/*.patch)

$(PORTS_STAMP): ports/prepare $(PORTS_PATCHES) | deps
	bash ports/prepare $(PORTS)

PORT_PROGS := lua sqlite3 speedtest1 minigzip

LUA_DIR := $(PORTS)/lua/src
LUA_LIB := lapi lauxlib lbaselib lcode lcorolib lctype ldblib ldebug ldo ldump lfunc lgc \
	linit liolib llex lmathlib lmem loadlib lobject lopcodes loslib lparser lstate \
	lstring lstrlib ltable ltablib ltm lundump lutf8lib lvm lzio
SRC_lua := $(patsubst %,$(LUA_DIR)/%.c,$(LUA_LIB) lua)

SQLITE_DIR := $(PORTS)/sqlite
SQLITE_AMALG := $(SQLITE_DIR)/bld/sqlite3.c
SRC_sqlite3 := $(SQLITE_AMALG) $(SQLITE_DIR)/bld/shell.c
SRC_speedtest1 := $(SQLITE_AMALG) $(SQLITE_DIR)/test/speedtest1.c

ZLIB_DIR := $(PORTS)/zlib
ZLIB_LIB := adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast \
	inflate inftrees trees uncompr zutil
SRC_minigzip := $(patsubst %,$(ZLIB_DIR)/%.c,$(ZLIB_LIB)) $(ZLIB_DIR)/test/minigzip.c

PORT_SRCS := $(sort $(foreach p,$(PORT_PROGS),$(SRC_$(p))))
PORT_OBJS := $(patsubst %.c,$(B)/u/%.o,$(PORT_SRCS))
# The sources appear when ports/prepare has run; a new preparation
# (another patch, another version) rebuilds every object.
$(PORT_SRCS): | $(PORTS_STAMP)
$(PORT_OBJS): $(PORTS_STAMP)

# As UCFLAGS, without -Werror and the project's warnings: the code is not
# ours to fix.
PORT_CFLAGS = -O2 -g -fno-pie -mcmodel=medany -fno-stack-protector $(MUSL_CFLAGS) -MMD -MP
# Lua as its Makefile's "posix" target: no dlopen, so no C modules.
LUA_CFLAGS := -std=gnu99 -DLUA_COMPAT_5_3 -DLUA_USE_POSIX
# One thread, no extension loading (no dlopen); the shell without readline.
SQLITE_CFLAGS := -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -I $(SQLITE_DIR)/bld
ZLIB_CFLAGS := -DHAVE_UNISTD_H -DHAVE_STDARG_H -I $(ZLIB_DIR)
$(B)/u/$(LUA_DIR)/%.o: UCFLAGS = $(PORT_CFLAGS) $(LUA_CFLAGS)
$(B)/u/$(SQLITE_DIR)/%.o: UCFLAGS = $(PORT_CFLAGS) $(SQLITE_CFLAGS)
$(B)/u/$(ZLIB_DIR)/%.o: UCFLAGS = $(PORT_CFLAGS) $(ZLIB_CFLAGS)

$(foreach p,$(PORT_PROGS),$(eval $(call prog_rule,$(p))))
PORT_ELFS := $(patsubst %,$(B)/user/%.elf,$(PORT_PROGS))

# --- host builds of the same sources: the reference outputs -----------------
HOST_PORTS := $(B)/ports-host
$(HOST_PORTS)/lua: $(SRC_lua) $(PORTS_STAMP)
	@mkdir -p $(dir $@)
	$(HCC) -O2 $(LUA_CFLAGS) $(SRC_lua) -lm -o $@
$(HOST_PORTS)/speedtest1: $(SRC_speedtest1) $(PORTS_STAMP)
	@mkdir -p $(dir $@)
	$(HCC) -O2 $(SQLITE_CFLAGS) $(SRC_speedtest1) -lm -o $@

.PHONY: ports ports-host
ports: $(PORT_ELFS)
ports-host: $(HOST_PORTS)/lua $(HOST_PORTS)/speedtest1
