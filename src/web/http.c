/*
 * http.c — the HTTP server on libmicrohttpd: the one file that includes
 * <microhttpd.h>.
 *
 * It turns each MHD connection callback sequence into one struct
 * http_request (headers, query and body copied into a per-request arena),
 * hands it to the application, and turns the struct http_response back into
 * an MHD response.
 *
 * It is also the edge that refuses ambiguity, which libmicrohttpd 0.9.75
 * (the only version Debian has) does not: the request target is checked as
 * it arrived (the URI-log callback sees it before %-decoding), the headers
 * as received (http_check_uri / http_check_headers in request.c, pure), and
 * a request that fails is answered 400 at once — before any body is read —
 * with "Connection: close", so bytes after it are never read as a request.
 * A watchdog thread gives every request a total deadline for its request
 * line and headers (slow headers), and connections are counted per server
 * and per client address here, so the limits answer 503 / 429 rather than
 * dropping the connection. What the library answers itself (a malformed
 * request line, an over-long URI or header block, a non-numeric
 * Content-Length, an HTTP/2 preface) it answers before any callback of
 * ours runs; docs/security.md lists those.
 */
#include "web/http.h"
#include "web/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One open connection, as the limits and the header watchdog see it. */
struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int64_t deadline_ms;             /* the current request's headers must be in by then */
    bool in_headers;                 /* waiting for a request line and headers */
    bool shut;                       /* the watchdog has shut it down */
    bool over_total;                 /* opened while the server was full */
    bool over_address;               /* opened while its address was at its cap */
    int addr_slot;                   /* its entry in addr_counts, or -1 (not counted) */
    char addr[INET6_ADDRSTRLEN + 1]; /* the peer's address, as text */
};

enum { ADDR_SLOTS = 4096 };

/* libmicrohttpd's memory pool per connection: the request line, the header
 * block and the parsed headers, the query, the answer's header block. A
 * request body passes through it in pieces (copied out as it arrives, see
 * on_request), so it does not need to hold one. The library zeroes the
 * whole pool after every request and every open connection keeps one, so
 * its size is paid per request in CPU and per connection in memory: 64 KiB
 * cost about a seventh of /healthz's CPU and 16 MiB of resident memory at
 * 256 connections. 16 KiB still takes 64 headers and 64 query parameters
 * (tests/api/edge.test.mjs); a header block that does not fit is answered
 * 431 by the library. */
enum { CONNECTION_MEMORY = 16 * 1024 };

struct addr_count {
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned n;
};

struct http_server {
    struct MHD_Daemon *daemon; /* NULL until http_server_run */
    struct http_server_config cfg;
    int listen_fd;
    atomic_int in_flight; /* requests begun and not yet completed */
    http_handler_fn *fn;
    void *ctx;
    size_t max_body;
    uint16_t port;
    /* connections: guarded by mu */
    pthread_mutex_t mu;
    struct conn_track *conns;
    unsigned open;
    struct addr_count *addrs; /* open addressing, ADDR_SLOTS entries */
    pthread_t watchdog;
    bool watchdog_running;
    atomic_bool stopping;
};

/* The state kept across the callbacks of one request. */
struct conn_state {
    struct arena *arena;
    char *body;
    size_t body_len;
    size_t body_cap;
    bool started; /* the first access-handler call has happened */
    bool too_large;
    bool answered;
    enum http_transport_error uri_error; /* from the raw request target */
    struct http_kv *headers;             /* collected once, by first_look */
    size_t n_headers;
    bool headers_collected;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct kv_collect {
    struct arena *arena;
    struct http_kv *items;
    size_t n, cap;
    bool oom;
};

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    struct kv_collect *c = cls;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct http_kv *items = arena_alloc(c->arena, cap * sizeof *items);
        if (items == NULL) {
            c->oom = true;
            return MHD_NO;
        }
        if (c->n > 0)
            memcpy(items, c->items, c->n * sizeof *items);
        c->items = items;
        c->cap = cap;
    }
    c->items[c->n].key = arena_strdup(c->arena, key != NULL ? key : "");
    c->items[c->n].value = arena_strdup(c->arena, value != NULL ? value : "");
    if (c->items[c->n].key == NULL || c->items[c->n].value == NULL) {
        c->oom = true;
        return MHD_NO;
    }
    c->n++;
    return MHD_YES;
}

