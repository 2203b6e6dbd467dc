/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket backend: a stream socket, unix (path=) or TCP (host=, port=),
 * listening (server=on) or connecting. A server serves one client at a time;
 * others wait in the listen backlog until the current one leaves. Options,
 * defaults (wait=on for servers) and query-chardev filenames follow QEMU.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "chardev-internal.h"

#define SOCKET_BACKLOG 8

typedef struct SocketChardev {
    Chardev parent;
    /* What was asked for. */
    bool is_unix;
    bool is_server;
    bool nodelay;
    int family;                 /* AF_UNSPEC, or AF_INET/AF_INET6 (ipv4=/ipv6=) */
    char *path;                 /* unix */
    char *host, *port;          /* tcp */
    uint64_t reconnect_ms;      /* client: retry period, 0 = give up */
    /* State. */
    int listen_fd;
    guint listen_watch;
    int conn_fd;                /* the peer, -1 when there is none */
    ChrFdReader reader;
    guint reconnect_timer;
    bool made_socket_file;      /* remove path on close, if still ours */
    dev_t file_dev;
    ino_t file_ino;
} SocketChardev;

static const ChardevOption socket_options[] = {
    { "path", CHR_OPT_STR },
    { "host", CHR_OPT_STR },
    { "port", CHR_OPT_STR },
    { "fd", CHR_OPT_STR },
    { "server", CHR_OPT_BOOL },
    { "wait", CHR_OPT_BOOL },
    { "nodelay", CHR_OPT_BOOL },
    { "reconnect", CHR_OPT_NUMBER },
    { "reconnect-ms", CHR_OPT_NUMBER },
    { "ipv4", CHR_OPT_BOOL },
    { "ipv6", CHR_OPT_BOOL },
    { "to", CHR_OPT_NUMBER },
    { "telnet", CHR_OPT_BOOL },
    { "tn3270", CHR_OPT_BOOL },
    { "websocket", CHR_OPT_BOOL },
    { NULL }
};

/* Protocols on top of the stream that Vireo does not speak. */
static const char *const socket_unsupported[] = { "telnet", "tn3270",
                                                  "websocket" };

static void socket_watch_listener(SocketChardev *s);
static void socket_reconnect_later(SocketChardev *s);

/* Names. */

/* "host:port", "[v6]:port" or the unix path of a socket address. */
static char *sockaddr_text(const struct sockaddr_storage *ss, socklen_t len)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];

    if (ss->ss_family == AF_UNIX) {
        return g_strdup(((const struct sockaddr_un *)ss)->sun_path);
    }
    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
                    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)) {
        return g_strdup("?:?");
    }
    return ss->ss_family == AF_INET6 ? g_strdup_printf("[%s]:%s", host, serv)
                                     : g_strdup_printf("%s:%s", host, serv);
}

static char *fd_address(int fd, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                 : getsockname(fd, (struct sockaddr *)&ss, &len);

    return r == 0 ? sockaddr_text(&ss, len) : g_strdup("?:?");
}

/* query-chardev's filename, QEMU's spelling: "unix:/p,server=on",
 * "tcp:127.0.0.1:4444,server=on <-> 127.0.0.1:51234", with a
 * "disconnected:" prefix while there is no peer. */
static void socket_update_filename(SocketChardev *s)
{
    const char *server = s->is_server ? ",server=on" : "";
    g_autofree char *local = NULL;
    g_autofree char *peer = NULL;

    if (s->is_unix) {
        chardev_set_filename(&s->parent, g_strdup_printf("%sunix:%s%s",
                             s->conn_fd < 0 ? "disconnected:" : "",
                             s->path, server));
    } else if (s->conn_fd >= 0) {
        local = fd_address(s->conn_fd, false);
        peer = fd_address(s->conn_fd, true);
        chardev_set_filename(&s->parent, g_strdup_printf("tcp:%s%s <-> %s",
                             local, server, peer));
    } else {
        local = s->listen_fd >= 0 ? fd_address(s->listen_fd, false)
                                  : g_strdup_printf("%s:%s", s->host, s->port);
        chardev_set_filename(&s->parent, g_strdup_printf(
                             "disconnected:tcp:%s%s", local, server));
    }
}

