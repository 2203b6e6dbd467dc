/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fields of an 8-byte segment or gate descriptor, as seg.c, task.c and
 * excp.c read them (Intel SDM vol. 3, 3.4.5, 5.8.3, 6.11, 7.2.2, 7.2.5).
 */
#ifndef TARGET_I386_TCG_DESC_H
#define TARGET_I386_TCG_DESC_H

#define DESC_TYPE(d) (((d) >> 40) & 0xf)
#define DESC_S(d) (((d) >> 44) & 1)
#define DESC_DPL(d) ((unsigned)((d) >> 45) & 3)
#define DESC_P(d) (((d) >> 47) & 1)
#define DESC_L(d) (((d) >> 53) & 1)
#define DESC_CODE(d) (DESC_S(d) && (DESC_TYPE(d) & 8))
#define DESC_CONFORMING(d) (DESC_CODE(d) && (DESC_TYPE(d) & 4))
#define DESC_READABLE(d) (!(DESC_TYPE(d) & 8) || (DESC_TYPE(d) & 2))
#define DESC_WRITABLE_DATA(d) (DESC_S(d) && !(DESC_TYPE(d) & 8) && (DESC_TYPE(d) & 2))

/* System descriptor types (S = 0) in legacy mode. */
enum {
    SYS_TSS16 = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL_GATE16 = 4,
    SYS_TASK_GATE = 5, SYS_INT_GATE16 = 6, SYS_TRAP_GATE16 = 7,
    SYS_TSS32 = 9, SYS_TSS32_BUSY = 0xb, SYS_CALL_GATE32 = 0xc,
    SYS_INT_GATE32 = 0xe, SYS_TRAP_GATE32 = 0xf,
};
#define DESC_BUSY (2ULL << 40)          /* the busy bit of a TSS type */

/* A gate's target selector, offset (16 or 32 bits by type) and, for a call
 * gate, the parameter count. */
#define GATE_SEL(g) ((uint16_t)((g) >> 16))
#define GATE_OFFSET(g) (((g) & 0xffff) | (((g) >> 32) & 0xffff0000))
#define GATE_PARAMS(g) ((unsigned)((g) >> 32) & 0x1f)

#endif
