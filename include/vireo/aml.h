/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small AML writer for the DSDT (ACPI 6.x chapter 20, AML encoding; and
 * §6.4, resource data types). Terms are built bottom-up: make a node, append
 * its children, append it to its parent (which takes it over); blocks get
 * their PkgLength when they are appended.
 */
#ifndef VIREO_AML_H
#define VIREO_AML_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct Aml Aml;

/* A plain term list (the body of a definition block). */
Aml *aml_new(void);
/* Appends child's encoding to parent and frees child. */
void aml_append(Aml *parent, Aml *child);
/* The encoding of a plain term list (not of a block still open). */
const uint8_t *aml_data(const Aml *a, size_t *len);
void aml_free(Aml *a);

/* Data objects */
Aml *aml_int(uint64_t v);               /* Zero, One, Ones or the narrowest prefix */
Aml *aml_string(const char *s);         /* ASCII, no NUL inside */
Aml *aml_eisaid(const char *id);        /* "PNP0A03" -> its compressed DWord */
Aml *aml_buffer(const uint8_t *data, size_t len);
Aml *aml_name(const char *path);        /* a reference: "\\_SB.PCI0", "_S5" */
Aml *aml_arg(unsigned n);               /* Arg0-Arg6 */
Aml *aml_local(unsigned n);             /* Local0-Local7 */

/* Statements */
Aml *aml_name_decl(const char *name, Aml *value);   /* Name(name, value) */
Aml *aml_return(Aml *value);
Aml *aml_lequal(Aml *a, Aml *b);

/* Blocks: append children, then append the block to its parent. */
Aml *aml_scope(const char *path);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, unsigned argc, bool serialized);
Aml *aml_if(Aml *predicate);
Aml *aml_else(void);
Aml *aml_package(void);                 /* NumElements = children appended */
Aml *aml_resource_template(void);       /* children: descriptors below */

/* Resource descriptors (ACPI 6.x §6.4). Address ranges are producer,
 * fixed min/max, positive decode: what a host bridge's _CRS declares. */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_no_flags(uint8_t irq);
Aml *aml_interrupt(bool consumer, bool level, bool active_low, bool shared,
                   uint32_t gsi);
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable);
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable, bool writable);
Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable, bool writable);

/* Encodings, exposed for tests. PkgLength counts itself: `rest` is the
 * length of what follows it; returns the bytes written (1-4), 0 if too big. */
size_t aml_pkg_length(uint32_t rest, uint8_t out[4]);
/* NameString of a path ("\\_SB.PCI0", "^FOO", "_HID"); false if invalid. */
bool aml_name_string(GByteArray *out, const char *path);
uint32_t aml_eisaid_value(const char *id);

#endif
