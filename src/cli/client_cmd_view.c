/*
 * client_cmd_view.c — `dyad client prompt | insights | export`: what the
 * dyad page, the insights page and the export in settings show, as text.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client_int.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int usage(struct cl *c, const char *text)
{
    return cl_fail(c, CL_EUSAGE, "usage", "usage: dyad client %s", text);
}

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* ---- prompt ------------------------------------------------------------- */

int cl_cmd_prompt(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"topic", required_argument, NULL, 't'}, {0}};
    const char *topic = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 't')
            topic = optarg;
        else
            return usage(c, "prompt [--topic TOPIC]");
    }
    if (optind != argc || (topic != NULL && !one_of(topic, cl_topics)))
        return usage(c, "prompt [--topic TOPIC]");
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, false)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    char path[256];
    snprintf(path, sizeof path, "/dyads/%s/next-prompt%s%s", d.id, topic ? "?topic=" : "",
             topic ? topic : "");
    json_t *res = NULL;
    if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    json_t *p = json_object_get(res, "prompt");
    json_t *hw = json_object_get(res, "homework");
    if (c->json) {
        cl_print_json(res);
    } else {
        if (json_is_object(hw)) {
            long long depth = (long long)json_integer_value(json_object_get(hw, "depth"));
            printf("Homework from your therapist: %s, at depth %lld (%s), until %s.%s\n",
                   cl_topic_words(str(hw, "topic")), depth, cl_depth_words(depth),
                   str(hw, "ends_at"),
                   json_is_string(json_object_get(hw, "note"))
                       ? " Your therapist added a note (open it in the browser)."
                       : "");
        }
        if (!json_is_object(p)) {
            printf("No suggestion%s%s for now.\n", topic ? " about " : "",
                   topic ? cl_topic_words(topic) : "");
            if (*str(res, "reason")) {
                cl_print_safe(str(res, "reason"));
                printf("\n");
            }
        } else {
            long long depth = (long long)json_integer_value(json_object_get(p, "depth"));
            printf("\n    ");
            cl_print_safe(str(p, "text"));
            printf("\n\n%s · depth %lld of 5 (%s)\nWhy this one: ", cl_topic_words(str(p, "topic")),
                   depth, cl_depth_words(depth));
            cl_print_safe(str(res, "reason"));
            printf("\n\nAnswer it with:\n    dyad client share --prompt %s --topic %s --depth "
                   "%lld [--mutual]\nPassing sends nothing: ",
                   str(p, "id"), str(p, "topic"), depth);
            cl_print_safe(d.partner_name);
            printf(" is not told.\n");
        }
    }
    json_decref(res);
    cl_dyad_close(&d);
    return CL_OK;
}

/* ---- insights ----------------------------------------------------------- */

static void cell(const char *label, json_t *m, const char *key, const char *unit)
{
    json_t *v = json_object_get(m, key);
    if (json_is_number(v))
        printf("  %-34s %.1f%s\n", label, json_number_value(v), unit);
}

