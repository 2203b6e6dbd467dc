/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AML writer: the encodings of ACPI 6.x chapter 20 (PkgLength, NameString,
 * integers, named objects, control statements) and the resource descriptors
 * of §6.4 that a small DSDT needs.
 */
#include "vireo/aml.h"
#include <string.h>

/* Opcodes (ACPI 6.x §20.2). */
enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_ONES = 0xff,
    AML_NAME_OP = 0x08, AML_BYTE_PREFIX = 0x0a, AML_WORD_PREFIX = 0x0b,
    AML_DWORD_PREFIX = 0x0c, AML_STRING_PREFIX = 0x0d, AML_QWORD_PREFIX = 0x0e,
    AML_SCOPE_OP = 0x10, AML_BUFFER_OP = 0x11, AML_PACKAGE_OP = 0x12,
    AML_METHOD_OP = 0x14, AML_DUAL_NAME_PREFIX = 0x2e,
    AML_MULTI_NAME_PREFIX = 0x2f, AML_EXT_OP_PREFIX = 0x5b,
    AML_DEVICE_OP = 0x82,       /* after ExtOpPrefix */
    AML_ROOT_CHAR = 0x5c, AML_PARENT_PREFIX = 0x5e,
    AML_LOCAL0 = 0x60, AML_ARG0 = 0x68,
    AML_LEQUAL_OP = 0x93, AML_IF_OP = 0xa0, AML_ELSE_OP = 0xa1,
    AML_RETURN_OP = 0xa4,
};

/* Resource descriptor tags (§6.4.2 small, §6.4.3 large). */
enum {
    RES_IRQ_NO_FLAGS = 0x22, RES_IO = 0x47, RES_END_TAG = 0x79,
    RES_MEMORY32_FIXED = 0x86, RES_DWORD_ADDRESS = 0x87,
    RES_WORD_ADDRESS = 0x88, RES_EXT_INTERRUPT = 0x89,
    RES_QWORD_ADDRESS = 0x8a,
};

/* Address space descriptor fields (§6.4.3.5). */
enum {
    ADDR_SPACE_MEMORY = 0, ADDR_SPACE_IO = 1, ADDR_SPACE_BUS = 2,
    ADDR_FLAGS_FIXED_PRODUCER = 0x0c,     /* _MAF | _MIF, producer, +decode */
    ADDR_MEM_RW = 0x01, ADDR_MEM_CACHEABLE = 0x02,
    ADDR_IO_ENTIRE_RANGE = 0x03,
};

typedef enum {
    AML_TERMS,          /* bytes as they are */
    AML_BLOCK,          /* op, PkgLength, head, body */
    AML_PACKAGE,        /* a block whose head is NumElements */
    AML_BUFFER,         /* a block whose head is BufferSize */
} AmlKind;

struct Aml {
    AmlKind kind;
    GByteArray *op;
    GByteArray *head;   /* after PkgLength, before the body: name, flags */
    GByteArray *body;
    unsigned elements;  /* children appended */
    bool end_tag;       /* resource template: close with an end tag */
};

static Aml *aml_alloc(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);
    a->kind = kind;
    a->op = g_byte_array_new();
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

void aml_free(Aml *a)
{
    if (a) {
        g_byte_array_free(a->op, true);
        g_byte_array_free(a->head, true);
        g_byte_array_free(a->body, true);
        g_free(a);
    }
}

Aml *aml_new(void)
{
    return aml_alloc(AML_TERMS);
}

const uint8_t *aml_data(const Aml *a, size_t *len)
{
    *len = a->body->len;
    return a->body->data;
}

static void put_u8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

/* Little-endian, `n` bytes. */
static void put_le(GByteArray *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        put_u8(b, v >> (8 * i));
    }
}

static void put_bytes(GByteArray *b, const GByteArray *src)
{
    g_byte_array_append(b, src->data, src->len);
}

/* --- Encodings --- */

size_t aml_pkg_length(uint32_t rest, uint8_t out[4])
{
    /* One byte holds 6 bits; with n follow bytes, 4 + 8n bits. */
    if (rest + 1 < 0x40) {
        out[0] = rest + 1;
        return 1;
    }
    for (unsigned n = 1; n <= 3; n++) {
        uint32_t total = rest + 1 + n;
        if (total < (1u << (4 + 8 * n))) {
            out[0] = (n << 6) | (total & 0x0f);
            for (unsigned i = 1; i <= n; i++) {
                out[i] = total >> (4 + 8 * (i - 1));
            }
            return n + 1;
        }
    }
    return 0;
}

static bool name_seg_valid(const char *seg, size_t len)
{
    if (len == 0 || len > 4 || !(g_ascii_isupper(seg[0]) || seg[0] == '_')) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!(g_ascii_isupper(seg[i]) || g_ascii_isdigit(seg[i]) || seg[i] == '_')) {
            return false;
        }
    }
    return true;
}

