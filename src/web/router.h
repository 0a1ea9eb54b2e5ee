/*
 * router.h — routes with path parameters and declared body fields.
 *
 * A route names its method, its pattern ("/api/v1/dyads/{id}/keys/{user_id}"),
 * who may call it, and the JSON fields its body may carry: an allowlist with
 * a type and whether each is required. Matching and field checking are pure
 * functions, unit-tested without a server.
 */
#ifndef DYAD_ROUTER_H
#define DYAD_ROUTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/apierror.h"

enum field_type { FIELD_STRING, FIELD_INT, FIELD_BOOL, FIELD_ARRAY, FIELD_OBJECT, FIELD_TYPE__MAX };

struct field_spec {
    const char *name;
    enum field_type type;
    bool required; /* absent → missing_field */
    bool nullable; /* JSON null accepted */
};

/* Who may call a route. */
enum route_access {
    ROUTE_PUBLIC,    /* anyone; a session is looked up if present */
    ROUTE_SESSION,   /* a valid session; state changes need the CSRF token */
    ROUTE_MEMBER,    /* ROUTE_SESSION, and a current member of the dyad {id} — checked
                        before the body, so a stranger gets 404 whatever they send */
    ROUTE_THERAPIST, /* ROUTE_SESSION, and the account is a therapist's (403 otherwise) */
    ROUTE_LINKED,    /* ROUTE_THERAPIST, and linked to the dyad {id} with both members'
                        consent (403 otherwise) — checked before the body */
    ROUTE_ACCESS__MAX
};

struct ctx;
typedef void route_fn(struct ctx *c);

struct route {
    const char *method;
    const char *pattern;
    route_fn *fn;
    enum route_access access;
    const struct field_spec *fields; /* NULL: no body; else ends with {NULL} */
    size_t max_body;                 /* 0: the server's default limit */
    const char *summary;             /* one line, for openapi.json */
};

enum { ROUTER_MAX_PARAMS = 4, ROUTER_PARAM_BYTES = 512 };

struct route_params {
    size_t n;
    const char *name[ROUTER_MAX_PARAMS]; /* points into the pattern */
    const char *value[ROUTER_MAX_PARAMS];
    char buf[ROUTER_PARAM_BYTES];
};

/* Does `path` fit `pattern`? On a match, the {name} segments are copied into
 * params (when not NULL). Segments are non-empty; params longer than the
 * buffer do not match. */
bool router_path_matches(const char *pattern, const char *path, struct route_params *params);

/* The route for method+path. When none matches: *path_known tells whether
 * some route has this path with another method (405 rather than 404).
 * HEAD is answered by GET routes. */
const struct route *router_match(const struct route *routes, size_t n, const char *method,
                                 const char *path, struct route_params *params, bool *path_known);

/* Checks a parsed body against a route's fields: it must be an object; no
 * undeclared key; every required key present; each value of its declared
 * type (or null where nullable). On failure returns the error and sets
 * *field to the offending name (NULL for a non-object body). */
enum api_error fields_check(const struct field_spec *fields, const json_t *body,
                            const char **field);

/* The route parameter `name`, or NULL. */
const char *route_param(const struct route_params *p, const char *name);

#endif
