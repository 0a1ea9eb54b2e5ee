/*
 * test_client.c — the pure parts of `dyad client` (src/cli/client_util.c and
 * the invite-secret box in client_session.c): exit statuses by class, invite
 * links, flag values, the state path, dates, and the sealed invite secret
 * against the construction web/js/dyads.js uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_int.h"
#include "core/checkin.h"
#include "core/insights.h"
#include "core/prompts.h"
#include "core/vocab.h"

static void test_exit_status_per_class(void **state)
{
    (void)state;
    assert_int_equal(cl_exit_for_status(200, NULL), CL_OK);
    assert_int_equal(cl_exit_for_status(204, NULL), CL_OK);
    assert_int_equal(cl_exit_for_status(0, NULL), CL_ENETWORK);
    assert_int_equal(cl_exit_for_status(302, NULL), CL_ENETWORK);
    assert_int_equal(cl_exit_for_status(400, "invalid_field"), CL_EINVALID);
    assert_int_equal(cl_exit_for_status(400, "bad_json"), CL_EINVALID);
    assert_int_equal(cl_exit_for_status(405, "method_not_allowed"), CL_EINVALID);
    assert_int_equal(cl_exit_for_status(413, "too_large"), CL_EINVALID);
    assert_int_equal(cl_exit_for_status(401, "unauthenticated"), CL_EAUTH);
    assert_int_equal(cl_exit_for_status(403, "forbidden"), CL_EFORBIDDEN);
    assert_int_equal(cl_exit_for_status(403, "csrf"), CL_EFORBIDDEN);
    assert_int_equal(cl_exit_for_status(404, "not_found"), CL_ENOTFOUND);
    assert_int_equal(cl_exit_for_status(409, "conflict"), CL_ECONFLICT);
    assert_int_equal(cl_exit_for_status(429, "rate_limited"), CL_ERATE);
    assert_int_equal(cl_exit_for_status(500, "internal"), CL_ESERVER);
    assert_int_equal(cl_exit_for_status(503, "unavailable"), CL_ESERVER);
    /* every class its own number */
    int seen[16] = {0};
    const int all[] = {CL_OK,        CL_ELOCAL,   CL_EUSAGE,     CL_ENETWORK,
                       CL_EAUTH,     CL_EINVALID, CL_EFORBIDDEN, CL_ENOTFOUND,
                       CL_ECONFLICT, CL_ERATE,    CL_ESERVER,    CL_ECRYPTO};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_int_equal(seen[all[i]]++, 0);
}

static void test_parse_link(void **state)
{
    (void)state;
    unsigned char secret[32], want[32];
    char code[64], text[KEYS_SECRET_SIZE];
    for (int i = 0; i < 32; i++)
        want[i] = (unsigned char)(i * 7 + 1);
    assert_int_equal(keys_secret_encode(text, sizeof text, want), 0);
    char link[256];
    snprintf(link, sizeof link, "https://dyad.example/join/Xb3_k-9#%s", text);
    assert_int_equal(cl_parse_link(link, code, sizeof code, secret), 0);
    assert_string_equal(code, "Xb3_k-9");
    assert_memory_equal(secret, want, 32);
    /* without the part after '#', with another path, a bad code or secret */
    assert_int_equal(cl_parse_link("https://dyad.example/join/Xb3", code, sizeof code, secret), -1);
    snprintf(link, sizeof link, "https://dyad.example/joins/Xb3#%s", text);
    assert_int_equal(cl_parse_link(link, code, sizeof code, secret), -1);
    snprintf(link, sizeof link, "https://dyad.example/join/#%s", text);
    assert_int_equal(cl_parse_link(link, code, sizeof code, secret), -1);
    snprintf(link, sizeof link, "https://dyad.example/join/a%%2Fb#%s", text);
    assert_int_equal(cl_parse_link(link, code, sizeof code, secret), -1);
    assert_int_equal(cl_parse_link("https://d/join/abc#short", code, sizeof code, secret), -1);
    /* a code longer than the buffer */
    snprintf(link, sizeof link, "https://d/join/abcdefgh#%s", text);
    assert_int_equal(cl_parse_link(link, code, 8, secret), -1);
    assert_int_equal(cl_parse_link(link, code, 9, secret), 0);
}

static void test_parse_score(void **state)
{
    (void)state;
    int v = -1;
    bool isnull = false;
    assert_int_equal(cl_parse_score("0", &v, &isnull), 0);
    assert_int_equal(v, 0);
    assert_false(isnull);
    assert_int_equal(cl_parse_score("10", &v, &isnull), 0);
    assert_int_equal(v, 10);
    assert_int_equal(cl_parse_score("pass", &v, &isnull), 0);
    assert_true(isnull);
    assert_int_equal(cl_parse_score("-", &v, &isnull), 0);
    assert_true(isnull);
    const char *bad[] = {"11", "-1", "07", "", "7a", " 7", "100", "1.5", "Pass"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cl_parse_score(bad[i], &v, &isnull), -1);
    assert_int_equal(cl_parse_score(NULL, &v, &isnull), -1);
}

