/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw_cfg, QEMU's firmware configuration interface (docs: QEMU's
 * specs/fw_cfg.rst): selector/data ports 0x510/0x511, DMA at 0x514, keyed
 * items and a directory of named files.
 */
#ifndef VIREO_FW_CFG_H
#define VIREO_FW_CFG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define TYPE_FW_CFG_IO "fw_cfg_io"

#define FW_CFG_IO_BASE 0x510            /* selector; data at +1 */
#define FW_CFG_DMA_IO_BASE 0x514        /* DMA address, 8 bytes big-endian */
#define FW_CFG_MAX_FILE_PATH 56         /* name field of a directory entry */
#define FW_CFG_WRITE_CHANNEL 0x4000     /* selector bit, ignored on lookup */
#define FW_CFG_ARCH_LOCAL 0x8000

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION 0x01
#define FW_CFG_VERSION_DMA 0x02

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL   /* "QEMU CFG" */

/* The guest's DMA request in RAM; every field big-endian. */
typedef struct FWCfgDmaAccess {
    uint32_t control;
    uint32_t length;
    uint64_t address;
} __attribute__((packed)) FWCfgDmaAccess;

/* One FW_CFG_FILE_DIR entry; the directory is a be32 count then these. */
typedef struct FWCfgFileEntry {
    uint32_t size;                      /* big-endian */
    uint16_t select;                    /* big-endian */
    uint16_t reserved;
    char name[FW_CFG_MAX_FILE_PATH];
} __attribute__((packed)) FWCfgFileEntry;

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_X86_E820_TABLE = 0x8003,  /* arch-local (0x8000 | 3) */
};

typedef struct FWCfgState FWCfgState;

/* Creates the device on the I/O ports (0x510, DMA at 0x514), at
 * /machine/fw_cfg, with the standard items (signature, ID, directory). */
FWCfgState *fw_cfg_init_io(uint16_t iobase, bool dma, GError **errp);
FWCfgState *fw_cfg_get(void);   /* the machine's, or NULL */
/* Items: the data is copied (and freed with the device); adding a key
 * again replaces it. Keys 0x20-0x3fff belong to named files. */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
/* Named files ("etc/e820", "etc/acpi/tables", ...): false if the name exists. */
bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len);
/* Replaces a file's contents (or adds it). */
void fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data, size_t len);
/* A file the guest may overwrite (never resize) with DMA writes. */
bool fw_cfg_add_file_writable(FWCfgState *s, const char *name,
                              const void *data, size_t len);
/* A file's current contents (NULL if absent); valid until it is modified. */
const void *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len);
/* Selector key of a file, or 0 if absent (keys follow name order). */
uint16_t fw_cfg_file_key(FWCfgState *s, const char *name);

#endif
