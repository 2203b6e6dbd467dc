/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor (HMP) behind QMP's human-monitor-command: the commands
 * people type most, printed as QEMU's monitor prints them. Each command
 * calls the QMP implementation and formats its reply.
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include "target/i386/cpu.h"
#include "vireo/accel.h"
#include "vireo/runstate.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Hmp {
    GString *out;
    CPUState *cpu;              /* the monitor's current CPU */
} Hmp;

/* A command: "name|alias", its argument synopsis, what it does; args is
 * the rest of the line with leading blanks removed. */
typedef struct HmpCommand {
    const char *names;
    const char *params;
    const char *help;
    void (*run)(Hmp *h, const struct HmpCommand *cmd, const char *args);
} HmpCommand;

/* --- helpers --- */

static bool hmp_no_args(Hmp *h, const char *names, const char *args)
{
    if (!*args) {
        return true;
    }
    g_autofree char *first = g_strndup(names, strcspn(names, "|"));
    g_string_append_printf(h->out, "%s: extraneous characters at the end of line\n"
                           "Try \"help %s\" for more information\n", names, first);
    return false;
}

/* QMP errors come back as text, the way the monitor prints them. */
static void hmp_report(Hmp *h, JsonNode *ret, GError *err)
{
    if (err) {
        g_string_append_printf(h->out, "Error: %s\n", err->message);
        g_error_free(err);
    }
    if (ret) {
        json_node_unref(ret);
    }
}

static bool name_matches(const char *names, const char *word)
{
    g_auto(GStrv) alts = g_strsplit(names, "|", 0);
    for (char **a = alts; *a; a++) {
        if (!strcmp(*a, word)) {
            return true;
        }
    }
    return false;
}

static const HmpCommand *find_command(const HmpCommand *table, const char *word)
{
    for (const HmpCommand *c = table; c->names; c++) {
        if (name_matches(c->names, word)) {
            return c;
        }
    }
    return NULL;
}

/* Splits "word rest" into a new string and the rest, blanks skipped. */
static char *next_word(const char *line, const char **rest)
{
    line += strspn(line, " \t");
    size_t n = strcspn(line, " \t");
    *rest = line + n + strspn(line + n, " \t");
    return g_strndup(line, n);
}

static void print_help_line(Hmp *h, const char *prefix, const HmpCommand *c)
{
    g_string_append_printf(h->out, "%s%s %s -- %s\n", prefix, c->names,
                           c->params, c->help);
}

/* --- info subcommands --- */

/* True when some vCPU is stopped or being stopped while others run (a
 * guest shutdown or reset on its way): resuming all would undo that. */
static bool any_cpu_stopping(void)
{
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        if (cpu->stop || cpu->stopped) {
            return true;
        }
    }
    return false;
}

/* Brings X86State up to date from the accelerator. A running VM is held
 * for the moment it takes; a CPU with a reset pending keeps its reset
 * state, which the accelerator has not loaded yet. */
static void sync_cpu_states(void)
{
    const AccelOps *ops = accel_current();
    bool was_running = !all_vcpus_paused() && !any_cpu_stopping();
    CPUState *cpu;

    if (was_running) {
        pause_all_vcpus();
    }
    CPU_FOREACH(cpu) {
        if (ops && ops->get_state && cpu->created && cpu->stopped &&
            !cpu->reset_pending) {
            ops->get_state(cpu);
        }
    }
    if (was_running) {
        resume_all_vcpus();
    }
}

static void dump_one_cpu(Hmp *h, CPUState *cpu)
{
    g_string_append_printf(h->out, "\nCPU#%d\n", cpu->cpu_index);
    x86_cpu_dump_state(X86_CPU(cpu), h->out);
}

