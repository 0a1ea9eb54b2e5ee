/*
 * http.h — dyad's own request/response types, and the HTTP server that
 * fills them (http.c, the only file that includes <microhttpd.h>).
 *
 * Everything above this line of the stack — the router, the handlers, the
 * fuzz targets — sees only these structs, so it can be driven without a
 * socket. A request and all it allocates live in req->arena, which is freed
 * when the response has been sent.
 */
#ifndef DYAD_HTTP_H
#define DYAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/throttle.h"

struct http_kv {
    const char *key;
    const char *value;
};

/* Problems the transport found before the application sees the request.
 * TOO_LARGE is answered 413, SERVER_FULL 503, ADDRESS_FULL 429, every other
 * one 400; and the connection is closed after each: the request's framing
 * or bytes may be ambiguous, so nothing after it on the connection can be
 * trusted to be a request of its own. */
enum http_transport_error {
    HTTP_TRANSPORT_OK = 0,
    HTTP_TRANSPORT_DUPLICATE_LENGTH,    /* more than one Content-Length */
    HTTP_TRANSPORT_TOO_LARGE,           /* body over the configured limit */
    HTTP_TRANSPORT_LENGTH_AND_CHUNKED,  /* Content-Length and Transfer-Encoding */
    HTTP_TRANSPORT_BAD_TRANSFER_CODING, /* Transfer-Encoding other than exactly chunked, or twice */
    HTTP_TRANSPORT_BAD_LENGTH,          /* Content-Length that is not digits */
    HTTP_TRANSPORT_BAD_HEADER, /* a name not an RFC 9110 token, a control byte in a value */
    HTTP_TRANSPORT_TOO_MANY_HEADERS,
    HTTP_TRANSPORT_BAD_PATH, /* %00 anywhere, a control byte (raw or %-encoded) in the path */
    HTTP_TRANSPORT_TOO_MANY_PARAMS, /* more query parameters than allowed */
    HTTP_TRANSPORT_BAD_METHOD,      /* a method that is not a token */
    HTTP_TRANSPORT_SERVER_FULL,     /* the total connection limit is reached: 503 */
    HTTP_TRANSPORT_ADDRESS_FULL,    /* this address's connection cap is reached: 429 */
};

/* Limits of the edge checks (http.c passes the server's). */
enum {
    HTTP_MAX_HEADERS = 64,
    HTTP_MAX_QUERY_PARAMS = 64,
};

/* The edge checks, pure so unit tests and a fuzz target drive them with
 * raw bytes. http_check_uri looks at the request target exactly as it
 * arrived (before %-decoding): %00 anywhere, a control byte in the path
 * raw or %-encoded, more than max_params query parameters.
 * http_check_headers looks at the received header fields: names must be
 * tokens (no whitespace, no control or separator bytes — "Content-Length :"
 * is refused, not ignored), values without control bytes other than tab, at
 * most max_headers fields, at most one Content-Length and it all digits, at
 * most one Transfer-Encoding and it exactly "chunked", never both. The
 * first fault found, or HTTP_TRANSPORT_OK. */
enum http_transport_error http_check_uri(const char *raw_uri, size_t max_params);
enum http_transport_error http_check_headers(const struct http_kv *h, size_t n, size_t max_headers);
/* A method must be a token of at most 16 bytes (no control bytes). */
enum http_transport_error http_check_method(const char *method);

/* A short English sentence for a transport error (the error JSON's message). */
const char *http_transport_message(enum http_transport_error e);

struct http_request {
    const char *method; /* "GET", "POST", … */
    const char *path;   /* decoded path, no query */
    const struct http_kv *headers;
    size_t n_headers;
    const struct http_kv *query; /* decoded query arguments */
    size_t n_query;
    const char *body; /* NUL-terminated copy; NULL when there is none */
    size_t body_len;
    const char *client_addr; /* textual IP address of the peer */
    enum http_transport_error transport_error;
    bool headers_checked; /* http_check_headers has passed them (the server did) */
    struct arena *arena;
};

