/*
 * client_cmd_entries.c — `dyad client checkin | checkins | shares | share |
 * respond`: the words, encrypted and decrypted here exactly as
 * web/js/checkin.js and web/js/shares.js do (keys.c: the same associated
 * data, padding and encoding), so either side reads what the other wrote.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/client_int.h"

#define NOTE_MAX_BYTES  4095  /* as web/js/checkin.js */
#define SHARE_MAX_BYTES 24000 /* as web/js/shares.js */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int usage(struct cl *c, const char *text)
{
    return cl_fail(c, CL_EUSAGE, "usage", "usage: dyad client %s", text);
}

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static bool valid_date(const char *d)
{
    char tmp[11];
    return cl_date_add(tmp, sizeof tmp, d, 0) == 0 && strcmp(tmp, d) == 0;
}

static char *encrypt_entry(const unsigned char key[32], const char *dyad_id, const char *entry_id,
                           const char *author, const char *kind, const char *text)
{
    size_t len = strlen(text), cap = keys_entry_body_size(len);
    char *out = cap ? malloc(cap) : NULL;
    struct keys_entry_meta meta = {dyad_id, entry_id, author, kind};
    if (out != NULL && keys_entry_encrypt(out, cap, key, &meta, text, len, NULL) == 0)
        return out;
    free(out);
    return NULL;
}

static void wipe_free(char *s)
{
    if (s != NULL)
        sodium_memzero(s, strlen(s));
    free(s);
}

static const char *my_id(struct cl *c)
{
    return str(json_object_get(c->session, "user"), "id");
}

/* ---- checkin ------------------------------------------------------------ */

/* One line from the terminal for the interactive check-in ("" at EOF). */
static void ask(const char *question, char *buf, size_t size)
{
    fputs(question, stdout);
    fflush(stdout);
    if (fgets(buf, (int)size, stdin) == NULL)
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
}

static const char *const item_flags[] = {"closeness", "closeness-wanted", "opened-up", "understood",
                                         "safety",    "affection",        "sexual",    NULL};

