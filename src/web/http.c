/*
 * http.c — the HTTP server on libmicrohttpd: the one file that includes
 * <microhttpd.h>.
 *
 * It turns each MHD connection callback sequence into one struct
 * http_request (headers, query and body copied into a per-request arena),
 * hands it to the application, and turns the struct http_response back into
 * an MHD response. It also enforces what MHD 0.9.75 does not: a body size
 * limit (before and while reading) and the rejection of two different
 * Content-Length headers (request smuggling).
 */
#include "web/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *daemon; /* NULL until http_server_run */
    struct http_server_config cfg;
    int listen_fd;
    atomic_int in_flight; /* requests begun and not yet completed */
    http_handler_fn *fn;
    void *ctx;
    size_t max_body;
    uint16_t port;
};

/* The state kept across the callbacks of one request. */
struct conn_state {
    struct arena *arena;
    char *body;
    size_t body_len;
    size_t body_cap;
    bool too_large;
    bool answered;
};

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

/* Two Content-Length headers with different values: a smuggling attempt
 * that MHD 0.9.75 accepts, so we refuse it here. */
static bool duplicate_length(const struct http_kv *h, size_t n)
{
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(h[i].key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
            continue;
        if (first == NULL)
            first = h[i].value;
        else if (strcmp(first, h[i].value) != 0)
            return true;
    }
    return false;
}

static enum MHD_Result respond(struct MHD_Connection *conn, const struct http_response *res)
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

    struct kv_collect hc = {.arena = st->arena};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &hc);
    struct kv_collect qc = {.arena = st->arena};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_kv, &qc);
    if (hc.oom || qc.oom)
        return MHD_NO; /* out of memory: drop the connection */
    req.headers = hc.items;
    req.n_headers = hc.n;
    req.query = qc.items;
    req.n_query = qc.n;
    if (req.transport_error == HTTP_TRANSPORT_OK && duplicate_length(req.headers, req.n_headers))
        req.transport_error = HTTP_TRANSPORT_DUPLICATE_LENGTH;
    if (st->body != NULL) {
        req.body = st->body;
        req.body_len = st->body_len;
    }
    char addr[INET6_ADDRSTRLEN + 1];
    client_addr(conn, addr, sizeof addr);
    req.client_addr = addr;

    struct http_response res = {.status = 500};
    s->fn(s->ctx, &req, &res);
    st->answered = true;
    return respond(conn, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;

    if (st == NULL) {
        st = calloc(1, sizeof *st);
        if (st == NULL)
            return MHD_NO;
        st->arena = arena_new();
        if (st->arena == NULL) {
            free(st);
            return MHD_NO;
        }
        *con_cls = st;
        atomic_fetch_add(&s->in_flight, 1);
        /* Refuse before reading: a declared length over the limit, or two
         * different declared lengths. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == '\0' && n > s->max_body)
                return dispatch(s, conn, st, url, method, HTTP_TRANSPORT_TOO_LARGE);
        }
        struct kv_collect hc = {.arena = st->arena};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &hc);
        if (duplicate_length(hc.items, hc.n))
            return dispatch(s, conn, st, url, method, HTTP_TRANSPORT_DUPLICATE_LENGTH);
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
    (void)conn;
    (void)toe;
    struct http_server *s = cls;
    struct conn_state *st = *con_cls;
    if (st == NULL)
        return;
    atomic_fetch_sub(&s->in_flight, 1);
    arena_free(st->arena);
    free(st);
    *con_cls = NULL;
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
    s->max_body = cfg->max_body;
    s->listen_fd = listen_socket(cfg, &s->port);
    if (s->listen_fd < 0) {
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
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        cfg->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        fprintf(stderr, "dyad: cannot start serving on %s:%u\n", cfg->listen_addr, s->port);
        return -1;
    }
    return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s, unsigned grace_ms)
{
    if (s == NULL)
        return;
    if (s->daemon == NULL) { /* bound, never served */
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return;
    }
    /* Stop accepting; requests already begun finish (idle keep-alive
     * connections are not waited for). */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    for (unsigned waited = 0; waited < grace_ms; waited += 20) {
        if (atomic_load(&s->in_flight) == 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(s);
}
