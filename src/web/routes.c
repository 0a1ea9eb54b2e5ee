/*
 * routes.c — every route dyad serves, in one table: method, pattern, who may
 * call it, and the body fields it accepts. The access-matrix test and
 * /api/v1/openapi.json are generated from this table.
 */
#include <sodium.h>

#include "core/checkin.h"
#include "core/prompts.h"
#include "core/questionnaire.h"
#include "core/vocab.h"
#include "crypto/crypto.h"
#include "web/handler.h"

/* Field declarations: name, JSON type, required, nullable, then the rule the
 * value must meet (router.h). Handlers get only values that passed. */
#define REQ(n, t, ...)                                                                             \
    {                                                                                              \
        .name = n, .type = t, .required = true, __VA_ARGS__                                        \
    }
#define OPT(n, t, ...)                                                                             \
    {                                                                                              \
        .name = n, .type = t, .nullable = true, __VA_ARGS__                                        \
    }
/* standard base64 of exactly `bytes` bytes */
#define B64(n, bytes) REQ(n, FIELD_STRING, .rule = RULE_B64, .min = (bytes), .max = (bytes))
/* nonce ‖ ciphertext of text padded to 64 bytes, overhead + 64 … max */
#define PADDED(overhead, max_bytes)                                                                \
    .rule = RULE_B64, .min = (overhead) + 64, .max = (max_bytes), .step = 64
#define ENUM(names_fn, count) .rule = RULE_ENUM, .names = (names_fn), .max = (count)
#define END                                                                                        \
    {                                                                                              \
        .name = NULL                                                                               \
    }

enum {
    ENTRY_OVERHEAD = 40,               /* nonce 24 + tag 16 */
    ENTRY_MAX = 24 * 1024,             /* ciphertext bytes of a share or response */
    SEALED_OVERHEAD = 48,              /* crypto_box_seal: ephemeral key 32 + tag 16 */
    ASSIGNMENT_DAYS_MAX = 28,          /* homework lasts at most four weeks */
    RECOVERY_CHALLENGE_BYTES = 8 + 32, /* time ‖ HMAC-SHA512/256 (h_recovery.c) */
    STUDY_TEXT_MAX = 1000,             /* a research request's description */
};

static const char *const email_msg = "That is not an e-mail address.";
static const char *const name_msg =
    "A display name is 1 to 64 characters, without control characters.";

static const struct field_spec f_register[] = {
    REQ("email", FIELD_STRING, .rule = RULE_EMAIL, .message = email_msg),
    REQ("display_name", FIELD_STRING, .rule = RULE_NAME, .message = name_msg),
    B64("kdf_salt", 16),
    B64("auth_key", 32),
    B64("box_public_key", 32),
    B64("sign_public_key", 32),
    B64("wrapped_keys", STORE_WRAPPED_KEYS),
    B64("recovery_wrapped_keys", STORE_WRAPPED_KEYS),
    END};
static const struct field_spec f_login[] = {
    REQ("email", FIELD_STRING, .rule = RULE_EMAIL, .message = email_msg), B64("auth_key", 32), END};
static const struct field_spec f_reauth[] = {B64("auth_key", 32), END};
static const struct field_spec f_device_create[] = {B64("auth_key", 32), B64("proof", 32), END};
static const struct field_spec f_device_unlock[] = {
    REQ("device_id", FIELD_STRING, .rule = RULE_TEXT, .min = 3, .max = STORE_ID_MAX - 1),
    B64("proof", 32), END};
static const struct field_spec f_device_forget[] = {
    REQ("device_id", FIELD_STRING, .rule = RULE_TEXT, .min = 3, .max = STORE_ID_MAX - 1), END};
static const struct field_spec f_recover[] = {
    REQ("email", FIELD_STRING, .rule = RULE_EMAIL, .message = email_msg),
    REQ("challenge", FIELD_STRING, .rule = RULE_B64URL, .min = RECOVERY_CHALLENGE_BYTES,
        .message = "That is not a recovery challenge."),
    B64("signature", 64),
    B64("new_kdf_salt", 16),
    B64("new_auth_key", 32),
    B64("new_wrapped_keys", STORE_WRAPPED_KEYS),
    END};
static const struct field_spec f_password[] = {B64("auth_key", 32), B64("new_kdf_salt", 16),
                                               B64("new_auth_key", 32),
                                               B64("new_wrapped_keys", STORE_WRAPPED_KEYS), END};