static void client_addr(struct MHD_Connection *conn, char *out, size_t outlen)
{
    snprintf(out, outlen, "unknown");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outlen);
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

static enum MHD_Result respond(struct MHD_Connection *conn, const struct http_response *res,
                               bool close_after)
{
    struct MHD_Response *r;
    if (res->body_static)
        r = MHD_create_response_from_buffer(res->body_len, (void *)res->body,
                                            MHD_RESPMEM_PERSISTENT);
    else
        r = MHD_create_response_from_buffer(res->body_len, (void *)res->body,
                                            MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (res->content_type != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    for (size_t i = 0; i < res->n_headers; i++)
        MHD_add_response_header(r, res->headers[i].key, res->headers[i].value);
    /* libmicrohttpd closes the connection after a response that says so. */
    if (close_after)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result dispatch(struct http_server *s, struct MHD_Connection *conn,
                                struct conn_state *st, const char *url, const char *method,
                                enum http_transport_error te)
{
    struct http_request req = {0};
    req.arena = st->arena;
    req.method = method;
    req.path = url;
    req.transport_error = te;
    req.headers_checked = te == HTTP_TRANSPORT_OK; /* first_look checked them */

    /* first_look collected the headers (they do not change once the
     * request line and header block are in); a request refused before
     * that has them collected here */
    if (!st->headers_collected) {
        struct kv_collect hc = {.arena = st->arena};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &hc);
        if (hc.oom)
            return MHD_NO; /* out of memory: drop the connection */
        st->headers = hc.items;
        st->n_headers = hc.n;
        st->headers_collected = true;
    }
    struct kv_collect qc = {.arena = st->arena};
    if (te == HTTP_TRANSPORT_OK)
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_kv, &qc);
    if (qc.oom)
        return MHD_NO;
    req.headers = st->headers;
    req.n_headers = st->n_headers;
    req.query = qc.items;
    req.n_query = qc.n;
    if (st->body != NULL) {
        req.body = st->body;
        req.body_len = st->body_len;
    }
    /* the peer's address, noted once per connection (on_connection) */
    char addr[INET6_ADDRSTRLEN + 1];
    const struct conn_track *t = track_of(conn);
    if (t != NULL)
        req.client_addr = t->addr;
    else {
        client_addr(conn, addr, sizeof addr);
        req.client_addr = addr;
    }

    struct http_response res = {.status = 500};
    s->fn(s->ctx, &req, &res);
    st->answered = true;
    return respond(conn, &res, te != HTTP_TRANSPORT_OK);
}

static struct conn_state *state_new(void)
{
    struct conn_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->arena = arena_new();
    if (st->arena == NULL) {
        free(st);
        return NULL;
    }
    return st;
}

/* The URI-log callback: the request target as it arrived, before
 * libmicrohttpd %-decodes it (after which a %00 has cut the path short).
 * What it returns becomes the request's *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct http_server *s = cls;
    struct conn_state *st = state_new();
    enum http_transport_error e = http_check_uri(uri, s->cfg.max_query_params);
    if (st != NULL)
        st->uri_error = e;
    /* libmicrohttpd 0.9.75 parses the query into its per-connection memory
     * pool right after this call; a thousand tiny parameters exhaust the
     * pool, and its own 431 then cannot be sent either: the connection
     * hangs until the idle timeout. `uri` points into the library's own
     * writable read buffer (the library has already noted where the '?'
     * is), so for a request refused anyway we end the string just after
     * the '?': an empty query is parsed, the access handler runs, and the
     * refusal is a prompt 400 like any other (tests/api/edge.test.mjs). */
    if (e == HTTP_TRANSPORT_TOO_MANY_PARAMS) {
        char *q = strchr((char *)(uintptr_t)uri, '?');
        if (q != NULL)
            q[1] = '\0';
    }
    return st;
}

