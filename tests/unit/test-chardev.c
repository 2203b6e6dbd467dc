/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the character devices: -chardev options and errors, the
 * -serial shorthand, unix/tcp sockets, file, pty, stdio, ringbuf, the mux's
 * escape keys and input flow control. Drives GLib's default main context.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "vireo/chardev.h"

#define TIMEOUT_US (5 * G_USEC_PER_SEC)
#define MAX_EVENTS 32

static char *tmpdir;

/* A frontend that records what it gets; `room` paces its input. */
typedef struct TestFe {
    CharFrontend fe;
    GByteArray *got;
    int room;                   /* what can_read says; -1: plenty */
    ChrEvent events[MAX_EVENTS];
    int nevents;
} TestFe;

static int tfe_can_read(void *opaque)
{
    TestFe *t = opaque;

    return t->room < 0 ? 4096 : t->room;
}

static void tfe_read(void *opaque, const uint8_t *buf, int len)
{
    TestFe *t = opaque;

    g_assert_cmpint(len, >, 0);
    if (t->room >= 0) {
        g_assert_cmpint(len, <=, t->room);   /* never more than offered */
        t->room -= len;
    }
    g_byte_array_append(t->got, buf, len);
}

static void tfe_event(void *opaque, ChrEvent ev)
{
    TestFe *t = opaque;

    g_assert_cmpint(t->nevents, <, MAX_EVENTS);
    t->events[t->nevents++] = ev;
}

static void tfe_attach(TestFe *t, Chardev *chr)
{
    g_autoptr(GError) err = NULL;

    t->got = g_byte_array_new();
    t->room = -1;
    t->nevents = 0;
    g_assert_true(chr_fe_init(&t->fe, chr, &err));
    g_assert_no_error(err);
    chr_fe_set_handlers(&t->fe, tfe_can_read, tfe_read, tfe_event, t);
}

static void tfe_detach(TestFe *t)
{
    chr_fe_deinit(&t->fe);
    g_byte_array_unref(t->got);
}

static int tfe_count(TestFe *t, ChrEvent ev)
{
    int n = 0;

    for (int i = 0; i < t->nevents; i++) {
        n += t->events[i] == ev;
    }
    return n;
}

static bool tfe_got(TestFe *t, const char *text)
{
    return t->got->len == strlen(text) &&
           memcmp(t->got->data, text, t->got->len) == 0;
}

static void tfe_write(TestFe *t, const char *text)
{
    g_assert_cmpint(chr_fe_write_all(&t->fe, (const uint8_t *)text,
                                     strlen(text)), ==, strlen(text));
}

/* Runs the main loop until cond holds (or fails the test after 5 s). */
#define WAIT_UNTIL(cond)                                                   \
    do {                                                                   \
        gint64 end_ = g_get_monotonic_time() + TIMEOUT_US;                 \
        while (!(cond)) {                                                  \
            g_assert_cmpint(g_get_monotonic_time(), <, end_);              \
            if (!g_main_context_iteration(NULL, FALSE)) {                  \
                g_usleep(1000);                                            \
            }                                                              \
        }                                                                  \
    } while (0)

/* A few rounds of the main loop, for things that must NOT happen. */
static void spin_main_loop(void)
{
    for (int i = 0; i < 50; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
}

static Chardev *new_ok(const char *opts)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_from_opts(opts, &err);

    g_assert_no_error(err);
    g_assert_nonnull(chr);
    return chr;
}

static void expect_error(const char *opts, const char *message)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_from_opts(opts, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
}

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

/* Blocking client side of a socket. */

static int unix_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static void fd_send(int fd, const char *text)
{
    g_assert_cmpint(write(fd, text, strlen(text)), ==, strlen(text));
}

