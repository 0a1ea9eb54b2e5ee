/*
 * apierror.h — the error codes of the HTTP API (docs/api.md) and the one place
 * that decides which HTTP status each maps to.
 *
 * Every 4xx the API sends is {"error":{"code","message","field"}}: `code` is
 * one of these names, for a client to act on; `message` is for a person.
 */
#ifndef DYAD_APIERROR_H
#define DYAD_APIERROR_H

enum api_error {
    API_OK = 0,
    API_BAD_JSON,        /* 400: the body is not JSON, or not an object */
    API_MISSING_FIELD,   /* 400: a required field is absent */
    API_INVALID_FIELD,   /* 400: a field has the wrong type, size or value */
    API_BAD_REQUEST,     /* 400: the request itself is malformed (headers, query) */
    API_UNAUTHENTICATED, /* 401: no valid session, or wrong credentials */
    API_CSRF,            /* 403: missing/wrong X-CSRF-Token or a foreign Origin */
    API_FORBIDDEN,       /* 403: signed in, but not allowed here */
    API_NOT_FOUND,       /* 404 */
    API_METHOD,          /* 405: the path exists, the method does not */
    API_CONFLICT,        /* 409: taken, already done, or out of step */
    API_TOO_LARGE,       /* 413: body over the limit */
    API_RATE_LIMITED,    /* 429: slow down; Retry-After says how long */
    API_UNAVAILABLE,     /* 503: the server cannot serve now (store down, busy) */
    API_INTERNAL,        /* 500: a bug or a failed dependency, never bad input */
    API_ERROR__MAX
};

/* The HTTP status for an error code. */
int api_error_status(enum api_error e);

/* The wire name ("bad_json", …) of an error code. */
const char *api_error_name(enum api_error e);

/* A default sentence for a person, used when a handler gives none. */
const char *api_error_message(enum api_error e);

#endif
