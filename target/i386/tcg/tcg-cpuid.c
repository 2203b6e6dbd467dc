/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the software CPU implements, as CPUID leaves (Intel SDM vol. 2A,
 * CPUID): the "supported" table -cpu max is and other models are checked
 * against. Only features whose instructions and state are really here.
 */
#include "target/i386/tcg/x86-tcg.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov
 * pat pse36 clflush mmx fxsr sse sse2. */
#define L1_EDX (BIT(0) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | \
                BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(14) |     \
                BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) |   \
                BIT(25) | BIT(26))
/* Leaf 1 ECX: sse3 pclmulqdq ssse3 cx16 pcid sse4.1 sse4.2 popcnt
 * tsc-deadline xsave hypervisor. Not MOVBE, AES, AVX, x2APIC. */
#define L1_ECX (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(17) | BIT(19) |       \
                BIT(20) | BIT(23) | BIT(24) | BIT(26) | BIT(31))
/* Leaf 7 EBX: smep invpcid smap. */
#define L7_EBX (BIT(7) | BIT(10) | BIT(20))
/* 0x80000001 ECX: lahf_lm; EDX: syscall nx pdpe1gb rdtscp lm. */
#define LX1_ECX BIT(0)
#define LX1_EDX (BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))

/* XSAVE (leaf 0xd): x87 and SSE; the area is the legacy region and the
 * header (512 + 64 bytes) whatever XCR0 holds. */
#define XCR0_SUPPORTED 0x3u
#define XSAVE_SIZE 576u

/* "AuthenticAMD", as QEMU's qemu64 and max models under TCG. */
#define VENDOR_EBX 0x68747541u
#define VENDOR_EDX 0x69746e65u
#define VENDOR_ECX 0x444d4163u

static const CpuidEntry tcg_leaves[] = {
    { 0, 0, false, 0xd, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX },
    /* family 15, model 107, stepping 1; CLFLUSH line 8 x 8 bytes */
    { 1, 0, false, 0x000f06b1, 8 << 8, L1_ECX, L1_EDX },
    { 7, 0, true, 0, L7_EBX, 0, 0 },
    { 0xd, 0, true, XCR0_SUPPORTED, XSAVE_SIZE, XSAVE_SIZE, 0 },
    { 0xd, 1, true, BIT(0), 0, 0, 0 },             /* XSAVEOPT */
    { 0x80000000, 0, false, 0x80000008, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX },
    { 0x80000001, 0, false, 0x000f06b1, 0, LX1_ECX, LX1_EDX },
    /* "Vireo TCG CPU" */
    { 0x80000002, 0, false, 0x65726956, 0x4354206f, 0x50432047, 0x00000055 },
    { 0x80000003, 0, false, 0, 0, 0, 0 },
    { 0x80000004, 0, false, 0, 0, 0, 0 },
    { 0x80000008, 0, false, 0x00003028, 0, 0, 0 },  /* 40-bit phys, 48 virt */
};

const CpuidEntry *tcg_supported_cpuid(unsigned *n)
{
    *n = G_N_ELEMENTS(tcg_leaves);
    return tcg_leaves;
}
