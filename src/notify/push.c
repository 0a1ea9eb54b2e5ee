/*
 * push.c — see push.h. The HTTP client is libcurl; the cryptography is
 * crypto/webpush.c (OpenSSL). This file decides which endpoints are
 * acceptable, which addresses may be connected to, the request's headers,
 * and what each answer of a push service means.
 */
#include "notify/push.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/throttle.h"
#include "web/log.h"

/* Addresses a push service never has: this machine, private networks,
 * link-local, shared address space, IPv4 mapped into IPv6. Connecting to
 * them would let anyone with an account make the server POST inside the
 * operator's network. */
static const char forbidden_text[] =
    "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, "
    "192.168.0.0/16, ::/127, fc00::/7, fe80::/10, ::ffff:0:0/96";
static struct cidr_list forbidden;

int push_sender_init(struct push_sender *s, const char *key_file, const char *contact,
                     bool allow_http_loopback, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (cidr_list_parse(forbidden_text, &forbidden) != 0) {
        snprintf(err, errlen, "push: bad address list");
        return -1;
    }
    s->vapid = webpush_vapid_load(key_file, err, errlen);
    if (s->vapid == NULL)
        return -1;
    unsigned char pub[WEBPUSH_PUBLIC_LEN];
    webpush_key_public(s->vapid, pub);
    webpush_b64url(s->vapid_public, sizeof s->vapid_public, pub, sizeof pub);
    snprintf(s->contact, sizeof s->contact, "%s", contact != NULL ? contact : "");
    s->allow_http_loopback = allow_http_loopback;
    return 0;
}

void push_sender_free(struct push_sender *s)
{
    if (s == NULL)
        return;
    webpush_key_free(s->vapid);
    s->vapid = NULL;
}

static bool numeric_host(const char *host, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)host[i]) && host[i] != '.')
            return false;
    return true;
}