/* The first call for a request: the request line and headers are in, no
 * body has been read. Everything that can refuse the request does so here,
 * so a refusal is answered at once. */
static enum http_transport_error first_look(struct http_server *s, struct MHD_Connection *conn,
                                            struct conn_state *st, const char *method)
{
    struct conn_track *t = track_of(conn);
    if (t != NULL) {
        pthread_mutex_lock(&s->mu);
        t->in_headers = false;
        bool total = t->over_total, address = t->over_address;
        pthread_mutex_unlock(&s->mu);
        if (total)
            return HTTP_TRANSPORT_SERVER_FULL;
        if (address)
            return HTTP_TRANSPORT_ADDRESS_FULL;
    }
    if (st->uri_error != HTTP_TRANSPORT_OK)
        return st->uri_error;
    if (http_check_method(method) != HTTP_TRANSPORT_OK)
        return HTTP_TRANSPORT_BAD_METHOD;
    struct kv_collect hc = {.arena = st->arena};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &hc);
    if (!hc.oom) {
        st->headers = hc.items;
        st->n_headers = hc.n;
        st->headers_collected = true;
    }
    enum http_transport_error e = hc.oom ? HTTP_TRANSPORT_TOO_MANY_HEADERS
                                         : http_check_headers(hc.items, hc.n, s->cfg.max_headers);
    if (e != HTTP_TRANSPORT_OK)
        return e;
    /* Refuse before reading: a declared length over the limit. */
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > s->max_body)
        return HTTP_TRANSPORT_TOO_LARGE;
    return HTTP_TRANSPORT_OK;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;

    if (st == NULL) { /* the URI-log callback could not allocate */
        st = state_new();
        if (st == NULL)
            return MHD_NO;
        st->uri_error = HTTP_TRANSPORT_BAD_PATH; /* unseen: refuse rather than guess */
        *con_cls = st;
    }
    if (!st->started) {
        st->started = true;
        atomic_fetch_add(&s->in_flight, 1);
        enum http_transport_error e = first_look(s, conn, st, method);
        if (e != HTTP_TRANSPORT_OK)
            return dispatch(s, conn, st, url, method, e);
        return MHD_YES;
    }
    if (st->answered)
        return MHD_YES;

    if (*upload_data_size != 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_large || n > s->max_body - st->body_len) {
            st->too_large = true; /* keep reading, keep nothing */
            return MHD_YES;
        }
        if (st->body_len + n + 1 > st->body_cap) {
            size_t cap = st->body_cap ? st->body_cap : 1024;
            while (cap < st->body_len + n + 1)
                cap *= 2;
            char *body = arena_alloc(st->arena, cap);
            if (body == NULL)
                return MHD_NO;
            if (st->body_len > 0)
                memcpy(body, st->body, st->body_len);
            st->body = body;
            st->body_cap = cap;
        }
        memcpy(st->body + st->body_len, upload_data, n);
        st->body_len += n;
        st->body[st->body_len] = '\0';
        return MHD_YES;
    }
    return dispatch(s, conn, st, url, method,
                    st->too_large ? HTTP_TRANSPORT_TOO_LARGE : HTTP_TRANSPORT_OK);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;
    /* The next request on this connection gets a fresh header deadline. */
    struct conn_track *t = track_of(conn);
    if (t != NULL) {
        pthread_mutex_lock(&s->mu);
        t->in_headers = true;
        t->deadline_ms = now_ms() + (int64_t)s->cfg.header_timeout_seconds * 1000;
        pthread_mutex_unlock(&s->mu);
    }
    if (st == NULL)
        return;
    if (st->started)
        atomic_fetch_sub(&s->in_flight, 1);
    arena_free(st->arena);
    free(st);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages, through the escaping log at level warn. */