/* Reads exactly len bytes, running the main loop while waiting. */
static char *fd_recv(int fd, size_t len)
{
    char *buf = g_malloc0(len + 1);
    size_t got = 0;
    gint64 end = g_get_monotonic_time() + TIMEOUT_US;

    while (got < len) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_main_context_iteration(NULL, FALSE);
        if (poll(&p, 1, 1) == 1) {
            ssize_t n = read(fd, buf + got, len - got);

            g_assert_cmpint(n, >, 0);
            got += n;
        }
    }
    return buf;
}

/* Options and errors. */

static void test_opts_errors(void)
{
    g_autofree char *file = tmp_path("opts.txt");
    g_autofree char *sock = tmp_path("opts.sock");
    g_autofree char *bad_bool = g_strdup_printf("file,id=f,path=%s,append=maybe",
                                                file);
    g_autofree char *client_wait = g_strdup_printf(
        "socket,id=s,path=%s,server=off,wait=off", sock);

    expect_error("foo,id=x", "'foo' is not a valid char driver name");
    expect_error("null", "Parameter 'id' is missing");
    expect_error("id=x", "chardev: \"x\" missing backend");
    expect_error("null,id=1x", "Parameter 'id' expects an identifier");
    expect_error("null,id=n,bogus=1", "Invalid parameter 'bogus'");
    expect_error("stdio,id=s,nosuch", "Invalid parameter 'nosuch'");
    expect_error("file,id=f,path", "Invalid parameter 'path'");
    expect_error(bad_bool, "Parameter 'append' expects 'on' or 'off'");
    expect_error("file,id=f", "chardev: file: no filename given");
    expect_error("file,id=f,path=/nonexistent/dir/x",
                 "Could not open '/nonexistent/dir/x': No such file or directory");
    expect_error("socket,id=s", "chardev: socket: no host given");
    expect_error("socket,id=s,host=localhost", "chardev: socket: no port given");
    expect_error(client_wait, "'wait' option is incompatible with socket in "
                 "client connect mode");
    expect_error("socket,id=s,host=localhost,port=1,reconnect=x",
                 "Parameter 'reconnect' expects a number");
    expect_error("socket,id=s,host=localhost,port=1,telnet=on",
                 "chardev: socket: telnet=on is not supported");
    expect_error("ringbuf,id=r,size=1000",
                 "size of ringbuf chardev must be power of two (up to 1G)");
    /* Nothing was left behind by the failures. */
    g_assert_null(chardev_find("f"));
    g_assert_null(chardev_find("s"));
    g_assert_null(chardev_find("r"));

    Chardev *n1 = new_ok("null,id=n1");
    g_assert_true(chardev_find("n1") == n1);
    g_assert_cmpstr(n1->label, ==, "n1");
    g_assert_cmpstr(n1->filename, ==, "null");
    expect_error("null,id=n1", "Duplicate ID 'n1' for chardev");
    chardev_remove(n1);
    g_assert_null(chardev_find("n1"));
    chardev_remove(new_ok("null,id=n1"));   /* the id is free again */

    Chardev *r = new_ok("ringbuf,id=r,size=4k,logappend=yes");
    g_assert_cmpstr(r->filename, ==, "ringbuf");
    chardev_remove(r);
    chardev_remove(new_ok("backend=null,id=b"));
    chardev_remove(new_ok("vc,id=v,cols=80,rows=24"));
}

static void test_opts_booleans(void)
{
    static const char *const forms[] = {
        "server=on,wait=off", "server=yes,wait=no", "server=true,wait=false",
        "server,nowait", "server,wait=off",
    };
    g_autofree char *sock = tmp_path("bool.sock");

    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_autofree char *opts = g_strdup_printf("socket,id=b,path=%s,%s",
                                                sock, forms[i]);
        g_autofree char *expect = g_strdup_printf(
            "disconnected:unix:%s,server=on", sock);
        Chardev *chr = new_ok(opts);

        g_assert_cmpstr(chr->filename, ==, expect);
        chardev_remove(chr);
        g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    }
}