int cl_cmd_checkin(struct cl *c, int argc, char **argv)
{
    static const char *const use =
        "checkin [--date YYYY-MM-DD] [--closeness N] [--closeness-wanted N] [--opened-up N] "
        "[--understood N] [--safety N] [--affection N] [--sexual N] (N is 0-10 or pass) "
        "[--emotions LIST] [--wordless yes|no] [--note TEXT | --note-file FILE | --clear-note] "
        "[--show LIST|none]";
    static const struct option opts[] = {{"closeness", required_argument, NULL, 0},
                                         {"closeness-wanted", required_argument, NULL, 1},
                                         {"opened-up", required_argument, NULL, 2},
                                         {"understood", required_argument, NULL, 3},
                                         {"safety", required_argument, NULL, 4},
                                         {"affection", required_argument, NULL, 5},
                                         {"sexual", required_argument, NULL, 6},
                                         {"date", required_argument, NULL, 'd'},
                                         {"emotions", required_argument, NULL, 'e'},
                                         {"wordless", required_argument, NULL, 'w'},
                                         {"note", required_argument, NULL, 'n'},
                                         {"note-file", required_argument, NULL, 'f'},
                                         {"clear-note", no_argument, NULL, 'c'},
                                         {"show", required_argument, NULL, 's'},
                                         {0}};
    const char *vals[7] = {0}, *date = NULL, *emotions = NULL, *wordless = NULL, *note = NULL,
               *note_file = NULL, *show = NULL;
    bool clear_note = false, any = false;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o >= 0 && o < 7)
            vals[o] = optarg;
        else if (o == 'd')
            date = optarg;
        else if (o == 'e')
            emotions = optarg;
        else if (o == 'w')
            wordless = optarg;
        else if (o == 'n')
            note = optarg;
        else if (o == 'f')
            note_file = optarg;
        else if (o == 'c')
            clear_note = true;
        else if (o == 's')
            show = optarg;
        else
            return usage(c, use);
        if (o != 'd')
            any = true;
    }
    if (optind != argc || (note != NULL) + (note_file != NULL) + clear_note > 1)
        return usage(c, use);
    char day[11];
    if (date == NULL)
        today(day);
    else if (!valid_date(date))
        return cl_fail(c, CL_EUSAGE, "usage", "'%s' is not a date (YYYY-MM-DD)", date);
    else
        snprintf(day, sizeof day, "%s", date);
    bool interactive = !any;
    if (interactive && !isatty(STDIN_FILENO))
        return cl_fail(c, CL_EUSAGE, "usage",
                       "no item given and no terminal to ask on; give the items as flags "
                       "(usage: dyad client %s)",
                       use);

    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, false)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    bool sexual_ok =
        strcmp(d.kind, "couple") == 0 && json_is_true(json_object_get(d.dyad, "track_sexual"));
    json_t *body = json_object();
    char *note_text = NULL;
    char line[4200];

    if (interactive) {
        static const char *const questions[] = {
            "How close did you feel to @?",
            "How close did you want to feel?",
            "How much did you open up to @?",
            "How understood, accepted and cared for did you feel? (pass: no chance to tell)",
            "How safe did it feel to be open?",
            NULL, /* affection: its words depend on the kind of dyad, below */
            "If there was sex, how connected did it feel? (0: none)",
        };
        /* "not sexual" only where sex is part of the dyad's words, as on the page */
        const char *affection = strcmp(d.kind, "couple") == 0
                                    ? "How much affection, touch or being near was there, not "
                                      "sexual?"
                                    : "How much affection, warmth or being near was there?";
        printf("Check-in for %s. Enter passes on any item; ", day);
        cl_print_safe(d.partner_name);
        printf(" sees only what you choose at the end.\n");
        for (int i = 0; i < 7; i++) {
            if (i == 6 && !sexual_ok)
                continue;
            const char *question = questions[i] != NULL ? questions[i] : affection;
            const char *at = strchr(question, '@');
            for (;;) {
                if (at != NULL) {
                    printf("%.*s", (int)(at - question), question);
                    cl_print_safe(d.partner_name);
                    printf("%s\n", at + 1);
                } else {
                    printf("%s\n", question);
                }
                ask("  0-10, or Enter to pass: ", line, sizeof line);
                int v;
                bool isnull;
                if (line[0] == '\0') {
                    json_object_set_new(body, cl_items[i], json_null());
                    break;
                }
                if (cl_parse_score(line, &v, &isnull) == 0) {
                    json_object_set_new(body, cl_items[i], isnull ? json_null() : json_integer(v));
                    break;
                }
                printf("  A whole number from 0 to 10, please.\n");
            }
        }
        for (;;) {
            ask("Which feelings did you share? (joy, fear, frustration, sorrow, anger, hope, "
                "gratitude, embarrassment; comma-separated, Enter for none): ",
                line, sizeof line);
            const char *bad;
            size_t bl;
            json_t *arr = line[0] ? cl_parse_list(line, cl_emotions, &bad, &bl) : json_array();
            if (arr != NULL) {
                json_object_set_new(body, "emotions", arr);
                break;
            }
            printf("  Only words from the list, each once, separated by commas.\n");
        }
        ask("A moment of closeness without words? (y/N): ", line, sizeof line);
        json_object_set_new(body, "wordless", json_boolean(line[0] == 'y' || line[0] == 'Y'));
        ask("Private note, only you can read it (one line, Enter for none): ", line, sizeof line);
        if (line[0] != '\0')
            note_text = strdup(line);
        else
            note = NULL; /* keep an existing note */
        for (;;) {
            printf("What may they see from this day? (item names: closeness, closeness_wanted, "
                   "opened_up, understood, safety, affection, %semotions, wordless; "
                   "comma-separated, Enter for nothing): ",
                   sexual_ok ? "sexual, " : "");
            ask("", line, sizeof line);
            const char *bad;
            size_t bl;
            json_t *arr = line[0] ? cl_parse_list(line, cl_showable, &bad, &bl) : json_array();
            if (arr != NULL) {
                json_object_set_new(body, "show_partner", arr);
                break;
            }
            printf("  Only item names from the list, each once, separated by commas.\n");
        }
        sodium_memzero(line, sizeof line);
    } else {
        for (int i = 0; i < 7; i++) {
            int v;
            bool isnull = true;
            if (vals[i] != NULL && cl_parse_score(vals[i], &v, &isnull) != 0) {
                r = cl_fail(c, CL_EUSAGE, "usage",
                            "--%s takes a whole number from 0 to 10, or pass", item_flags[i]);
                goto out;
            }
            json_object_set_new(body, cl_items[i], isnull ? json_null() : json_integer(v));
        }
        const char *bad;
        size_t bl;
        json_t *em = emotions != NULL && *emotions ? cl_parse_list(emotions, cl_emotions, &bad, &bl)
                                                   : json_array();
        if (em == NULL) {
            r = cl_fail(c, CL_EUSAGE, "usage",
                        "--emotions takes distinct words from: joy fear frustration sorrow "
                        "anger hope gratitude embarrassment");
            goto out;
        }
        json_object_set_new(body, "emotions", em);
        if (wordless != NULL && strcmp(wordless, "yes") != 0 && strcmp(wordless, "no") != 0) {
            r = cl_fail(c, CL_EUSAGE, "usage", "--wordless takes yes or no");
            goto out;
        }
        json_object_set_new(body, "wordless",
                            wordless == NULL ? json_null()
                                             : json_boolean(strcmp(wordless, "yes") == 0));
        json_t *sh = show == NULL || strcmp(show, "none") == 0 || !*show
                         ? json_array()
                         : cl_parse_list(show, cl_showable, &bad, &bl);
        if (sh == NULL) {
            r = cl_fail(c, CL_EUSAGE, "usage",
                        "--show takes distinct item names: closeness closeness_wanted opened_up "
                        "understood safety affection sexual emotions wordless (or none)");
            goto out;
        }
        json_object_set_new(body, "show_partner", sh);
        if (note != NULL)
            note_text = strdup(note);
        else if (note_file != NULL &&
                 (r = cl_read_text(c, note_file, "the note", &note_text)) != CL_OK)
            goto out;
    }

    if (note_text != NULL && *note_text != '\0') {
        if (strlen(note_text) > NOTE_MAX_BYTES) {
            r = cl_fail(c, CL_EUSAGE, "too_large", "the note is too long: keep it under %d bytes",
                        NOTE_MAX_BYTES);
            goto out;
        }
        if ((r = cl_unlock(c)) != CL_OK)
            goto out;
        char *ct = encrypt_entry(c->keys.personal, d.id, day, my_id(c), "note", note_text);
        if (ct == NULL) {
            r = cl_fail(c, CL_ECRYPTO, "encrypt", "the note could not be encrypted (not UTF-8?)");
            goto out;
        }
        json_object_set_new(body, "note", json_string(ct));
        free(ct);
    } else if (!clear_note) {
        /* A PUT replaces the day whole: send an earlier note back as it is. */
        char path[512];
        snprintf(path, sizeof path, "/dyads/%s/checkins?from=%s&to=%s", d.id, day, day);
        json_t *res = NULL;
        if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK)
            goto out;
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(res, "checkins"), i,
                           row) if (strcmp(str(row, "user_id"), my_id(c)) == 0 &&
                                    json_is_string(json_object_get(row, "note")))
            json_object_set(body, "note", json_object_get(row, "note"));
        json_decref(res);
    }
    char path[512];
    snprintf(path, sizeof path, "/dyads/%s/checkins/%s", d.id, day);
    json_t *res = NULL;
    r = cl_api(c, "PUT", path, body, &res);
    json_decref(res);
    if (r != CL_OK)
        goto out;
    json_t *shown = json_object_get(body, "show_partner");
    if (c->json) {
        json_t *o2 = json_pack("{s:s, s:s, s:O, s:b}", "dyad", d.id, "date", day, "show_partner",
                               shown, "note", json_object_get(body, "note") != NULL);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Saved the check-in for %s. ", day);
        cl_print_safe(d.partner_name);
        if (json_array_size(shown) == 0) {
            printf(" sees nothing from it.\n");
        } else {
            printf(" can see: ");
            size_t i;
            json_t *v;
            json_array_foreach(shown, i, v)
                printf("%s%s", i ? ", " : "", cl_item_words(json_string_value(v)));
            printf(".\n");
        }
    }
