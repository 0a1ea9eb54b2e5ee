/*
 * client_out.c — how `dyad client` reports: errors as one line a person can
 * read (and, with --json, as the API's own error shape on standard output),
 * JSON for scripts, and words from the other person printed so that no
 * control character in them can reach the terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/client_int.h"

int cl_fail(struct cl *c, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err.message, sizeof c->err.message, fmt, ap);
    va_end(ap);
    snprintf(c->err.code, sizeof c->err.code, "%s", code);
    c->err.field[0] = '\0';
    c->err.status = 0;
    return status;
}

void cl_report(struct cl *c, int status)
{
    if (status == CL_OK)
        return;
    if (c->err.code[0] == '\0')
        snprintf(c->err.code, sizeof c->err.code, "error");
    fprintf(stderr, "dyad client: %s (%s", c->err.message, c->err.code);
    if (c->err.field[0] != '\0')
        fprintf(stderr, ", field %s", c->err.field);
    if (c->err.status != 0)
        fprintf(stderr, ", HTTP %ld", c->err.status);
    fprintf(stderr, ")\n");
    if (c->json) {
        json_t *e = json_pack("{s:{s:s, s:s, s:i}}", "error", "code", c->err.code, "message",
                              c->err.message, "exit_status", status);
        if (e != NULL && c->err.field[0] != '\0')
            json_object_set_new(json_object_get(e, "error"), "field", json_string(c->err.field));
        if (e != NULL && c->err.status != 0)
            json_object_set_new(json_object_get(e, "error"), "http_status",
                                json_integer(c->err.status));
        cl_print_json(e);
        json_decref(e);
    }
}

void cl_print_json(json_t *v)
{
    if (v == NULL)
        return;
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
}

/* UTF-8 passes through; C0 controls but \n and \t, DEL, and the C1 range
 * (U+0080–U+009F, which some terminals obey) become U+FFFD. */
void cl_print_safe(const char *s)
{
    cl_fprint_safe(stdout, s);
}

void cl_fprint_safe(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            fputs("\xef\xbf\xbd", f);
            p++;
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputs("\xef\xbf\xbd", f);
            p += 2;
        } else {
            fputc(*p, f);
            p++;
        }
    }
}
