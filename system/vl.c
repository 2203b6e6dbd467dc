/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line, in QEMU's spelling: options are collected first, then
 * the VM is built in a fixed order (chardevs and monitors, machine,
 * accelerator, board, -device, reset) and the main loop runs.
 */
#include "vireo/accel.h"
#include "vireo/chardev.h"
#include "vireo/cpu.h"
#include "vireo/device.h"
#include "vireo/log.h"
#include "vireo/machine.h"
#include "vireo/main-loop.h"
#include "vireo/opts.h"
#include "vireo/pc.h"
#include "vireo/qmp.h"
#include "vireo/runstate.h"
#include "vireo/vl.h"
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

typedef struct Config {
    const char *machine;          /* -M (type and options) */
    const char *accel;            /* -accel / -enable-kvm / accel= */
    bool kernel_irqchip_set, kernel_irqchip;
    const char *mem;              /* -m */
    const char *smp;              /* -smp */
    const char *cpu;              /* -cpu */
    const char *kernel, *initrd, *append, *bios, *boot, *name;
    GPtrArray *devices, *chardevs, *serials, *qmps, *mons, *globals;
    bool nographic, nodefaults, start_paused, daemonize, display_none;
    const char *pidfile;
    const char *log_items, *log_file;
} Config;

static const char *progname = "vireo-system-x86_64";

static void G_GNUC_PRINTF(1, 2) die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    chardev_restore_terminals();
    fprintf(stderr, "%s: %s\n", progname, msg);
    exit(1);
}

static void die_err(const char *opt, GError *err)
{
    if (opt) {
        die("%s: %s", opt, err->message);
    }
    die("%s", err->message);
}

static void usage(void)
{
    printf("usage: %s [options]\n\n"
        "Vireo %s, an x86-64 virtual machine monitor speaking QEMU's command line\n\n"
        "Standard options:\n"
        "-h or -help         display this help and exit\n"
        "-version            display version information and exit\n"
        "-machine [type=]name[,prop=value]  selects the machine (-machine help)\n"
        "-M name             same as -machine\n"
        "-accel name[,kernel-irqchip=on|off][,jit=on|off]\n"
        "                    kvm or tcg; several as kvm:tcg\n"
        "-enable-kvm         same as -accel kvm\n"
        "-cpu model[,+feat,-feat]  CPU model (-cpu help)\n"
        "-smp [cpus=]n[,maxcpus=,sockets=,cores=,threads=]  number of CPUs\n"
        "-m [size=]megs[M|G] guest RAM (default 128M)\n"
        "-name string        guest name (or guest=name)\n"
        "-kernel bzImage     boot a Linux kernel, multiboot or 64-bit ELF image directly\n"
        "-initrd file        initial ram disk (multiboot: modules \"file args,file2\")\n"
        "-append cmdline     kernel command line\n"
        "-bios file          firmware image\n"
        "-boot [order=drives][,menu=on|off]  boot order (firmware boot)\n"
        "-device driver[,prop=value][,...]  add a device (-device help)\n"
        "-global driver.prop=value  default for every device of a type\n"
        "-chardev backend,id=id[,...]  character device: null stdio pty file socket ringbuf\n"
        "-serial dev         serial port backend (stdio, pty, null, none, file:path,\n"
        "                    unix:path[,server=on,wait=off], tcp:host:port[,...], mon:stdio)\n"
        "-qmp dev            QMP monitor on a chardev shorthand (as -serial)\n"
        "-qmp-pretty dev     the same, pretty-printing replies\n"
        "-mon chardev=id,mode=control[,pretty=on]  monitor on a chardev\n"
        "-display none       no display (the only display so far)\n"
        "-nographic          no display; serial port and monitor on the terminal\n"
        "                    (Ctrl-A h for help, Ctrl-A x to quit)\n"
        "-nodefaults         create no default devices\n"
        "-S                  do not start the CPUs (use QMP cont)\n"
        "-no-reboot          exit instead of rebooting\n"
        "-no-shutdown        stop instead of exiting when the guest shuts down\n"
        "-daemonize          detach from the terminal once the VM is ready\n"
        "-pidfile file       write the process id to file\n"
        "-d item1,...        log items (-d help)\n"
        "-D logfile          log to file instead of stderr\n",
        progname, VIREO_VERSION);
}