int cl_cmd_insights(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"window", required_argument, NULL, 'w'}, {0}};
    long window = 28;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        char *end;
        if (o == 'w') {
            window = strtol(optarg, &end, 10);
            if (*end != '\0' || window < 7 || window > 365)
                return usage(c, "insights [--window 7-365]");
        } else
            return usage(c, "insights [--window 7-365]");
    }
    if (optind != argc)
        return usage(c, "insights [--window 7-365]");
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, false)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    char path[256];
    snprintf(path, sizeof path, "/dyads/%s/insights?window=%ld", d.id, window);
    json_t *res = NULL;
    if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    if (c->json) {
        cl_print_json(res);
        json_decref(res);
        cl_dyad_close(&d);
        return CL_OK;
    }
    bool couple = strcmp(d.kind, "couple") == 0;
    const char *me = str(json_object_get(c->session, "user"), "id");
    printf("Insights over the last %lld days. Emotional closeness%s are kept apart.\n"
           "What you see of ",
           (long long)json_integer_value(json_object_get(res, "window")),
           couple ? ", affection and sexual connection" : " and affection");
    cl_print_safe(d.partner_name);
    printf(" is only what they chose to show.\n");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(res, "members"), i, m)
    {
        bool mine = strcmp(str(m, "user_id"), me) == 0;
        printf("\n");
        cl_print_safe(mine ? "You" : d.partner_name);
        printf(" (%lld check-ins)\n",
               (long long)json_integer_value(json_object_get(m, "checkins")));
        cell("Closeness felt", m, "closeness_mean", " of 10");
        cell("Closeness wanted", m, "closeness_wanted_mean", " of 10");
        cell("Opened up", m, "opened_up_mean", " of 10");
        cell("Felt understood", m, "understood_mean", " of 10");
        cell("Safe to be open", m, "safety_mean", " of 10");
        cell("Affection", m, "affection_mean", " of 10");
        if (couple)
            cell("Sexual connection", m, "sexual_mean", " of 10");
        cell("Closeness trend", m, "closeness_trend", " points a day");
        json_t *wr = json_object_get(m, "wordless_rate");
        if (json_is_number(wr))
            printf("  %-34s %.0f%% of days\n", "Moments without words",
                   100.0 * json_number_value(wr));
        json_t *sw = json_object_get(m, "shares_written");
        if (json_is_integer(sw))
            printf("  %-34s %lld\n", "Shares written", (long long)json_integer_value(sw));
        json_t *a48 = json_object_get(m, "answered_within_48h");
        if (json_is_number(a48))
            printf("  %-34s %.0f%%\n", "Answered within two days", 100.0 * json_number_value(a48));
        const char *q = str(m, "quadrant");
        if (*q && (couple || strcmp(q, "not_tracked") != 0))
            printf("  %-34s %s\n", mine ? "Where this places you" : "Where this places them",
                   cl_quadrant_words(q));
    }
    json_t *findings = json_object_get(res, "findings");
    printf("\nWorth noticing\n");
    if (json_array_size(findings) == 0)
        printf("  Nothing stands out in this window. That is fine too.\n");
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        printf("\n  ");
        cl_print_safe(str(f, "explanation"));
        printf("\n  The numbers behind this:");
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(f, "numbers"), k, v)
            printf(" %s %.2f;", k, json_number_value(v));
        printf("\n");
    }
    json_decref(res);
    cl_dyad_close(&d);
    return CL_OK;
}

/* ---- export ------------------------------------------------------------- */

static int b64_exact(const char *s, unsigned char *out, size_t n)
{
    size_t got;
    return s != NULL && keys_b64_decode(out, n, &got, s) == 0 && got == n ? 0 : -1;
}

/* Opens K for an exported dyad; *how says whose key checked the signature. */
static int open_k(json_t *d, const struct keys_user *me, const char *my_id, json_t *trusted,
                  unsigned char k[32], const char **how)
{
    json_t *mk = json_object_get(d, "my_key");
    *how = "none";
    if (!json_is_object(mk))
        return -1;
    const char *signer = str(mk, "signer");
    unsigned char pk[32];
    if (strcmp(signer, my_id) == 0) {
        memcpy(pk, me->sign_pk, 32);
        *how = "self";
    } else if (b64_exact(json_string_value(json_object_get(trusted, str(d, "id"))), pk, 32) == 0) {
        *how = "partner_verified";
    } else {
        size_t i;
        json_t *m;
        bool found = false;
        json_array_foreach(json_object_get(d, "members"), i,
                           m) if (!found && strcmp(str(m, "user_id"), signer) == 0) found =
            b64_exact(str(m, "sign_public_key"), pk, 32) == 0;
        if (!found)
            return -1;
        *how = "unchecked";
    }
    int r = keys_open_dyad_key(k, str(mk, "wrapped_key"), str(mk, "signature"), pk, me->box_pk,
                               me->box_sk);
    if (r != 0)
        *how = "failed";
    return r;
}