static void info_registers(Hmp *h, const HmpCommand *cmd, const char *args)
{
    const char *rest;
    g_autofree char *word = next_word(args, &rest);
    CPUState *only = h->cpu;
    bool all = false;

    if (!strcmp(word, "-a")) {
        all = true;
    } else if (word[0] == '-' && word[1]) {
        g_string_append_printf(h->out, "registers: unsupported option %s\n"
                               "Try \"help info registers\" for more information\n",
                               word);
        return;
    } else if (*word) {
        char *end;
        errno = 0;
        long index = strtol(word, &end, 0);
        if (*end || errno || end == word) {
            g_string_append_printf(h->out, "invalid char '%c' in expression\n"
                                   "Try \"help info registers\" for more information\n",
                                   *end ? *end : word[0]);
            return;
        }
        only = index >= 0 && index <= G_MAXINT ? cpu_by_index(index) : NULL;
        if (!only) {
            g_string_append_printf(h->out, "CPU#%ld not available\n", index);
            return;
        }
    }
    if (*rest && !hmp_no_args(h, "registers", rest)) {
        return;
    }
    if (!only) {
        return;                 /* no CPUs (yet) */
    }
    sync_cpu_states();
    if (!all) {
        dump_one_cpu(h, only);
        return;
    }
    CPUState *cpu;
    CPU_FOREACH(cpu) {
        dump_one_cpu(h, cpu);
    }
}

static void info_cpus(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "cpus", args)) {
        return;
    }
    JsonNode *ret = qmp_query_cpus_fast(NULL);
    JsonArray *list = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *info = json_array_get_object_element(list, i);
        int index = json_object_get_int_member(info, "cpu-index");
        bool current = h->cpu && h->cpu->cpu_index == index;
        g_string_append_printf(h->out, "%c CPU #%d: thread_id=%" G_GINT64_FORMAT "\n",
                               current ? '*' : ' ', index,
                               json_object_get_int_member(info, "thread-id"));
    }
    json_node_unref(ret);
}

static void info_status(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "status", args)) {
        return;
    }
    JsonNode *ret = qmp_query_status(NULL);
    JsonObject *info = json_node_get_object(ret);
    const char *status = json_object_get_string_member(info, "status");
    if (json_object_get_boolean_member(info, "running")) {
        g_string_append(h->out, "VM status: running\n");
    } else if (!strcmp(status, "paused")) {
        g_string_append(h->out, "VM status: paused\n");
    } else {
        g_string_append_printf(h->out, "VM status: paused (%s)\n", status);
    }
    json_node_unref(ret);
}

static void info_version(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "version", args)) {
        return;
    }
    JsonNode *ret = qmp_query_version(NULL);
    JsonObject *info = json_node_get_object(ret);
    JsonObject *v = json_object_get_object_member(info, "qemu");
    g_string_append_printf(h->out, "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%"
                           G_GINT64_FORMAT "%s\n",
                           json_object_get_int_member(v, "major"),
                           json_object_get_int_member(v, "minor"),
                           json_object_get_int_member(v, "micro"),
                           json_object_get_string_member(info, "package"));
    json_node_unref(ret);
}

static void info_kvm(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "kvm", args)) {
        return;
    }
    JsonNode *ret = qmp_query_kvm(NULL);
    JsonObject *info = json_node_get_object(ret);
    const char *state = !json_object_get_boolean_member(info, "present")
                        ? "not compiled"
                        : json_object_get_boolean_member(info, "enabled")
                        ? "enabled" : "disabled";
    g_string_append_printf(h->out, "kvm support: %s\n", state);
    json_node_unref(ret);
}

static void info_name(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "name", args)) {
        return;
    }
    JsonNode *ret = qmp_query_name(NULL);
    JsonObject *info = json_node_get_object(ret);
    if (json_object_has_member(info, "name")) {
        g_string_append_printf(h->out, "%s\n",
                               json_object_get_string_member(info, "name"));
    }
    json_node_unref(ret);
}

static void info_jit(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (!hmp_no_args(h, "jit", args)) {
        return;
    }
    const AccelOps *accel = accel_current();
    if (!accel || !accel->stats) {
        g_string_append(h->out, "JIT information is only available with accel=tcg\n");
        return;
    }
    accel->stats(h->out);
}

static const HmpCommand info_commands[] = {
    { "cpus", "", "list the virtual CPUs and their host threads", info_cpus },
    { "jit", "", "the software CPU's translation statistics", info_jit },
    { "kvm", "", "whether KVM is available and in use", info_kvm },
    { "name", "", "the VM name given with -name", info_name },
    { "registers", "[-a|vcpu]",
      "dump CPU registers (-a: every CPU; vcpu: that CPU; "
      "otherwise the current CPU)", info_registers },
    { "status", "", "the run state of the VM", info_status },
    { "version", "", "the version of the emulator", info_version },
    { NULL },
};

/* --- top-level commands --- */