static void test_parse_list(void **state)
{
    (void)state;
    const char *bad;
    size_t bl;
    json_t *a = cl_parse_list("joy,hope", cl_emotions, &bad, &bl);
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 1)), "hope");
    json_decref(a);
    a = cl_parse_list("closeness,emotions,wordless", cl_showable, &bad, &bl);
    assert_int_equal(json_array_size(a), 3);
    json_decref(a);
    assert_null(cl_parse_list("joy,jo", cl_emotions, &bad, &bl));
    assert_int_equal(bl, 2);
    assert_memory_equal(bad, "jo", 2);
    assert_null(cl_parse_list("joy,joy", cl_emotions, &bad, &bl)); /* repeated */
    assert_null(cl_parse_list("joy,", cl_emotions, &bad, &bl));    /* trailing comma */
    assert_null(cl_parse_list(",joy", cl_emotions, &bad, &bl));
    assert_null(cl_parse_list("sexual", cl_emotions, &bad, &bl));
}

static void test_state_dir(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(cl_state_dir(out, sizeof out, "/x/state", "/home/a"), 0);
    assert_string_equal(out, "/x/state/dyad");
    assert_int_equal(cl_state_dir(out, sizeof out, NULL, "/home/a"), 0);
    assert_string_equal(out, "/home/a/.local/state/dyad");
    /* a relative XDG_STATE_HOME is ignored, as the XDG spec says */
    assert_int_equal(cl_state_dir(out, sizeof out, "rel", "/home/a"), 0);
    assert_string_equal(out, "/home/a/.local/state/dyad");
    assert_int_equal(cl_state_dir(out, sizeof out, "", "rel"), -1);
    assert_int_equal(cl_state_dir(out, sizeof out, NULL, NULL), -1);
    assert_int_equal(cl_state_dir(out, 10, "/x/state", NULL), -1);
}

static void test_date_add(void **state)
{
    (void)state;
    char out[11];
    assert_int_equal(cl_date_add(out, sizeof out, "2026-12-03", 0), 0);
    assert_string_equal(out, "2026-12-03");
    assert_int_equal(cl_date_add(out, sizeof out, "2026-12-31", 1), 0);
    assert_string_equal(out, "2027-01-01");
    assert_int_equal(cl_date_add(out, sizeof out, "2028-03-01", -1), 0);
    assert_string_equal(out, "2028-02-29"); /* a leap year */
    assert_int_equal(cl_date_add(out, sizeof out, "2026-02-30", 0), -1);
    assert_int_equal(cl_date_add(out, sizeof out, "2026-2-3", 0), -1);
    assert_int_equal(cl_date_add(out, sizeof out, "2026-12-03x", 0), -1);
    assert_int_equal(cl_date_add(out, 10, "2026-12-03", 0), -1);
}

static void test_words(void **state)
{
    (void)state;
    /* the browser's words: src/core/vocab.c */
    assert_string_equal(cl_topic_words("hope"), vocab_topic(PROMPTS_TOPIC_HOPE)->label);
    assert_string_equal(cl_topic_words("unknown"), "unknown");
    assert_string_equal(cl_depth_words(5), vocab_depth(5)->label);
    assert_string_equal(cl_depth_words(0), "");
    assert_string_equal(cl_depth_words(6), "");
    assert_string_equal(cl_response_words("makes_sense"),
                        vocab_response(VOCAB_RESPONSE_MAKES_SENSE)->label);
    assert_string_equal(cl_response_words("nope"), "nope");
    assert_string_equal(cl_quadrant_words("hidden"), "not shown to you");
    /* the client's lists hold exactly the API's names */
    size_t n = 0;
    for (; cl_topics[n] != NULL; n++)
        assert_int_equal(prompts_topic_from_name(cl_topics[n]), (int)n);
    assert_int_equal(n, PROMPTS_TOPIC__MAX);
    for (n = 0; cl_emotions[n] != NULL; n++)
        assert_int_equal(checkin_emotion_from_name(cl_emotions[n]), (int)n);
    assert_int_equal(n, INSIGHTS_EMOTION__MAX);
    for (n = 0; cl_responses[n] != NULL; n++)
        assert_string_equal(vocab_response_name((int)n), cl_responses[n]);
    assert_int_equal(n, VOCAB_RESPONSE__MAX);
}

/* The invite-secret box opens only under the same personal key, and is laid
 * out as web/js/dyads.js makes it: nonce ‖ XChaCha20-Poly1305(secret, ad). */
static void test_invite_secret_box(void **state)
{
    (void)state;
    unsigned char personal[32], other[32], secret[32], back[32];
    randombytes_buf(personal, 32);
    randombytes_buf(other, 32);
    randombytes_buf(secret, 32);
    char box[KEYS_B64_SIZE(72)];
    assert_int_equal(cl_box_invite_secret(box, sizeof box, secret, personal), 0);
    assert_int_equal(cl_open_invite_secret(back, box, personal), 0);
    assert_memory_equal(back, secret, 32);
    assert_int_equal(cl_open_invite_secret(back, box, other), -1);
    /* decrypt by hand, as the browser would */
    unsigned char raw[72], plain[32];
    size_t got;
    unsigned long long pl;
    assert_int_equal(keys_b64_decode(raw, sizeof raw, &got, box), 0);
    assert_int_equal(got, 72);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                         plain, &pl, NULL, raw + 24, 48, (const unsigned char *)"dyadinvite|1", 12,
                         raw, personal),
                     0);
    assert_memory_equal(plain, secret, 32);
    box[5] = box[5] == 'A' ? 'B' : 'A';
    assert_int_equal(cl_open_invite_secret(back, box, personal), -1);
    assert_int_equal(cl_open_invite_secret(back, "", personal), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status_per_class),
        cmocka_unit_test(test_parse_link),
        cmocka_unit_test(test_parse_score),
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_state_dir),
        cmocka_unit_test(test_date_add),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_invite_secret_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
