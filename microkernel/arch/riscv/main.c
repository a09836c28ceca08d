/*
 * Kernel entry after entry.S: read the device tree, set up memory, load
 * the boot image and start init.
 *
 * Boot sequence:
 *   1. parse the device tree (memory, bootargs, initrd, UART, timer, ...)
 *   2. hand free RAM to the frame allocator, keeping firmware, kernel,
 *      device tree and boot image reserved
 *   3. make a module object of each file in the boot image
 *   4. spawn init with handles to itself, the system object and every
 *      module; argv = "init" followed by the words of bootargs
 *   5. start the timer and drop to user mode
 */
#include "arch/riscv/machine.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/plic.h"
#include "kern/device.h"
#include "kern/dma.h"
#include "kern/vm/vm_reclaim.h"
#include "kern/arch.h"
#include "kern/clock.h"
#include "kern/cpu.h"
#include "kern/fdt.h"
#include "kern/ipc.h"
#include "kern/vm/vm_object.h"
#include "kern/log.h"
#include "kern/module.h"
#include "kern/module_object.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/random.h"
#include "kern/sched.h"
#include "kern/spawn.h"
#include "kern/task_build.h"
#include "kern/syscall.h"
#include "lib/string.h"

extern char _kernel_start[], _kernel_end[];
struct trapframe *trap_first_return(void);
_Noreturn void trap_return(struct trapframe *tf);
void kmain(uint64_t hartid, paddr_t dtb);

static struct fdt_info dt;

static void log_devices(uint64_t hartid)
{
	uint64_t mem = 0;
	for (int i = 0; i < dt.nmem; i++)
		mem += dt.mem[i].size;
	klog("memory: %lu MiB at %lx; harts: %d (booting on %lu); timebase %lu Hz; ASID bits %u\n",
	     (unsigned long)(mem >> 20), (unsigned long)dt.mem[0].base, dt.nharts,
	     (unsigned long)hartid, (unsigned long)dt.timebase_hz, machine_asid_bits());
	klog("devices: uart %lx irq %u, plic %lx, clint %lx, test %lx, %d virtio-mmio slots\n",
	     (unsigned long)dt.uart.base, dt.uart_irq, (unsigned long)dt.plic.base,
	     (unsigned long)dt.clint.base, (unsigned long)dt.test_dev.base, dt.nvirtio);
	klog("bootargs: \"%s\"\n", dt.bootargs);
}

#define MAX_RESV (FDT_MAX_RESV + 2)

/* Frees [lo, hi) minus the reserved ranges, sorted by start. */
static void free_ram(paddr_t lo, paddr_t hi, paddr_t (*resv)[2], int n)
{
	for (int i = 0; i < n && lo < hi; i++) {
		if (resv[i][1] <= lo || resv[i][0] >= hi)
			continue;
		if (resv[i][0] > lo)
			pmm_free_range(lo, resv[i][0]);
		lo = MAX(lo, resv[i][1]);
	}
	if (lo < hi)
		pmm_free_range(lo, hi);
}

static int add_resv(paddr_t (*resv)[2], int n, paddr_t start, paddr_t end)
{
	if (end <= start)
		return n;
	int i = n;
	while (i > 0 && resv[i - 1][0] > start) {
		resv[i][0] = resv[i - 1][0];
		resv[i][1] = resv[i - 1][1];
		i--;
	}
	resv[i][0] = PAGE_DOWN(start);
	resv[i][1] = PAGE_UP(end);
	return n + 1;
}

static void setup_memory(paddr_t dtb, uint64_t dtb_size)
{
	paddr_t base = dt.mem[0].base, end = base + dt.mem[0].size;
	paddr_t kend = kva_to_pa(_kernel_end);
	/* Firmware and kernel sit below kend, so the allocator starts there. */
	paddr_t meta_end = pmm_init(kend, end);
	if (!meta_end)
		kpanic("memory: no room for the frame table");
	paddr_t resv[MAX_RESV][2];
	int n = add_resv(resv, 0, dtb, dtb + dtb_size);
	n = add_resv(resv, n, dt.initrd_start, dt.initrd_end);
	for (int i = 0; i < dt.nresv; i++)
		n = add_resv(resv, n, dt.resv[i].base, dt.resv[i].base + dt.resv[i].size);
	free_ram(meta_end, end, resv, n);
	klog("frames: %lu free of %lu MiB RAM; kernel %lu KiB; %d reserved ranges\n",
	     (unsigned long)pmm_free_count(), (unsigned long)((end - base) >> 20),
	     (unsigned long)((_kernel_end - _kernel_start) >> 10), n);
}