static void test_shorthand(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *file = tmp_path("short.txt");
    g_autofree char *file_spec = g_strconcat("file:", file, NULL);
    g_autofree char *sock = tmp_path("short.sock");
    g_autofree char *unix_spec = g_strdup_printf("unix:%s,server,nowait", sock);
    g_autofree char *unix_name = g_strdup_printf("disconnected:unix:%s,server=on",
                                                 sock);
    Chardev *chr;

    g_assert_null(chardev_new_from_shorthand("serial0", "none", &err));
    g_assert_no_error(err);

    g_assert_null(chardev_new_from_shorthand("serial0", "bogus", &err));
    g_assert_cmpstr(err->message, ==, "'bogus' is not a valid char driver");
    g_clear_error(&err);

    chr = chardev_new_from_shorthand("serial0", "null", &err);
    g_assert_no_error(err);
    g_assert_true(chardev_new_from_shorthand("x", "chardev:serial0", NULL) ==
                  chr);
    chardev_remove(chr);
    g_assert_null(chardev_new_from_shorthand("x", "chardev:serial0", &err));
    g_assert_cmpstr(err->message, ==, "Chardev 'serial0' not found");
    g_clear_error(&err);

    chr = chardev_new_from_shorthand("serial1", file_spec, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->filename, ==, "file");
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
    chardev_remove(chr);

    chr = chardev_new_from_shorthand("qmp", unix_spec, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->filename, ==, unix_name);
    chardev_remove(chr);

    chr = chardev_new_from_shorthand("tcp0", "tcp:127.0.0.1:0,server=on,wait=off",
                                     &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(chr->filename, "disconnected:tcp:127.0.0.1:"));
    g_assert_true(g_str_has_suffix(chr->filename, ",server=on"));
    chardev_remove(chr);

    g_assert_true(chardev_shorthand_has_monitor("mon:stdio"));
    g_assert_false(chardev_shorthand_has_monitor("stdio"));
    chr = chardev_new_from_shorthand("serial2", "mon:null", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->filename, ==, "mux");
    g_assert_cmpstr(chardev_find("serial2-base")->filename, ==, "null");
    chardev_remove(chr);
    chardev_remove(chardev_find("serial2-base"));

    chr = chardev_new_from_shorthand("vga", "vc:80Cx24C", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->filename, ==, "vc");
    chardev_remove(chr);
}

/* Frontend bookkeeping. */

static void test_frontend_busy(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = new_ok("null,id=busy");
    TestFe a, b;

    tfe_attach(&a, chr);
    g_assert_true(chardev_frontend_open(chr));
    g_assert_false(chr_fe_backend_open(&a.fe));     /* null never opens */
    g_assert_false(chr_fe_init(&b.fe, chr, &err));
    g_assert_cmpstr(err->message, ==, "Device 'busy' is in use");
    g_clear_error(&err);

    g_assert_false(chardev_remove_by_label("busy", &err));
    g_assert_cmpstr(err->message, ==, "Chardev 'busy' is busy");
    g_clear_error(&err);
    tfe_detach(&a);
    g_assert_false(chardev_frontend_open(chr));
    g_assert_true(chardev_remove_by_label("busy", &err));
    g_assert_false(chardev_remove_by_label("busy", &err));
    g_assert_cmpstr(err->message, ==, "Chardev 'busy' not found");

    /* A frontend without a backend writes into the void. */
    g_assert_true(chr_fe_init(&b.fe, NULL, NULL));
    g_assert_false(chr_fe_backend_connected(&b.fe));
    g_assert_cmpint(chr_fe_write_all(&b.fe, (const uint8_t *)"x", 1), ==, 0);
}

/* Sockets. */

