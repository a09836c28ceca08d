/*
 * The file pager: one memory object per open inode, paged by the file
 * system server itself through pagers/common (see fs.h).
 *
 * A page's life:
 *   1. a client touches a page of the file's object that is not resident:
 *      FAULT; fs_fill finds the page's disk blocks (ext2_page_blocks),
 *      reads each run of contiguous blocks into the disk buffer and
 *      copies it into the page the pager loop supplies (the driver can
 *      only fill the buffer object the server shared with it, and a
 *      supply moves frames of the server's own wired memory, so the
 *      bytes are copied once); holes and bytes past the end read as
 *      zeros;
 *   2. clients write the page through their mappings: the kernel marks
 *      it dirty;
 *   3. write-back (fsync, close, sync, truncate, TERMINATE): the dirty
 *      pages (pager_query) are evicted into empty slots of the server's
 *      memory (pager_evict takes them from every mapping at once, so no
 *      write can slip between copying and cleaning), written through
 *      ext2_write (up to the file's size), and supplied back clean, so
 *      the page cache stays warm; a client touching one meanwhile waits
 *      for the supply;
 *   4. TERMINATE (no handle or mapping left): written back, forgotten.
 * Under memory pressure the memory manager evicts pages: a clean one is
 * dropped (the disk has it, the next fault reads it again), a dirty one
 * comes back as PAGER_RETURN into the return area and fs_writeback
 * writes it to the file.
 */
#include "servers/fs/fs.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"
#include "servers/fs/fs_proto.h"

static struct fs_file files[PAGER_MAX_OBJECTS]; /* files[i] goes with objects[i] */
static uint8_t query_buf[256];

static struct fs_file *file_of(struct pager_object *obj)
{
	return &files[obj - fs_pager.objects];
}

struct fs_file *fs_file_find(uint32_t ino)
{
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++)
		if (files[i].obj && files[i].ino == ino && !files[i].orphan)
			return &files[i];
	return 0;
}

struct fs_file *fs_file_get(uint32_t ino, bool *created, long *err)
{
	struct fs_file *f = fs_file_find(ino);
	*created = false;
	if (f)
		return f;
	struct pager_object *obj = pager_object_new(&fs_pager, FS_OBJECT_SIZE, err);
	if (!obj)
		return 0;
	f = file_of(obj);
	*f = (struct fs_file){ .ino = ino, .obj = obj };
	obj->data = f;
	*created = true;
	return f;
}

void fs_file_drop(struct fs_file *f)
{
	pager_object_drop(&fs_pager, f->obj); /* calls fs_terminate */
}

void fs_file_orphan(uint32_t ino)
{
	struct fs_file *f = fs_file_find(ino);
	if (f)
		f->orphan = true;
}

uint64_t fs_file_count(void)
{
	uint64_t n = 0;
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++)
		n += files[i].obj != 0;
	return n;
}

uint32_t fs_file_next(uint32_t from, struct fs_file_info *out)
{
	for (uint32_t i = from; i < PAGER_MAX_OBJECTS; i++) {
		struct fs_file *f = &files[i];
		if (!f->obj)
			continue;
		struct vmo_info vi = { 0 };
		struct ext2_stat st = { 0 };
		vmo_info(f->obj->vmo, &vi);
		if (!f->orphan && fs_mounted)
			ext2_stat(&fs_ext2, f->ino, &st);
		*out = (struct fs_file_info){ .ino = f->ino, .size = st.size, .resident = vi.resident,
					      .faults = vi.faults, .minor = vi.minor,
					      .orphan = f->orphan };
		return i + 1;
	}
	return 0;
}

/* --- fill ------------------------------------------------------------------- */

/* Read-ahead for clustered faults: disk blocks [ra_first, ra_first +
 * ra_n) of ra_bs bytes lie at FS_BUF_FILL, read in one request when a
 * fill missed them; the next pages of a cluster (fill is called page by
 * page) are copied from there. Every disk write forgets them. */
static uint64_t ra_first;
static uint32_t ra_n, ra_bs;

void fs_readahead_forget(void)
{
	ra_n = 0;
}

/* Reads file blocks [i, j) of the page, at disk blocks blk[i].., which are
 * contiguous, into page: with a cluster of more than one page, the blocks
 * of the whole cluster from blk[i] on come in the same disk request. */
static int read_run(const uint32_t *blk, uint32_t i, uint32_t j, uint32_t bs, uint8_t *page)
{
	uint64_t first = blk[i], n = j - i;
	if (!ra_n || ra_bs != bs || first < ra_first || first + n > ra_first + ra_n) {
		uint64_t want = (uint64_t)fs_pager.cluster * FS_PAGE / bs, disk = fs_ext2.g.blocks_count;
		uint64_t most = (FS_BUF_SIZE - FS_BUF_FILL) / bs;
		want = want < n ? n : want > most ? most : want;
		if (first + want > disk)
			want = disk > first + n ? disk - first : n;
		uint32_t spb = bs / BLK_SECTOR;
		ra_n = 0;
		if (blk_read(&fs_disk, first * spb, (uint32_t)(want * spb), FS_BUF_FILL) != BLK_OK)
			return -E_DEAD;
		ra_first = first;
		ra_n = (uint32_t)want;
		ra_bs = bs;
	}
	memcpy(page + i * bs, fs_disk.buf + FS_BUF_FILL + (first - ra_first) * bs, (size_t)n * bs);
	return 0;
}