static const struct field_spec f_dyad_create[] = {
    REQ("kind", FIELD_STRING, ENUM(prompts_kind_name, PROMPTS_KIND__MAX),
        .message = "kind is one of couple, friends, family."),
    B64("wrapped_key", STORE_SEALED_KEY),
    B64("signature", 64),
    B64("key_proof", 32),
    B64("invite_secret_box", STORE_SECRET_BOX),
    OPT("family_role", FIELD_STRING), /* a role name or "none": h_dyads.c checks it by kind */
    END};
static const struct field_spec f_dyad_join[] = {REQ("code", FIELD_STRING), B64("key_proof", 32),
                                                B64("invite_secret_box", STORE_SECRET_BOX), END};
static const struct field_spec f_wrap[] = {B64("wrapped_key", STORE_SEALED_KEY),
                                           B64("signature", 64), END};
static const struct field_spec f_settings[] = {
    {.name = "track_sexual", .type = FIELD_BOOL},
    {.name = "therapist_sees_sexual", .type = FIELD_BOOL},
    {.name = "show_comfort", .type = FIELD_BOOL},
    OPT("family_role", FIELD_STRING),
    END};
static const struct field_spec f_leave[] = {{.name = "delete_my_content", .type = FIELD_BOOL}, END};

/* a 0–10 score of a check-in, or null */
#define SCORE(n)                                                                                   \
    OPT(n, FIELD_INT, .rule = RULE_INT, .min = 0, .max = 10,                                       \
        .message = "'" n "' is a whole number from 0 to 10, or null.")
static const struct field_spec f_checkin[] = {
    SCORE("closeness"),
    SCORE("closeness_wanted"),
    SCORE("opened_up"),
    SCORE("understood"),
    SCORE("safety"),
    SCORE("affection"),
    SCORE("sexual"),
    {.name = "emotions",
     .type = FIELD_ARRAY,
     .rule = RULE_ENUM_ARRAY,
     .distinct = true,
     .names = checkin_emotion_name,
     .max = INSIGHTS_EMOTION__MAX,
     .message = "Feelings are from: joy fear frustration sorrow anger hope gratitude "
                "embarrassment, each once."},
    OPT("wordless", FIELD_BOOL),
    OPT("note", FIELD_STRING,
        PADDED(CHECKIN_NOTE_OVERHEAD, CHECKIN_NOTE_OVERHEAD + CHECKIN_NOTE_MAX),
        .message =
            "The note must be base64 of nonce and ciphertext of padded text, at most 4 KiB."),
    {.name = "show_partner",
     .type = FIELD_ARRAY,
     .rule = RULE_ENUM_ARRAY,
     .names = checkin_item_name,
     .max = INSIGHTS_ITEM__MAX,
     .message = "show_partner lists check-in item names."},
    END};

static const struct field_spec f_share[] = {
    REQ("id", FIELD_STRING, .rule = RULE_ENTRY_ID,
        .message = "id is 16 random bytes in base64url without padding, made by the client."),
    REQ("topic", FIELD_STRING, ENUM(prompts_topic_name, PROMPTS_TOPIC__MAX)),
    REQ("depth", FIELD_INT, .rule = RULE_INT, .min = PROMPTS_DEPTH_MIN, .max = PROMPTS_DEPTH_MAX,
        .message = "depth is a whole number from 1 to 5."),
    OPT("prompt_id", FIELD_STRING),
    REQ("body", FIELD_STRING, PADDED(ENTRY_OVERHEAD, ENTRY_MAX),
        .message = "'body' must be base64 of a nonce and the ciphertext of text padded to 64 "
                   "bytes."),
    OPT("reveal", FIELD_STRING, ENUM(vocab_reveal_name, VOCAB_REVEAL__MAX),
        .message = "reveal is \"now\" or \"mutual\"."),
    {.name = "together", .type = FIELD_BOOL},
    END};
static const struct field_spec f_response[] = {
    REQ("id", FIELD_STRING, .rule = RULE_ENTRY_ID,
        .message = "id is 16 random bytes in base64url without padding, made by the client."),
    REQ("kind", FIELD_STRING, ENUM(vocab_response_name, VOCAB_RESPONSE__MAX),
        .message = "kind is understood, makes_sense, with_you or in_person."),
    OPT("body", FIELD_STRING, PADDED(ENTRY_OVERHEAD, ENTRY_MAX),
        .message = "'body' must be base64 of a nonce and the ciphertext of text padded to 64 "
                   "bytes."),
    END};