static void test_socket_unix_server(void)
{
    g_autofree char *sock = tmp_path("server.sock");
    g_autofree char *opts = g_strdup_printf(
        "socket,id=mon0,path=%s,server=on,wait=off", sock);
    g_autofree char *connected = g_strdup_printf("unix:%s,server=on", sock);
    Chardev *chr = new_ok(opts);
    g_autofree char *reply = NULL;
    TestFe t;
    int c1, c2;

    tfe_attach(&t, chr);
    g_assert_cmpint(t.nevents, ==, 0);
    g_assert_false(chr_fe_backend_open(&t.fe));
    /* Output with nobody there is dropped. */
    tfe_write(&t, "lost");

    c1 = unix_connect(sock);
    WAIT_UNTIL(t.nevents == 1);
    g_assert_cmpint(t.events[0], ==, CHR_EVENT_OPENED);
    g_assert_true(chr_fe_backend_open(&t.fe));
    g_assert_cmpstr(chr->filename, ==, connected);

    fd_send(c1, "hello");
    WAIT_UNTIL(t.got->len == 5);
    g_assert_true(tfe_got(&t, "hello"));
    tfe_write(&t, "world");
    reply = fd_recv(c1, 5);
    g_assert_cmpstr(reply, ==, "world");

    /* A second client waits in the backlog while the first is served. */
    c2 = unix_connect(sock);
    fd_send(c2, "second");
    spin_main_loop();
    g_assert_cmpint(t.nevents, ==, 1);
    g_assert_cmpint(t.got->len, ==, 5);

    close(c1);
    WAIT_UNTIL(t.nevents == 3);
    g_assert_cmpint(t.events[1], ==, CHR_EVENT_CLOSED);
    g_assert_cmpint(t.events[2], ==, CHR_EVENT_OPENED);
    WAIT_UNTIL(t.got->len == 11);
    g_assert_true(tfe_got(&t, "hellosecond"));

    close(c2);
    WAIT_UNTIL(t.nevents == 4);
    g_assert_cmpint(t.events[3], ==, CHR_EVENT_CLOSED);
    g_assert_true(g_str_has_prefix(chr->filename, "disconnected:unix:"));

    tfe_detach(&t);
    chardev_remove(chr);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));  /* cleaned up */
}

static void make_stale_socket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    close(fd);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
}

static gpointer connect_later(gpointer path)
{
    g_usleep(100 * 1000);
    return GINT_TO_POINTER(unix_connect(path));
}

static void test_socket_wait(void)
{
    g_autofree char *sock = tmp_path("wait.sock");
    g_autofree char *opts = g_strdup_printf("socket,id=w,path=%s,server=on",
                                            sock);
    g_autofree char *connected = g_strdup_printf("unix:%s,server=on", sock);
    GThread *client;
    Chardev *chr;
    TestFe t;
    int fd;

    /* A stale socket file from an earlier run is replaced. */
    make_stale_socket(sock);
    client = g_thread_new("client", connect_later, sock);
    chr = new_ok(opts);         /* blocks until the client is there */
    fd = GPOINTER_TO_INT(g_thread_join(client));
    g_assert_cmpstr(chr->filename, ==, connected);
    g_assert_true(chr->be_open);

    tfe_attach(&t, chr);        /* a late frontend still hears OPENED */
    g_assert_cmpint(t.nevents, ==, 1);
    g_assert_cmpint(t.events[0], ==, CHR_EVENT_OPENED);
    fd_send(fd, "x");
    WAIT_UNTIL(t.got->len == 1);
    close(fd);
    WAIT_UNTIL(tfe_count(&t, CHR_EVENT_CLOSED) == 1);
    tfe_detach(&t);
    chardev_remove(chr);
}