static int fs_fill(struct pager *p, struct pager_object *obj, uint64_t offset, void *page)
{
	struct fs_file *f = obj->data;
	struct ext2_stat st;
	uint64_t pg = offset / FS_PAGE;
	if (pg >= f->hi)
		f->hi = pg + 1;
	fs_stats.fills++;
	if (f->orphan || !fs_mounted || ext2_stat(&fs_ext2, f->ino, &st) < 0 || offset >= st.size) {
		memset(page, 0, FS_PAGE);
		return 0;
	}
	uint32_t blk[64], bs = ext2_block_size(&fs_ext2);
	int n = ext2_page_blocks(&fs_ext2, f->ino, pg, FS_PAGE, false, blk, 64);
	if (n < 0) {
		uprintf("fs: inode %u page %lu: %s\n", f->ino, (unsigned long)pg,
			ext2_error(&fs_ext2) ? ext2_error(&fs_ext2) : "unreadable");
		return -E_FORMAT;
	}
	uint8_t *dst = page;
	for (uint32_t i = 0; i < (uint32_t)n;) {
		if (blk[i] == 0) {
			memset(dst + i * bs, 0, bs);
			i++;
			continue;
		}
		uint32_t j = i + 1;
		while (j < (uint32_t)n && blk[j] == blk[j - 1] + 1)
			j++;
		int err = read_run(blk, i, j, bs, dst);
		if (err)
			return err;
		i = j;
	}
	if (st.size - offset < FS_PAGE)
		memset(dst + (st.size - offset), 0, FS_PAGE - (size_t)(st.size - offset));
	fs_stats.pages_read++;
	return 0;
}

/* ops->read: the pages from offset on whose blocks follow one another
 * on disk (a hole or a break in the run stops it) come in one disk
 * request straight into the disk buffer's fill area, whose frames the
 * supply then takes: no copy. The tail past the file's end is zeroed
 * there. 0: the first page is not such a run (a hole, blocks apart, an
 * unreadable map), and fs_fill answers. */
static long fs_read(struct pager *p, struct pager_object *obj, uint64_t offset, uint64_t n,
		    void **src)
{
	struct fs_file *f = obj->data;
	if (f->orphan || !fs_mounted)
		return 0;
	uint32_t bs = ext2_block_size(&fs_ext2), per = FS_PAGE / bs, disk;
	uint64_t most = (FS_BUF_SIZE - FS_BUF_FILL) / FS_PAGE, size;
	if (n > most)
		n = most;
	int got = ext2_run_blocks(&fs_ext2, f->ino, offset / bs, (uint32_t)(n * per), &disk, &size);
	if (got <= 0)
		return 0;
	uint64_t pages = (uint64_t)got / per, blocks = pages * per;
	if (offset + (uint64_t)got * bs >= size) { /* the run reaches the end */
		pages = ((uint64_t)got + per - 1) / per;
		blocks = (uint64_t)got;
	}
	if (pages == 0)
		return 0;
	uint32_t spb = bs / BLK_SECTOR;
	ra_n = 0; /* the fill area's frames leave with the supply */
	if (blk_read(&fs_disk, (uint64_t)disk * spb, (uint32_t)(blocks * spb), FS_BUF_FILL) != BLK_OK)
		return -E_DEAD;
	uint8_t *buf = fs_disk.buf + FS_BUF_FILL;
	if (size - offset < pages * FS_PAGE) /* past the end: the last block's tail, and the page's */
		memset(buf + (size - offset), 0, (size_t)(pages * FS_PAGE - (size - offset)));
	if (offset / FS_PAGE + pages > f->hi)
		f->hi = offset / FS_PAGE + pages;
	fs_stats.fills += pages;
	fs_stats.pages_read += pages;
	*src = buf;
	return (long)pages;
}

/* --- write-back ---------------------------------------------------------- */

/* Writes one evicted page (at FS_WB_VA + k pages) to the file, then
 * supplies it back. */
static int write_page(struct fs_file *f, uint64_t size, uint64_t off, uint32_t k)
{
	struct pager_object *obj = f->obj;
	void *src = (void *)(FS_WB_VA + (uint64_t)k * FS_PAGE);
	int rc = 0;
	if (off < size) {
		size_t len = size - off < FS_PAGE ? (size_t)(size - off) : FS_PAGE;
		int64_t w = ext2_write(&fs_ext2, f->ino, off, src, len);
		rc = w < 0 ? (int)w : (size_t)w < len ? -FS_ENOSPC : 0;
		if (rc == 0)
			fs_stats.pages_written++;
	}
	if (pager_supply(obj->vmo, off, src, 1, VM_R | VM_W | VM_X, obj->epoch) < 0)
		vm_unmap((uint64_t)src, FS_PAGE); /* cannot go back: the frame is dropped */
	return rc;
}