/* Decrypts body into o["text"] (or null with "unreadable"); returns 1 on failure. */
static int add_text(json_t *o, const char *field, const unsigned char *key, const char *dyad_id,
                    const char *entry_id, const char *author, const char *kind, const char *body)
{
    char *text = key != NULL ? cl_decrypt(key, dyad_id, entry_id, author, kind, body) : NULL;
    json_object_set_new(o, field, text ? json_string(text) : json_null());
    if (text == NULL)
        json_object_set_new(o, "unreadable", json_true());
    if (text != NULL)
        sodium_memzero(text, strlen(text));
    free(text);
    return text == NULL;
}

static void md_text(FILE *md, json_t *o, const char *field)
{
    if (json_is_string(json_object_get(o, field))) {
        cl_fprint_safe(md, str(o, field));
        fputc('\n', md);
    } else {
        fprintf(md, "(this entry could not be decrypted: it may have been changed)\n");
    }
}

int cl_export_render(json_t *e, const struct keys_user *me, json_t *trusted, FILE *md)
{
    json_t *u = json_object_get(e, "user");
    const char *my_id = str(u, "id");
    int failed = 0;
    if (md != NULL) {
        fprintf(md, "# dyad export of ");
        cl_fprint_safe(md, str(u, "display_name"));
        fprintf(md, " (%s)\n\nExported %s. Only what you wrote is here.\n\n", str(u, "email"),
                str(e, "exported_at"));
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(e, "dyads"), i, d)
    {
        const char *dyad_id = str(d, "id");
        unsigned char k[32];
        const char *how;
        bool have_k = open_k(d, me, my_id, trusted, k, &how) == 0;
        json_object_set_new(d, "key_check", json_string(how));
        if (md != NULL) {
            fprintf(md, "## A %s dyad (%s)%s\n\n", str(d, "kind"), dyad_id,
                    json_is_true(json_object_get(d, "active")) ? "" : ", ended");
            if (strcmp(how, "unchecked") == 0)
                fprintf(md, "(The dyad's key was opened, but who sealed it could not be checked "
                            "against your invite link.)\n\n");
            else if (!have_k)
                fprintf(md, "(The dyad's key could not be opened: shares and responses below "
                            "cannot be read.)\n\n");
        }
        size_t j;
        json_t *x;
        json_array_foreach(json_object_get(d, "checkins"), j, x)
        {
            if (json_is_string(json_object_get(x, "note")))
                failed += add_text(x, "note_text", me->personal, dyad_id, str(x, "date"), my_id,
                                   "note", str(x, "note"));
            if (md == NULL)
                continue;
            fprintf(md, "### Check-in %s\n", str(x, "date"));
            for (size_t n = 0; cl_items[n] != NULL; n++) {
                json_t *v = json_object_get(x, cl_items[n]);
                if (json_is_integer(v))
                    fprintf(md, "- %s: %lld\n", cl_items[n], (long long)json_integer_value(v));
            }
            if (json_array_size(json_object_get(x, "emotions")) > 0) {
                fprintf(md, "- feelings shared:");
                size_t q;
                json_t *em;
                json_array_foreach(json_object_get(x, "emotions"), q, em)
                    fprintf(md, " %s", json_string_value(em));
                fprintf(md, "\n");
            }
            if (json_is_true(json_object_get(x, "wordless")))
                fprintf(md, "- a moment of closeness without words\n");
            if (json_object_get(x, "note_text") != NULL) {
                fprintf(md, "- private note: ");
                md_text(md, x, "note_text");
            }
            fprintf(md, "\n");
        }
        json_array_foreach(json_object_get(d, "shares"), j, x)
        {
            failed += add_text(x, "text", have_k ? k : NULL, dyad_id, str(x, "id"), my_id, "share",
                               str(x, "body"));
            if (md == NULL)
                continue;
            long long depth = (long long)json_integer_value(json_object_get(x, "depth"));
            fprintf(md, "### Share: %s, depth %lld (%s), %s\n\n", cl_topic_words(str(x, "topic")),
                    depth, cl_depth_words(depth), str(x, "created_at"));
            md_text(md, x, "text");
            fprintf(md, "\n");
        }
        json_array_foreach(json_object_get(d, "responses"), j, x)
        {
            bool words = json_is_string(json_object_get(x, "body"));
            if (words)
                failed += add_text(x, "text", have_k ? k : NULL, dyad_id, str(x, "id"), my_id,
                                   "response", str(x, "body"));
            if (md == NULL)
                continue;
            fprintf(md, "### Response: %s, %s\n\n", cl_response_words(str(x, "kind")),
                    str(x, "created_at"));
            if (words)
                md_text(md, x, "text");
            else
                fprintf(md, "(no words)\n");
            fprintf(md, "\n");
        }
        sodium_memzero(k, sizeof k);
    }
    return failed;
}