static void list_info(Hmp *h)
{
    for (const HmpCommand *c = info_commands; c->names; c++) {
        print_help_line(h, "info ", c);
    }
}

static void cmd_info(Hmp *h, const HmpCommand *cmd, const char *args)
{
    const char *rest;
    g_autofree char *word = next_word(args, &rest);
    if (!*word) {
        list_info(h);
        return;
    }
    const HmpCommand *sub = find_command(info_commands, word);
    if (!sub) {
        g_string_append_printf(h->out, "unknown command: 'info %s'\n", word);
        return;
    }
    sub->run(h, sub, rest);
}

static void cmd_stop(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (hmp_no_args(h, cmd->names, args)) {
        GError *err = NULL;
        hmp_report(h, qmp_stop(&err), err);
    }
}

static void cmd_cont(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (hmp_no_args(h, cmd->names, args)) {
        GError *err = NULL;
        hmp_report(h, qmp_cont(&err), err);
    }
}

static void cmd_system_reset(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (hmp_no_args(h, cmd->names, args)) {
        GError *err = NULL;
        hmp_report(h, qmp_system_reset(&err), err);
    }
}

static void cmd_system_powerdown(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (hmp_no_args(h, cmd->names, args)) {
        GError *err = NULL;
        hmp_report(h, qmp_system_powerdown(&err), err);
    }
}

static void cmd_quit(Hmp *h, const HmpCommand *cmd, const char *args)
{
    if (hmp_no_args(h, cmd->names, args)) {
        GError *err = NULL;
        hmp_report(h, qmp_quit(&err), err);
    }
}

static void cmd_help(Hmp *h, const HmpCommand *cmd, const char *args);

static const HmpCommand hmp_commands[] = {
    { "cont|c", "", "resume the guest", cmd_cont },
    { "help|?", "[cmd]", "list commands, or describe one", cmd_help },
    { "info", "[subcommand]", "show information about the VM; "
      "'info' alone lists the subcommands", cmd_info },
    { "quit|q", "", "end the emulator", cmd_quit },
    { "stop|s", "", "pause the guest", cmd_stop },
    { "system_powerdown", "", "press the ACPI power button", cmd_system_powerdown },
    { "system_reset", "", "reset the machine", cmd_system_reset },
    { NULL },
};

static void cmd_help(Hmp *h, const HmpCommand *cmd, const char *args)
{
    const char *rest;
    g_autofree char *word = next_word(args, &rest);
    if (!*word) {
        for (const HmpCommand *c = hmp_commands; c->names; c++) {
            print_help_line(h, "", c);
        }
        return;
    }
    const HmpCommand *c = find_command(hmp_commands, word);
    if (!c) {
        g_string_append_printf(h->out, "unknown command: '%s'\n", word);
        return;
    }
    if (c->run != cmd_info) {
        print_help_line(h, "", c);
        return;
    }
    g_autofree char *sub_word = next_word(rest, &rest);
    if (!*sub_word) {
        list_info(h);
        return;
    }
    const HmpCommand *sub = find_command(info_commands, sub_word);
    if (!sub) {
        g_string_append_printf(h->out, "unknown command: 'info %s'\n", sub_word);
        return;
    }
    print_help_line(h, "info ", sub);
}

/* --- the QMP command --- */

JsonNode *qmp_human_monitor_command(const char *command_line, bool has_cpu_index,
                                    int64_t cpu_index, GError **errp)
{
    Hmp h = { .out = g_string_new(NULL) };

    if (has_cpu_index) {
        h.cpu = cpu_index >= 0 && cpu_index <= G_MAXINT
                ? cpu_by_index(cpu_index) : NULL;
        if (!h.cpu) {
            g_string_free(h.out, TRUE);
            error_setg(errp, "Parameter 'cpu-index' expects a CPU number");
            return NULL;
        }
    } else {
        h.cpu = cpu_by_index(0);
    }

    const char *args;
    g_autofree char *word = next_word(command_line, &args);
    if (*word) {
        const HmpCommand *cmd = find_command(hmp_commands, word);
        if (cmd) {
            cmd->run(&h, cmd, args);
        } else {
            g_string_append_printf(h.out, "unknown command: '%s'\n", word);
        }
    }
    JsonNode *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(ret, h.out->str);
    g_string_free(h.out, TRUE);
    return ret;
}