enum { HTTP_MAX_RESPONSE_HEADERS = 24 };

struct http_response {
    int status;
    const char *content_type;
    const void *body;
    size_t body_len;
    bool body_static; /* body outlives the request (embedded assets) */
    /* a document: what a browser renders as a page or runs as a worker
     * (HTML — also set for a 304 of an HTML file — and /sw.js); it gets the
     * full set of document headers, every other answer the small set */
    bool document;
    struct http_kv headers[HTTP_MAX_RESPONSE_HEADERS];
    size_t n_headers;
};

/* Case-insensitive header lookup; the first match, or NULL. */
const char *http_header(const struct http_request *req, const char *name);

/* The number of headers called name (case-insensitive). */
size_t http_header_count(const struct http_request *req, const char *name);

/* Query argument lookup, or NULL. */
const char *http_query(const struct http_request *req, const char *name);

/* The value of cookie `name` from the Cookie header(s), copied into the
 * arena, or NULL. Malformed cookie strings are skipped, never fatal; a
 * NULL or empty name finds nothing. */
const char *http_cookie(const struct http_request *req, const char *name);

/* Whether an Accept-Encoding value (RFC 9110 §12.5.3) lets the response be
 * gzip: "gzip" or "x-gzip" with a weight above zero, or, when neither is
 * named, "*" with a weight above zero. "q=0" (also "0.0", "0.000") refuses.
 * NULL (no header) and "" give false: identity is always acceptable. */
bool http_accepts_gzip(const char *accept_encoding);
/* The same for brotli ("br"; no alias). */
bool http_accepts_br(const char *accept_encoding);

/* Adds a response header (name and value must outlive the response: static
 * strings or the request arena). Returns -1 when the table is full. */
int http_response_header(struct http_response *res, const char *name, const char *value);

/* The application's entry point: fills res from req. Must not fail to set a
 * status. */
typedef void http_handler_fn(void *ctx, struct http_request *req, struct http_response *res);

struct http_server_config {
    const char *listen_addr;               /* IPv4 or IPv6 literal */
    uint16_t port;                         /* 0: pick an ephemeral port */
    unsigned threads;                      /* worker threads in the pool */
    size_t max_body;                       /* bytes; larger bodies get HTTP_TRANSPORT_TOO_LARGE */
    unsigned connection_limit;             /* open connections; over it a request gets 503 */
    unsigned per_ip_limit;                 /* per client address (0: none); over it 429 */
    const struct cidr_list *per_ip_exempt; /* addresses without a per-address cap (proxies) */
    unsigned timeout_seconds;              /* idle connection timeout */
    unsigned header_timeout_seconds;       /* request line + headers must arrive within (0: 10) */
    unsigned max_headers;                  /* 0: HTTP_MAX_HEADERS */
    unsigned max_query_params;             /* 0: HTTP_MAX_QUERY_PARAMS */
};

struct http_server;

/* Binds and listens, but serves nothing yet: connections wait in the
 * kernel's queue until http_server_run. The port is known from here on, so
 * the application can be configured completely (its public URL may name the
 * port) before any worker thread runs. NULL (with a message on stderr) on
 * failure. */
struct http_server *http_server_listen(const struct http_server_config *cfg);

/* Starts the worker threads, which call fn(ctx, …) for each request. fn and
 * everything it reads must be ready before this call. 0, or -1 with a
 * message on stderr (then still call http_server_stop). */
int http_server_run(struct http_server *s, http_handler_fn *fn, void *ctx);

/* The port actually bound (useful when cfg->port was 0). */
uint16_t http_server_port(const struct http_server *s);

/* Stops accepting, lets in-flight requests finish (up to grace_ms), then
 * stops the workers and frees the server (also one that never ran; NULL is
 * ignored). */
void http_server_stop(struct http_server *s, unsigned grace_ms);

#endif
