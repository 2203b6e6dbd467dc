/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software CPU's x86 decoder against capstone: instruction lengths of
 * systematically generated and random byte sequences in 16-, 32- and
 * 64-bit code. Where capstone decodes an instruction the decoder must
 * agree on its length (a differential test).
 */
#include "target/i386/tcg/decode.h"
#include "accel/tcg/tcg-internal.h"
#include <glib.h>
#include <stdio.h>
#include <string.h>

typedef struct Stats {
    unsigned compared, mismatches, capstone_only, ours_only;
} Stats;

/* Known capstone 4 disagreements with the SDM, which the decoder follows
 * (checked against the SDM opcode maps). */
/* Where capstone 4 disagrees with the SDM (the decoder follows the SDM):
 * - UD1 (0F B9 /r) and UD0 (0F FF /r) take a ModRM byte (SDM vol. 2,
 *   UD); capstone decodes them without;
 * - in 16-bit code it reads the SSE4a INSERTQ/EXTRQ (F2/66 0F 78, two
 *   imm8) as VMREAD;
 * - in 64-bit mode a 66 prefix on a near CALL/JMP/Jcc is ignored on Intel
 *   CPUs (SDM vol. 2, JMP/CALL/Jcc: rel16 is "N.S." in 64-bit mode);
 *   capstone follows AMD (rel16);
 * - it drops a 66 that comes before F2/F3, though the order of legacy
 *   prefixes does not matter;
 * - with REX.W and a 66 or 67 prefix it gives RET imm16 a 4-byte
 *   immediate and CALL rel32 a 2-byte one. */
static bool capstone_quirk(const X86Decoded *d, const uint8_t *code, int bits)
{
    uint16_t op = d->op;
    if (op == (MAP_0F | 0xb9) || op == (MAP_0F | 0xff)) {
        return true;
    }
    if (bits == 16 && op == (MAP_0F | 0x78) && d->sse_prefix) {
        return true;
    }
    if (bits == 64 && d->has_66 &&
        (op == 0xe8 || op == 0xe9 || (op >= (MAP_0F | 0x80) && op <= (MAP_0F | 0x8f)))) {
        return true;
    }
    if (bits == 64 && (d->rex & 8) && (d->has_66 || d->has_addr67) &&
        (op == 0xc2 || op == 0xe8)) {
        return true;
    }
    if (d->has_66 && d->rep) {
        for (int k = 0; k < d->len; k++) {
            if (code[k] == 0x66) {
                return true;                /* a 66 before the F2/F3 */
            }
            if (code[k] == 0xf2 || code[k] == 0xf3) {
                return false;
            }
        }
    }
    return false;
}

static void check(const uint8_t *code, size_t n, int bits, Stats *st)
{
    X86Decoded d;
    int r = x86_decode(&d, code, n, bits);
    int ours = r == DEC_OK || (r == DEC_UD && d.vex && d.len) ? d.len : 0;
    char text[128];
    int theirs = tcg_capstone_insn_len(code, n, bits, 0x1000, text, sizeof(text));
    if (theirs < 0) {
        return;
    }
    if (theirs == 0) {
        st->ours_only += ours > 0;
        return;
    }
    if (ours == 0) {
        st->capstone_only++;
        if (st->capstone_only <= 20 && r != DEC_UD) {
            g_test_message("%d-bit: capstone decodes '%s' (%d bytes), we do "
                           "not (%d): %02x %02x %02x %02x %02x", bits, text,
                           theirs, r, code[0], code[1], code[2], code[3], code[4]);
        }
        return;
    }
    st->compared++;
    if (ours != theirs && !capstone_quirk(&d, code, bits)) {
        if (++st->mismatches <= 40) {
            GString *s = g_string_new(NULL);
            for (int k = 0; k < MAX(ours, theirs) && k < 15; k++) {
                g_string_append_printf(s, " %02x", code[k]);
            }
            g_test_message("%d-bit:%s: capstone '%s' %d bytes, decoder %d",
                           bits, s->str, text, theirs, ours);
            g_string_free(s, true);
        }
    }
}

static void fill_random(GRand *rng, uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        b[k] = g_rand_int(rng);
    }
}

static const uint8_t prefixes[] = {
    0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36,
};

/* Every opcode of the one-byte and 0F maps with every ModRM byte, a few
 * random tails each, with and without prefixes. */