out:
    wipe_free(note_text);
    json_decref(body);
    cl_dyad_close(&d);
    return r;
}

/* ---- checkins ----------------------------------------------------------- */

int cl_cmd_checkins(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"notes", no_argument, NULL, 'n'},
                                         {0}};
    const char *from = NULL, *to = NULL;
    bool notes = false;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 'f')
            from = optarg;
        else if (o == 't')
            to = optarg;
        else if (o == 'n')
            notes = true;
        else
            return usage(c, "checkins [--from DATE] [--to DATE] [--notes]");
    }
    if (optind != argc || (from != NULL && !valid_date(from)) || (to != NULL && !valid_date(to)))
        return usage(c, "checkins [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--notes]");
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, false)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    if (notes && (r = cl_unlock(c)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    char path[512];
    int n = snprintf(path, sizeof path, "/dyads/%s/checkins", d.id);
    if (from != NULL || to != NULL)
        snprintf(path + n, sizeof path - (size_t)n, "?%s%s%s%s", from ? "from=" : "",
                 from ? from : "",
                 from && to ? "&to="
                 : to       ? "to="
                            : "",
                 to ? to : "");
    json_t *res = NULL;
    if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    json_t *rows = json_object_get(res, "checkins");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *note = json_string_value(json_object_get(row, "note"));
        if (!notes || note == NULL || strcmp(str(row, "user_id"), my_id(c)) != 0)
            continue;
        char *text = cl_decrypt(c->keys.personal, d.id, str(row, "date"), my_id(c), "note", note);
        json_object_set_new(row, "note_text", text != NULL ? json_string(text) : json_null());
        if (text == NULL)
            json_object_set_new(row, "note_unreadable", json_true());
        wipe_free(text);
    }
    if (c->json) {
        cl_print_json(res);
    } else if (json_array_size(rows) == 0) {
        printf("No check-ins in this window.\n");
    } else {
        json_array_foreach(rows, i, row)
        {
            bool mine = strcmp(str(row, "user_id"), my_id(c)) == 0;
            printf("%s  ", str(row, "date"));
            if (mine)
                printf("you\n");
            else {
                cl_print_safe(d.partner_name);
                printf(" (what they chose to show)\n");
            }
            static const char *const theirs[] = {"How close @ felt",
                                                 "How close @ wanted to feel",
                                                 "How much @ opened up",
                                                 "How understood @ felt",
                                                 "How safe it felt for @ to be open",
                                                 "Affection, touch, being near",
                                                 "Sexual connection"};
            for (size_t k = 0; cl_items[k] != NULL; k++) {
                json_t *v = json_object_get(row, cl_items[k]);
                if (!json_is_integer(v))
                    continue;
                const char *label = mine ? cl_item_words(cl_items[k]) : theirs[k];
                const char *at = strchr(label, '@');
                printf("  ");
                if (at != NULL) {
                    printf("%.*s", (int)(at - label), label);
                    cl_print_safe(d.partner_name);
                    label = at + 1;
                }
                if (strcmp(cl_items[k], "sexual") == 0 && json_integer_value(v) == 0)
                    printf("%s: none that day\n", label);
                else
                    printf("%s: %lld of 10\n", label, (long long)json_integer_value(v));
            }
            json_t *em = json_object_get(row, "emotions");
            if (json_array_size(em) > 0) {
                printf("  Feelings shared: ");
                size_t j;
                json_t *e;
                json_array_foreach(em, j, e) printf("%s%s", j ? ", " : "", json_string_value(e));
                printf("\n");
            }
            if (json_is_true(json_object_get(row, "wordless")))
                printf("  A moment of closeness without words\n");
            if (mine && json_array_size(json_object_get(row, "show_partner")) > 0) {
                printf("  Shown to ");
                cl_print_safe(d.partner_name);
                printf(": ");
                size_t j;
                json_t *e;
                json_array_foreach(json_object_get(row, "show_partner"), j, e)
                    printf("%s%s", j ? ", " : "", json_string_value(e));
                printf("\n");
            }
            if (mine && json_is_string(json_object_get(row, "note"))) {
                if (!notes)
                    printf("  (a private note; --notes opens it)\n");
                else if (json_is_string(json_object_get(row, "note_text"))) {
                    printf("  Private note: ");
                    cl_print_safe(str(row, "note_text"));
                    printf("\n");
                } else
                    printf("  (the private note could not be read: it may have been changed)\n");
            }
        }
    }
    json_decref(res);
    cl_dyad_close(&d);
    return CL_OK;
}

