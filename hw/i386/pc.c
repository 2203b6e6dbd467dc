/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `pc` machine: i440FX/PIIX3 PC with RAM split around the PCI hole,
 * legacy ISA devices, fw_cfg, ACPI, and either firmware from the reset
 * vector or a kernel loaded directly (x86 boot protocol, multiboot, ELF64).
 */
#include "vireo/pc.h"
#include "vireo/accel.h"
#include "vireo/acpi.h"
#include "vireo/chardev.h"
#include "vireo/fw-cfg.h"
#include "vireo/machine.h"
#include "vireo/rtc.h"
#include "vireo/runstate.h"
#include "vireo/x86-intc.h"
#include "target/i386/cpu.h"
#include "config-host.h"
#include <string.h>

GPtrArray *serial_chardevs;

typedef struct PCMachineState {
    MachineState parent_obj;
    MemoryRegion ram_below_4g, ram_above_4g;
    MemoryRegion bios, isa_bios;
    uint64_t below_4g, above_4g;
    IrqLine *gsi;
    ISABus *isa_bus;
    PCIBus *pci_bus;
    FWCfgState *fw_cfg;
    E820Table e820;
    GByteArray *acpi_tables;
    uint64_t acpi_rsdp;
    bool direct_boot;
    bool boot_loaded;       /* RAM holds a fresh copy of the kernel */
    AcpiPMState *acpi_pm;
} PCMachineState;

#define PC_MACHINE(obj) OBJECT_CHECK(PCMachineState, (obj), "pc-i440fx-machine")

/* Whether KVM's in-kernel PIC, IOAPIC, LAPICs and PIT serve; otherwise
 * the userspace ones in hw/intc and hw/timer do. */
static bool pc_irqchip_in_kernel(void)
{
    const AccelOps *accel = accel_current();
    return accel && accel->irqchip_in_kernel && accel->irqchip_in_kernel();
}

/* ISA IRQ n is GSI n: to the in-kernel irqchip (KVM), or the userspace PIC
 * and IOAPIC. */
static void pc_gsi_handler(void *opaque, int n, int level)
{
    if (pc_irqchip_in_kernel()) {
        accel_current()->set_gsi(n, level);
    } else {
        x86_gsi_set(n, level);
    }
}

static bool pc_memory_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = &pcms->parent_obj;
    MemoryRegion *sysmem = get_system_memory();
    pcms->below_4g = ms->ram_size >= PC_LOWMEM_LIMIT ? PC_LOWMEM_SPLIT : ms->ram_size;
    pcms->above_4g = ms->ram_size - pcms->below_4g;
    ms->ram = g_new0(MemoryRegion, 1);
    if (!memory_region_init_ram(ms->ram, OBJECT(ms), "pc.ram", ms->ram_size, errp)) {
        return false;
    }
    memory_region_init_alias(&pcms->ram_below_4g, OBJECT(ms), "ram-below-4g",
                             ms->ram, 0, pcms->below_4g);
    memory_region_add_subregion(sysmem, 0, &pcms->ram_below_4g);
    if (pcms->above_4g) {
        memory_region_init_alias(&pcms->ram_above_4g, OBJECT(ms), "ram-above-4g",
                                 ms->ram, pcms->below_4g, pcms->above_4g);
        memory_region_add_subregion(sysmem, 1ULL << 32, &pcms->ram_above_4g);
    }
    E820Table *t = &pcms->e820;
    e820_add(t, 0, 0x9fc00, E820_RAM);
    e820_add(t, 0x9fc00, 0x400, E820_RESERVED);
    e820_add(t, PC_BIOS_AREA, 0x100000 - PC_BIOS_AREA, E820_RESERVED);
    if (pcms->below_4g > 0x100000) {
        e820_add(t, 0x100000, pcms->below_4g - 0x100000, E820_RAM);
    }
    e820_add(t, PC_KVM_TSS_ADDR, 0x4000, E820_RESERVED);
    if (pcms->above_4g) {
        e820_add(t, 1ULL << 32, pcms->above_4g, E820_RAM);
    }
    return true;
}