__attribute__((format(printf, 2, 0))) static void on_library_log(void *cls, const char *fmt,
                                                                 va_list ap)
{
    (void)cls;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    log_event(LOG_WARN, "http", "%s", msg);
}

/* ---- connections: limits and the header deadline --------------------------- */

/* The slot of addr in the per-address counts (inserting it), or -1 when the
 * table is full. Called with s->mu held. */
static int addr_slot(struct http_server *s, const char *addr)
{
    unsigned h = 2166136261u;
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (unsigned i = 0; i < ADDR_SLOTS; i++) {
        struct addr_count *a = &s->addrs[(h + i) % ADDR_SLOTS];
        if (a->n == 0 || strcmp(a->addr, addr) == 0) {
            if (a->n == 0)
                snprintf(a->addr, sizeof a->addr, "%s", addr);
            return (int)((h + i) % ADDR_SLOTS);
        }
    }
    return -1;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_track *t = calloc(1, sizeof *t);
        *socket_context = t;
        if (t == NULL)
            return;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        t->fd = ci != NULL ? ci->connect_fd : -1;
        t->in_headers = true;
        t->deadline_ms = now_ms() + (int64_t)s->cfg.header_timeout_seconds * 1000;
        t->addr_slot = -1;
        client_addr(conn, t->addr, sizeof t->addr);
        const char *addr = t->addr;
        bool exempt =
            s->cfg.per_ip_exempt != NULL && cidr_list_contains(s->cfg.per_ip_exempt, addr);
        pthread_mutex_lock(&s->mu);
        t->next = s->conns;
        if (s->conns != NULL)
            s->conns->prev = t;
        s->conns = t;
        s->open++;
        t->over_total = s->open > s->cfg.connection_limit;
        if (!exempt && s->cfg.per_ip_limit > 0) {
            t->addr_slot = addr_slot(s, addr);
            if (t->addr_slot >= 0) {
                unsigned n = ++s->addrs[t->addr_slot].n;
                t->over_address = n > s->cfg.per_ip_limit;
            }
        }
        pthread_mutex_unlock(&s->mu);
        return;
    }
    struct conn_track *t = *socket_context;
    if (t == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        s->conns = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    s->open--;
    if (t->addr_slot >= 0 && s->addrs[t->addr_slot].n > 0)
        s->addrs[t->addr_slot].n--;
    pthread_mutex_unlock(&s->mu);
    free(t);
    *socket_context = NULL;
}

/* Shuts down connections whose request line and headers are not complete by
 * their deadline: one header line every few seconds no longer holds a
 * connection. shutdown(2), not close: libmicrohttpd still owns the
 * descriptor, sees the end of the stream and cleans up. */
