/*
 * floor_account.c — the floor under the handlers: the account fields that
 * sign-up, therapist setup and recovery take from a body (e-mail, display
 * name, keys), and an account as JSON.
 */
#include <stdio.h>

#include "core/validate.h"
#include "web/floor.h"

void body_email(struct ctx *c, char out[STORE_EMAIL_MAX])
{
    snprintf(out, STORE_EMAIL_MAX, "%s", body_str(c, "email"));
    validate_email_normalize(out);
}

/* The e-mail from a query, validated and lower-cased into out. */
int take_email(struct ctx *c, const char *raw, char out[STORE_EMAIL_MAX])
{
    if (raw == NULL) {
        reply_error(c, API_MISSING_FIELD, "email", "The field 'email' is required.");
        return -1;
    }
    if (validate_email(raw) != 0) {
        reply_error(c, API_INVALID_FIELD, "email", "That is not an e-mail address.");
        return -1;
    }
    snprintf(out, STORE_EMAIL_MAX, "%s", raw);
    validate_email_normalize(out);
    return 0;
}

int take_account(struct ctx *c, struct user *u, unsigned char auth_key[32])
{
    snprintf(u->display_name, sizeof u->display_name, "%s", body_str(c, "display_name"));
    if (body_b64(c, "kdf_salt", u->kdf_salt, sizeof u->kdf_salt) != 0 ||
        body_b64(c, "auth_key", auth_key, 32) != 0 ||
        body_b64(c, "box_public_key", u->box_pk, sizeof u->box_pk) != 0 ||
        body_b64(c, "sign_public_key", u->sign_pk, sizeof u->sign_pk) != 0 ||
        body_b64(c, "wrapped_keys", u->wrapped_keys, sizeof u->wrapped_keys) != 0 ||
        body_b64(c, "recovery_wrapped_keys", u->recovery_wrapped_keys,
                 sizeof u->recovery_wrapped_keys) != 0)
        return -1;
    return 0;
}

json_t *json_user(const struct user *u)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "email", u->email, "display_name",
                     u->display_name, "role", u->role == USER_THERAPIST ? "therapist" : "member");
}