bool aml_name_string(GByteArray *out, const char *path)
{
    const char *p = path;
    if (*p == '\\') {
        put_u8(out, AML_ROOT_CHAR);
        p++;
    } else {
        while (*p == '^') {
            put_u8(out, AML_PARENT_PREFIX);
            p++;
        }
    }
    g_auto(GStrv) segs = *p ? g_strsplit(p, ".", -1) : g_new0(char *, 1);
    guint n = g_strv_length(segs);
    if (n > 255) {
        return false;
    }
    for (guint i = 0; i < n; i++) {
        if (!name_seg_valid(segs[i], strlen(segs[i]))) {
            return false;
        }
    }
    if (n == 0) {
        put_u8(out, 0x00);                  /* NullName */
    } else if (n == 2) {
        put_u8(out, AML_DUAL_NAME_PREFIX);
    } else if (n > 2) {
        put_u8(out, AML_MULTI_NAME_PREFIX);
        put_u8(out, n);
    }
    for (guint i = 0; i < n; i++) {
        char seg[4] = { '_', '_', '_', '_' };
        memcpy(seg, segs[i], strlen(segs[i]));
        g_byte_array_append(out, (const guint8 *)seg, 4);
    }
    return true;
}

static void put_name(GByteArray *out, const char *path)
{
    if (!aml_name_string(out, path)) {
        g_critical("aml: invalid name '%s'", path);
        put_u8(out, 0x00);
    }
}

static void put_int(GByteArray *b, uint64_t v)
{
    if (v == 0) {
        put_u8(b, AML_ZERO);
    } else if (v == 1) {
        put_u8(b, AML_ONE);
    } else if (v == UINT64_MAX) {
        put_u8(b, AML_ONES);
    } else if (v <= UINT8_MAX) {
        put_u8(b, AML_BYTE_PREFIX);
        put_le(b, v, 1);
    } else if (v <= UINT16_MAX) {
        put_u8(b, AML_WORD_PREFIX);
        put_le(b, v, 2);
    } else if (v <= UINT32_MAX) {
        put_u8(b, AML_DWORD_PREFIX);
        put_le(b, v, 4);
    } else {
        put_u8(b, AML_QWORD_PREFIX);
        put_le(b, v, 8);
    }
}

/* Three letters of 5 bits each ('A' = 1) and four hex digits, stored so
 * that the bytes read in order are the big-endian compressed ID. */
uint32_t aml_eisaid_value(const char *id)
{
    if (strlen(id) != 7) {
        g_critical("aml: EISA id '%s' is not 3 letters and 4 hex digits", id);
        return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < 3; i++) {
        v = (v << 5) | ((id[i] - '@') & 0x1f);
    }
    for (int i = 3; i < 7; i++) {
        v = (v << 4) | (g_ascii_xdigit_value(id[i]) & 0xf);
    }
    return GUINT32_SWAP_LE_BE(v);
}

/* --- Nodes --- */

/* The block's head and body behind its opcode and PkgLength. */
static void encode_block(GByteArray *out, Aml *a)
{
    if (a->kind == AML_PACKAGE) {
        if (a->elements > 255) {
            g_critical("aml: a Package holds at most 255 elements");
        }
        put_u8(a->head, a->elements);
    } else if (a->kind == AML_BUFFER) {
        if (a->end_tag) {
            put_u8(a->body, RES_END_TAG);
            put_u8(a->body, 0);             /* checksum 0: "treat as valid" */
        }
        put_int(a->head, a->body->len);
    }
    uint8_t pkg[4];
    size_t n = aml_pkg_length(a->head->len + a->body->len, pkg);
    if (!n) {
        g_critical("aml: block of %u bytes is too long", a->body->len);
    }
    put_bytes(out, a->op);
    g_byte_array_append(out, pkg, n);
    put_bytes(out, a->head);
    put_bytes(out, a->body);
}

void aml_append(Aml *parent, Aml *child)
{
    if (child->kind == AML_TERMS) {
        put_bytes(parent->body, child->body);
    } else {
        encode_block(parent->body, child);
    }
    parent->elements++;
    aml_free(child);
}

static Aml *aml_terms(void)
{
    return aml_alloc(AML_TERMS);
}

static Aml *aml_block(AmlKind kind, uint8_t op)
{
    Aml *a = aml_alloc(kind);
    put_u8(a->op, op);
    return a;
}

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_terms();
    put_int(a->body, v);
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_terms();
    put_u8(a->body, AML_STRING_PREFIX);
    g_byte_array_append(a->body, (const guint8 *)s, strlen(s) + 1);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = aml_terms();
    put_u8(a->body, AML_DWORD_PREFIX);
    put_le(a->body, aml_eisaid_value(id), 4);
    return a;
}

Aml *aml_buffer(const uint8_t *data, size_t len)
{
    Aml *a = aml_block(AML_BUFFER, AML_BUFFER_OP);
    g_byte_array_append(a->body, data, len);
    return a;
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_terms();
    put_name(a->body, path);
    return a;
}

Aml *aml_arg(unsigned n)
{
    g_return_val_if_fail(n <= 6, aml_int(0));
    Aml *a = aml_terms();
    put_u8(a->body, AML_ARG0 + n);
    return a;
}