static void run_systematic(int bits, Stats *st)
{
    GRand *rng = g_rand_new_with_seed(bits);
    for (int map = 0; map < 4; map++) {
        for (int op = 0; op < 256; op++) {
            for (int modrm = 0; modrm < 256; modrm++) {
                for (int pfx = -1; pfx < (int)G_N_ELEMENTS(prefixes) + 1; pfx++) {
                    uint8_t b[32];
                    size_t k = 0;
                    fill_random(rng, b, sizeof(b));
                    if (pfx >= 0 && pfx < (int)G_N_ELEMENTS(prefixes)) {
                        b[k++] = prefixes[pfx];
                    } else if (pfx >= 0 && bits == 64) {
                        b[k++] = 0x40 | (g_rand_int(rng) & 15);
                    }
                    if (map >= 1) {
                        b[k++] = 0x0f;
                    }
                    if (map == 2) {
                        b[k++] = 0x38;
                    } else if (map == 3) {
                        b[k++] = 0x3a;
                    }
                    b[k++] = op;
                    b[k++] = modrm;
                    check(b, 16, bits, st);
                }
            }
        }
    }
    g_rand_free(rng);
}

static void run_random(int bits, unsigned count, Stats *st)
{
    GRand *rng = g_rand_new_with_seed(1000 + bits);
    for (unsigned k = 0; k < count; k++) {
        uint8_t b[16];
        fill_random(rng, b, sizeof(b));
        check(b, 16, bits, st);
    }
    g_rand_free(rng);
}

static void test_mode(gconstpointer data)
{
    int bits = GPOINTER_TO_INT(data);
    Stats st = { 0 };
    if (tcg_capstone_insn_len((const uint8_t *)"\x90", 1, bits, 0, NULL, 0) < 0) {
        g_test_skip("built without capstone");
        return;
    }
    run_systematic(bits, &st);
    run_random(bits, 300000, &st);
    g_test_message("%d-bit: %u compared, %u mismatches; capstone only %u, "
                   "decoder only %u", bits, st.compared, st.mismatches,
                   st.capstone_only, st.ours_only);
    g_assert_cmpuint(st.compared, >, 100000);
    g_assert_cmpuint(st.mismatches, ==, 0);
}

/* Hand-picked encodings whose lengths are easy to get wrong. */
static void test_known(void)
{
    static const struct {
        int bits;
        const char *bytes;
        int len;
    } cases[] = {
        { 64, "\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", 10 },  /* movabs */
        { 64, "\x66\xe8\x00\x00\x00\x00", 6 },        /* call rel32 (66 ignored) */
        { 32, "\x66\xe8\x00\x00", 4 },                /* call rel16 */
        { 16, "\xea\x00\x00\x00\xf0", 5 },            /* ljmp ptr16:16 */
        { 32, "\xea\x00\x00\x00\x00\x08\x00", 7 },    /* ljmp ptr16:32 */
        { 32, "\xc8\x10\x00\x01", 4 },                /* enter */
        { 64, "\x0f\x20\xc0", 3 },                    /* mov %cr0, %rax */
        { 64, "\x0f\x22\x18", 3 },                    /* mov cr: mod ignored */
        { 64, "\xf6\x05\x00\x00\x00\x00\x01", 7 },    /* test imm8, rip-rel */
        { 64, "\xf7\x45\x00\x01\x00\x00\x00", 7 },    /* test imm32 */
        { 16, "\x8b\x46\x02", 3 },                    /* mov 2(%bp), %ax */
        { 16, "\x8b\x06\x34\x12", 4 },                /* mov 0x1234, %ax */
        { 32, "\x67\x8b\x06\x34\x12", 5 },            /* 16-bit addressing */
        { 64, "\x48\xa1\x01\x02\x03\x04\x05\x06\x07\x08", 10 },  /* moffs64 */
        { 64, "\x67\xa1\x01\x02\x03\x04", 6 },        /* moffs32 */
        { 64, "\x8b\x04\x25\x00\x10\x00\x00", 7 },    /* SIB, no base */
        { 64, "\x41\x8b\x45\x00", 4 },                /* r13 base needs disp8 */
    };
    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        X86Decoded d;
        uint8_t b[16] = { 0 };
        memcpy(b, cases[k].bytes, cases[k].len);
        g_assert_cmpint(x86_decode(&d, b, 16, cases[k].bits), ==, DEC_OK);
        g_assert_cmpint(d.len, ==, cases[k].len);
    }
    /* Invalid in 64-bit mode; a 16-byte run of prefixes is #GP. */
    X86Decoded d;
    g_assert_cmpint(x86_decode(&d, (const uint8_t *)"\x06", 1, 64), ==, DEC_UD);
    uint8_t many[16];
    memset(many, 0x66, sizeof(many));
    g_assert_cmpint(x86_decode(&d, many, sizeof(many), 32), ==, DEC_TOOLONG);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/decode/known", test_known);
    g_test_add_data_func("/tcg/decode/16", GINT_TO_POINTER(16), test_mode);
    g_test_add_data_func("/tcg/decode/32", GINT_TO_POINTER(32), test_mode);
    g_test_add_data_func("/tcg/decode/64", GINT_TO_POINTER(64), test_mode);
    return g_test_run();
}
