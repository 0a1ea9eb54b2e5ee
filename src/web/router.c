/*
 * router.c — pattern matching and field checking (see router.h).
 */
#include "web/router.h"

#include <sodium.h>
#include <string.h>

#include "core/arena.h"
#include "core/validate.h"

bool router_path_matches(const char *pattern, const char *path, struct route_params *params)
{
    struct route_params local;
    if (params == NULL)
        params = &local;
    params->n = 0;
    size_t used = 0;
    const char *p = pattern, *s = path;
    while (*p != '\0' && *s != '\0') {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close == NULL)
                return false;
            const char *seg_end = strchr(s, '/');
            size_t len = seg_end != NULL ? (size_t)(seg_end - s) : strlen(s);
            if (len == 0 || params->n == ROUTER_MAX_PARAMS || used + len + 1 > ROUTER_PARAM_BYTES)
                return false;
            memcpy(params->buf + used, s, len);
            params->buf[used + len] = '\0';
            params->name[params->n] = p + 1;
            params->value[params->n] = params->buf + used;
            params->n++;
            used += len + 1;
            p = close + 1;
            s += len;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

const char *route_param(const struct route_params *p, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < p->n; i++)
        if (strncmp(p->name[i], name, nlen) == 0 && p->name[i][nlen] == '}')
            return p->value[i];
    return NULL;
}

const struct route *router_match(const struct route *routes, size_t n, const char *method,
                                 const char *path, struct route_params *params, bool *path_known)
{
    *path_known = false;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (size_t i = 0; i < n; i++) {
        if (!router_path_matches(routes[i].pattern, path, params))
            continue;
        if (strcmp(routes[i].method, want) == 0)
            return &routes[i];
        *path_known = true;
    }
    return NULL;
}

static bool type_ok(enum field_type t, const json_t *v)
{
    switch (t) {
    case FIELD_STRING:
        return json_is_string(v);
    case FIELD_INT:
        return json_is_integer(v);
    case FIELD_BOOL:
        return json_is_boolean(v);
    case FIELD_ARRAY:
        return json_is_array(v);
    case FIELD_OBJECT:
        return json_is_object(v);
    case FIELD_TYPE__MAX:
        break;
    }
    return false;
}

static bool is_map(const struct field_spec *f)
{
    return strcmp(f->name, "*") == 0 && f->keys != NULL;
}

/* The declaration a body key falls under: its own, or a map's that names it. */
static const struct field_spec *spec_for(const struct field_spec *fields, const char *key)
{
    for (const struct field_spec *f = fields; f != NULL && f->name != NULL; f++) {
        if (strcmp(f->name, key) == 0 && !is_map(f))
            return f;
        if (is_map(f))
            for (int i = 0; i < f->nkeys; i++)
                if (f->keys(i) != NULL && strcmp(f->keys(i), key) == 0)
                    return f;
    }
    return NULL;
}

enum api_error fields_check(const struct field_spec *fields, const json_t *body, const char **field)
{
    *field = NULL;
    if (!json_is_object(body))
        return API_BAD_JSON;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)body, key, value)
    {
        if (spec_for(fields, key) == NULL) {
            *field = key;
            return API_INVALID_FIELD;
        }
    }
    for (const struct field_spec *f = fields; f != NULL && f->name != NULL; f++) {
        if (is_map(f)) {
            json_object_foreach((json_t *)body, key, value)
            {
                if (spec_for(fields, key) == f &&
                    (json_is_null(value) ? !f->nullable : !type_ok(f->type, value))) {
                    *field = key;
                    return API_INVALID_FIELD;
                }
            }
            continue;
        }
        const json_t *v = json_object_get(body, f->name);
        if (v == NULL) {
            if (f->required) {
                *field = f->name;
                return API_MISSING_FIELD;
            }
            continue;
        }
        if (json_is_null(v) ? !f->nullable : !type_ok(f->type, v)) {
            *field = f->name;
            return API_INVALID_FIELD;
        }
    }
    return API_OK;
}

size_t fields_count(const struct field_spec *fields)
{
    size_t n = 0;
    while (fields != NULL && fields[n].name != NULL)
        n++;
    return n;
}

