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

/* What a value must be beyond its JSON type. Declared with the field in the
 * route table, checked by fields_validate before any handler runs, and
 * shown in /api/v1/openapi.json. */
enum field_rule {
    RULE_NONE,
    RULE_B64,        /* standard base64 of min..max bytes; (bytes - min) % step == 0 */
    RULE_INT,        /* an integer in min..max */
    RULE_ENUM,       /* a string that names(i) gives for some i in 0..max-1 */
    RULE_ENUM_ARRAY, /* an array of such strings (each once when distinct) */
    RULE_TEXT,       /* min..max bytes of UTF-8 without control characters */
    RULE_EMAIL,      /* an e-mail address (validate_email) */
    RULE_NAME,       /* a display name (validate_display_name) */
    RULE_ENTRY_ID,   /* a client-made entry id (validate_entry_id) */
    RULE_B64URL,     /* base64url without padding of exactly min bytes */
    RULE_PROSE,      /* RULE_TEXT that may also hold newlines and tabs */
    FIELD_RULE__MAX
};

struct field_spec {
    const char *name; /* "*": any key that keys() names (a map keyed by a vocabulary) */
    enum field_type type;
    bool required; /* absent → missing_field */
    bool nullable; /* JSON null accepted */
    enum field_rule rule;
    /* RULE_INT: the range; RULE_B64, RULE_TEXT, RULE_PROSE: bytes; RULE_ENUM*: max = count */
    long long min, max;
    unsigned step;               /* RULE_B64: padded ciphertext grows in steps of this many bytes */
    bool distinct;               /* RULE_ENUM_ARRAY: each value at most once */
    const char *(*names)(int i); /* RULE_ENUM*: the name of value i (NULL: not a value) */
    const char *(*keys)(int i);  /* name "*": the name of key i, i in 0..nkeys-1 */
    int nkeys;
    const char *message; /* the 400's message when the rule fails; NULL: one from the bounds */
};

/* A value that passed its field's rule, as a handler reads it. */
struct field_value {
    const json_t *json;         /* NULL when absent (or null) */
    const unsigned char *bytes; /* RULE_B64, RULE_B64URL: decoded, in the arena */
    size_t len;
    long long n;   /* RULE_INT: the value */
    int index;     /* RULE_ENUM: the value's number; -1 when absent */
    unsigned mask; /* RULE_ENUM_ARRAY: bit i for each value i listed */
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

/* Applies each declared field's rule to a body fields_check accepted,
 * filling values[i] for fields[i] (decoded bytes go into arena). On failure
 * returns API_INVALID_FIELD with *field the offending name (for a map, the
 * key) and *spec its declaration; API_INTERNAL when memory ran out. */
struct arena;
enum api_error fields_validate(const struct field_spec *fields, const json_t *body,
                               struct arena *arena, struct field_value *values, const char **field,
                               const struct field_spec **spec);

/* The number of fields in a list (up to its terminating {NULL}). */
size_t fields_count(const struct field_spec *fields);

/* The route parameter `name`, or NULL. */
const char *route_param(const struct route_params *p, const char *name);

#endif