/* {topic: level, …}: any topic name as a key, a comfort level as its value */
static const struct field_spec f_comfort[] = {
    {.name = "*",
     .type = FIELD_INT,
     .keys = prompts_topic_name,
     .nkeys = PROMPTS_TOPIC__MAX,
     .rule = RULE_INT,
     .min = 0,
     .max = PROMPTS_DEPTH_MAX,
     .message = "A comfort level is 1 (light) to 5 (anything), or 0 for not now."},
    END};

static const struct field_spec f_link[] = {REQ("therapist_code", FIELD_STRING), END};
static const struct field_spec f_therapist_setup[] = {
    REQ("token", FIELD_STRING, .rule = RULE_TEXT, .min = DCRYPTO_TOKEN_LEN,
        .max = DCRYPTO_TOKEN_LEN, .message = "That is not a setup link."),
    REQ("display_name", FIELD_STRING, .rule = RULE_NAME, .message = name_msg),
    B64("kdf_salt", 16),
    B64("auth_key", 32),
    B64("box_public_key", 32),
    B64("sign_public_key", 32),
    B64("wrapped_keys", STORE_WRAPPED_KEYS),
    B64("recovery_wrapped_keys", STORE_WRAPPED_KEYS),
    END};
static const struct field_spec f_assignment[] = {
    REQ("topic", FIELD_STRING, ENUM(prompts_topic_name, PROMPTS_TOPIC__MAX),
        .message = "There is no such topic for this dyad."),
    REQ("depth", FIELD_INT, .rule = RULE_INT, .min = PROMPTS_DEPTH_MIN, .max = PROMPTS_DEPTH_MAX,
        .message = "depth is 1 to 5."),
    {.name = "days",
     .type = FIELD_INT,
     .rule = RULE_INT,
     .min = 1,
     .max = ASSIGNMENT_DAYS_MAX,
     .message = "days is 1 to 28."},
    {.name = "notes", .type = FIELD_OBJECT},
    END};

static const struct field_spec f_private_assign[] = {REQ("user_id", FIELD_STRING),
                                                     REQ("questionnaire", FIELD_STRING), END};
/* text padded to 64 bytes and sealed to the therapist's key */
#define SEALED(n)                                                                                  \
    REQ(n, FIELD_STRING, PADDED(SEALED_OVERHEAD, STORE_SEALED_MAX),                                \
        .message = "'" n "' must be text padded to 64 bytes and sealed to the therapist's key, "   \
                   "at most 8 KiB.")
/* a private check-in's answer and, beside it, the danger signal: "D" or "N"
 * padded to one 64-byte block and sealed to the therapist (h_private.c) */
static const struct field_spec f_private_answer[] = {
    SEALED("sealed"),
    OPT("signal", FIELD_STRING, .rule = RULE_B64, .min = STORE_PRIVATE_SIGNAL,
        .max = STORE_PRIVATE_SIGNAL,
        .message = "'signal' must be one 64-byte block sealed to the therapist's key."),
    END};
static const struct field_spec f_measure_assign[] = {REQ("questionnaire", FIELD_STRING),
                                                     OPT("every_days", FIELD_INT, .rule = RULE_INT,
                                                         .min = 1, .max = QUESTIONNAIRE_EVERY_MAX,
                                                         .message = "Every 1 to 91 days."),
                                                     END};
/* answers are checked against the questionnaire's own items (h_measures.c) */
static const struct field_spec f_measure_answer[] = {
    REQ("answers", FIELD_OBJECT), {.name = "show_partner", .type = FIELD_BOOL}, END};
static const struct field_spec f_research_request[] = {
    REQ("study", FIELD_STRING, .rule = RULE_PROSE, .min = 1, .max = STUDY_TEXT_MAX,
        .message = "Say what the study is, who runs it and what the data are used for "
                   "(1–1000 bytes of plain text)."),
    END};
static const struct field_spec f_research_consent[] = {
    {.name = "include_hidden", .type = FIELD_BOOL}, END};
/* a browser's push subscription as PushSubscription.toJSON() gives it;
 * h_push.c checks where the endpoint points and that p256dh is on P-256 */