static void test_socket_tcp(void)
{
    Chardev *server = new_ok("socket,id=ts,host=127.0.0.1,port=0,server=on,"
                             "wait=off,nodelay=on");
    const char *port = strrchr(server->filename, ':') + 1;
    g_autofree char *port_str = g_strndup(port, strcspn(port, ","));
    g_autofree char *copts = g_strdup_printf(
        "socket,id=tc,host=127.0.0.1,port=%s", port_str);
    Chardev *client;
    TestFe ts, tc;

    tfe_attach(&ts, server);
    client = new_ok(copts);
    tfe_attach(&tc, client);
    g_assert_cmpint(tc.nevents, ==, 1);     /* connected at open */
    WAIT_UNTIL(ts.nevents == 1);
    g_assert_true(g_str_has_prefix(server->filename, "tcp:127.0.0.1:"));
    g_assert_nonnull(strstr(server->filename, ",server=on <-> 127.0.0.1:"));
    g_assert_true(g_str_has_prefix(client->filename, "tcp:127.0.0.1:"));

    tfe_write(&tc, "ping");
    WAIT_UNTIL(ts.got->len == 4);
    g_assert_true(tfe_got(&ts, "ping"));
    tfe_write(&ts, "pong");
    WAIT_UNTIL(tc.got->len == 4);
    g_assert_true(tfe_got(&tc, "pong"));

    tfe_detach(&tc);
    chardev_remove(client);
    WAIT_UNTIL(tfe_count(&ts, CHR_EVENT_CLOSED) == 1);
    g_assert_true(g_str_has_prefix(server->filename, "disconnected:tcp:"));
    tfe_detach(&ts);
    chardev_remove(server);
}

static void test_socket_client_errors(void)
{
    g_autofree char *sock = tmp_path("nobody.sock");
    g_autofree char *opts = g_strdup_printf("socket,id=c,path=%s", sock);
    g_autofree char *msg = g_strdup_printf(
        "Failed to connect to '%s': No such file or directory", sock);
    g_autofree char *ropts = g_strdup_printf("socket,id=c,path=%s,reconnect-ms=20",
                                             sock);
    g_autofree char *sopts = g_strdup_printf(
        "socket,id=s,path=%s,server=on,wait=off", sock);
    Chardev *client, *server;
    TestFe t;

    expect_error(opts, msg);
    /* With reconnect, a missing server is not an error: it is retried. */
    client = new_ok(ropts);
    tfe_attach(&t, client);
    g_assert_false(chr_fe_backend_open(&t.fe));
    server = new_ok(sopts);
    WAIT_UNTIL(t.nevents == 1);
    g_assert_cmpint(t.events[0], ==, CHR_EVENT_OPENED);
    tfe_detach(&t);
    chardev_remove(client);
    chardev_remove(server);
}

/* Input flow control: the frontend gets no more than it offers to take. */
static void test_flow_control(void)
{
    g_autofree char *sock = tmp_path("flow.sock");
    g_autofree char *opts = g_strdup_printf(
        "socket,id=flow,path=%s,server=on,wait=off", sock);
    Chardev *chr = new_ok(opts);
    GString *sent = g_string_new(NULL);
    TestFe t;
    int fd;

    for (int i = 0; i < 3000; i++) {
        g_string_append_c(sent, 'a' + i % 26);
    }
    tfe_attach(&t, chr);
    t.room = 10;
    fd = unix_connect(sock);
    fd_send(fd, sent->str);
    WAIT_UNTIL(t.got->len == 10);
    spin_main_loop();
    g_assert_cmpint(t.got->len, ==, 10);      /* paused */

    t.room = 1;                 /* resume a byte at a time for a while */
    chr_fe_accept_input(&t.fe);
    WAIT_UNTIL(t.got->len == 11);
    spin_main_loop();
    g_assert_cmpint(t.got->len, ==, 11);

    t.room = -1;
    chr_fe_accept_input(&t.fe);
    WAIT_UNTIL(t.got->len == sent->len);
    g_assert_cmpmem(t.got->data, t.got->len, sent->str, sent->len);

    close(fd);
    WAIT_UNTIL(tfe_count(&t, CHR_EVENT_CLOSED) == 1);
    tfe_detach(&t);
    chardev_remove(chr);
    g_string_free(sent, true);
}

/* File, ringbuf, logfile. */