typedef enum { ARG_NONE, ARG_ONE } ArgKind;

static bool take_option(Config *c, const char *opt, const char *arg)
{
#define IS(name) (!strcmp(opt, name))
    if (IS("machine") || IS("M")) {
        c->machine = arg;
    } else if (IS("accel")) {
        c->accel = arg;
    } else if (IS("enable-kvm")) {
        c->accel = "kvm";
    } else if (IS("m")) {
        c->mem = arg;
    } else if (IS("smp")) {
        c->smp = arg;
    } else if (IS("cpu")) {
        c->cpu = arg;
    } else if (IS("kernel")) {
        c->kernel = arg;
    } else if (IS("initrd")) {
        c->initrd = arg;
    } else if (IS("append")) {
        c->append = arg;
    } else if (IS("bios")) {
        c->bios = arg;
    } else if (IS("boot")) {
        c->boot = arg;
    } else if (IS("name")) {
        c->name = arg;
    } else if (IS("device")) {
        g_ptr_array_add(c->devices, (gpointer)arg);
    } else if (IS("global")) {
        g_ptr_array_add(c->globals, (gpointer)arg);
    } else if (IS("chardev")) {
        g_ptr_array_add(c->chardevs, (gpointer)arg);
    } else if (IS("serial")) {
        g_ptr_array_add(c->serials, (gpointer)arg);
    } else if (IS("qmp")) {
        g_ptr_array_add(c->qmps, g_strdup(arg));
    } else if (IS("qmp-pretty")) {
        g_ptr_array_add(c->qmps, g_strconcat("pretty:", arg, NULL));
    } else if (IS("mon")) {
        g_ptr_array_add(c->mons, (gpointer)arg);
    } else if (IS("monitor")) {
        if (strcmp(arg, "none")) {
            die("-monitor %s: the human monitor is not available; use -qmp", arg);
        }
    } else if (IS("display")) {
        if (strcmp(arg, "none") && !g_str_has_prefix(arg, "none,")) {
            die("-display %s: this Vireo has no display yet; use -display none",
                arg);
        }
        c->display_none = true;
    } else if (IS("vnc")) {
        die("-vnc: VNC is not available yet");
    } else if (IS("nographic")) {
        c->nographic = true;
    } else if (IS("nodefaults")) {
        c->nodefaults = true;
    } else if (IS("S")) {
        c->start_paused = true;
    } else if (IS("no-reboot")) {
        no_reboot = true;
    } else if (IS("no-shutdown")) {
        no_shutdown = true;
    } else if (IS("daemonize")) {
        c->daemonize = true;
    } else if (IS("pidfile")) {
        c->pidfile = arg;
    } else if (IS("d")) {
        c->log_items = arg;
    } else if (IS("D")) {
        c->log_file = arg;
    } else if (IS("no-user-config") || IS("nodefconfig") || IS("no-hpet")) {
        /* nothing to do: no config files, no HPET yet */
    } else if (IS("rtc")) {
        if (!strstr(arg, "base=utc") && strcmp(arg, "utc")) {
            die("-rtc %s: only base=utc is supported", arg);
        }
    } else {
        return false;
    }
    return true;
#undef IS
}

static const char *const options_with_arg[] = {
    "machine", "M", "accel", "m", "smp", "cpu", "kernel", "initrd", "append",
    "bios", "boot", "name", "device", "global", "chardev", "serial", "qmp",
    "qmp-pretty", "mon", "monitor", "display", "vnc", "pidfile", "d", "D",
    "rtc", NULL,
};

static bool option_has_arg(const char *opt)
{
    for (int i = 0; options_with_arg[i]; i++) {
        if (!strcmp(options_with_arg[i], opt)) {
            return true;
        }
    }
    return false;
}

static void parse_args(Config *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            die("%s: invalid option (drive images are not supported yet)", a);
        }
        const char *opt = a + (a[1] == '-' ? 2 : 1);
        if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
            usage();
            exit(0);
        }
        if (!strcmp(opt, "version")) {
            printf("Vireo emulator version %s (%s)\n", VIREO_VERSION, progname);
            exit(0);
        }
        const char *arg = NULL;
        if (option_has_arg(opt)) {
            if (i + 1 >= argc) {
                die("%s: requires an argument", a);
            }
            arg = argv[++i];
        }
        if (!take_option(c, opt, arg)) {
            die("%s: invalid option", a);
        }
    }
}