/* "init" NUL, then bootargs whole as one more word if there are any:
 * init splits them (with quoting, lib/words.h), not the kernel. */
static size_t init_argv(char *buf, size_t size)
{
	memcpy(buf, "init", 5);
	size_t len = strlen(dt.bootargs);
	if (len == 0 || 5 + len + 1 > size)
		return 5;
	memcpy(buf + 5, dt.bootargs, len + 1);
	return 5 + len + 1;
}

/* Device objects for the drivers in user space: the UART (the console
 * server's) and the virtio-mmio slots. */
static void add_devices(void)
{
	plic_init(dt.plic.base, dt.plic_ndev);
	if (dt.uart.size)
		device_add("uart", dt.uart.base, dt.uart.size, dt.uart_irq);
	for (int i = 0; i < dt.nvirtio; i++) {
		char name[16] = "virtio0";
		name[6] = (char)('0' + i);
		device_add(name, dt.virtio[i].base, dt.virtio[i].size, dt.virtio_irq[i]);
	}
}

static void start_init(void)
{
	struct module *m = module_find("init");
	if (!m)
		kpanic("boot image has no init");
	static char argv[5 + FDT_BOOTARGS_MAX];
	size_t len = init_argv(argv, sizeof(argv));
	struct task *t;
	int err = spawn_prepare(m, argv, len, PRIO_MAX, &t);
	if (err)
		kpanic("cannot start init: error %d", err);
	handle_install_at(t->handles, H_SYSTEM, &system_obj, R_READ | R_CONTROL | R_GRANT, 0);
	for (int i = 0; i < module_count(); i++)
		handle_install_at(t->handles, H_SYSTEM + 1 + i, &module_at(i)->obj,
				  R_READ | R_GRANT, 0);
	int h = H_SYSTEM + 1 + module_count();
	for (int i = 0; i < device_count(); i++) {
		struct kobj *o = device_object(i);
		uint32_t rights = o->type == OBJ_DEVMEM ? R_READ | R_MAP | R_GRANT
							: R_READ | R_CONTROL | R_GRANT;
		handle_install_at(t->handles, h++, o, rights, 0);
	}
	handle_install_at(t->handles, h, &dma_obj, R_READ | R_CONTROL | R_GRANT, 0);
	handle_install_at(t->handles, h + 1, &mm_obj, R_READ | R_CONTROL | R_GRANT, 0);
	task_start(t);
	kobj_put(&t->obj); /* init lives on through its H_SELF handle */
	klog("started init (task %u) with %d modules, %d device objects\n", t->id,
	     module_count(), device_count());
}

void kmain(uint64_t hartid, paddr_t dtb)
{
	const void *blob = pa_to_kva(dtb);
	/* Trust the header's size only up to a sane cap, so a corrupt header
	 * cannot send the parser beyond mapped memory. */
	uint32_t dtb_size = MIN(fdt_totalsize(blob), 1u << 20);
	int err = fdt_parse(blob, dtb_size, &dt);
	machine_init(&dt);
	klog("\nmk: Mach-style microkernel for RV64 booting\n");
	if (err || dt.nmem == 0)
		kpanic("device tree unreadable (error %d)", err);
	this_cpu()->hartid = (uint32_t)hartid;
	log_devices(hartid);
	setup_memory(dtb, dtb_size);
	clock_set_wall(machine_rtc_ns(&dt), arch_time());
	random_seed(dt.rng_seed, dt.rng_seed_len, arch_time());
	sched_init();
	ipc_init();
	vmo_init();
	task_build_init();
	dma_init();
	if (!dt.initrd_start)
		kpanic("no boot image (start QEMU with -initrd)");
	add_devices();
	err = module_scan(pa_to_kva(dt.initrd_start), dt.initrd_end - dt.initrd_start);
	if (err < 0)
		kpanic("boot image is not a valid cpio archive (error %d)", err);
	module_objects_init();
	start_init();
	klog("boot took %lu us\n", (unsigned long)(arch_time() * 1000000 / arch_timebase_hz()));
	machine_timer_start();
	trap_return(trap_first_return());
}
