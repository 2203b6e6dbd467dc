/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the QMP server: the JSON stream splitter, the writer that lays
 * JSON out as QEMU does, the dispatcher, and the session (one client's
 * protocol state) that ties them together without any chardev.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "vireo/qmp.h"
#include "qapi/qapi-runtime.h"

/* --- json-stream.c: cuts a byte stream into top-level JSON values --- */

#define JSON_STREAM_MAX_SIZE  (1024 * 1024)  /* bytes in one value */
#define JSON_STREAM_MAX_DEPTH 64             /* nested objects and arrays */

/* Called with one complete value (text, len), or with err set when the
 * input broke a limit (the stream then skips the rest of that value).
 * The text is only valid during the call. */
typedef void (*JsonStreamEmit)(void *opaque, const char *text, size_t len,
                               GError *err);

typedef struct JsonStream {
    GString *buf;           /* the value being collected, double-quoted */
    size_t max_size;
    unsigned max_depth;
    size_t depth;           /* open objects + arrays */
    char quote;             /* '"' or '\'' inside a string, else 0 */
    bool escape;            /* the previous string byte was a backslash */
    bool bare;              /* collecting a top-level scalar (or garbage) */
    bool skipping;          /* over a limit: drop bytes until the value ends */
    unsigned generation;    /* bumped by reset, so feed notices */
    JsonStreamEmit emit;
    void *opaque;
} JsonStream;

void json_stream_init(JsonStream *js, JsonStreamEmit emit, void *opaque);
void json_stream_destroy(JsonStream *js);
/* Forgets any partial value (a client went away). */
void json_stream_reset(JsonStream *js);
void json_stream_feed(JsonStream *js, const char *buf, size_t len);

/* --- json-writer.c: QEMU's layout ("{"a": 1, "b": [2]}", or pretty with
 * four-space indents); strings are pure ASCII with \uXXXX escapes --- */

void json_write(GString *out, JsonNode *node, bool pretty);

/* --- qmp-dispatch.c --- */

/* The QMP class of an error ("GenericError", "CommandNotFound", ...). */
const char *qmp_error_class(const GError *err);
/* {"class": ..., "desc": ...} */
JsonNode *qmp_error_object(const GError *err);
/* Runs one request and returns the reply object: {"return": ...} or
 * {"error": ...}, with the request's "id" copied. In negotiation mode only
 * qmp_capabilities is found. */
JsonObject *qmp_dispatch(JsonNode *request, bool negotiating);

/* --- qmp-session.c: one client's protocol state --- */

/* Receives complete output: one reply or event, ending in "\r\n". */
typedef void (*QmpOutputFn)(void *opaque, const char *text, size_t len);

typedef struct QmpSession QmpSession;

QmpSession *qmp_session_new(bool pretty, QmpOutputFn out, void *opaque);
void qmp_session_free(QmpSession *s);
/* A client connected: back to negotiation mode and send the greeting. */
void qmp_session_open(QmpSession *s);
/* The client went away: drop partial input, back to negotiation mode. */
void qmp_session_close(QmpSession *s);
void qmp_session_feed(QmpSession *s, const char *buf, size_t len);
bool qmp_session_negotiating(QmpSession *s);
/* Sends an already built message (an event) if the session has finished
 * negotiation; used by qmp_event_emit. */
void qmp_sessions_broadcast(JsonNode *msg);
/* The greeting object {"QMP": {...}}. */
JsonNode *qmp_greeting(void);

#endif