static void test_file(void)
{
    g_autofree char *path = tmp_path("out.txt");
    g_autofree char *opts = g_strdup_printf("file,id=f,path=%s", path);
    g_autofree char *append = g_strdup_printf("file,id=f,path=%s,append=on",
                                              path);
    g_autofree char *contents = NULL;
    Chardev *chr;
    TestFe t;

    g_assert_true(g_file_set_contents(path, "old\n", -1, NULL));
    chr = new_ok(opts);             /* truncates */
    tfe_attach(&t, chr);
    g_assert_cmpint(t.nevents, ==, 1);
    tfe_write(&t, "first\n");
    tfe_detach(&t);
    chardev_remove(chr);

    chr = new_ok(append);
    tfe_attach(&t, chr);
    tfe_write(&t, "second\n");
    tfe_detach(&t);
    chardev_remove(chr);

    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "first\nsecond\n");
}

static void test_ringbuf_and_logfile(void)
{
    g_autofree char *log = tmp_path("log.txt");
    g_autofree char *opts = g_strdup_printf("ringbuf,id=rb,size=8,logfile=%s",
                                            log);
    g_autofree char *logged = NULL;
    Chardev *chr = new_ok(opts);
    uint8_t buf[16];
    TestFe t;

    g_assert_true(chardev_is_ringbuf(chr));
    tfe_attach(&t, chr);
    tfe_write(&t, "0123456789");            /* keeps the last 8 */
    g_assert_cmpint(chardev_ringbuf_read(chr, buf, 3), ==, 3);
    g_assert_cmpmem(buf, 3, "234", 3);
    chardev_ringbuf_write(chr, (const uint8_t *)"ab", 2);
    g_assert_cmpint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 7);
    g_assert_cmpmem(buf, 7, "56789ab", 7);
    g_assert_cmpint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 0);
    tfe_detach(&t);
    chardev_remove(chr);

    g_assert_true(g_file_get_contents(log, &logged, NULL, NULL));
    g_assert_cmpstr(logged, ==, "0123456789");
}

/* The mux. */

static int quit_requests;

static void count_quit(void)
{
    quit_requests++;
}

static char *ringbuf_take(Chardev *chr)
{
    static uint8_t buf[4096];
    size_t n = chardev_ringbuf_read(chr, buf, sizeof(buf) - 1);

    buf[n] = 0;
    return g_strdup((char *)buf);
}

static void mux_type(Chardev *base, const char *keys)
{
    chardev_read(base, (const uint8_t *)keys, strlen(keys));
}

