/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cuts the QMP input byte stream (RFC 8259 JSON, in arbitrary chunks) into
 * top-level values by following strings, escapes and nesting, so each one
 * can be parsed whole. Like QEMU it also takes 'single-quoted' strings
 * (rewritten to double quotes) and enforces size and depth limits;
 * integers too big for int64 are handed on as numbers with a fraction.
 */
#include "monitor/monitor-internal.h"
#include <string.h>

void json_stream_init(JsonStream *js, JsonStreamEmit emit, void *opaque)
{
    *js = (JsonStream) {
        .buf = g_string_new(NULL),
        .max_size = JSON_STREAM_MAX_SIZE,
        .max_depth = JSON_STREAM_MAX_DEPTH,
        .emit = emit,
        .opaque = opaque,
    };
}

void json_stream_destroy(JsonStream *js)
{
    g_string_free(js->buf, TRUE);
    js->buf = NULL;
}

static void start_over(JsonStream *js)
{
    g_string_truncate(js->buf, 0);
    js->depth = 0;
    js->quote = 0;
    js->escape = false;
    js->bare = false;
    js->skipping = false;
}

void json_stream_reset(JsonStream *js)
{
    start_over(js);
    js->generation++;
}

/* Reports a broken limit once, then skips to the end of the value. */
static void over_limit(JsonStream *js, const char *what)
{
    g_autoptr(GError) err = g_error_new(VIREO_ERROR, VIREO_ERROR_GENERIC,
                                        "JSON %s limit exceeded", what);
    js->skipping = true;
    g_string_truncate(js->buf, 0);
    js->emit(js->opaque, NULL, 0, err);
}

static void append(JsonStream *js, char c)
{
    if (js->skipping) {
        return;
    }
    g_string_append_c(js->buf, c);
    if (js->buf->len > js->max_size) {
        over_limit(js, "token size");
    }
}

/* Does the integer literal digits[0..n) (no sign) overflow int64? */
static bool int64_overflows(const char *digits, size_t n, bool negative)
{
    const char *limit = negative ? "9223372036854775808" : "9223372036854775807";
    size_t limit_len = strlen(limit);

    return n > limit_len || (n == limit_len && memcmp(digits, limit, n) > 0);
}

/*
 * json-glib wraps integers beyond int64 around; QEMU reads them as
 * numbers instead. Give such integers a fraction so they parse as doubles.
 */
static void widen_big_integers(GString *buf)
{
    bool in_string = false;

    for (size_t i = 0; i < buf->len; i++) {
        char c = buf->str[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        if (!g_ascii_isdigit(c) || (i && g_ascii_isalnum(buf->str[i - 1]))) {
            continue;
        }
        size_t start = i;
        while (i < buf->len && g_ascii_isdigit(buf->str[i])) {
            i++;
        }
        bool negative = start && buf->str[start - 1] == '-';
        bool fraction = i < buf->len && buf->str[i] && strchr(".eE", buf->str[i]);
        if (!fraction && int64_overflows(buf->str + start, i - start, negative)) {
            g_string_insert(buf, i, ".0");
            i += 2;
        }
        i--;
    }
}

static void finish_value(JsonStream *js)
{
    if (!js->skipping) {
        widen_big_integers(js->buf);
        js->emit(js->opaque, js->buf->str, js->buf->len, NULL);
    }
    start_over(js);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A bare top-level token (number, keyword, garbage) ends at whitespace or
 * where a structured value or a string begins. */
static bool ends_bare_token(char c)
{
    return is_space(c) || c == '{' || c == '[' || c == '"' || c == '\'';
}

static void take_string_byte(JsonStream *js, char c)
{
    if (js->escape) {
        js->escape = false;
        /* In 'single quotes' the backslash was held back: \' is a plain '. */
        if (js->quote == '\'' && c != '\'') {
            append(js, '\\');
        }
        append(js, c);
    } else if (c == '\\') {
        js->escape = true;
        if (js->quote == '"') {
            append(js, '\\');
        }
    } else if (c == js->quote) {
        js->quote = 0;
        append(js, '"');
        if (js->depth == 0) {
            finish_value(js);
        }
    } else if (c == '"') {
        /* a double quote inside 'single quotes' */
        append(js, '\\');
        append(js, '"');
    } else {
        append(js, c);
    }
}

/* Returns false when c was not consumed (it ended a bare token and must be
 * looked at again). */
static bool take_byte(JsonStream *js, char c)
{
    if (js->quote) {
        take_string_byte(js, c);
        return true;
    }
    if (js->bare) {
        if (ends_bare_token(c)) {
            finish_value(js);
            return false;
        }
        append(js, c);
        return true;
    }
    switch (c) {
    case '{':
    case '[':
        js->depth++;
        append(js, c);
        if (js->depth > js->max_depth && !js->skipping) {
            over_limit(js, "nesting depth");
        }
        break;
    case '}':
    case ']':
        if (js->depth == 0) {
            js->bare = true;        /* a stray closer: garbage */
            append(js, c);
            break;
        }
        js->depth--;
        append(js, c);
        if (js->depth == 0) {
            finish_value(js);
        }
        break;
    case '"':
    case '\'':
        js->quote = c;
        append(js, '"');
        break;
    default:
        if (js->depth == 0) {
            if (is_space(c)) {
                break;
            }
            js->bare = true;
        }
        append(js, c);
    }
    return true;
}

void json_stream_feed(JsonStream *js, const char *buf, size_t len)
{
    unsigned generation = js->generation;
    size_t i = 0;

    /* Stop if a callback reset the stream (its client went away). */
    while (i < len && js->generation == generation) {
        if (take_byte(js, buf[i])) {
            i++;
        }
    }
}
