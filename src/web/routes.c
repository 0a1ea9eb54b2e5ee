/*
 * routes.c — every route dyad serves, in one table: method, pattern, who may
 * call it, and the body fields it accepts. The access-matrix test and
 * /api/v1/openapi.json are generated from this table.
 */
#include "web/handler.h"

#define S(n)                                                                                       \
    {                                                                                              \
        n, FIELD_STRING, true, false                                                               \
    }
#define S_OPT(n)                                                                                   \
    {                                                                                              \
        n, FIELD_STRING, false, true                                                               \
    }
#define B_OPT(n)                                                                                   \
    {                                                                                              \
        n, FIELD_BOOL, false, false                                                                \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, FIELD_STRING, false, false                                                           \
    }

static const struct field_spec f_register[] = {
    S("email"),        S("display_name"),          S("kdf_salt"),
    S("auth_key"),     S("box_public_key"),        S("sign_public_key"),
    S("wrapped_keys"), S("recovery_wrapped_keys"), END};
static const struct field_spec f_login[] = {S("email"), S("auth_key"), END};
static const struct field_spec f_reauth[] = {S("auth_key"), END};
static const struct field_spec f_recover[] = {S("email"),
                                              S("challenge"),
                                              S("signature"),
                                              S("new_kdf_salt"),
                                              S("new_auth_key"),
                                              S("new_wrapped_keys"),
                                              END};
static const struct field_spec f_password[] = {S("auth_key"), S("new_kdf_salt"), S("new_auth_key"),
                                               S("new_wrapped_keys"), END};
static const struct field_spec f_dyad_create[] = {S("kind"),
                                                  S("wrapped_key"),
                                                  S("signature"),
                                                  S("key_proof"),
                                                  S("invite_secret_box"),
                                                  S_OPT("family_role"),
                                                  END};
static const struct field_spec f_dyad_join[] = {S("code"), S("key_proof"), S("invite_secret_box"),
                                                END};
static const struct field_spec f_wrap[] = {S("wrapped_key"), S("signature"), END};
static const struct field_spec f_settings[] = {B_OPT("track_sexual"),
                                               B_OPT("therapist_sees_sexual"),
                                               B_OPT("show_comfort"), S_OPT("family_role"), END};
static const struct field_spec f_leave[] = {B_OPT("delete_my_content"), END};
#define I_OPT(n)                                                                                   \
    {                                                                                              \
        n, FIELD_INT, false, true                                                                  \
    }
static const struct field_spec f_checkin[] = {I_OPT("closeness"),
                                              I_OPT("closeness_wanted"),
                                              I_OPT("opened_up"),
                                              I_OPT("understood"),
                                              I_OPT("safety"),
                                              I_OPT("affection"),
                                              I_OPT("sexual"),
                                              {"emotions", FIELD_ARRAY, false, false},
                                              {"wordless", FIELD_BOOL, false, true},
                                              S_OPT("note"),
                                              {"show_partner", FIELD_ARRAY, false, false},
                                              END};

static const struct field_spec f_share[] = {S("id"),
                                            S("topic"),
                                            {"depth", FIELD_INT, true, false},
                                            S_OPT("prompt_id"),
                                            S("body"),
                                            S_OPT("reveal"),
                                            B_OPT("together"),
                                            END};
static const struct field_spec f_response[] = {S("id"), S("kind"), S_OPT("body"), END};

/* {topic: level, …}: the keys are the topic names */
static const struct field_spec f_comfort[] = {
    {"everyday", FIELD_INT, false, false},   {"joy", FIELD_INT, false, false},
    {"fear", FIELD_INT, false, false},       {"frustration", FIELD_INT, false, false},
    {"sorrow", FIELD_INT, false, false},     {"anger", FIELD_INT, false, false},
    {"failure", FIELD_INT, false, false},    {"embarrassment", FIELD_INT, false, false},
    {"inadequacy", FIELD_INT, false, false}, {"hope", FIELD_INT, false, false},
    {"gratitude", FIELD_INT, false, false},  {"us", FIELD_INT, false, false},
    {"desire", FIELD_INT, false, false},     END};

static const struct field_spec f_link[] = {S("therapist_code"), END};
static const struct field_spec f_therapist_setup[] = {
    S("token"),        S("display_name"),          S("kdf_salt"),
    S("auth_key"),     S("box_public_key"),        S("sign_public_key"),
    S("wrapped_keys"), S("recovery_wrapped_keys"), END};
static const struct field_spec f_assignment[] = {S("topic"),
                                                 {"depth", FIELD_INT, true, false},
                                                 {"days", FIELD_INT, false, false},
                                                 {"notes", FIELD_OBJECT, false, false},
                                                 END};

static const struct field_spec f_private_assign[] = {S("user_id"), S("questionnaire"), END};
static const struct field_spec f_measure_assign[] = {S("questionnaire"), I_OPT("every_days"), END};
static const struct field_spec f_measure_answer[] = {
    {"answers", FIELD_OBJECT, true, false}, B_OPT("show_partner"), END};
static const struct field_spec f_research_request[] = {S("study"), END};
static const struct field_spec f_research_consent[] = {B_OPT("include_hidden"), END};
static const struct field_spec f_private_answer[] = {S("sealed"), S_OPT("signal"), END};
static const struct field_spec f_reshare[] = {S("entry_id"), S("entry_kind"), S("sealed"), END};

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
    {"POST", API "/auth/logout", h_auth_logout, ROUTE_SESSION, NULL, 0, "Log out"},
    {"GET", API "/me", h_me, ROUTE_SESSION, NULL, 0, "One's account and dyads"},
    {"POST", API "/me/password", h_me_password, ROUTE_SESSION, f_password, 0, "Change password"},

    {"DELETE", API "/me", h_me_delete, ROUTE_SESSION, f_reauth, 0,
     "Delete one's account and everything one wrote"},
    {"GET", API "/me/export", h_me_export, ROUTE_SESSION, NULL, 0, "All of one's data"},
    {"GET", API "/me/sessions", h_sessions, ROUTE_SESSION, NULL, 0, "One's active sessions"},
    {"DELETE", API "/me/sessions/{sid}", h_session_delete, ROUTE_SESSION, NULL, 0,
     "End one of one's sessions"},
    {"DELETE", API "/me/notices/{nid}", h_notice_delete, ROUTE_SESSION, NULL, 0,
     "Dismiss a notice"},

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
};

const size_t app_routes_count = sizeof app_routes / sizeof app_routes[0];
_Static_assert(sizeof app_routes / sizeof app_routes[0] <= METRICS_ROUTES_MAX,
               "raise METRICS_ROUTES_MAX in app.h: /metrics counts each route");
