/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the code generated from the schema (qapi/) stands on: schema types as C
 * tables, a checker that holds a JSON value against a type with QEMU's
 * error texts, and typed getters for already-checked command arguments.
 */
#ifndef QAPI_RUNTIME_H
#define QAPI_RUNTIME_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    QAPI_KIND_STR,
    QAPI_KIND_INT,          /* signed, within [min, max] */
    QAPI_KIND_UINT,         /* unsigned, within [0, umax] */
    QAPI_KIND_BOOL,
    QAPI_KIND_NUMBER,       /* integer or floating point */
    QAPI_KIND_NULL,
    QAPI_KIND_ANY,
    QAPI_KIND_ENUM,
    QAPI_KIND_LIST,
    QAPI_KIND_STRUCT,
} QapiKind;

typedef struct QapiType QapiType;

typedef struct QapiMember {
    const char *name;
    const QapiType *type;
    bool optional;
} QapiMember;

struct QapiType {
    const char *name;               /* schema name: "str", "[int]", "KvmInfo" */
    QapiKind kind;
    const char *range_name;         /* C type named in range errors: "int8_t" */
    int64_t min, max;               /* QAPI_KIND_INT */
    uint64_t umax;                  /* QAPI_KIND_UINT */
    const char *const *values;      /* QAPI_KIND_ENUM, NULL-terminated */
    const QapiType *element;        /* QAPI_KIND_LIST */
    const QapiMember *members;      /* QAPI_KIND_STRUCT, name NULL ends */
};

/* A command's argument checker and unmarshaller: checks args against the
 * schema, then calls the handler with C-typed arguments. Returns the
 * result (NULL meaning {} unless *errp is set). */
typedef JsonNode *(*QmpMarshalFn)(JsonObject *args, GError **errp);

typedef struct QmpCommand {
    const char *name;
    QmpMarshalFn marshal;
    const QapiType *args;           /* a struct type */
    const QapiType *ret;            /* NULL: returns {} */
} QmpCommand;

typedef struct QmpEventInfo {
    const char *name;
    const QapiType *data;           /* NULL: no data */
} QmpEventInfo;

/* Checks value against type; name is the member's full name for messages
 * ("path", "enable[0]", "props.core-id"). */
bool qapi_check_value(JsonNode *value, const QapiType *type, const char *name,
                      GError **errp);
/* Checks a command's "arguments" object against its struct type: wrong
 * types and missing members in declaration order, then unexpected ones. */
bool qapi_check_args(JsonObject *args, const QapiType *type, GError **errp);

/* Getters for checked arguments; absent optional members read as 0/NULL. */
const char *qapi_arg_str(JsonObject *args, const char *name);
int64_t qapi_arg_int(JsonObject *args, const char *name);
uint64_t qapi_arg_uint(JsonObject *args, const char *name);
bool qapi_arg_bool(JsonObject *args, const char *name);
double qapi_arg_number(JsonObject *args, const char *name);
JsonNode *qapi_arg_any(JsonObject *args, const char *name);
JsonArray *qapi_arg_list(JsonObject *args, const char *name);
JsonObject *qapi_arg_object(JsonObject *args, const char *name);

/* Generated tables (qapi-commands.c, qapi-introspect.c). */
extern const QmpCommand qmp_commands[];     /* name NULL ends */
extern const QmpEventInfo qmp_events[];     /* name NULL ends */
extern const char qmp_schema_json[];        /* SchemaInfo list, as JSON */

const QmpCommand *qmp_command_find(const char *name);
const QmpEventInfo *qmp_event_find(const char *name);

#endif
