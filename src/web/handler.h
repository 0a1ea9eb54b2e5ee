/*
 * handler.h — the route handlers, one file per resource (h_*.c). What they
 * get and the helpers they share are in floor.h.
 */
#ifndef DYAD_HANDLER_H
#define DYAD_HANDLER_H

#include "web/floor.h"

/* Route handlers. */
route_fn h_healthz, h_readyz, h_metrics, h_openapi, h_static, h_page, h_home, h_safety;
route_fn h_auth_kdf, h_auth_register, h_auth_login, h_auth_logout, h_me, h_me_password;
route_fn h_recovery_start, h_recover;
route_fn h_dyad_create, h_dyad_join, h_dyad_get, h_dyad_put_key, h_dyad_settings, h_dyad_leave,
    h_dyad_seen, h_invite_preview;
route_fn h_checkin_put, h_checkin_list;
route_fn h_share_create, h_share_list, h_response_create, h_share_delete, h_response_delete;
route_fn h_prompts, h_comfort_get, h_comfort_put, h_next_prompt;
route_fn h_insights, h_insights_page;
route_fn h_therapist_setup, h_therapist_code, h_link_get, h_link_consent, h_link_revoke, h_audit;
route_fn h_caseload, h_therapist_dyad, h_therapist_charts, h_assignment_create, h_assignment_list,
    h_homework_mine;
route_fn h_questionnaires, h_private_assign, h_private_list_therapist, h_private_list_mine,
    h_private_answer, h_reshare, h_reshares_therapist;
route_fn h_research_request, h_research_get, h_research_consent, h_research_revoke,
    h_research_export;
/* h_reminders.c */
route_fn h_reminders_get, h_reminders_put, h_reminders_stop_page, h_reminders_stop;
route_fn h_measure_assign, h_measures_therapist, h_measure_end, h_measures_member, h_measure_answer;
route_fn h_sessions, h_session_delete, h_notice_delete, h_me_delete, h_me_export;
route_fn h_sw, h_auth_lock, h_auth_device, h_auth_device_forget, h_device_create, h_devices,
    h_device_delete;
route_fn h_push_key, h_push_list, h_push_subscribe, h_push_unsubscribe, h_push_test;

#endif