/* ---- shares ------------------------------------------------------------- */

static const char *name_of(struct cl *c, struct cl_dyad *d, const char *user_id)
{
    if (strcmp(user_id, my_id(c)) == 0)
        return "You";
    return d->partner_name;
}

static void print_indented(const char *text, const char *indent)
{
    printf("%s", indent);
    for (const char *p = text; *p; p++) {
        char one[2] = {*p, 0};
        cl_print_safe(one[0] == '\n' ? "\n" : one);
        if (*p == '\n')
            printf("%s", indent);
    }
    printf("\n");
}

static int need_k(struct cl *c, struct cl_dyad *d)
{
    if (d->have_k)
        return CL_OK;
    if (d->partner == NULL)
        return cl_fail(c, CL_ECONFLICT, "not_paired",
                       "nobody has joined this dyad yet; send your invite link first");
    return cl_fail(c, CL_ECONFLICT, "waiting_for_key",
                   "waiting for %s's device to share this dyad's key with you (it does so the "
                   "next time they open dyad)",
                   d->partner_name);
}

int cl_cmd_shares(struct cl *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"limit", required_argument, NULL, 'l'}, {"before-id", required_argument, NULL, 'b'}, {0}};
    long limit = 20;
    const char *before = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        char *end;
        if (o == 'l') {
            limit = strtol(optarg, &end, 10);
            if (*end != '\0' || limit < 1 || limit > 100)
                return usage(c, "shares [--limit 1-100] [--before-id SHARE_ID]");
        } else if (o == 'b')
            before = optarg;
        else
            return usage(c, "shares [--limit 1-100] [--before-id SHARE_ID]");
    }
    if (optind != argc)
        return usage(c, "shares [--limit 1-100] [--before-id SHARE_ID]");
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    if (r != CL_OK || (r = cl_dyad_open(c, &d, true)) != CL_OK || (r = need_k(c, &d)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    char path[512];
    char *esc = before != NULL ? cl_escape(c, before) : NULL;
    snprintf(path, sizeof path, "/dyads/%s/shares?limit=%ld%s%s", d.id, limit,
             esc ? "&before_id=" : "", esc ? esc : "");
    free(esc);
    json_t *res = NULL, *prompts = NULL;
    if ((r = cl_api(c, "GET", path, NULL, &res)) != CL_OK) {
        cl_dyad_close(&d);
        return r;
    }
    snprintf(path, sizeof path, "/prompts?kind=%s", d.kind);
    if (cl_api(c, "GET", path, NULL, &prompts) != CL_OK)
        prompts = NULL; /* the words still show without the prompt's text */
    size_t i, j;
    json_t *s, *resp, *p;
    json_t *list = json_object_get(res, "shares");
    json_array_foreach(list, i, s)
    {
        const char *pid = json_string_value(json_object_get(s, "prompt_id"));
        if (pid != NULL)
            json_array_foreach(json_object_get(prompts, "prompts"), j,
                               p) if (strcmp(str(p, "id"), pid) == 0)
                json_object_set_new(s, "prompt_text", json_string(str(p, "text")));
        const char *body = json_string_value(json_object_get(s, "body"));
        if (body != NULL) {
            char *text = cl_decrypt(d.k, d.id, str(s, "id"), str(s, "author_id"), "share", body);
            json_object_set_new(s, "text", text ? json_string(text) : json_null());
            if (text == NULL)
                json_object_set_new(s, "unreadable", json_true());
            wipe_free(text);
        }
        json_array_foreach(json_object_get(s, "responses"), j, resp)
        {
            const char *rb = json_string_value(json_object_get(resp, "body"));
            if (rb == NULL)
                continue;
            char *text =
                cl_decrypt(d.k, d.id, str(resp, "id"), str(resp, "author_id"), "response", rb);
            json_object_set_new(resp, "text", text ? json_string(text) : json_null());
            if (text == NULL)
                json_object_set_new(resp, "unreadable", json_true());
            wipe_free(text);
        }
    }
    json_decref(prompts);
    if (c->json) {
        cl_print_json(res);
    } else if (json_array_size(list) == 0) {
        printf("Nothing shared yet. `dyad client share --topic everyday --depth 1` writes a "
               "small moment.\n");
    } else {
        json_array_foreach(list, i, s)
        {
            printf("%s  ", str(s, "id"));
            cl_print_safe(name_of(c, &d, str(s, "author_id")));
            printf(" · %s · depth %lld (%s) · %s", cl_topic_words(str(s, "topic")),
                   (long long)json_integer_value(json_object_get(s, "depth")),
                   cl_depth_words(json_integer_value(json_object_get(s, "depth"))),
                   str(s, "created_at"));
            if (strcmp(str(s, "reveal"), "mutual") == 0)
                printf(" · mutual reveal");
            if (json_is_true(json_object_get(s, "together")))
                printf(" · talked through together");
            printf("\n");
            if (json_is_string(json_object_get(s, "prompt_text"))) {
                printf("  Prompt: ");
                cl_print_safe(str(s, "prompt_text"));
                printf("\n");
            }
            if (json_is_true(json_object_get(s, "withheld")))
                printf("  (kept back until you answer the same prompt yourself: dyad client "
                       "share --prompt %s --mutual …)\n",
                       str(s, "prompt_id"));
            else if (json_is_true(json_object_get(s, "unreadable")))
                printf("  (this entry could not be read: it may have been changed on the "
                       "server)\n");
            else
                print_indented(str(s, "text"), "  ");
            if (json_is_true(json_object_get(s, "waiting_for_you")))
                printf("  (waiting for your response, whenever you are ready: dyad client "
                       "respond %s KIND)\n",
                       str(s, "id"));
            json_array_foreach(json_object_get(s, "responses"), j, resp)
            {
                printf("  -> ");
                cl_print_safe(name_of(c, &d, str(resp, "author_id")));
                printf(": %s (%s)\n", cl_response_words(str(resp, "kind")),
                       str(resp, "created_at"));
                if (json_is_true(json_object_get(resp, "unreadable")))
                    printf("     (these words could not be read: they may have been changed)\n");
                else if (json_is_string(json_object_get(resp, "text")))
                    print_indented(str(resp, "text"), "     ");
            }
            printf("\n");
        }
    }
    json_decref(res);
    cl_dyad_close(&d);
    return CL_OK;
}

/* ---- share and respond ----------------------------------------------------- */

int cl_cmd_share(struct cl *c, int argc, char **argv)
{
    static const char *const use =
        "share --topic TOPIC --depth 1-5 [--prompt PROMPT_ID [--mutual]] [--file FILE|-]";
    static const struct option opts[] = {
        {"topic", required_argument, NULL, 't'},  {"depth", required_argument, NULL, 'd'},
        {"prompt", required_argument, NULL, 'p'}, {"mutual", no_argument, NULL, 'm'},
        {"file", required_argument, NULL, 'f'},   {0}};
    const char *topic = NULL, *prompt = NULL, *file = NULL;
    long depth = 0;
    bool mutual = false;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        char *end;
        if (o == 't')
            topic = optarg;
        else if (o == 'd') {
            depth = strtol(optarg, &end, 10);
            if (*end != '\0' || depth < 1 || depth > 5)
                return usage(c, use);
        } else if (o == 'p')
            prompt = optarg;
        else if (o == 'm')
            mutual = true;
        else if (o == 'f')
            file = optarg;
        else
            return usage(c, use);
    }
    bool known = false;
    for (size_t i = 0; topic != NULL && cl_topics[i] != NULL; i++)
        known = known || strcmp(topic, cl_topics[i]) == 0;
    if (optind != argc || !known || depth == 0 || (mutual && prompt == NULL))
        return usage(c, use);
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    char *text = NULL, *body = NULL;
    json_t *req = NULL, *res = NULL;
    if (r != CL_OK || (r = cl_dyad_open(c, &d, true)) != CL_OK || (r = need_k(c, &d)) != CL_OK)
        goto out;
    if ((r = cl_read_text(c, file, "what you want to share", &text)) != CL_OK)
        goto out;
    if (*text == '\0') {
        r = cl_fail(c, CL_EUSAGE, "empty", "there is nothing to share; nothing was sent");
        goto out;
    }
    if (strlen(text) > SHARE_MAX_BYTES) {
        r = cl_fail(c, CL_EUSAGE, "too_large", "that is too long: at most %d bytes",
                    SHARE_MAX_BYTES);
        goto out;
    }
    char id[KEYS_ENTRY_ID_SIZE];
    keys_entry_id_new(id, sizeof id);
    if ((body = encrypt_entry(d.k, d.id, id, my_id(c), "share", text)) == NULL) {
        r = cl_fail(c, CL_ECRYPTO, "encrypt", "the words could not be encrypted (not UTF-8?)");
        goto out;
    }
    req =
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", id, "topic", topic, "depth", (json_int_t)depth,
                  "body", body, "reveal", prompt != NULL && mutual ? "mutual" : "now");
    if (prompt != NULL)
        json_object_set_new(req, "prompt_id", json_string(prompt));
    char path[256];
    snprintf(path, sizeof path, "/dyads/%s/shares", d.id);
    if ((r = cl_api(c, "POST", path, req, &res)) != CL_OK)
        goto out;
    if (c->json) {
        json_t *o2 =
            json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", id, "created_at",
                      str(json_object_get(res, "share"), "created_at"), "topic", topic, "depth",
                      (json_int_t)depth, "reveal", prompt != NULL && mutual ? "mutual" : "now");
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Shared (%s). Only the two of you can read it.\n", id);
        if (mutual) {
            printf("Mutual reveal: ");
            cl_print_safe(d.partner_name);
            printf(" sees your answer once they have answered the same prompt.\n");
        }
    }