/* Connection state. */

static void socket_hung_up(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    g_mutex_lock(&chr->write_lock);
    close(s->conn_fd);
    s->conn_fd = -1;
    g_mutex_unlock(&chr->write_lock);
    socket_update_filename(s);
    chardev_event(chr, CHR_EVENT_CLOSED);
    if (s->is_server) {
        socket_watch_listener(s);       /* the next client in the backlog */
    } else if (s->reconnect_ms) {
        socket_reconnect_later(s);
    }
}

static void socket_connected(SocketChardev *s, int fd)
{
    int one = 1;

    if (!s->is_unix && s->nodelay) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    g_mutex_lock(&s->parent.write_lock);
    s->conn_fd = fd;
    g_mutex_unlock(&s->parent.write_lock);
    socket_update_filename(s);
    chr_fd_reader_start(&s->reader, &s->parent, fd, true, socket_hung_up);
    chardev_event(&s->parent, CHR_EVENT_OPENED);
}

/* Server side. */

static int socket_accept(SocketChardev *s)
{
    int fd;

    do {
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    return fd;
}

static gboolean socket_listener_ready(int fd, GIOCondition cond,
                                      gpointer opaque)
{
    SocketChardev *s = opaque;
    int conn = socket_accept(s);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;   /* EAGAIN: the client gave up already */
    }
    s->listen_watch = 0;            /* one client at a time */
    socket_connected(s, conn);
    return G_SOURCE_REMOVE;
}

static void socket_watch_listener(SocketChardev *s)
{
    if (!s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        socket_listener_ready, s);
    }
}

/* wait=on: start-up blocks until the first client is there. */
static bool socket_wait_for_client(SocketChardev *s, GError **errp)
{
    struct pollfd p = { .fd = s->listen_fd, .events = POLLIN };
    int fd;

    fprintf(stderr, "vireo: waiting for connection on: %s\n",
            s->parent.filename);
    for (;;) {
        if (poll(&p, 1, -1) < 0 && errno != EINTR) {
            break;
        }
        fd = socket_accept(s);
        if (fd >= 0) {
            socket_connected(s, fd);
            return true;
        }
        if (errno != EAGAIN) {
            break;
        }
    }
    error_setg(errp, "Failed to accept a connection on '%s': %s",
               s->parent.filename, g_strerror(errno));
    return false;
}

static int socket_listen_unix(SocketChardev *s, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    int fd;

    if (strlen(s->path) >= sizeof(sa.sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", s->path);
        return -1;
    }
    strcpy(sa.sun_path, s->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg(errp, "Failed to create socket: %s", g_strerror(errno));
        return -1;
    }
    /* A socket file left by an earlier run would fail bind(); replace it,
     * but never anything else that happens to have the name. */
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(s->path);
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, SOCKET_BACKLOG) < 0) {
        error_setg(errp, "Failed to bind socket to %s: %s", s->path,
                   g_strerror(errno));
        close(fd);
        return -1;
    }
    if (stat(s->path, &st) == 0) {
        s->made_socket_file = true;
        s->file_dev = st.st_dev;
        s->file_ino = st.st_ino;
    }
    return fd;
}

static struct addrinfo *socket_resolve(SocketChardev *s, const char *host,
                                       int flags, GError **errp)
{
    struct addrinfo hints = { .ai_family = s->family,
                              .ai_socktype = SOCK_STREAM, .ai_flags = flags };
    struct addrinfo *list;
    int rc = getaddrinfo(host, s->port, &hints, &list);

    if (rc) {
        error_setg(errp, "address resolution failed for %s:%s: %s", host,
                   s->port, gai_strerror(rc));
        return NULL;
    }
    return list;
}

static int socket_listen_tcp(SocketChardev *s, GError **errp)
{
    const char *host = *s->host ? s->host
                       : s->family == AF_INET6 ? "::" : "0.0.0.0";
    struct addrinfo *list = socket_resolve(s, host, AI_PASSIVE, errp);
    int fd = -1, one = 1, err = 0;

    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
            listen(fd, SOCKET_BACKLOG) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    if (list) {
        freeaddrinfo(list);
        if (fd < 0) {
            error_setg(errp, "Failed to bind socket to %s:%s: %s", host,
                       s->port, g_strerror(err));
        }
    }
    return fd;
}

