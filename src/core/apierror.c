/*
 * apierror.c — status, wire name and default wording for each API error.
 */
#include "core/apierror.h"

static const struct {
    int status;
    const char *name;
    const char *message;
} table[API_ERROR__MAX] = {
    [API_OK] = {200, "ok", "ok"},
    [API_BAD_JSON] = {400, "bad_json", "The request body is not a JSON object."},
    [API_MISSING_FIELD] = {400, "missing_field", "A required field is missing."},
    [API_INVALID_FIELD] = {400, "invalid_field", "A field has a value that is not allowed."},
    [API_BAD_REQUEST] = {400, "bad_request", "The request is malformed."},
    [API_UNAUTHENTICATED] = {401, "unauthenticated", "Please log in."},
    [API_CSRF] = {403, "csrf", "This request did not come from dyad's own pages."},
    [API_FORBIDDEN] = {403, "forbidden", "You are not allowed to do that."},
    [API_NOT_FOUND] = {404, "not_found", "There is nothing here."},
    [API_METHOD] = {405, "method_not_allowed", "That method is not allowed here."},
    [API_CONFLICT] = {409, "conflict", "That conflicts with what is already there."},
    [API_TOO_LARGE] = {413, "too_large", "The request body is too large."},
    [API_RATE_LIMITED] = {429, "rate_limited", "Too many attempts; please wait a moment."},
    [API_UNAVAILABLE] = {503, "unavailable", "The service is busy; please try again."},
    [API_INTERNAL] = {500, "internal", "Something went wrong on our side."},
};

int api_error_status(enum api_error e)
{
    return (e >= 0 && e < API_ERROR__MAX) ? table[e].status : 500;
}

const char *api_error_name(enum api_error e)
{
    return (e >= 0 && e < API_ERROR__MAX) ? table[e].name : "internal";
}

const char *api_error_message(enum api_error e)
{
    return (e >= 0 && e < API_ERROR__MAX) ? table[e].message : table[API_INTERNAL].message;
}