/* Firmware search: -bios as given, else in the firmware directories. */
static char *find_firmware(const char *name)
{
    if (strchr(name, '/')) {
        return g_strdup(name);
    }
    g_auto(GStrv) dirs = g_strsplit(CONFIG_FIRMWAREPATH, ":", 0);
    for (char **d = dirs; *d; d++) {
        char *path = g_build_filename(*d, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return g_strdup(name);
}

/* The BIOS ROM sits below 4 GiB, its last 128 KiB also at 0xe0000. */
static bool pc_bios_init(PCMachineState *pcms, const char *name, GError **errp)
{
    g_autofree char *path = find_firmware(name);
    GError *err = NULL;
    if (!memory_region_init_rom_file(&pcms->bios, NULL, "pc.bios", path, &err)) {
        error_setg(errp, "could not load PC BIOS '%s': %s", name, err->message);
        g_error_free(err);
        return false;
    }
    uint64_t len = pcms->bios.size;
    if ((len & 0xffff) || len > 16 * 1024 * 1024) {
        error_setg(errp, "PC BIOS '%s' has size %" G_GUINT64_FORMAT ": it must "
                   "be a multiple of 64 KiB, at most 16 MiB", name, len);
        return false;
    }
    memory_region_add_subregion(get_system_memory(), (1ULL << 32) - len,
                                &pcms->bios);
    uint64_t isa_len = MIN(len, 128 * 1024);
    memory_region_init_alias(&pcms->isa_bios, NULL, "isa-bios", &pcms->bios,
                             len - isa_len, isa_len);
    memory_region_add_subregion_overlap(get_system_memory(), 0x100000 - isa_len,
                                        &pcms->isa_bios, 1);
    return true;
}

static bool pc_isa_devices_init(PCMachineState *pcms, GError **errp)
{
    static const char *const builtin[] = {
        "mc146818rtc", "i8042", "port92", "cf9-reset", NULL,
    };
    for (int i = 0; builtin[i]; i++) {
        ISADevice *d = isa_create_simple(pcms->isa_bus, builtin[i], errp);
        if (!d) {
            return false;
        }
        if (!strcmp(builtin[i], "mc146818rtc")) {
            rtc_set_ram_size(d, pcms->below_4g, pcms->above_4g);
        }
    }
    for (guint i = 0; serial_chardevs && i < serial_chardevs->len; i++) {
        Chardev *chr = serial_chardevs->pdata[i];
        if (!chr) {
            continue;
        }
        DeviceState *dev = device_new("isa-serial", errp);
        if (!dev ||
            !object_property_set_uint(OBJECT(dev), "index", i, errp) ||
            !object_property_set_str(OBJECT(dev), "chardev", chr->label, errp) ||
            !device_realize_on_bus(dev, &pcms->isa_bus->parent_obj, errp)) {
            return false;
        }
        object_unref(OBJECT(dev));
    }
    pcms->acpi_pm = acpi_pm_create(0x600, 0xafe0, &pcms->gsi[9], errp);
    return pcms->acpi_pm != NULL;
}

static bool pc_cpus_init(MachineState *ms, GError **errp)
{
    if (!x86_cpu_model_check(ms->cpu_type, errp)) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        DeviceState *dev = device_new(TYPE_X86_CPU, errp);
        if (!dev) {
            return false;
        }
        CPU(dev)->cpu_index = i;
        CPU(dev)->apic_id = i;
        if (!device_realize_on_bus(dev, NULL, errp) ||
            !cpu_start_thread(CPU(dev), errp)) {
            return false;
        }
        object_unref(OBJECT(dev));
    }
    return true;
}

static void pc_fw_cfg_init(PCMachineState *pcms)
{
    MachineState *ms = &pcms->parent_obj;
    FWCfgState *fw = pcms->fw_cfg;
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, ms->smp_cpus);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, ms->smp_max_cpus);
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, ms->ram_size);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_file(fw, "etc/e820", pcms->e820.entries,
                    pcms->e820.nr * sizeof(E820Entry));
}

static bool pc_acpi_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = &pcms->parent_obj;
    AcpiConfig cfg;
    acpi_config_pc(&cfg, ms->smp_cpus);
    cfg.pci_hole_start = pcms->below_4g;
    if (!pcms->direct_boot) {
        /* Firmware places the tables itself from fw_cfg. */
        return acpi_build_fw_cfg(&cfg, pcms->fw_cfg, errp);
    }
    pcms->acpi_tables = acpi_build_tables(&cfg, PC_ACPI_TABLES_ADDR,
                                          &pcms->acpi_rsdp, errp);
    return pcms->acpi_tables != NULL;
}

