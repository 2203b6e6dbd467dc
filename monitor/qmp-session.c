/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One QMP client's protocol state, independent of any chardev: greeting,
 * capabilities negotiation, input bytes to replies (one "\r\n"-ended line
 * each, as QEMU), and delivery of events once negotiation is done.
 */
#include "monitor/monitor-internal.h"
#include "qapi/qapi-commands.h"
#include <stdio.h>
#include <string.h>

struct QmpSession {
    JsonStream stream;
    JsonParser *parser;
    bool pretty;
    bool open;              /* a client is there and has had the greeting */
    bool negotiating;       /* only qmp_capabilities is accepted */
    QmpOutputFn out;
    void *opaque;
    GMutex out_lock;        /* events may come from other threads */
};

static GMutex sessions_lock;
static GList *sessions;
/* The session whose command is running (commands run under the big lock). */
static QmpSession *current;

/* One message as the client sees it: its lines (pretty output has many)
 * each end in "\r\n". */
static GString *message_text(JsonNode *msg, bool pretty)
{
    g_autoptr(GString) json = g_string_new(NULL);
    GString *text;

    json_write(json, msg, pretty);
    text = g_string_sized_new(json->len + 2);
    for (gsize i = 0; i < json->len; i++) {
        if (json->str[i] == '\n') {
            g_string_append_c(text, '\r');
        }
        g_string_append_c(text, json->str[i]);
    }
    g_string_append(text, "\r\n");
    return text;
}

static void session_send(QmpSession *s, JsonNode *msg)
{
    g_autoptr(GString) text = message_text(msg, s->pretty);

    g_mutex_lock(&s->out_lock);
    s->out(s->opaque, text->str, text->len);
    g_mutex_unlock(&s->out_lock);
}

static void send_reply(QmpSession *s, JsonObject *reply)
{
    JsonNode *n = qmp_node_take_object(reply);
    session_send(s, n);
    json_node_unref(n);
}

static void send_error(QmpSession *s, const GError *err)
{
    JsonObject *reply = json_object_new();
    json_object_set_member(reply, "error", qmp_error_object(err));
    send_reply(s, reply);
}

/* json-glib says "<data>:1:13: Parse error: unexpected ..."; QEMU's
 * clients expect "JSON parse error, <what>". */
static void send_parse_error(QmpSession *s, const GError *err)
{
    const char *what = err->message;
    int line = 0, column = 0, skip = 0;

    if (sscanf(what, "<data>:%d:%d: %n", &line, &column, &skip) == 2 && skip) {
        what += skip;
        if (g_str_has_prefix(what, "Parse error: ")) {
            what += strlen("Parse error: ");
        }
    }
    g_autoptr(GError) perr = g_error_new(VIREO_ERROR, VIREO_ERROR_GENERIC,
                                         "JSON parse error, %s", what);
    send_error(s, perr);
}

static void run_request(QmpSession *s, const char *text, size_t len)
{
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(s->parser, text, len, &err)) {
        send_parse_error(s, err);
        return;
    }
    QmpSession *outer = current;
    current = s;
    JsonObject *reply = qmp_dispatch(json_parser_get_root(s->parser),
                                     s->negotiating);
    current = outer;
    send_reply(s, reply);
}

static void on_value(void *opaque, const char *text, size_t len, GError *err)
{
    QmpSession *s = opaque;

    if (err) {
        send_error(s, err);
    } else {
        run_request(s, text, len);
    }
}

QmpSession *qmp_session_new(bool pretty, QmpOutputFn out, void *opaque)
{
    QmpSession *s = g_new0(QmpSession, 1);

    json_stream_init(&s->stream, on_value, s);
    s->parser = json_parser_new();
    s->pretty = pretty;
    s->negotiating = true;
    s->out = out;
    s->opaque = opaque;
    g_mutex_init(&s->out_lock);
    g_mutex_lock(&sessions_lock);
    sessions = g_list_append(sessions, s);
    g_mutex_unlock(&sessions_lock);
    return s;
}

void qmp_session_free(QmpSession *s)
{
    g_mutex_lock(&sessions_lock);
    sessions = g_list_remove(sessions, s);
    g_mutex_unlock(&sessions_lock);
    if (current == s) {
        current = NULL;
    }
    json_stream_destroy(&s->stream);
    g_object_unref(s->parser);
    g_mutex_clear(&s->out_lock);
    g_free(s);
}

JsonNode *qmp_greeting(void)
{
    JsonObject *qmp = json_object_new();
    json_object_set_member(qmp, "version", qmp_query_version(NULL));
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    JsonObject *greeting = json_object_new();
    json_object_set_object_member(greeting, "QMP", qmp);
    return qmp_node_take_object(greeting);
}

void qmp_session_open(QmpSession *s)
{
    if (s->open) {
        return;             /* a repeated OPENED: the client has its greeting */
    }
    json_stream_reset(&s->stream);
    s->open = true;
    s->negotiating = true;
    JsonNode *greeting = qmp_greeting();
    session_send(s, greeting);
    json_node_unref(greeting);
}

void qmp_session_close(QmpSession *s)
{
    json_stream_reset(&s->stream);
    s->open = false;
    s->negotiating = true;
}

void qmp_session_feed(QmpSession *s, const char *buf, size_t len)
{
    json_stream_feed(&s->stream, buf, len);
}

bool qmp_session_negotiating(QmpSession *s)
{
    return s->negotiating;
}

void qmp_sessions_broadcast(JsonNode *msg)
{
    g_mutex_lock(&sessions_lock);
    for (GList *l = sessions; l; l = l->next) {
        QmpSession *s = l->data;
        if (!s->negotiating) {
            session_send(s, msg);
        }
    }
    g_mutex_unlock(&sessions_lock);
}

/* Vireo offers no capabilities, so any in 'enable' is unavailable. */
static bool accept_capabilities(JsonArray *enable, GError **errp)
{
    guint n = enable ? json_array_get_length(enable) : 0;

    if (n == 0) {
        return true;
    }
    g_autoptr(GString) names = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        g_string_append_printf(names, "%s%s", i ? ", " : "",
                               json_array_get_string_element(enable, i));
    }
    error_setg(errp, "Capability %s not available", names->str);
    return false;
}

JsonNode *qmp_qmp_capabilities(bool has_enable, JsonArray *enable,
                               GError **errp)
{
    if (!current || !current->negotiating) {
        g_set_error(errp, VIREO_ERROR, VIREO_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        return NULL;
    }
    if (!accept_capabilities(has_enable ? enable : NULL, errp)) {
        return NULL;
    }
    current->negotiating = false;
    return NULL;
}