static void test_mux(void)
{
    void (*saved_quit)(void) = chardev_mux_quit;
    Chardev *mux = new_ok("ringbuf,id=m0,mux=on");
    Chardev *base = chardev_find("m0-base");
    g_autofree char *help = NULL;
    g_autofree char *bye = NULL;
    g_autofree char *out = NULL;
    TestFe serial, monitor;

    g_assert_nonnull(base);
    g_assert_cmpstr(mux->filename, ==, "mux");
    chardev_mux_quit = count_quit;

    tfe_attach(&monitor, mux);
    tfe_attach(&serial, mux);       /* the newest frontend has the focus */
    g_assert_cmpint(monitor.events[0], ==, CHR_EVENT_MUX_IN);
    g_assert_cmpint(monitor.events[1], ==, CHR_EVENT_OPENED);
    g_assert_cmpint(monitor.events[2], ==, CHR_EVENT_MUX_OUT);
    g_assert_cmpint(serial.events[0], ==, CHR_EVENT_MUX_IN);
    g_assert_cmpint(serial.events[1], ==, CHR_EVENT_OPENED);
    serial.nevents = monitor.nevents = 0;

    mux_type(base, "ls\r");
    g_assert_true(tfe_got(&serial, "ls\r"));
    g_assert_cmpint(monitor.got->len, ==, 0);

    /* Ctrl-A c: the monitor gets the focus; input before it stays. */
    mux_type(base, "a\001cinfo");
    g_assert_true(tfe_got(&serial, "ls\ra"));
    g_assert_true(tfe_got(&monitor, "info"));
    g_assert_cmpint(serial.events[0], ==, CHR_EVENT_MUX_OUT);
    g_assert_cmpint(monitor.events[0], ==, CHR_EVENT_MUX_IN);

    /* Ctrl-A Ctrl-A types a Ctrl-A; Ctrl-A b is a break. */
    mux_type(base, "\001\001\001b");
    g_assert_true(tfe_got(&monitor, "info\001"));
    g_assert_cmpint(monitor.events[1], ==, CHR_EVENT_BREAK);
    mux_type(base, "\001c");
    g_assert_cmpint(tfe_count(&serial, CHR_EVENT_MUX_IN), ==, 1);

    /* An escape split over two reads still works. */
    mux_type(base, "\001");
    mux_type(base, "h");
    help = ringbuf_take(base);
    g_assert_nonnull(strstr(help, "C-a h    show this help\r\n"));
    g_assert_nonnull(strstr(help, "C-a x    quit the emulator\r\n"));
    g_assert_nonnull(strstr(help, "C-a c    switch between"));

    /* Output of every frontend goes out. */
    tfe_write(&serial, "console;");
    tfe_write(&monitor, "monitor");
    out = ringbuf_take(base);
    g_assert_cmpstr(out, ==, "console;monitor");

    mux_type(base, "\001x");
    g_assert_cmpint(quit_requests, ==, 1);
    bye = ringbuf_take(base);
    g_assert_cmpstr(bye, ==, "vireo: terminated\r\n");
    g_assert_true(tfe_got(&serial, "ls\ra"));     /* keys were not typed */

    /* A mux with frontends cannot be removed; its base neither. */
    g_assert_false(chardev_remove_by_label("m0", NULL));
    g_assert_false(chardev_remove_by_label("m0-base", NULL));
    tfe_detach(&serial);
    tfe_detach(&monitor);
    chardev_mux_quit = saved_quit;
    chardev_remove(mux);
    g_assert_true(chardev_remove_by_label("m0-base", NULL));
}

/* The mux passes flow control through: the serial port's FIFO fills, the
 * mux queue fills, the backend stops reading; nothing is lost. */
static void test_mux_flow_control(void)
{
    g_autofree char *sock = tmp_path("muxflow.sock");
    g_autofree char *opts = g_strdup_printf(
        "socket,id=mf,path=%s,server=on,wait=off,mux=on", sock);
    Chardev *mux = new_ok(opts);
    GString *sent = g_string_new(NULL);
    TestFe t;
    int fd;

    for (int i = 0; i < 5000; i++) {
        g_string_append_c(sent, 'A' + i % 26);
    }
    tfe_attach(&t, mux);
    t.room = 16;
    fd = unix_connect(sock);
    WAIT_UNTIL(tfe_count(&t, CHR_EVENT_OPENED) == 1);
    fd_send(fd, sent->str);
    WAIT_UNTIL(t.got->len == 16);
    spin_main_loop();
    g_assert_cmpint(t.got->len, ==, 16);
    while (t.got->len < sent->len) {
        guint before = t.got->len;

        t.room = 100;
        chr_fe_accept_input(&t.fe);
        WAIT_UNTIL(t.got->len >= MIN(before + 100, sent->len));
    }
    g_assert_cmpmem(t.got->data, t.got->len, sent->str, sent->len);
    close(fd);
    tfe_detach(&t);
    chardev_remove(mux);
    chardev_remove(chardev_find("mf-base"));
    g_string_free(sent, true);
}

/* stdio (fd 0 replaced by a pipe) and pty. */