/* Loads (again, at every reset) what direct boot puts in RAM. */
static bool pc_load_direct(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = &pcms->parent_obj;
    uint8_t *ram = memory_region_get_ram_ptr(ms->ram);
    memcpy(ram + PC_ACPI_TABLES_ADDR, pcms->acpi_tables->data,
           pcms->acpi_tables->len);
    BootParams bp = {
        .kernel = ms->kernel_filename,
        .initrd = ms->initrd_filename,
        .cmdline = ms->kernel_cmdline ? ms->kernel_cmdline : "",
        .mem = { .low = ram, .below_4g = pcms->below_4g,
                 .high = ram + pcms->below_4g, .above_4g = pcms->above_4g },
        .e820 = &pcms->e820,
        .acpi_rsdp = pcms->acpi_rsdp,
    };
    X86CPU *bsp = X86_CPU(cpu_by_index(0));
    if (!x86_load_kernel(&bp, &bsp->boot, errp)) {
        return false;
    }
    bsp->boot_state_valid = true;
    return true;
}

/* What firmware would leave programmed for the OS: the PIIX3 PIRQ routes
 * the DSDT's LNKA-LNKD describe. */
static void pc_firmware_setup(PCMachineState *pcms)
{
    AcpiConfig cfg;
    acpi_config_pc(&cfg, 1);
    for (int i = 0; i < 4; i++) {
        pci_config_write(pcms->pci_bus, PCI_DEVFN(1, 0), 0x60 + i,
                         cfg.pci_link_irqs[i], 1);
    }
}

static void pc_reset(MachineState *ms)
{
    PCMachineState *pcms = PC_MACHINE(ms);
    GError *err = NULL;
    if (pcms->direct_boot) {
        pc_firmware_setup(pcms);
    }
    if (pcms->boot_loaded) {
        pcms->boot_loaded = false;
    } else if (pcms->direct_boot && !pc_load_direct(pcms, &err)) {
        /* The files were readable at start; say what changed and stop. */
        g_printerr("vireo: reset: %s\n", err->message);
        g_error_free(err);
        request_exit_status(1);
        request_shutdown(SHUTDOWN_CAUSE_HOST_ERROR);
    }
}

static bool pc_init(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = PC_MACHINE(ms);
    pcms->direct_boot = ms->kernel_filename && !ms->firmware;
    if (!ms->kernel_filename && (ms->initrd_filename || ms->kernel_cmdline)) {
        error_setg(errp, ms->initrd_filename ? "-initrd cannot be used without "
                   "-kernel" : "-append only allowed with -kernel option");
        return false;
    }
    /* CPUs first, so they are /machine/unattached/device[0..], as in QEMU. */
    if (!pc_cpus_init(ms, errp)) {
        return false;
    }
    /* One flat-view update (one set of KVM slots) for the final layout. */
    memory_region_transaction_begin();
    bool ok = pc_memory_init(pcms, errp) &&
              (pcms->direct_boot ||
               pc_bios_init(pcms, ms->firmware ? ms->firmware : "bios-256k.bin", errp));
    memory_region_transaction_commit();
    if (!ok) {
        return false;
    }
    pcms->gsi = irq_lines_new(pc_gsi_handler, pcms, 24);
    pcms->pci_bus = i440fx_init(get_system_memory(), get_system_io(), pcms->gsi,
                                &pcms->isa_bus, errp);
    if (!pcms->pci_bus) {
        return false;
    }
    if (!pc_irqchip_in_kernel() && !x86_intc_init(pcms->isa_bus, errp)) {
        return false;
    }
    if (!pc_isa_devices_init(pcms, errp)) {
        return false;
    }
    pcms->fw_cfg = fw_cfg_init_io(0x510, true, errp);
    if (!pcms->fw_cfg) {
        return false;
    }
    pc_fw_cfg_init(pcms);
    if (!pc_acpi_init(pcms, errp)) {
        return false;
    }
    /* Load now so a bad kernel is a start-up error; the first reset then
     * finds it in place. */
    if (pcms->direct_boot && !pc_load_direct(pcms, errp)) {
        return false;
    }
    pcms->boot_loaded = pcms->direct_boot;
    return true;
}

static void pc_machine_class_init(ObjectClass *klass, const void *data)
{
    MachineClass *mc = (MachineClass *)klass;
    mc->name = "pc-i440fx-vireo";
    mc->alias = "pc";
    mc->desc = "Standard PC (i440FX + PIIX, 1996)";
    mc->is_default = true;
    mc->max_cpus = 255;
    mc->default_ram_size = 128 * 1024 * 1024;
    mc->default_cpu_type = "qemu64";
    mc->init = pc_init;
    mc->reset = pc_reset;
}

static const TypeInfo pc_machine_type = {
    .name = "pc-i440fx-machine",
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(PCMachineState),
    .class_init = pc_machine_class_init,
};
TYPE_REGISTER(pc_machine_type)