static const struct field_spec f_push[] = {
    REQ("endpoint", FIELD_STRING),
    REQ("p256dh", FIELD_STRING, .rule = RULE_B64URL, .min = 65,
        .message = "The field 'p256dh' must be 65 bytes in base64url."),
    REQ("auth", FIELD_STRING, .rule = RULE_B64URL, .min = 16,
        .message = "The field 'auth' must be 16 bytes in base64url."),
    END};
static const struct field_spec f_push_remove[] = {REQ("endpoint", FIELD_STRING), END};
/* the values are checked in h_reminders.c (day and channel names, HH:MM,
 * a zone of the tz database), each error naming its field */
static const struct field_spec f_reminders[] = {
    REQ("enabled", FIELD_BOOL), REQ("days", FIELD_ARRAY),     REQ("time", FIELD_STRING),
    REQ("zone", FIELD_STRING),  REQ("channels", FIELD_ARRAY), END};
static const struct field_spec f_reshare[] = {
    REQ("entry_id", FIELD_STRING),
    REQ("entry_kind", FIELD_STRING, ENUM(vocab_entry_kind_name, VOCAB_ENTRY__MAX),
        .message = "entry_kind is share, response or note."),
    SEALED("sealed"), END};

#define API "/api/v1"

const struct route app_routes[] = {
    /* operations */
    {"GET", "/healthz", h_healthz, ROUTE_PUBLIC, NULL, 0, "Liveness and database check"},
    {"GET", "/readyz", h_readyz, ROUTE_PUBLIC, NULL, 0,
     "Readiness: database reachable, schema current"},
    {"GET", "/metrics", h_metrics, ROUTE_PUBLIC, NULL, 0, "Prometheus metrics"},
    {"GET", API "/openapi.json", h_openapi, ROUTE_PUBLIC, NULL, 0, "This API description"},

    /* accounts */
    {"GET", API "/auth/kdf", h_auth_kdf, ROUTE_PUBLIC, NULL, 0, "Key-derivation parameters"},
    {"POST", API "/auth/register", h_auth_register, ROUTE_PUBLIC, f_register, 0,
     "Create an account"},
    {"POST", API "/auth/login", h_auth_login, ROUTE_PUBLIC, f_login, 0, "Log in"},
    {"GET", API "/auth/recovery", h_recovery_start, ROUTE_PUBLIC, NULL, 0,
     "Keys wrapped under the recovery code, and a challenge"},
    {"POST", API "/auth/recover", h_recover, ROUTE_PUBLIC, f_recover, 0,
     "A new password, proven with the keys the recovery code opens"},
    {"POST", API "/auth/logout", h_auth_logout, ROUTE_SESSION, NULL, 0,
     "Log out (and forget the device this session belongs to)"},
    {"POST", API "/auth/lock", h_auth_lock, ROUTE_SESSION, NULL, 0,
     "End this session, keeping its device for a PIN unlock"},
    {"POST", API "/auth/device", h_auth_device, ROUTE_PUBLIC, f_device_unlock, 0,
     "PIN unlock of one's own browser: a new session and the device value"},
    {"POST", API "/auth/device/forget", h_auth_device_forget, ROUTE_PUBLIC, f_device_forget, 0,
     "Forget a device by its id (quick exit)"},
    {"GET", API "/me", h_me, ROUTE_SESSION, NULL, 0, "One's account and dyads"},
    {"POST", API "/me/password", h_me_password, ROUTE_SESSION, f_password, 0, "Change password"},

    {"DELETE", API "/me", h_me_delete, ROUTE_SESSION, f_reauth, 0,
     "Delete one's account and everything one wrote"},
    {"GET", API "/me/export", h_me_export, ROUTE_SESSION, NULL, 0, "All of one's data"},
    {"GET", API "/me/sessions", h_sessions, ROUTE_SESSION, NULL, 0, "One's active sessions"},
    {"GET", API "/me/reminders", h_reminders_get, ROUTE_SESSION, NULL, 0,
     "One's reminders: weekdays, local time, time zone, channels; the channels this server has"},
    {"PUT", API "/me/reminders", h_reminders_put, ROUTE_SESSION, f_reminders, 0,
     "Ask for reminders, change them or turn them off (effective at once)"},
    {"DELETE", API "/me/sessions/{sid}", h_session_delete, ROUTE_SESSION, NULL, 0,
     "End one of one's sessions"},
    {"POST", API "/me/devices", h_device_create, ROUTE_SESSION, f_device_create, 0,
     "Mark this browser as one's own (password again, PIN proof)"},
    {"GET", API "/me/devices", h_devices, ROUTE_SESSION, NULL, 0, "One's own browsers"},
    {"DELETE", API "/me/devices/{did}", h_device_delete, ROUTE_SESSION, NULL, 0,
     "Forget one of one's own browsers"},
    {"DELETE", API "/me/notices/{nid}", h_notice_delete, ROUTE_SESSION, NULL, 0,
     "Dismiss a notice"},

    /* Web Push: where reminders go (their words are the same for everyone) */
    {"GET", API "/push/key", h_push_key, ROUTE_PUBLIC, NULL, 0,
     "The server's VAPID public key, for PushManager.subscribe"},
    {"GET", API "/me/push", h_push_list, ROUTE_SESSION, NULL, 0,
     "One's browsers that receive reminders (their push service only)"},
    {"POST", API "/me/push", h_push_subscribe, ROUTE_SESSION, f_push, 0,
     "Let this browser receive reminders (its push subscription)"},
    {"DELETE", API "/me/push", h_push_unsubscribe, ROUTE_SESSION, f_push_remove, 0,
     "Stop reminders to this browser"},
    {"POST", API "/me/push/test", h_push_test, ROUTE_SESSION, NULL, 0,
     "Send the reminder to one's browsers now, to see that it arrives"},

    /* dyads */
    {"POST", API "/dyads", h_dyad_create, ROUTE_SESSION, f_dyad_create, 0,
     "Create a dyad with an invite"},
    {"POST", API "/dyads/join", h_dyad_join, ROUTE_SESSION, f_dyad_join, 0,
     "Join a dyad by invite code"},
    {"GET", API "/dyads/{id}", h_dyad_get, ROUTE_MEMBER, NULL, 0, "A dyad and its members"},
    {"PUT", API "/dyads/{id}/keys/{user_id}", h_dyad_put_key, ROUTE_MEMBER, f_wrap, 0,
     "Wrap the dyad key for the partner"},
    {"PUT", API "/dyads/{id}/settings", h_dyad_settings, ROUTE_MEMBER, f_settings, 0,
     "One's own settings in a dyad"},
    {"POST", API "/dyads/{id}/leave", h_dyad_leave, ROUTE_MEMBER, f_leave, 0, "Leave a dyad"},
    {"POST", API "/dyads/{id}/seen", h_dyad_seen, ROUTE_MEMBER, NULL, 0,
     "One has seen the dyad's shares and responses as they are now (one's own marker)"},
    {"GET", API "/invites/{code}", h_invite_preview, ROUTE_PUBLIC, NULL, 0,
     "Before sign-up: who invited, the dyad's kind, and whether the invite can still be used"},

    /* check-ins */
    {"PUT", API "/dyads/{id}/checkins/{date}", h_checkin_put, ROUTE_MEMBER, f_checkin, 0,
     "One's check-in for a day"},
    {"GET", API "/dyads/{id}/checkins", h_checkin_list, ROUTE_MEMBER, NULL, 0,
     "Check-ins in a date range (the partner's: only what they show)"},

    /* shares */
    {"POST", API "/dyads/{id}/shares", h_share_create, ROUTE_MEMBER, f_share, 32 * 1024,
     "Share something (ciphertext)"},
    {"GET", API "/dyads/{id}/shares", h_share_list, ROUTE_MEMBER, NULL, 0,
     "Shares and responses, newest first"},
    {"POST", API "/dyads/{id}/shares/{sid}/responses", h_response_create, ROUTE_MEMBER, f_response,
     32 * 1024, "Respond to a share"},
    {"DELETE", API "/dyads/{id}/shares/{sid}", h_share_delete, ROUTE_MEMBER, NULL, 0,
     "Delete one's own share (and the responses to it)"},
    {"DELETE", API "/dyads/{id}/shares/{sid}/responses/{rid}", h_response_delete, ROUTE_MEMBER,
     NULL, 0, "Delete one's own response"},

    /* prompts and pacing */
    {"GET", API "/prompts", h_prompts, ROUTE_PUBLIC, NULL, 0, "The prompt library"},
    {"GET", API "/dyads/{id}/comfort", h_comfort_get, ROUTE_MEMBER, NULL, 0,
     "One's own comfort per topic, and its history"},
    {"PUT", API "/dyads/{id}/comfort", h_comfort_put, ROUTE_MEMBER, f_comfort, 0,
     "Set one's comfort per topic"},
    {"GET", API "/dyads/{id}/next-prompt", h_next_prompt, ROUTE_MEMBER, NULL, 0,
     "The suggested prompt, and why"},

    /* insights */
    {"GET", API "/dyads/{id}/insights", h_insights, ROUTE_MEMBER, NULL, 0,
     "Means, trends, quadrants and findings, as the caller may see them"},

    /* therapist: the members' side */
    {"POST", API "/dyads/{id}/therapist", h_link_consent, ROUTE_MEMBER, f_link, 0,
     "One member's consent to a therapist"},
    {"GET", API "/dyads/{id}/therapist", h_link_get, ROUTE_MEMBER, NULL, 0,
     "The therapist link and its state"},
    {"DELETE", API "/dyads/{id}/therapist", h_link_revoke, ROUTE_MEMBER, NULL, 0,
     "End the therapist link at once"},
    {"GET", API "/dyads/{id}/audit", h_audit, ROUTE_MEMBER, NULL, 0,
     "Who looked at this dyad's shared data, and when"},

    /* therapist: the workspace */
    {"POST", API "/therapist/setup", h_therapist_setup, ROUTE_PUBLIC, f_therapist_setup, 0,
     "Set up a therapist account from a one-time link"},
    {"GET", API "/therapist/code", h_therapist_code, ROUTE_THERAPIST, NULL, 0,
     "The code to hand to clients"},
    {"GET", API "/therapist/caseload", h_caseload, ROUTE_THERAPIST, NULL, 0,
     "Each consenting dyad, side by side"},
    {"GET", API "/therapist/dyads/{id}", h_therapist_dyad, ROUTE_LINKED, NULL, 0,
     "One consenting dyad: trends, findings, sharing counts"},
    {"GET", API "/therapist/dyads/{id}/charts", h_therapist_charts, ROUTE_LINKED, NULL, 0,
     "The dyad's charts as SVG"},
    {"POST", API "/therapist/dyads/{id}/assignments", h_assignment_create, ROUTE_LINKED,
     f_assignment, 0, "Assign homework (comfort still wins)"},
    {"GET", API "/therapist/dyads/{id}/assignments", h_assignment_list, ROUTE_LINKED, NULL, 0,
     "Homework, and whether each member was shown it and wrote on its topic"},
    {"GET", API "/dyads/{id}/homework", h_homework_mine, ROUTE_MEMBER, NULL, 0,
     "Homework, and whether one followed it oneself"},

    /* private check-ins and re-shares: sealed to the therapist in the browser */
    {"GET", API "/questionnaires", h_questionnaires, ROUTE_PUBLIC, NULL, 0,
     "Questionnaire definitions"},
    {"POST", API "/therapist/dyads/{id}/private-checkins", h_private_assign, ROUTE_LINKED,
     f_private_assign, 0, "Give one member a private check-in"},
    {"GET", API "/therapist/dyads/{id}/private-checkins", h_private_list_therapist, ROUTE_LINKED,
     NULL, 0, "Private check-ins and their sealed answers"},
    {"GET", API "/me/private-checkins", h_private_list_mine, ROUTE_SESSION, NULL, 0,
     "One's own private check-ins"},
    {"PUT", API "/me/private-checkins/{pid}", h_private_answer, ROUTE_SESSION, f_private_answer, 0,
     "Answer a private check-in (sealed)"},
    {"POST", API "/dyads/{id}/reshares", h_reshare, ROUTE_MEMBER, f_reshare, 0,
     "Re-share one of one's entries with the therapist (sealed)"},
    {"GET", API "/therapist/dyads/{id}/reshares", h_reshares_therapist, ROUTE_LINKED, NULL, 0,
     "Entries re-shared with the therapist"},

    /* measures: questionnaires both members answer on a schedule */
    {"POST", API "/therapist/dyads/{id}/measures", h_measure_assign, ROUTE_LINKED, f_measure_assign,
     0, "Ask both members to answer a questionnaire on a schedule"},
    {"GET", API "/therapist/dyads/{id}/measures", h_measures_therapist, ROUTE_LINKED, NULL, 0,
     "Both members' scores side by side, with cut-offs, reliable change and a chart"},
    {"DELETE", API "/therapist/dyads/{id}/measures/{mid}", h_measure_end, ROUTE_LINKED, NULL, 0,
     "Stop asking for a measure"},
    {"GET", API "/dyads/{id}/measures", h_measures_member, ROUTE_MEMBER, NULL, 0,
     "The measures one is asked to answer: due or not, one's answers and those shown"},
    {"PUT", API "/dyads/{id}/measures/{mid}/answers", h_measure_answer, ROUTE_MEMBER,
     f_measure_answer, 0, "Answer a measure for this period (choices, scored by the server)"},

    /* research: consented apart from therapy, by both members, revocably */
    {"POST", API "/therapist/dyads/{id}/research", h_research_request, ROUTE_LINKED,
     f_research_request, 0, "Ask the dyad to take part in research"},
    {"GET", API "/dyads/{id}/research", h_research_get, ROUTE_MEMBER, NULL, 0,
     "The research request and one's own consent"},
    {"PUT", API "/dyads/{id}/research/consent", h_research_consent, ROUTE_MEMBER,
     f_research_consent, 0, "Consent to research (apart from therapy)"},
    {"DELETE", API "/dyads/{id}/research/consent", h_research_revoke, ROUTE_MEMBER, NULL, 0,
     "Withdraw one's research consent"},
    {"GET", API "/therapist/dyads/{id}/research/export", h_research_export, ROUTE_LINKED, NULL, 0,
     "With both consents: CSV (?layout=long|pairwise|dyadwide, &codebook=1), no words"},

    /* static files and pages */
    {"GET", "/static/{a}", h_static, ROUTE_PUBLIC, NULL, 0, "Embedded files"},
    {"GET", "/static/{a}/{b}", h_static, ROUTE_PUBLIC, NULL, 0, "Embedded files"},
    {"GET", "/static/{a}/{b}/{c}", h_static, ROUTE_PUBLIC, NULL, 0, "Embedded files"},
    {"GET", "/sw.js", h_sw, ROUTE_PUBLIC, NULL, 0,
     "The service worker of the installed app (scope /)"},
    {"GET", "/", h_home, ROUTE_PUBLIC, NULL, 0, "Home: sign-up, login, one's dyads"},
    {"GET", "/join/{code}", h_page, ROUTE_PUBLIC, NULL, 0, "Join by invite"},
    {"GET", "/dyads/{id}", h_page, ROUTE_PUBLIC, NULL, 0, "Today: check-in and prompt"},
    {"GET", "/dyads/{id}/shares", h_page, ROUTE_PUBLIC, NULL, 0, "Shares"},
    {"GET", "/dyads/{id}/talk", h_page, ROUTE_PUBLIC, NULL, 0, "A guided conversation"},
    {"GET", "/dyads/{id}/insights", h_insights_page, ROUTE_PUBLIC, NULL, 0,
     "Insights, rendered here: charts that work without JavaScript and print"},
    {"GET", "/settings", h_page, ROUTE_PUBLIC, NULL, 0, "Settings"},
    {"GET", "/therapist", h_page, ROUTE_PUBLIC, NULL, 0, "Therapist workspace"},
    {"GET", "/therapist/dyads/{id}", h_page, ROUTE_PUBLIC, NULL, 0, "One dyad, for its therapist"},
    {"GET", "/setup/{code}", h_page, ROUTE_PUBLIC, NULL, 0, "Therapist account setup"},
    {"GET", "/safety", h_safety, ROUTE_PUBLIC, NULL, 0, "Help and safety (no login)"},
    {"GET", "/reminders/stop/{uid}/{token}", h_reminders_stop_page, ROUTE_PUBLIC, NULL, 0,
     "The stop link of a reminder: a page with one button (no login)"},
    {"POST", "/reminders/stop/{uid}/{token}", h_reminders_stop, ROUTE_PUBLIC, NULL, 0,
     "Stops one's reminders: the button, or a mail program's one-click unsubscribe (no login)"},
};

const size_t app_routes_count = sizeof app_routes / sizeof app_routes[0];
_Static_assert(sizeof app_routes / sizeof app_routes[0] <= METRICS_ROUTES_MAX,
               "raise METRICS_ROUTES_MAX in app.h: /metrics counts each route");