int cl_cmd_export(struct cl *c, int argc, char **argv)
{
    static const char *const use = "export [--format markdown|json] [--output FILE]";
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'}, {0}};
    const char *format = "markdown", *output = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 'f')
            format = optarg;
        else if (o == 'o')
            output = optarg;
        else
            return usage(c, use);
    }
    bool markdown = strcmp(format, "markdown") == 0 || strcmp(format, "md") == 0;
    if (optind != argc || (!markdown && strcmp(format, "json") != 0))
        return usage(c, use);
    if (c->json)
        markdown = false;
    int r = cl_need_session(c);
    json_t *e = NULL, *trusted = json_object();
    FILE *out = stdout;
    if (r != CL_OK || (r = cl_unlock(c)) != CL_OK ||
        (r = cl_api(c, "GET", "/me/export", NULL, &e)) != CL_OK)
        goto done;
    /* A partner's signing key counts as checked only after their key proof verifies. */
    const char *my_id = str(json_object_get(c->session, "user"), "id");
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(e, "dyads"), i, d)
    {
        json_t *mk = json_object_get(d, "my_key");
        if (!json_is_object(mk) || strcmp(str(mk, "signer"), my_id) == 0 ||
            !json_is_true(json_object_get(d, "active")))
            continue;
        struct cl_dyad dy;
        c->dyad_id = str(d, "id");
        if (cl_dyad_open(c, &dy, true) == CL_OK && dy.partner_verified == 1)
            json_object_set_new(trusted, c->dyad_id,
                                json_string(str(dy.partner, "sign_public_key")));
        cl_dyad_close(&dy);
        c->dyad_id = NULL;
    }
    if (output != NULL) {
        int fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
            if (fd >= 0)
                close(fd);
            out = stdout;
            r = cl_fail(c, CL_ELOCAL, "file", "cannot create %s: %s (choose a new file)", output,
                        strerror(errno));
            goto done;
        }
    }
    int failed = cl_export_render(e, &c->keys, trusted, markdown ? out : NULL);
    if (!markdown) {
        json_dumpf(e, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
    }
    if (out != stdout && fclose(out) != 0)
        r = cl_fail(c, CL_ELOCAL, "file", "cannot write %s", output);
    out = stdout;
    if (r == CL_OK && output != NULL && !c->json)
        printf("Written to %s (readable only by you; it holds your words in the clear).\n", output);
    if (r == CL_OK && failed > 0)
        r = cl_fail(c, CL_ECRYPTO, "unreadable",
                    "%d entr%s could not be decrypted (marked in the export)", failed,
                    failed == 1 ? "y" : "ies");
done:
    if (out != stdout)
        fclose(out);
    json_decref(e);
    json_decref(trusted);
    return r;
}
