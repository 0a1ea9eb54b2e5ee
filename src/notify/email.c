/*
 * email.c — the e-mail channel: one plain-text message per send, handed to
 * the operator's SMTP relay with libcurl's SMTP (CURLOPT_MAIL_FROM,
 * CURLOPT_MAIL_RCPT, the message through CURLOPT_READFUNCTION). libcurl
 * speaks the protocol (EHLO, STARTTLS, AUTH, the dot-stuffing of DATA);
 * this file only writes the message: headers with no name and nothing
 * about anyone's activity, the same sentence for everyone, the stop link,
 * and List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) so a mail
 * program's own "unsubscribe" stops reminders in one click.
 *
 * Failures: a relay's 5xx answer (a refused sender or recipient) is a
 * refusal for good (NOTIFY_DROP); everything else — no connection, a
 * timeout, a 4xx, TLS that fails — is passing (NOTIFY_RETRY). Bounces that
 * come later go to mail.from: dyad reads no mailbox.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "notify/notify.h"

static bool email_available(const struct notify *n)
{
    return n->cfg->smtp_url[0] != '\0' && n->cfg->mail_from[0] != '\0';
}

struct upload {
    const char *data;
    size_t len, at;
};

static size_t upload_read(char *buf, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nitems, left = u->len - u->at;
    size_t n = left < room ? left : room;
    memcpy(buf, u->data + u->at, n);
    u->at += n;
    return n;
}

/* The message, CRLF line ends; the Message-ID's domain is mail.from's. */
static int compose(const struct notify *n, const struct user *u, const struct notify_message *m,
                   char *out, size_t cap)
{
    char date[64], id[STORE_ID_MAX];
    time_t now = (time_t)m->at;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    dcrypto_random_id("", id, sizeof id);
    const char *domain = strrchr(n->cfg->mail_from, '@');
    int w = snprintf(out, cap,
                     "From: dyad <%s>\r\n"
                     "To: <%s>\r\n"
                     "Subject: %s\r\n"
                     "Date: %s\r\n"
                     "Message-ID: <%s@%s>\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 7bit\r\n"
                     "Auto-Submitted: auto-generated\r\n"
                     "List-Unsubscribe: <%s>\r\n"
                     "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                     "\r\n"
                     "%s\r\n"
                     "\r\n"
                     "%s\r\n"
                     "\r\n"
                     "You asked for these reminders. To stop them (no sign-in needed):\r\n"
                     "%s\r\n",
                     n->cfg->mail_from, u->email, m->subject, date, id,
                     domain != NULL ? domain + 1 : "dyad.invalid", m->stop_url, m->text,
                     m->open_url, m->stop_url);
    return w > 0 && (size_t)w < cap ? w : -1;
}

static enum notify_result email_send(struct notify *n, const struct user *u,
                                     const struct notify_message *m, char *err, size_t errlen)
{
    char msg[4096];
    int len = compose(n, u, m, msg, sizeof msg);
    if (len < 0) {
        snprintf(err, errlen, "the message does not fit");
        return NOTIFY_DROP;
    }
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(err, errlen, "libcurl: no handle");
        return NOTIFY_RETRY;
    }
    char from[sizeof n->cfg->mail_from + 2], to[STORE_EMAIL_MAX + 2],
        curl_err[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", n->cfg->mail_from);
    snprintf(to, sizeof to, "<%s>", u->email);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct upload up = {msg, (size_t)len, 0};
    curl_easy_setopt(h, CURLOPT_URL, n->cfg->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     strcmp(n->cfg->smtp_starttls, "none") == 0 ? (long)CURLUSESSL_NONE
                                                                : (long)CURLUSESSL_ALL);
    if (n->cfg->smtp_user[0] != '\0') {
        curl_easy_setopt(h, CURLOPT_USERNAME, n->cfg->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, n->smtp_password);
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for the resolver */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    if (rc == CURLE_OK)
        return NOTIFY_SENT;
    snprintf(err, errlen, "%s (relay answered %ld)",
             curl_err[0] ? curl_err : curl_easy_strerror(rc), code);
    return code >= 500 && code < 600 ? NOTIFY_DROP : NOTIFY_RETRY;
}

const struct notify_channel notify_email = {"email", email_available, email_send};