out:
    wipe_free(text);
    free(body);
    json_decref(req);
    json_decref(res);
    cl_dyad_close(&d);
    return r;
}

int cl_cmd_respond(struct cl *c, int argc, char **argv)
{
    static const char *const use = "respond SHARE_ID understood|makes_sense|with_you|in_person "
                                   "[--text WORDS | --file FILE|-]";
    static const struct option opts[] = {
        {"text", required_argument, NULL, 't'}, {"file", required_argument, NULL, 'f'}, {0}};
    const char *words = NULL, *file = NULL;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 't')
            words = optarg;
        else if (o == 'f')
            file = optarg;
        else
            return usage(c, use);
    }
    if (argc - optind != 2 || (words != NULL && file != NULL))
        return usage(c, use);
    const char *sid = argv[optind], *kind = argv[optind + 1];
    bool known = false;
    for (size_t i = 0; cl_responses[i] != NULL; i++)
        known = known || strcmp(kind, cl_responses[i]) == 0;
    if (!known)
        return usage(c, use);
    int r = cl_need_session(c);
    struct cl_dyad d;
    memset(&d, 0, sizeof d);
    char *text = NULL, *body = NULL, *esc = NULL;
    json_t *req = NULL, *res = NULL;
    if (r != CL_OK || (r = cl_dyad_open(c, &d, true)) != CL_OK || (r = need_k(c, &d)) != CL_OK)
        goto out;
    if (words != NULL)
        text = strdup(words);
    else if (file != NULL && (r = cl_read_text(c, file, "your words", &text)) != CL_OK)
        goto out;
    char id[KEYS_ENTRY_ID_SIZE];
    keys_entry_id_new(id, sizeof id);
    req = json_pack("{s:s, s:s}", "id", id, "kind", kind);
    if (text != NULL && *text != '\0') {
        if (strlen(text) > SHARE_MAX_BYTES) {
            r = cl_fail(c, CL_EUSAGE, "too_large", "that is too long: at most %d bytes",
                        SHARE_MAX_BYTES);
            goto out;
        }
        if ((body = encrypt_entry(d.k, d.id, id, my_id(c), "response", text)) == NULL) {
            r = cl_fail(c, CL_ECRYPTO, "encrypt", "the words could not be encrypted (not UTF-8?)");
            goto out;
        }
        json_object_set_new(req, "body", json_string(body));
    }
    esc = cl_escape(c, sid);
    char path[512];
    snprintf(path, sizeof path, "/dyads/%s/shares/%s/responses", d.id, esc ? esc : "");
    if ((r = cl_api(c, "POST", path, req, &res)) != CL_OK)
        goto out;
    if (c->json) {
        json_t *o2 = json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", id, "share_id", sid, "kind", kind,
                               "created_at", str(json_object_get(res, "response"), "created_at"),
                               "words", body != NULL);
        cl_print_json(o2);
        json_decref(o2);
    } else {
        printf("Responded \"%s\"%s.\n", cl_response_words(kind), body ? ", with your words" : "");
    }
out:
    free(esc);
    wipe_free(text);
    free(body);
    json_decref(req);
    json_decref(res);
    cl_dyad_close(&d);
    return r;
}