/* Client side. */

static int socket_connect_unix(SocketChardev *s, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(s->path) >= sizeof(sa.sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", s->path);
        return -1;
    }
    strcpy(sa.sun_path, s->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        return fd;
    }
    error_setg(errp, "Failed to connect to '%s': %s", s->path,
               g_strerror(errno));
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

static int socket_connect_tcp(SocketChardev *s, GError **errp)
{
    const char *host = *s->host ? s->host : "localhost";
    struct addrinfo *list = socket_resolve(s, host, 0, errp);
    int fd = -1, err = 0;

    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
        err = fd < 0 ? errno : 0;
    }
    if (list) {
        freeaddrinfo(list);
        if (fd < 0) {
            error_setg(errp, "Failed to connect to '%s:%s': %s", host,
                       s->port, g_strerror(err));
        }
    }
    return fd;
}

static bool socket_connect(SocketChardev *s, GError **errp)
{
    int fd = s->is_unix ? socket_connect_unix(s, errp)
                        : socket_connect_tcp(s, errp);

    if (fd < 0 || !chr_fd_set_nonblock(fd, errp)) {
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    socket_connected(s, fd);
    return true;
}

static gboolean socket_reconnect(gpointer opaque)
{
    SocketChardev *s = opaque;

    if (!socket_connect(s, NULL)) {
        return G_SOURCE_CONTINUE;
    }
    s->reconnect_timer = 0;
    return G_SOURCE_REMOVE;
}

static void socket_reconnect_later(SocketChardev *s)
{
    if (!s->reconnect_timer) {
        s->reconnect_timer = g_timeout_add(s->reconnect_ms, socket_reconnect,
                                           s);
    }
}

/* fd=N: a socket handed over by whoever started us (libvirt): listening
 * if server=on, connected otherwise. */
static int socket_adopt_fd(SocketChardev *s, const char *str, GError **errp)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int type = 0;
    socklen_t tlen = sizeof(type);
    guint64 fd;

    if (!g_ascii_string_to_unsigned(str, 10, 0, G_MAXINT, &fd, NULL) ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
        type != SOCK_STREAM ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        error_setg(errp, "fd '%s' is not a stream socket", str);
        return -1;
    }
    s->is_unix = ss.ss_family == AF_UNIX;
    if (s->is_unix) {
        s->path = sockaddr_text(&ss, len);
    }
    if (s->is_server) {
        listen(fd, SOCKET_BACKLOG);     /* harmless if it already listens */
    }
    return fd;
}

/* Configuration, with QEMU's rules and messages. */
static bool socket_configure(SocketChardev *s, GHashTable *opts,
                             GError **errp)
{
    s->is_server = chr_opt_bool(opts, "server", false);
    s->nodelay = chr_opt_bool(opts, "nodelay", false);
    s->reconnect_ms = chr_opt_uint(opts, "reconnect-ms",
                                   chr_opt_uint(opts, "reconnect", 0) * 1000);
    s->family = chr_opt_bool(opts, "ipv4", false) ? AF_INET
              : chr_opt_bool(opts, "ipv6", false) ? AF_INET6 : AF_UNSPEC;
    for (size_t i = 0; i < G_N_ELEMENTS(socket_unsupported); i++) {
        if (chr_opt_bool(opts, socket_unsupported[i], false)) {
            error_setg(errp, "chardev: socket: %s=on is not supported",
                       socket_unsupported[i]);
            return false;
        }
    }
    if (s->is_server && s->reconnect_ms) {
        error_setg(errp, "'reconnect' option is incompatible with socket in "
                   "server listen mode");
        return false;
    }
    if (!s->is_server && chr_opt_str(opts, "wait")) {
        error_setg(errp, "'wait' option is incompatible with socket in "
                   "client connect mode");
        return false;
    }
    if (chr_opt_str(opts, "fd")) {
        return true;
    }
    s->path = g_strdup(chr_opt_str(opts, "path"));
    s->is_unix = s->path != NULL;
    if (!s->is_unix) {
        s->host = g_strdup(chr_opt_str(opts, "host"));
        s->port = g_strdup(chr_opt_str(opts, "port"));
        if (!s->host) {
            error_setg(errp, "chardev: socket: no host given");
            return false;
        }
        if (!s->port || !*s->port) {
            error_setg(errp, "chardev: socket: no port given");
            return false;
        }
    }
    return true;
}

