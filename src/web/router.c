/*
 * router.c — pattern matching and field checking (see router.h).
 */
#include "web/router.h"

#include <string.h>

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

enum api_error fields_check(const struct field_spec *fields, const json_t *body, const char **field)
{
    *field = NULL;
    if (!json_is_object(body))
        return API_BAD_JSON;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)body, key, value)
    {
        const struct field_spec *f = fields;
        while (f != NULL && f->name != NULL && strcmp(f->name, key) != 0)
            f++;
        if (f == NULL || f->name == NULL) {
            *field = key;
            return API_INVALID_FIELD;
        }
    }
    for (const struct field_spec *f = fields; f != NULL && f->name != NULL; f++) {
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