/* --- Help listings --- */

static void list_machines(void)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    printf("Supported machines are:\n");
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = l->data;
        if (mc->alias) {
            printf("%-20s %s (alias of %s)\n", mc->alias, mc->desc, mc->name);
        }
        printf("%-20s %s%s\n", mc->name, mc->desc, mc->is_default ? " (default)" : "");
    }
    g_slist_free(list);
}

static void list_devices(void)
{
    GSList *list = object_class_get_list(TYPE_DEVICE, false);
    for (GSList *l = list; l; l = l->next) {
        DeviceClass *dc = l->data;
        if (dc->user_creatable) {
            printf("name \"%s\"%s%s", object_class_get_name(l->data),
                   dc->bus_type ? ", bus " : "", dc->bus_type ? dc->bus_type : "");
            if (dc->desc) {
                printf(", desc \"%s\"", dc->desc);
            }
            printf("\n");
        }
    }
    g_slist_free(list);
}

static void list_device_props(const char *driver)
{
    ObjectClass *k = object_class_by_name(driver);
    if (!k || !object_class_dynamic_cast(k, TYPE_DEVICE)) {
        die("'%s' is not a valid device model name", driver);
    }
    GPtrArray *props = object_class_property_list(k);
    printf("%s options:\n", driver);
    for (guint i = 0; i < props->len; i++) {
        ObjectProperty *p = props->pdata[i];
        printf("  %s=<%s>%s%s\n", p->name, p->type, p->description ? " - " : "",
               p->description ? p->description : "");
    }
    g_ptr_array_free(props, true);
}

/* --- Machine options --- */

static uint64_t parse_mem(const char *arg)
{
    g_autoptr(Opts) o = opts_parse(arg, "size", NULL);
    const char *size = o ? opts_get(o, "size") : NULL;
    uint64_t v;
    if (!size) {
        die("-m %s: missing 'size'", arg);
    }
    /* A bare number is MiB, as QEMU reads it. */
    bool suffix = g_ascii_isalpha(size[strlen(size) - 1]);
    if (!parse_uint64_str(size, &v, true, NULL) ||
        (!suffix && v > (UINT64_MAX >> 20))) {
        die("-m %s: invalid RAM size '%s'", arg, size);
    }
    if (!suffix) {
        v <<= 20;
    }
    if (v < (1 << 20)) {
        die("-m %s: RAM size too small, at least 1 MiB", arg);
    }
    if (v > (1ULL << 40)) {
        die("-m %s: RAM size too large (at most 1 TiB)", arg);
    }
    return v & ~0xfffULL;
}

static void parse_smp(const char *arg, MachineState *ms, unsigned max)
{
    g_autoptr(Opts) o = opts_parse(arg, "cpus", NULL);
    uint64_t cpus = 0, maxcpus = 0, sockets = 1, cores = 1, threads = 1;
    const char *v;
    if (!o) {
        die("-smp %s: invalid value", arg);
    }
    struct { const char *k; uint64_t *p; } fields[] = {
        { "cpus", &cpus }, { "maxcpus", &maxcpus }, { "sockets", &sockets },
        { "cores", &cores }, { "threads", &threads }, { "dies", &(uint64_t){1} },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        if ((v = opts_get(o, fields[i].k)) &&
            !parse_uint64_str(v, fields[i].p, false, NULL)) {
            die("-smp %s: '%s' expects a number", arg, fields[i].k);
        }
        if (v && *fields[i].p == 0) {
            die("-smp %s: Invalid CPU topology: CPU topology parameters must "
                "be greater than zero", arg);
        }
    }
    if (opts_first_unused(o)) {
        die("-smp %s: Invalid parameter '%s'", arg, opts_first_unused(o));
    }
    if (!cpus) {
        cpus = sockets * cores * threads;
    }
    if (!maxcpus) {
        maxcpus = cpus;
    }
    if (cpus < 1 || maxcpus < cpus) {
        die("-smp %s: Invalid SMP CPUs %" G_GUINT64_FORMAT ". The max CPUs "
            "supported by machine is %u", arg, cpus, max);
    }
    if (maxcpus > max) {
        die("-smp %s: Invalid SMP CPUs %" G_GUINT64_FORMAT ". The max CPUs "
            "supported by machine 'pc' is %u", arg, maxcpus, max);
    }
    ms->smp_cpus = cpus;
    ms->smp_max_cpus = maxcpus;
}