/* Evicts pages [page, page+n) (all reported dirty) and writes them. */
static int write_run(struct fs_file *f, uint64_t size, uint64_t page, uint32_t n)
{
	uint8_t st[FS_WB_RUN];
	struct pager_object *obj = f->obj;
	long r = pager_evict(obj->vmo, page * FS_PAGE, n, (void *)FS_WB_VA, st, obj->epoch);
	if (r < 0) {
		uprintf("fs: inode %u: evict failed: %s\n", f->ino, err_name(r));
		return -FS_EIO;
	}
	int rc = 0;
	for (uint32_t k = 0; k < n; k++) {
		if (!(st[k] & PAGE_DIRTY))
			continue; /* clean after all: its frame is freed */
		int e = write_page(f, size, (page + k) * FS_PAGE, k);
		if (e && !rc)
			rc = e;
	}
	return rc;
}

int fs_file_writeback(struct fs_file *f)
{
	struct ext2_stat st;
	if (!f || !f->obj || f->orphan || !fs_mounted)
		return 0;
	if (ext2_stat(&fs_ext2, f->ino, &st) < 0)
		return -FS_EIO;
	int rc = 0;
	for (uint64_t base = 0; base < f->hi; base += sizeof(query_buf)) {
		uint32_t n = f->hi - base < sizeof(query_buf) ? (uint32_t)(f->hi - base)
							      : (uint32_t)sizeof(query_buf);
		if (pager_query(f->obj->vmo, base * FS_PAGE, n, query_buf, 0) < 0)
			return -FS_EIO;
		for (uint32_t i = 0; i < n;) {
			if (!(query_buf[i] & PAGE_DIRTY)) {
				i++;
				continue;
			}
			uint32_t j = i + 1;
			while (j < n && (query_buf[j] & PAGE_DIRTY) && j - i < FS_WB_RUN)
				j++;
			int e = write_run(f, st.size, base + i, j - i);
			if (e && !rc)
				rc = e;
			i = j;
		}
	}
	return rc;
}

int fs_writeback_all(void)
{
	int rc = 0;
	for (int i = 0; i < PAGER_MAX_OBJECTS; i++) {
		if (!files[i].obj)
			continue;
		int e = fs_file_writeback(&files[i]);
		if (e && !rc)
			rc = e;
	}
	return rc;
}

int fs_file_truncate(uint32_t ino, struct fs_file *f, uint64_t size)
{
	int rc = f ? fs_file_writeback(f) : 0;
	if (rc)
		return rc;
	uint64_t first = size / FS_PAGE;
	if (f && first < f->hi) {
		long r = pager_lock(f->obj->vmo, first * FS_PAGE, f->hi - first, LOCK_FLUSH,
				    f->obj->epoch);
		if (r < 0)
			return -FS_EIO;
		f->hi = first;
	}
	return ext2_truncate(&fs_ext2, ino, size);
}

/* A dirty page the memory manager evicted (PAGER_RETURN): written to the
 * file up to its size, then synced; the loop frees the frame. On an
 * error the loop keeps the frame and supplies it at the page's next
 * fault, so nothing written is lost. */
static int fs_writeback(struct pager *p, struct pager_object *obj, uint64_t offset,
			const void *page)
{
	struct fs_file *f = obj->data;
	struct ext2_stat st;
	if (!f || f->orphan || !fs_mounted)
		return 0; /* nobody can read it any more */
	if (ext2_stat(&fs_ext2, f->ino, &st) < 0)
		return -FS_EIO;
	if (offset >= st.size)
		return 0; /* past the end: never written back */
	size_t len = st.size - offset < FS_PAGE ? (size_t)(st.size - offset) : FS_PAGE;
	int64_t w = ext2_write(&fs_ext2, f->ino, offset, page, len);
	if (w < 0 || (size_t)w < len)
		return w < 0 ? (int)w : -FS_ENOSPC;
	fs_stats.pages_written++;
	return ext2_sync(&fs_ext2) < 0 ? -FS_EIO : 0;
}

/* --- the object's end ------------------------------------------------------- */

/* The kernel's TERMINATE (or an undone open): what is dirty goes to the
 * disk, then the file is forgotten; the loop closes the object handle. */
static void fs_terminate(struct pager *p, struct pager_object *obj)
{
	struct fs_file *f = obj->data;
	if (!f)
		return;
	if (fs_file_writeback(f) == 0 && fs_mounted)
		ext2_sync(&fs_ext2);
	*f = (struct fs_file){ 0 };
	obj->data = 0;
}

const struct pager_ops fs_pager_ops = {
	.fill = fs_fill,
	.read = fs_read,
	.terminate = fs_terminate,
	.writeback = fs_writeback,
	.release = 0, /* the disk holds every page a rebind could ask for */
};