Aml *aml_local(unsigned n)
{
    g_return_val_if_fail(n <= 7, aml_int(0));
    Aml *a = aml_terms();
    put_u8(a->body, AML_LOCAL0 + n);
    return a;
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_terms();
    put_u8(a->body, AML_NAME_OP);
    put_name(a->body, name);
    aml_append(a, value);
    return a;
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_terms();
    put_u8(a->body, AML_RETURN_OP);
    aml_append(a, value);
    return a;
}

Aml *aml_lequal(Aml *x, Aml *y)
{
    Aml *a = aml_terms();
    put_u8(a->body, AML_LEQUAL_OP);
    aml_append(a, x);
    aml_append(a, y);
    return a;
}

Aml *aml_scope(const char *path)
{
    Aml *a = aml_block(AML_BLOCK, AML_SCOPE_OP);
    put_name(a->head, path);
    return a;
}

Aml *aml_device(const char *name)
{
    Aml *a = aml_block(AML_BLOCK, AML_EXT_OP_PREFIX);
    put_u8(a->op, AML_DEVICE_OP);
    put_name(a->head, name);
    return a;
}

Aml *aml_method(const char *name, unsigned argc, bool serialized)
{
    Aml *a = aml_block(AML_BLOCK, AML_METHOD_OP);
    put_name(a->head, name);
    put_u8(a->head, (argc & 7) | (serialized ? 0x08 : 0));
    return a;
}

Aml *aml_if(Aml *predicate)
{
    Aml *a = aml_block(AML_BLOCK, AML_IF_OP);
    put_bytes(a->head, predicate->body);
    aml_free(predicate);
    return a;
}

Aml *aml_else(void)
{
    return aml_block(AML_BLOCK, AML_ELSE_OP);
}

Aml *aml_package(void)
{
    return aml_block(AML_PACKAGE, AML_PACKAGE_OP);
}

Aml *aml_resource_template(void)
{
    Aml *a = aml_block(AML_BUFFER, AML_BUFFER_OP);
    a->end_tag = true;
    return a;
}

/* --- Resource descriptors --- */

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_terms();
    put_u8(a->body, RES_IO);
    put_u8(a->body, 0x01);                  /* 16-bit decode */
    put_le(a->body, min, 2);
    put_le(a->body, max, 2);
    put_u8(a->body, align);
    put_u8(a->body, len);
    return a;
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    g_return_val_if_fail(irq < 16, aml_terms());
    Aml *a = aml_terms();
    put_u8(a->body, RES_IRQ_NO_FLAGS);
    put_le(a->body, 1u << irq, 2);
    return a;
}

Aml *aml_interrupt(bool consumer, bool level, bool active_low, bool shared,
                   uint32_t gsi)
{
    Aml *a = aml_terms();
    put_u8(a->body, RES_EXT_INTERRUPT);
    put_le(a->body, 6, 2);                  /* flags, count, one DWord */
    put_u8(a->body, (consumer ? 0x01 : 0) | (level ? 0 : 0x02) |
                    (active_low ? 0x04 : 0) | (shared ? 0x08 : 0));
    put_u8(a->body, 1);
    put_le(a->body, gsi, 4);
    return a;
}

Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable)
{
    Aml *a = aml_terms();
    put_u8(a->body, RES_MEMORY32_FIXED);
    put_le(a->body, 9, 2);
    put_u8(a->body, writable ? 0x01 : 0);
    put_le(a->body, base, 4);
    put_le(a->body, len, 4);
    return a;
}

/* Word/DWord/QWord Address Space Descriptor: granularity 0, no translation,
 * length = max - min + 1. */
static Aml *address_space(uint8_t tag, unsigned width, uint8_t type,
                          uint8_t type_flags, uint64_t min, uint64_t max)
{
    Aml *a = aml_terms();
    put_u8(a->body, tag);
    put_le(a->body, 3 + 5 * width, 2);
    put_u8(a->body, type);
    put_u8(a->body, ADDR_FLAGS_FIXED_PRODUCER);
    put_u8(a->body, type_flags);
    put_le(a->body, 0, width);
    put_le(a->body, min, width);
    put_le(a->body, max, width);
    put_le(a->body, 0, width);
    put_le(a->body, max - min + 1, width);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return address_space(RES_WORD_ADDRESS, 2, ADDR_SPACE_BUS, 0, min, max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return address_space(RES_WORD_ADDRESS, 2, ADDR_SPACE_IO,
                         ADDR_IO_ENTIRE_RANGE, min, max);
}

static uint8_t mem_flags(bool cacheable, bool writable)
{
    return (cacheable ? ADDR_MEM_CACHEABLE : 0) | (writable ? ADDR_MEM_RW : 0);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable, bool writable)
{
    return address_space(RES_DWORD_ADDRESS, 4, ADDR_SPACE_MEMORY,
                         mem_flags(cacheable, writable), min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable, bool writable)
{
    return address_space(RES_QWORD_ADDRESS, 8, ADDR_SPACE_MEMORY,
                         mem_flags(cacheable, writable), min, max);
}