static MachineState *create_machine(Config *c)
{
    g_autoptr(Opts) o = opts_parse(c->machine ? c->machine : "", "type", NULL);
    if (!o) {
        die("-machine %s: invalid value", c->machine);
    }
    const char *type = opts_get(o, "type");
    if (type && !strcmp(type, "help")) {
        list_machines();
        exit(0);
    }
    MachineClass *mc = NULL;
    if (type) {
        mc = machine_class_find(type);
        if (!mc) {
            die("unsupported machine type \"%s\"\nUse -machine help to list "
                "supported machines", type);
        }
    } else {
        mc = machine_class_find("pc");
    }
    MachineState *ms = MACHINE(object_new(object_class_get_name((ObjectClass *)mc),
                                          NULL));
    const char *accel = opts_get(o, "accel");
    if (accel) {
        c->accel = c->accel ? c->accel : accel;
    }
    const char *kic = opts_get(o, "kernel-irqchip");
    if (kic) {
        bool on = true;
        if (strcmp(kic, "split") && !parse_bool_str(kic, &on, NULL)) {
            die("-machine kernel-irqchip=%s: expects on, off or split", kic);
        }
        accel_kernel_irqchip = on;
    }
    /* Accepted for compatibility, with no effect yet. */
    opts_get(o, "usb");
    opts_get(o, "dump-guest-core");
    opts_get(o, "mem-merge");
    opts_get(o, "vmport");
    opts_get(o, "graphics");
    if (opts_first_unused(o)) {
        die("-machine %s: Property '%s.%s' not found", c->machine,
            object_get_typename(OBJECT(ms)), opts_first_unused(o));
    }
    ms->ram_size = c->mem ? parse_mem(c->mem) : mc->default_ram_size;
    ms->smp_cpus = ms->smp_max_cpus = 1;
    if (c->smp) {
        parse_smp(c->smp, ms, mc->max_cpus);
    }
    ms->kernel_filename = g_strdup(c->kernel);
    ms->initrd_filename = g_strdup(c->initrd);
    ms->kernel_cmdline = g_strdup(c->append);
    ms->firmware = g_strdup(c->bios);
    ms->boot_order = g_strdup(c->boot);
    ms->cpu_type = g_strdup(c->cpu ? c->cpu : mc->default_cpu_type);
    if (c->name) {
        g_autoptr(Opts) n = opts_parse(c->name, "guest", NULL);
        ms->name = g_strdup(n ? opts_get(n, "guest") : c->name);
    }
    object_property_add_child(object_get_root(), "machine", OBJECT(ms), NULL);
    object_unref(OBJECT(ms));
    current_machine = ms;
    return ms;
}

static const char *accel_list(Config *c)
{
    if (!c->accel) {
        return "kvm:tcg";   /* KVM where it works, the software CPU otherwise */
    }
    g_autoptr(Opts) o = opts_parse(c->accel, "accel", NULL);
    const char *name = o ? opts_get(o, "accel") : NULL;
    if (!name) {
        die("-accel %s: missing accelerator name", c->accel);
    }
    if (!strcmp(name, "help")) {
        printf("Accelerators supported in Vireo binary:\n");
        for (const char *const *a = (const char *const[]){ "kvm", "tcg", NULL };
             *a; a++) {
            if (accel_find(*a)) {
                printf("%s\n", *a);
            }
        }
        exit(0);
    }
    const char *kic = opts_get(o, "kernel-irqchip");
    bool on = true;
    if (kic && strcmp(kic, "split") && !parse_bool_str(kic, &on, NULL)) {
        die("-accel %s: kernel-irqchip expects on, off or split", c->accel);
    }
    if (kic) {
        accel_kernel_irqchip = on;
    }
    const char *jit = opts_get(o, "jit");
    if (jit && !parse_bool_str(jit, &accel_tcg_jit, NULL)) {
        die("-accel %s: jit expects on or off", c->accel);
    }
    opts_get(o, "thread");
    opts_get(o, "tb-size");
    if (opts_first_unused(o)) {
        die("-accel %s: Invalid parameter '%s'", c->accel, opts_first_unused(o));
    }
    return g_strdup(name);
}

