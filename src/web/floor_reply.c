/*
 * floor_reply.c — the floor under the handlers: answering a request (JSON,
 * API errors in the one error shape, HTML, 204, store results), reading the
 * field-checked body, and the JSON value helpers every handler uses.
 *
 * Everything here works on a struct ctx and calls nothing above it: no
 * handler, no pipeline step (tools/callgraph-check.mjs keeps it so).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"
#include "crypto/crypto.h"
#include "web/floor.h"

static bool wants_json(const struct ctx *c)
{
    if (strncmp(c->req->path, "/api/", 5) == 0 || strcmp(c->req->method, "GET") != 0)
        return true;
    const char *accept = http_header(c->req, "Accept");
    return accept == NULL || strstr(accept, "text/html") == NULL;
}

void reply_json(struct ctx *c, int status, json_t *obj)
{
    char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (text == NULL) {
        c->res->status = 500;
        c->res->content_type = "application/json";
        c->res->body = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
        c->res->body_len = strlen(c->res->body);
        return;
    }
    char *copy = arena_strdup(c->arena, text);
    free(text);
    c->res->status = status;
    c->res->content_type = "application/json";
    c->res->body = copy != NULL ? copy : "{}";
    c->res->body_len = copy != NULL ? strlen(copy) : 2;
}

void reply_html(struct ctx *c, int status, const char *html)
{
    c->res->status = status;
    c->res->content_type = "text/html; charset=utf-8";
    c->res->body = html;
    c->res->body_len = strlen(html);
}

void reply_error(struct ctx *c, enum api_error e, const char *field, const char *message)
{
    if (message == NULL)
        message = api_error_message(e);
    int status = api_error_status(e);
    if (!wants_json(c)) {
        const char *page =
            arena_printf(c->arena,
                         "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                         "<title>dyad</title></head><body><main><h1>%d</h1><p>%s</p>"
                         "<p><a href=\"/\">Home</a> · <a href=\"/safety\">Help &amp; safety</a></p>"
                         "</main></body></html>",
                         status, html_escape(c->arena, message));
        reply_html(c, status, page != NULL ? page : "error");
        return;
    }
    json_t *err = json_pack("{s:s, s:s}", "code", api_error_name(e), "message", message);
    if (err != NULL && field != NULL)
        json_object_set_new(err, "field", json_string(field));
    reply_json(c, status, json_pack("{s:o*}", "error", err));
}

void reply_no_content(struct ctx *c)
{
    c->res->status = 204;
    c->res->content_type = NULL;
    c->res->body = "";
    c->res->body_len = 0;
}

void reply_store(struct ctx *c, enum store_result r)
{
    switch (r) {
    case STORE_OK:
        reply_no_content(c);
        return;
    case STORE_NOT_FOUND:
    case STORE_EXPIRED:
        reply_error(c, API_NOT_FOUND, NULL, NULL);
        return;
    case STORE_CONFLICT:
        reply_error(c, API_CONFLICT, NULL, NULL);
        return;
    case STORE_UNAVAILABLE:
        reply_error(c, API_UNAVAILABLE, NULL,
                    "The database cannot be reached just now; please try again in a moment.");
        return;
    case STORE_ERROR:
        break;
    }
    reply_error(c, API_UNAVAILABLE, NULL, "The database is not answering; please try again.");
}

const char *body_str(struct ctx *c, const char *name)
{
    return c->body != NULL ? json_string_value(json_object_get(c->body, name)) : NULL;
}

bool body_bool(struct ctx *c, const char *name, bool fallback)
{
    json_t *v = c->body != NULL ? json_object_get(c->body, name) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

json_t *json_b64(const unsigned char *bin, size_t len)
{
    char small[256];
    size_t need = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = need <= sizeof small ? small : malloc(need);
    if (out == NULL)
        return NULL;
    dcrypto_b64(out, need, bin, len);
    json_t *j = json_string(out);
    if (out != small)
        free(out);
    return j;
}

json_t *json_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

const char *html_escape(struct arena *a, const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += (*p == '&') ? 5 : (*p == '<' || *p == '>') ? 4 : (*p == '"' || *p == '\'') ? 6 : 1;
    char *out = arena_alloc(a, n + 1);
    if (out == NULL)
        return "";
    char *o = out;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            *o++ = *p;
            continue;
        }
        size_t l = strlen(rep);
        memcpy(o, rep, l);
        o += l;
    }
    *o = '\0';
    return out;
}

int body_b64(struct ctx *c, const char *name, unsigned char *out, size_t len)
{
    const char *s = body_str(c, name);
    if (s == NULL) {
        reply_error(c, API_MISSING_FIELD, name,
                    arena_printf(c->arena, "The field '%s' is required.", name));
        return -1;
    }
    if (validate_b64_exact(s, out, len) != 0) {
        reply_error(c, API_INVALID_FIELD, name,
                    arena_printf(c->arena, "The field '%s' must be %zu bytes in standard base64.",
                                 name, len));
        return -1;
    }
    return 0;
}

int body_sealed(struct ctx *c, const char *name, unsigned char **out, size_t *len)
{
    const char *b64 = body_str(c, name);
    unsigned char *buf = arena_alloc(c->arena, STORE_SEALED_MAX);
    if (b64 == NULL || buf == NULL ||
        validate_b64_range(b64, buf, crypto_box_SEALBYTES + 64, STORE_SEALED_MAX, len) != 0 ||
        (*len - crypto_box_SEALBYTES) % 64 != 0) {
        reply_error(c, API_INVALID_FIELD, name,
                    arena_printf(c->arena,
                                 "'%s' must be text padded to 64 bytes and sealed to "
                                 "the therapist's key, at most 8 KiB.",
                                 name));
        return -1;
    }
    *out = buf;
    return 0;
}