const char *push_endpoint_problem(const char *endpoint, bool allow_http_loopback)
{
    size_t len = strlen(endpoint);
    if (len == 0 || len >= STORE_PUSH_ENDPOINT_MAX)
        return "The push endpoint is empty or too long.";
    for (const unsigned char *p = (const unsigned char *)endpoint; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '<' || *p == '>')
            return "The push endpoint has characters a URL cannot have.";
    if (strncmp(endpoint, "http://", 7) == 0) {
        const char *host = endpoint + 7;
        size_t hl = strcspn(host, "/?#");
        bool loopback = (hl == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
                        (hl > 10 && strncmp(host, "127.0.0.1:", 10) == 0 &&
                         strspn(host + 10, "0123456789") == hl - 10);
        if (allow_http_loopback && loopback)
            return NULL;
        return "The push endpoint must be an https:// address.";
    }
    if (strncmp(endpoint, "https://", 8) != 0)
        return "The push endpoint must be an https:// address.";
    const char *host = endpoint + 8;
    size_t hl = strcspn(host, "/?#");
    if (hl == 0 || memchr(host, '@', hl) != NULL)
        return "The push endpoint has no host name.";
    size_t name = host[0] == '[' ? hl : strcspn(host, ":/?#");
    if (host[0] == '[' || numeric_host(host, name))
        return "The push endpoint must name its host, not an address.";
    if ((name == 9 && strncasecmp(host, "localhost", 9) == 0) ||
        (name > 10 && strncasecmp(host + name - 10, ".localhost", 10) == 0))
        return "The push endpoint must be a push service, not this machine.";
    return NULL;
}

/* ---- sending -------------------------------------------------------------------------- */

struct conn_check {
    bool allow_loopback;
    bool refused;
};

/* Every connection libcurl opens comes through here, after DNS: an
 * address a push service cannot have is refused. */
static curl_socket_t open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct conn_check *cc = p;
    char text[INET6_ADDRSTRLEN] = "";
    if (purpose == CURLSOCKTYPE_IPCXN && a->family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr, text,
                  sizeof text);
    else if (purpose == CURLSOCKTYPE_IPCXN && a->family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr, text,
                  sizeof text);
    bool loopback_ok = cc->allow_loopback && strcmp(text, "127.0.0.1") == 0;
    if (text[0] == '\0' || (cidr_list_contains(&forbidden, text) && !loopback_ok)) {
        cc->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t discard(char *data, size_t size, size_t n, void *p)
{
    (void)data;
    (void)p;
    return size * n;
}

enum push_outcome push_send(const struct push_sender *s, struct store *store,
                            const struct push_subscription *sub, const char *text, int64_t now,
                            long *status)
{
    *status = 0;
    char origin[STORE_PUSH_ENDPOINT_MAX];
    if (push_endpoint_problem(sub->endpoint, s->allow_http_loopback) != NULL ||
        webpush_origin(sub->endpoint, origin, sizeof origin) != 0) {
        log_event(LOG_WARN, "push", "a stored endpoint is no longer acceptable; not sent");
        return PUSH_REFUSED;
    }
    unsigned char body[WEBPUSH_HEADER_LEN + 256 + 17];
    size_t body_len = 0;
    char jwt[WEBPUSH_JWT_MAX], auth[WEBPUSH_JWT_MAX + 160], ttl[32];
    if (strlen(text) > 256 ||
        webpush_encrypt(sub->p256dh, sub->auth, text, strlen(text), NULL, NULL, body, sizeof body,
                        &body_len) != 0 ||
        webpush_vapid_jwt(s->vapid, origin, now + PUSH_JWT_SECONDS, s->contact, jwt, sizeof jwt) !=
            0) {
        log_event(LOG_ERROR, "push", "cannot encrypt or sign a message for %s", origin);
        return PUSH_REFUSED;
    }
    snprintf(auth, sizeof auth, "Authorization: vapid t=%s, k=%s", jwt, s->vapid_public);
    snprintf(ttl, sizeof ttl, "TTL: %d", PUSH_TTL_SECONDS);

    CURL *h = curl_easy_init();
    if (h == NULL)
        return PUSH_FAILED;
    struct curl_slist *hd = NULL, *t;
    const char *lines[] = {auth,
                           ttl,
                           "Content-Encoding: aes128gcm",
                           "Content-Type: application/octet-stream",
                           "Urgency: low",
                           "Expect:"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if ((t = curl_slist_append(hd, lines[i])) == NULL) {
            curl_slist_free_all(hd);
            curl_easy_cleanup(h);
            return PUSH_FAILED;
        }
        hd = t;
    }
    struct conn_check cc = {s->allow_http_loopback, false};
    curl_easy_setopt(h, CURLOPT_URL, sub->endpoint);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, s->allow_http_loopback ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)PUSH_TIMEOUT_SECONDS);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "dyad");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &cc);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);

    if (rc != CURLE_OK) {
        log_event(LOG_WARN, "push", "%s: %s", origin,
                  cc.refused ? "refused: the name resolves to a private or local address"
                             : curl_easy_strerror(rc));
        return cc.refused ? PUSH_REFUSED : PUSH_FAILED;
    }
    if (*status >= 200 && *status < 300) {
        log_event(LOG_DEBUG, "push", "%s took a message (%ld)", origin, *status);
        return PUSH_SENT;
    }
    if (*status == 404 || *status == 410) {
        enum store_result r = store_push_gone(store, sub->id, sub->endpoint);
        log_event(LOG_INFO, "push", "%s: the subscription is gone (%ld)%s", origin, *status,
                  r == STORE_OK || r == STORE_NOT_FOUND ? "; removed" : "; could not remove it");
        return PUSH_GONE;
    }
    log_event(LOG_WARN, "push", "%s answered %ld", origin, *status);
    return *status == 429 || *status >= 500 ? PUSH_FAILED : PUSH_REFUSED;
}