/* --- Character devices and monitors --- */

static void create_chardevs_and_monitors(Config *c)
{
    GError *err = NULL;
    for (guint i = 0; i < c->chardevs->len; i++) {
        const char *arg = c->chardevs->pdata[i];
        if (!chardev_new_from_opts(arg, &err)) {
            die_err("-chardev", err);
        }
    }
    serial_chardevs = g_ptr_array_new();
    if (c->nographic && !c->serials->len) {
        g_ptr_array_add(c->serials, "mon:stdio");
    } else if (!c->nodefaults && !c->serials->len) {
        g_ptr_array_add(c->serials, "null");
    }
    for (guint i = 0; i < c->serials->len; i++) {
        g_autofree char *label = g_strdup_printf("serial%u", i);
        Chardev *chr = chardev_new_from_shorthand(label, c->serials->pdata[i], &err);
        if (!chr && err) {
            die_err("-serial", err);
        }
        g_ptr_array_add(serial_chardevs, chr);
    }
    for (guint i = 0; i < c->qmps->len; i++) {
        const char *spec = c->qmps->pdata[i];
        bool pretty = g_str_has_prefix(spec, "pretty:");
        g_autofree char *label = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr = chardev_new_from_shorthand(label, spec + (pretty ? 7 : 0),
                                                  &err);
        if (!chr) {
            if (err) {
                die_err("-qmp", err);
            }
            continue;
        }
        if (!monitor_new_qmp(chr, pretty, &err)) {
            die_err("-qmp", err);
        }
    }
    for (guint i = 0; i < c->mons->len; i++) {
        const char *arg = c->mons->pdata[i];
        g_autoptr(Opts) o = opts_parse(arg, "chardev", &err);
        if (!o) {
            die_err("-mon", err);
        }
        const char *id = opts_get(o, "chardev");
        const char *mode = opts_get(o, "mode");
        bool pretty = opts_get_bool(o, "pretty", false, &err);
        if (err) {
            die_err("-mon", err);
        }
        if (!mode || strcmp(mode, "control")) {
            die("-mon %s: only mode=control (QMP) is available", arg);
        }
        Chardev *chr = id ? chardev_find(id) : NULL;
        if (!chr) {
            die("-mon %s: chardev \"%s\" not found", arg, id ? id : "");
        }
        if (!monitor_new_qmp(chr, pretty, &err)) {
            die_err("-mon", err);
        }
    }
}

/* --- Process --- */

static int daemon_pipe = -1;

static void daemonize_start(void)
{
    int fds[2];
    if (pipe(fds) < 0) {
        die("-daemonize: pipe: %s", g_strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        die("-daemonize: fork: %s", g_strerror(errno));
    }
    if (pid > 0) {
        /* The parent exits with the child's verdict once it is ready. */
        close(fds[1]);
        char status = 1;
        ssize_t n = read(fds[0], &status, 1);
        _exit(n == 1 ? status : 1);
    }
    close(fds[0]);
    daemon_pipe = fds[1];
    setsid();
    if (fork() > 0) {
        _exit(0);
    }
    umask(027);
}

static void daemonize_finish(void)
{
    if (daemon_pipe < 0) {
        return;
    }
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close(null);
    char ok = 0;
    if (write(daemon_pipe, &ok, 1) < 0) {
        /* the parent is gone; nothing to tell */
    }
    close(daemon_pipe);
    daemon_pipe = -1;
}

static char *pidfile_path;

/* Written and locked for the life of the process, so a second instance
 * with the same -pidfile refuses to start, as QEMU does. */
static void pidfile_write(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        die("cannot create PID file %s: %s", path, g_strerror(errno));
    }
    if (lockf(fd, F_TLOCK, 0) < 0) {
        die("cannot create PID file %s: Cannot lock pid file: %s", path,
            g_strerror(errno));
    }
    g_autofree char *pid = g_strdup_printf("%d\n", getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, pid, strlen(pid)) != (ssize_t)strlen(pid)) {
        die("cannot create PID file %s: %s", path,
            g_strerror(errno));
    }
    pidfile_path = g_canonicalize_filename(path, NULL);   /* fd stays open */
}