static bool socket_open_server(SocketChardev *s, GHashTable *opts,
                               GError **errp)
{
    const char *fd = chr_opt_str(opts, "fd");

    s->listen_fd = fd ? socket_adopt_fd(s, fd, errp)
                 : s->is_unix ? socket_listen_unix(s, errp)
                 : socket_listen_tcp(s, errp);
    if (s->listen_fd < 0 || !chr_fd_set_nonblock(s->listen_fd, errp)) {
        return false;
    }
    socket_update_filename(s);
    if (chr_opt_bool(opts, "wait", true)) {
        return socket_wait_for_client(s, errp);
    }
    socket_watch_listener(s);
    return true;
}

static bool socket_open_client(SocketChardev *s, GHashTable *opts,
                               GError **errp)
{
    const char *fd_str = chr_opt_str(opts, "fd");
    g_autoptr(GError) err = NULL;
    int fd;

    if (fd_str) {
        fd = socket_adopt_fd(s, fd_str, errp);
        if (fd < 0 || !chr_fd_set_nonblock(fd, errp)) {
            return false;
        }
        if (!s->is_unix) {
            s->host = g_strdup("");
            s->port = g_strdup("");
        }
        socket_connected(s, fd);
        return true;
    }
    socket_update_filename(s);
    if (socket_connect(s, &err)) {
        return true;
    }
    if (!s->reconnect_ms) {
        g_propagate_error(errp, g_steal_pointer(&err));
        return false;
    }
    socket_reconnect_later(s);      /* the server may come up later */
    return true;
}

static bool socket_open(Chardev *chr, GHashTable *opts, GError **errp)
{
    SocketChardev *s = (SocketChardev *)chr;

    if (!socket_configure(s, opts, errp)) {
        return false;
    }
    return s->is_server ? socket_open_server(s, opts, errp)
                        : socket_open_client(s, opts, errp);
}

/* Output while nobody is connected is dropped, as in QEMU. A peer that has
 * gone is noticed by the hang-up watch in the main loop. */
static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = (SocketChardev *)chr;

    if (s->conn_fd >= 0) {
        chr_fd_write_all(s->conn_fd, buf, len, true);
    }
    return len;
}

static void socket_update_input(Chardev *chr)
{
    chr_fd_reader_update(&((SocketChardev *)chr)->reader);
}

static void socket_remove_file(SocketChardev *s)
{
    struct stat st;

    if (s->made_socket_file && stat(s->path, &st) == 0 &&
        st.st_dev == s->file_dev && st.st_ino == s->file_ino) {
        unlink(s->path);
    }
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    chr_fd_reader_stop(&s->reader);
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->reconnect_timer) {
        g_source_remove(s->reconnect_timer);
    }
    if (s->conn_fd >= 0) {
        close(s->conn_fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        socket_remove_file(s);
    }
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
}

static void socket_instance_init(Object *obj)
{
    SocketChardev *s = (SocketChardev *)obj;

    s->listen_fd = -1;
    s->conn_fd = -1;
    s->reader.fd = -1;
}

static void socket_class_init(ObjectClass *oc, const void *data)
{
    ChardevClass *cc = (ChardevClass *)oc;

    cc->open = socket_open;
    cc->write = socket_write;
    cc->accept_input = socket_update_input;
    cc->update_read_handler = socket_update_input;
    cc->close = socket_close;
    cc->options = socket_options;
}

static const TypeInfo socket_type = {
    .name = "chardev-socket",
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(SocketChardev),
    .instance_init = socket_instance_init,
    .class_init = socket_class_init,
};
TYPE_REGISTER(socket_type)