static void *watchdog(void *arg)
{
    struct http_server *s = arg;
    while (!atomic_load(&s->stopping)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        int64_t now = now_ms();
        pthread_mutex_lock(&s->mu);
        for (struct conn_track *t = s->conns; t != NULL; t = t->next) {
            if (t->in_headers && !t->shut && t->fd >= 0 && now > t->deadline_ms) {
                shutdown(t->fd, SHUT_RDWR);
                t->shut = true;
            }
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* A listening TCP socket on cfg->listen_addr:cfg->port, non-blocking (the
 * thread pool needs it), or MHD_INVALID_SOCKET with a message on stderr. */
static int listen_socket(const struct http_server_config *cfg, uint16_t *bound_port)
{
    struct sockaddr_storage ss = {0};
    socklen_t sslen;
    int family;
    if (strchr(cfg->listen_addr, ':') != NULL) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(cfg->port);
        if (inet_pton(AF_INET6, cfg->listen_addr, &a6->sin6_addr) != 1) {
            fprintf(stderr, "dyad: bad listen address %s\n", cfg->listen_addr);
            return -1;
        }
        family = AF_INET6;
        sslen = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons(cfg->port);
        if (inet_pton(AF_INET, cfg->listen_addr, &a4->sin_addr) != 1) {
            fprintf(stderr, "dyad: bad listen address %s\n", cfg->listen_addr);
            return -1;
        }
        family = AF_INET;
        sslen = sizeof *a4;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        fprintf(stderr, "dyad: cannot make a socket: %s\n", strerror(errno));
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        fprintf(stderr, "dyad: cannot listen on %s:%u: %s\n", cfg->listen_addr, cfg->port,
                strerror(errno));
        close(fd);
        return -1;
    }
    *bound_port = cfg->port;
    struct sockaddr_storage got;
    memset(&got, 0, sizeof got);
    socklen_t glen = sizeof got;
    if (getsockname(fd, (struct sockaddr *)&got, &glen) == 0) {
        in_port_t port;
        if (got.ss_family == AF_INET6) {
            struct sockaddr_in6 a6;
            memcpy(&a6, &got, sizeof a6);
            port = a6.sin6_port;
        } else {
            struct sockaddr_in a4;
            memcpy(&a4, &got, sizeof a4);
            port = a4.sin_port;
        }
        *bound_port = ntohs(port);
    }
    return fd;
}

struct http_server *http_server_listen(const struct http_server_config *cfg)
{
    struct http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    if (s->cfg.header_timeout_seconds == 0)
        s->cfg.header_timeout_seconds = 10;
    if (s->cfg.max_headers == 0)
        s->cfg.max_headers = HTTP_MAX_HEADERS;
    if (s->cfg.max_query_params == 0)
        s->cfg.max_query_params = HTTP_MAX_QUERY_PARAMS;
    s->max_body = cfg->max_body;
    s->addrs = calloc(ADDR_SLOTS, sizeof *s->addrs);
    if (s->addrs == NULL) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->listen_fd = listen_socket(cfg, &s->port);
    if (s->listen_fd < 0) {
        pthread_mutex_destroy(&s->mu);
        free(s->addrs);
        free(s);
        return NULL;
    }
    return s;
}

int http_server_run(struct http_server *s, http_handler_fn *fn, void *ctx)
{
    const struct http_server_config *cfg = &s->cfg;
    s->fn = fn;
    s->ctx = ctx;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (strchr(cfg->listen_addr, ':') != NULL)
        flags |= MHD_USE_IPv6;
    /* The limits are counted here (on_connection) so that a connection over
     * them is answered 503 / 429; libmicrohttpd's own limit, which drops
     * connections unanswered, is only a backstop above ours. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_library_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
        cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        cfg->connection_limit + cfg->connection_limit / 8 + 16, MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        fprintf(stderr, "dyad: cannot start serving on %s:%u\n", cfg->listen_addr, s->port);
        return -1;
    }
    if (pthread_create(&s->watchdog, NULL, watchdog, s) != 0) {
        fprintf(stderr, "dyad: cannot start the header watchdog\n");
        return -1;
    }
    s->watchdog_running = true;
    return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

static void server_free(struct http_server *s)
{
    pthread_mutex_destroy(&s->mu);
    free(s->addrs);
    free(s);
}

void http_server_stop(struct http_server *s, unsigned grace_ms)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, true);
    if (s->watchdog_running)
        pthread_join(s->watchdog, NULL);
    if (s->daemon == NULL) { /* bound, never served */
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        server_free(s);
        return;
    }
    /* Stop accepting and close the listening socket at once, so that new
     * connections are refused rather than queued unanswered while requests
     * already begun finish (idle keep-alive connections are not waited
     * for); a request still running after grace_ms is cut. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (unsigned waited = 0; waited < grace_ms; waited += 20) {
        if (atomic_load(&s->in_flight) == 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int cut = atomic_load(&s->in_flight);
    if (cut > 0)
        log_event(LOG_WARN, "stop", "%d request%s still running after %u s cut", cut,
                  cut == 1 ? "" : "s", grace_ms / 1000);
    MHD_stop_daemon(s->daemon);
    server_free(s);
}