static void test_stdio(void)
{
    int saved_stdin = dup(STDIN_FILENO);
    int pipefd[2];
    Chardev *chr;
    TestFe t;

    g_assert_cmpint(pipe(pipefd), ==, 0);
    dup2(pipefd[0], STDIN_FILENO);
    close(pipefd[0]);
    chr = new_ok("stdio,id=io,signal=off");
    g_assert_cmpstr(chr->filename, ==, "stdio");
    expect_error("stdio,id=io2", "cannot use stdio by multiple character devices");

    tfe_attach(&t, chr);
    g_assert_cmpint(t.events[0], ==, CHR_EVENT_OPENED);
    fd_send(pipefd[1], "typed");
    WAIT_UNTIL(t.got->len == 5);
    g_assert_true(tfe_got(&t, "typed"));
    close(pipefd[1]);
    WAIT_UNTIL(tfe_count(&t, CHR_EVENT_CLOSED) == 1);

    tfe_detach(&t);
    chardev_remove(chr);
    chardev_restore_terminals();        /* harmless without a terminal */
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
    chardev_remove(new_ok("stdio,id=io2"));     /* free again */
}

static void test_pty(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *reply = NULL;
    Chardev *chr = chardev_new_from_opts("pty,id=pt", &err);
    const char *slave;
    TestFe t;
    int fd;

    if (!chr) {
        g_test_skip(err->message);
        return;
    }
    g_assert_true(g_str_has_prefix(chr->filename, "pty:/dev/"));
    slave = chr->filename + strlen("pty:");
    tfe_attach(&t, chr);
    g_assert_cmpint(t.nevents, ==, 0);          /* nobody on the slave */
    tfe_write(&t, "dropped");

    fd = open(slave, O_RDWR | O_NOCTTY);
    g_assert_cmpint(fd, >=, 0);
    WAIT_UNTIL(t.nevents == 1);                 /* found by the probe */
    g_assert_cmpint(t.events[0], ==, CHR_EVENT_OPENED);
    fd_send(fd, "in\n");
    WAIT_UNTIL(t.got->len == 3);
    g_assert_true(tfe_got(&t, "in\n"));         /* raw: no translation */
    tfe_write(&t, "out\r\n");
    reply = fd_recv(fd, 5);
    g_assert_cmpstr(reply, ==, "out\r\n");
    close(fd);
    WAIT_UNTIL(tfe_count(&t, CHR_EVENT_CLOSED) == 1);
    tfe_detach(&t);
    chardev_remove(chr);
}

static void test_cleanup_all(void)
{
    g_autofree char *sock = tmp_path("exit.sock");
    g_autofree char *opts = g_strdup_printf(
        "socket,id=ex,path=%s,server=on,wait=off,mux=on", sock);
    Chardev *mux = new_ok(opts);
    TestFe t;

    new_ok("null,id=other");
    tfe_attach(&t, mux);
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    chardev_cleanup_all();
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    g_assert_null(chardev_find("ex"));
    g_assert_null(chardev_find("ex-base"));
    g_assert_null(chardev_find("other"));
    g_assert_false(chr_fe_backend_connected(&t.fe));    /* left detached */
    tfe_detach(&t);
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("vireo-chardev-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/chardev/opts/errors", test_opts_errors);
    g_test_add_func("/chardev/opts/booleans", test_opts_booleans);
    g_test_add_func("/chardev/shorthand", test_shorthand);
    g_test_add_func("/chardev/frontend/busy", test_frontend_busy);
    g_test_add_func("/chardev/socket/unix-server", test_socket_unix_server);
    g_test_add_func("/chardev/socket/wait", test_socket_wait);
    g_test_add_func("/chardev/socket/tcp", test_socket_tcp);
    g_test_add_func("/chardev/socket/client", test_socket_client_errors);
    g_test_add_func("/chardev/flow-control", test_flow_control);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/ringbuf-logfile", test_ringbuf_and_logfile);
    g_test_add_func("/chardev/mux/escapes", test_mux);
    g_test_add_func("/chardev/mux/flow-control", test_mux_flow_control);
    g_test_add_func("/chardev/stdio", test_stdio);
    g_test_add_func("/chardev/pty", test_pty);
    g_test_add_func("/chardev/cleanup-all", test_cleanup_all);
    rc = g_test_run();

    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        g_autofree char *path = tmp_path(name);
        g_unlink(path);
    }
    g_rmdir(tmpdir);
    return rc;
}