static int name_index(const struct field_spec *f, const char *s)
{
    for (long long i = 0; s != NULL && i < f->max; i++) {
        const char *n = f->names((int)i);
        if (n != NULL && strcmp(n, s) == 0)
            return (int)i;
    }
    return -1;
}

/* One value against its rule; 0, -1 (refused) or -2 (out of memory). */
static int rule_ok(const struct field_spec *f, const json_t *v, struct arena *a,
                   struct field_value *out)
{
    const char *s = json_string_value(v);
    switch (f->rule) {
    case RULE_NONE:
        return 0;
    case RULE_B64: {
        unsigned char *buf = arena_alloc(a, f->max > 0 ? (size_t)f->max : 1);
        if (buf == NULL)
            return -2;
        if (s == NULL ||
            validate_b64_range(s, buf, (size_t)f->min, (size_t)f->max, &out->len) != 0 ||
            (f->step > 0 && (out->len - (size_t)f->min) % f->step != 0))
            return -1;
        out->bytes = buf;
        return 0;
    }
    case RULE_B64URL: {
        unsigned char *buf = arena_alloc(a, (size_t)f->min + 1);
        size_t n = 0;
        const char *end = NULL;
        if (buf == NULL)
            return -2;
        if (s == NULL ||
            sodium_base642bin(buf, (size_t)f->min + 1, s, strlen(s), NULL, &n, &end,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            end != s + strlen(s) || n != (size_t)f->min)
            return -1;
        out->bytes = buf;
        out->len = n;
        return 0;
    }
    case RULE_INT:
        out->n = json_integer_value(v);
        return json_is_integer(v) && out->n >= f->min && out->n <= f->max ? 0 : -1;
    case RULE_ENUM:
        out->index = name_index(f, s);
        return out->index >= 0 ? 0 : -1;
    case RULE_ENUM_ARRAY: {
        size_t i;
        const json_t *e;
        json_array_foreach((json_t *)v, i, e)
        {
            int k = name_index(f, json_string_value(e));
            if (k < 0 || k >= 32 || (f->distinct && (out->mask & (1u << k))))
                return -1;
            out->mask |= 1u << k;
        }
        return 0;
    }
    case RULE_TEXT:
    case RULE_PROSE:
        return s != NULL && (long long)strlen(s) >= f->min && (long long)strlen(s) <= f->max &&
                       validate_text(s, strlen(s), f->rule == RULE_PROSE) == 0
                   ? 0
                   : -1;
    case RULE_EMAIL:
        return s != NULL && validate_email(s) == 0 ? 0 : -1;
    case RULE_NAME:
        return s != NULL && validate_display_name(s) == 0 ? 0 : -1;
    case RULE_ENTRY_ID:
        return s != NULL && validate_entry_id(s) == 0 ? 0 : -1;
    case FIELD_RULE__MAX:
        break;
    }
    return -1;
}

enum api_error fields_validate(const struct field_spec *fields, const json_t *body,
                               struct arena *arena, struct field_value *values, const char **field,
                               const struct field_spec **spec)
{
    *field = NULL;
    *spec = NULL;
    for (size_t i = 0; fields != NULL && fields[i].name != NULL; i++) {
        const struct field_spec *f = &fields[i];
        struct field_value *out = &values[i];
        memset(out, 0, sizeof *out);
        out->index = -1;
        if (is_map(f)) {
            const char *key;
            const json_t *v;
            json_object_foreach((json_t *)body, key, v)
            {
                struct field_value one = {.index = -1};
                if (spec_for(fields, key) != f || json_is_null(v))
                    continue;
                int ok = rule_ok(f, v, arena, &one);
                if (ok != 0) {
                    *field = key;
                    *spec = f;
                    return ok == -2 ? API_INTERNAL : API_INVALID_FIELD;
                }
            }
            continue;
        }
        const json_t *v = json_object_get(body, f->name);
        if (v == NULL || json_is_null(v))
            continue;
        out->json = v;
        int ok = rule_ok(f, v, arena, out);
        if (ok != 0) {
            *field = f->name;
            *spec = f;
            return ok == -2 ? API_INTERNAL : API_INVALID_FIELD;
        }
    }
    return API_OK;
}
