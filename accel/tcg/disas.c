/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest code disassembly with capstone, for -d in_asm and the decoder's
 * differential test. Without capstone the bytes are printed instead.
 * The library is loaded on first use: its relocated tables cost ~3 MiB of
 * resident memory, which a VM that never disassembles should not carry.
 */
#include "accel/tcg/tcg-internal.h"
#include "config-host.h"
#include "vireo/log.h"
#if CONFIG_CAPSTONE
#include <capstone/capstone.h>
#include <dlfcn.h>
#endif

#if CONFIG_CAPSTONE
static struct {
    cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
    cs_err (*option)(csh handle, cs_opt_type type, size_t value);
    size_t (*disasm)(csh handle, const uint8_t *code, size_t size,
                     uint64_t address, size_t count, cs_insn **insn);
    void (*free)(cs_insn *insn, size_t count);
} capstone;

static bool capstone_load(void)
{
    static gsize done;
    static const char *const names[] = {
        "libcapstone.so.5", "libcapstone.so.4", "libcapstone.so", NULL,
    };
    if (!g_once_init_enter(&done)) {
        return capstone.disasm != NULL;
    }
    for (int i = 0; names[i]; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib) {
            capstone.open = dlsym(lib, "cs_open");
            capstone.option = dlsym(lib, "cs_option");
            capstone.free = dlsym(lib, "cs_free");
            capstone.disasm = dlsym(lib, "cs_disasm");
            if (!capstone.open || !capstone.option || !capstone.free) {
                capstone.disasm = NULL;
            }
            break;
        }
    }
    g_once_init_leave(&done, 1);
    return capstone.disasm != NULL;
}

static csh cs_handle(int bits)
{
    static __thread csh handles[3];
    static __thread bool opened[3];
    int k = bits == 16 ? 0 : bits == 32 ? 1 : 2;
    if (!capstone_load()) {
        return 0;
    }
    if (!opened[k]) {
        cs_mode mode = bits == 16 ? CS_MODE_16 : bits == 32 ? CS_MODE_32 : CS_MODE_64;
        if (capstone.open(CS_ARCH_X86, mode, &handles[k]) != CS_ERR_OK) {
            return 0;
        }
        capstone.option(handles[k], CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
        opened[k] = true;
    }
    return handles[k];
}
#endif

int tcg_capstone_insn_len(const uint8_t *code, size_t len, int bits,
                          uint64_t addr, char *text, size_t text_size)
{
#if CONFIG_CAPSTONE
    csh h = cs_handle(bits);
    cs_insn *insn;
    if (!h || capstone.disasm(h, code, len, addr, 1, &insn) != 1) {
        return 0;
    }
    int n = insn->size;
    if (text) {
        g_snprintf(text, text_size, "%s %s", insn->mnemonic, insn->op_str);
    }
    capstone.free(insn, 1);
    return n;
#else
    return -1;
#endif
}

void tcg_log_in_asm(uint64_t pc, const uint8_t *code, size_t len, int bits)
{
    log_printf("IN:\n");
    size_t off = 0;
    while (off < len) {
        char text[160];
        int n = tcg_capstone_insn_len(code + off, len - off, bits, pc + off,
                                      text, sizeof(text));
        if (n <= 0) {
            GString *s = g_string_new(NULL);
            for (size_t k = off; k < len; k++) {
                g_string_append_printf(s, " %02x", code[k]);
            }
            log_printf("0x%016" G_GINT64_MODIFIER "x: .byte%s\n", pc + off, s->str);
            g_string_free(s, true);
            break;
        }
        log_printf("0x%016" G_GINT64_MODIFIER "x:  %s\n", pc + off, text);
        off += n;
    }
    log_printf("\n");
}