static void early_signal(int sig)
{
    static const char msg[] = "vireo-system-x86_64: terminating on signal\n";
    chardev_restore_terminals();
    if (write(2, msg, sizeof(msg) - 1) < 0) {
        /* nothing more to do */
    }
    _exit(1);
}

static gboolean on_signal(gpointer data)
{
    int sig = GPOINTER_TO_INT(data);
    fprintf(stderr, "%s: terminating on signal %d\n", progname, sig);
    request_shutdown(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

int vireo_main(int argc, char **argv)
{
    Config c = {
        .devices = g_ptr_array_new(), .chardevs = g_ptr_array_new(),
        .serials = g_ptr_array_new(), .qmps = g_ptr_array_new(),
        .mons = g_ptr_array_new(), .globals = g_ptr_array_new(),
    };
    GError *err = NULL;

    parse_args(&c, argc, argv);
    if (c.log_items) {
        if (!strcmp(c.log_items, "help")) {
            log_list_items();
            return 0;
        }
        if (!log_parse_items(c.log_items, &err)) {
            log_list_items();       /* as QEMU: the valid items on stdout */
            die_err(NULL, err);
        }
    }
    if (c.log_file && !log_set_file(c.log_file, &err)) {
        die_err("-D", err);
    }
    for (guint i = 0; i < c.devices->len; i++) {
        const char *d = c.devices->pdata[i];
        if (!strcmp(d, "help")) {
            list_devices();
            return 0;
        }
        if (g_str_has_suffix(d, ",help")) {
            g_autofree char *drv = g_strndup(d, strlen(d) - 5);
            list_device_props(drv);
            return 0;
        }
    }
    for (guint i = 0; i < c.chardevs->len; i++) {
        if (!strcmp(c.chardevs->pdata[i], "help")) {
            chardev_print_backends();
            return 0;
        }
    }
    if (c.cpu && !strcmp(c.cpu, "help")) {
        printf("Available CPUs:\n  qemu64  QEMU Virtual CPU version 2.5+\n"
               "  host    KVM processor with all supported host features\n"
               "  max     Enables all features supported by the accelerator\n");
        return 0;
    }
    if (c.daemonize && c.nographic) {
        die("-nographic cannot be used with -daemonize");
    }
    for (guint i = 0; i < c.globals->len; i++) {
        if (!global_property_add(c.globals->pdata[i], &err)) {
            die_err("-global", err);
        }
    }
    if (c.daemonize) {
        daemonize_start();
    }

    signal(SIGPIPE, SIG_IGN);
    main_loop_init();
    bql_lock();
    clock_virtual_pause();      /* virtual time starts with the VM */
    memory_system_init();

    /* A wait=on socket blocks while chardevs are created: a signal then
     * ends the process at once, with the terminal restored. */
    signal(SIGINT, early_signal);
    signal(SIGTERM, early_signal);
    signal(SIGHUP, early_signal);
    MachineState *ms = create_machine(&c);
    const char *accels = accel_list(&c);
    create_chardevs_and_monitors(&c);
    g_unix_signal_add(SIGINT, on_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGTERM, on_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGHUP, on_signal, GINT_TO_POINTER(SIGHUP));
    if (!accel_select(accels, ms, &err)) {
        die_err(NULL, err);
    }
    if (!MACHINE_GET_CLASS(ms)->init(ms, &err)) {
        die_err(NULL, err);
    }
    for (guint i = 0; i < c.devices->len; i++) {
        if (!device_create_from_opts(c.devices->pdata[i], &err)) {
            die_err("-device", err);
        }
    }
    machine_reset();
    if (c.pidfile) {
        pidfile_write(c.pidfile);
    }
    daemonize_finish();
    if (!c.start_paused) {
        vm_start();
    }

    main_loop_run();

    if (runstate_is_running()) {
        pause_all_vcpus();
    }
    cpus_destroy();
    monitors_cleanup();
    chardev_cleanup_all();
    chardev_restore_terminals();
    if (pidfile_path) {
        unlink(pidfile_path);
    }
    return runstate_exit_status();
}
