/*
 * client_http.c — `dyad client` speaks the API through libcurl: one easy
 * handle per run, TLS verified (a private CA with --ca), no redirects
 * followed, only http and https, libcurl's own cookie engine for the
 * session cookie, the X-CSRF-Token header on every change, and every answer
 * parsed with jansson. An error answer becomes c->err (its code, message and
 * field, as the server sent them) and an exit status by class.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_int.h"

#define CL_MAX_ANSWER (64UL * 1024 * 1024)

struct buf {
    char *data;
    size_t len, cap;
    bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > CL_MAX_ANSWER) {
        b->too_big = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int cl_http_init(struct cl *c)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return cl_fail(c, CL_ELOCAL, "curl", "libcurl could not start");
    CURL *h = curl_easy_init();
    if (h == NULL)
        return cl_fail(c, CL_ELOCAL, "curl", "libcurl could not start");
    c->curl = h;
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""); /* the cookie engine, in memory only */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "dyad-client/0.1 (libcurl)");
    if (c->ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    return CL_OK;
}

void cl_http_free(struct cl *c)
{
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
    curl_global_cleanup();
}

char *cl_escape(struct cl *c, const char *s)
{
    char *e = curl_easy_escape(c->curl, s, 0);
    char *out = e != NULL ? strdup(e) : NULL;
    curl_free(e);
    return out;
}

int cl_http_set_cookies(struct cl *c, json_t *cookies)
{
    if (cookies == NULL) {
        curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, "ALL");
        return CL_OK;
    }
    size_t i;
    json_t *v;
    json_array_foreach(cookies, i, v)
    {
        if (json_is_string(v) &&
            curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, json_string_value(v)) != CURLE_OK)
            return cl_fail(c, CL_ELOCAL, "session", "the session's cookie could not be loaded");
    }
    return CL_OK;
}

json_t *cl_http_get_cookies(struct cl *c)
{
    struct curl_slist *list = NULL;
    json_t *out = json_array();
    if (out == NULL || curl_easy_getinfo(c->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
        return out;
    for (struct curl_slist *p = list; p != NULL; p = p->next)
        json_array_append_new(out, json_string(p->data));
    curl_slist_free_all(list);
    return out;
}

/* Fills c->err from an error answer in the API's shape, or from the status. */
static int api_error(struct cl *c, long status, json_t *answer, const char *retry_after)
{
    json_t *e = json_object_get(answer, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *field = json_string_value(json_object_get(e, "field"));
    c->err.status = status;
    snprintf(c->err.code, sizeof c->err.code, "%s",
             code != NULL    ? code
             : status >= 500 ? "server"
                             : "http");
    if (msg != NULL)
        snprintf(c->err.message, sizeof c->err.message, "%s", msg);
    else
        snprintf(c->err.message, sizeof c->err.message,
                 "the server answered HTTP %ld without an error in dyad's shape", status);
    if (retry_after != NULL && code != NULL && strcmp(code, "rate_limited") == 0) {
        size_t n = strlen(c->err.message);
        snprintf(c->err.message + n, sizeof c->err.message - n, " (retry after %s s)", retry_after);
    }
    snprintf(c->err.field, sizeof c->err.field, "%s", field != NULL ? field : "");
    return cl_exit_for_status(status, code);
}

struct hdr {
    char retry_after[16];
};

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct hdr *h = userdata;
    size_t n = size * nmemb;
    if (n > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
        size_t i = 12, j = 0;
        while (i < n && ptr[i] == ' ')
            i++;
        while (i < n && j + 1 < sizeof h->retry_after && ptr[i] >= '0' && ptr[i] <= '9')
            h->retry_after[j++] = ptr[i++];
        h->retry_after[j] = '\0';
    }
    return n;
}

int cl_api(struct cl *c, const char *method, const char *path, json_t *body, json_t **out)
{
    CURL *h = c->curl;
    char url[2048];
    *out = NULL;
    int n = snprintf(url, sizeof url, "%s%s%s", c->server,
                     strncmp(path, "/api/", 5) == 0 ? "" : "/api/v1", path);
    if (n < 0 || (size_t)n >= sizeof url)
        return cl_fail(c, CL_EUSAGE, "usage", "the server URL is too long");
    char *payload = NULL;
    if (body != NULL && (payload = json_dumps(body, JSON_COMPACT)) == NULL)
        return cl_fail(c, CL_ELOCAL, "memory", "out of memory");
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (body != NULL)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    const char *csrf = json_string_value(json_object_get(c->session, "csrf_token"));
    char csrf_header[256];
    if (csrf != NULL && strcmp(method, "GET") != 0) {
        snprintf(csrf_header, sizeof csrf_header, "X-CSRF-Token: %s", csrf);
        headers = curl_slist_append(headers, csrf_header);
    }
    struct buf b = {0};
    struct hdr hd = {{0}};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (payload != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hd);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);
    if (payload != NULL) { /* it may hold an auth key */
        sodium_memzero(payload, strlen(payload));
        free(payload);
    }
    int ret = CL_OK;
    if (rc != CURLE_OK) {
        if (b.too_big)
            ret = cl_fail(c, CL_ENETWORK, "network", "%s: the answer is too large", url);
        else
            ret = cl_fail(c, CL_ENETWORK, "network", "%s: %s", url, curl_easy_strerror(rc));
        goto out;
    }
    json_t *answer = NULL;
    if (b.len > 0) {
        json_error_t jerr;
        answer = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
    }
    if (status >= 200 && status < 300) {
        if (status != 204 && !json_is_object(answer)) {
            json_decref(answer);
            ret = cl_fail(c, CL_ENETWORK, "bad_response",
                          "%s answered something that is not dyad's JSON", c->server);
            goto out;
        }
        *out = answer;
        goto out;
    }
    ret = api_error(c, status, answer, hd.retry_after[0] ? hd.retry_after : NULL);
    json_decref(answer);
out:
    if (b.data != NULL)
        sodium_memzero(b.data, b.len);
    free(b.data);
    return ret;
}
