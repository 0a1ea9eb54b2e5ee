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

/* The message of a 400 for a value its declared rule refused. */
static const char *rule_message(struct ctx *c, const struct field_spec *f, const char *field)
{
    if (f->message != NULL)
        return f->message;
    switch (f->rule) {
    case RULE_B64:
        return f->min == f->max
                   ? arena_printf(c->arena, "The field '%s' must be %lld bytes in standard base64.",
                                  field, f->min)
                   : arena_printf(c->arena,
                                  "The field '%s' must be %lld to %lld bytes in standard base64.",
                                  field, f->min, f->max);
    case RULE_INT:
        return arena_printf(c->arena, "'%s' is a whole number from %lld to %lld.", field, f->min,
                            f->max);
    case RULE_ENUM:
    case RULE_ENUM_ARRAY: {
        const char *list = "";
        for (long long i = 0; i < f->max; i++)
            if (f->names((int)i) != NULL)
                list = arena_printf(c->arena, "%s%s%s", list, *list ? ", " : "", f->names((int)i));
        return arena_printf(c->arena, "'%s' is %s of: %s.", field,
                            f->rule == RULE_ENUM ? "one" : "a list", list != NULL ? list : "");
    }
    default:
        return arena_printf(c->arena, "The field '%s' is not valid.", field);
    }
}

int body_values(struct ctx *c)
{
    size_t n = fields_count(c->route->fields);
    c->values = arena_alloc(c->arena, (n > 0 ? n : 1) * sizeof *c->values);
    if (c->values == NULL) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return -1;
    }
    const char *field;
    const struct field_spec *f;
    enum api_error e = fields_validate(c->route->fields, c->body, c->arena, c->values, &field, &f);
    if (e == API_OK)
        return 0;
    if (e != API_INVALID_FIELD) {
        reply_error(c, API_UNAVAILABLE, NULL, NULL);
        return -1;
    }
    reply_error(c, e, field, rule_message(c, f, field));
    return -1;
}

const struct field_value *body_value(struct ctx *c, const char *name)
{
    const struct field_spec *fields = c->route != NULL ? c->route->fields : NULL;
    for (size_t i = 0; c->values != NULL && fields != NULL && fields[i].name != NULL; i++)
        if (strcmp(fields[i].name, name) == 0)
            return c->values[i].json != NULL ? &c->values[i] : NULL;
    return NULL;
}

long long body_int(struct ctx *c, const char *name, long long fallback)
{
    const struct field_value *v = body_value(c, name);
    return v != NULL ? v->n : fallback;
}

int body_enum(struct ctx *c, const char *name, int fallback)
{
    const struct field_value *v = body_value(c, name);
    return v != NULL ? v->index : fallback;
}

unsigned body_mask(struct ctx *c, const char *name)
{
    const struct field_value *v = body_value(c, name);
    return v != NULL ? v->mask : 0;
}

const unsigned char *body_bytes(struct ctx *c, const char *name, size_t *len)
{
    const struct field_value *v = body_value(c, name);
    *len = v != NULL ? v->len : 0;
    return v != NULL ? v->bytes : NULL;
}

int body_b64(struct ctx *c, const char *name, unsigned char *out, size_t len)
{
    size_t n;
    const unsigned char *b = body_bytes(c, name, &n);
    if (b == NULL) {
        reply_error(c, API_MISSING_FIELD, name,
                    arena_printf(c->arena, "The field '%s' is required.", name));
        return -1;
    }
    /* the route declares this field as exactly len bytes: anything else is a
     * mistake in the route table, not in the request */
    if (n != len) {
        reply_error(c, API_INTERNAL, NULL, NULL);
        return -1;
    }
    memcpy(out, b, len);
    return 0;
}
