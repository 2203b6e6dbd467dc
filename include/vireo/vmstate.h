/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * State tables: each device lists the fields of its state with versions,
 * next to its definition. Migration and snapshots walk these tables; a
 * device whose state cannot be described sets `unmigratable` with a reason.
 */
#ifndef VIREO_VMSTATE_H
#define VIREO_VMSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum {
    VMS_END = 0,
    VMS_BOOL,
    VMS_U8,
    VMS_U16,
    VMS_U32,
    VMS_U64,
    VMS_I32,
    VMS_I64,
    VMS_BUFFER,                   /* `size` bytes at offset */
    VMS_STRUCT,                   /* nested table `sub`, `count` elements */
} VMStateKind;

typedef struct VMStateDescription VMStateDescription;

typedef struct VMStateField {
    const char *name;
    VMStateKind kind;
    size_t offset;
    size_t size;                  /* element size (bytes) */
    unsigned count;               /* array length; 0 and 1 both mean scalar */
    int version;                  /* first version that has the field */
    const VMStateDescription *sub;
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version;
    int minimum_version;
    const VMStateField *fields;
    const char *unmigratable;     /* non-NULL: why this device blocks migration */
    int (*pre_save)(void *opaque);
    int (*post_load)(void *opaque, int version);
};

#define VMSTATE_FIELD_(f, s, k, n, v) \
    { .name = #f, .kind = (k), .offset = offsetof(s, f), \
      .size = sizeof(((s *)0)->f) / (n), .count = (n), .version = (v) }
#define VMSTATE_BOOL(f, s)      VMSTATE_FIELD_(f, s, VMS_BOOL, 1, 0)
#define VMSTATE_U8(f, s)        VMSTATE_FIELD_(f, s, VMS_U8, 1, 0)
#define VMSTATE_U16(f, s)       VMSTATE_FIELD_(f, s, VMS_U16, 1, 0)
#define VMSTATE_U32(f, s)       VMSTATE_FIELD_(f, s, VMS_U32, 1, 0)
#define VMSTATE_U64(f, s)       VMSTATE_FIELD_(f, s, VMS_U64, 1, 0)
#define VMSTATE_I32(f, s)       VMSTATE_FIELD_(f, s, VMS_I32, 1, 0)
#define VMSTATE_I64(f, s)       VMSTATE_FIELD_(f, s, VMS_I64, 1, 0)
#define VMSTATE_U8_ARRAY(f, s, n)  VMSTATE_FIELD_(f, s, VMS_U8, n, 0)
#define VMSTATE_U16_ARRAY(f, s, n) VMSTATE_FIELD_(f, s, VMS_U16, n, 0)
#define VMSTATE_U32_ARRAY(f, s, n) VMSTATE_FIELD_(f, s, VMS_U32, n, 0)
#define VMSTATE_U64_ARRAY(f, s, n) VMSTATE_FIELD_(f, s, VMS_U64, n, 0)
#define VMSTATE_BUFFER(f, s)    VMSTATE_FIELD_(f, s, VMS_BUFFER, 1, 0)
#define VMSTATE_STRUCT_ARRAY(f, s, n, desc) \
    { .name = #f, .kind = VMS_STRUCT, .offset = offsetof(s, f), \
      .size = sizeof(((s *)0)->f) / (n), .count = (n), .sub = &(desc) }
#define VMSTATE_END { .name = NULL, .kind = VMS_END }

/* Bytes the table describes (for sizing a saved record); used by tests. */
size_t vmstate_size(const VMStateDescription *vmsd);

#endif
