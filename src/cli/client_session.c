/*
 * client_session.c — what `dyad client` keeps between runs, and the trust
 * rules it applies before using a key.
 *
 * The session file ($XDG_STATE_HOME/dyad/session.json, mode 0600 in a 0700
 * directory) holds the server URL, the account's id and address, the
 * session cookie and CSRF token, the KDF salt and parameters, the public
 * keys seen at login, and the keys exactly as the server keeps them:
 * wrapped under the wrap key that only the password makes. Nothing in it
 * opens a word anyone wrote. A command that needs keys asks the password
 * again (or reads it from --password-fd), derives the wrap key with
 * Argon2id, unwraps, and wipes the keys when it ends. docs/security.md
 * explains why this and not a cached key.
 *
 * Before K is used the same checks as web/js/dyads.js run: one's own keys
 * on the server must be the ones the password opens; the partner's
 * key_proof must verify against the invite secret (kept sealed under one's
 * personal key in invite_secret_box); a wrap of K is opened only when it is
 * signed by oneself or by a partner whose proof verified; the creator seals
 * K for the partner only after that proof verifies.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/client_int.h"

#define INVITE_AD "dyadinvite|1"

/* ---- the session file ----------------------------------------------------- */

int cl_session_load(struct cl *c)
{
    int fd = open(c->session_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return CL_OK;
        return cl_fail(c, CL_ELOCAL, "session", "cannot read %s: %s", c->session_path,
                       strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        close(fd);
        return cl_fail(c, CL_ELOCAL, "session",
                       "%s is not a private file of yours (it must be mode 0600); remove it",
                       c->session_path);
    }
    json_error_t jerr;
    FILE *f = fdopen(fd, "r");
    json_t *s = f != NULL ? json_loadf(f, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (f != NULL)
        fclose(f);
    else
        close(fd);
    if (!json_is_object(s) || !json_is_string(json_object_get(s, "server")) ||
        !json_is_string(json_object_get(s, "wrapped_keys"))) {
        json_decref(s);
        return cl_fail(c, CL_ELOCAL, "session", "%s is damaged; run `dyad client logout`",
                       c->session_path);
    }
    c->session = s;
    return CL_OK;
}

static int mkdir_private(struct cl *c, const char *dir)
{
    char path[sizeof c->state_dir];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return cl_fail(c, CL_ELOCAL, "session", "cannot create %s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return cl_fail(c, CL_ELOCAL, "session", "cannot create %s: %s", path, strerror(errno));
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return cl_fail(c, CL_ELOCAL, "session", "%s is not a directory of yours", path);
    if ((st.st_mode & 077) != 0 && chmod(path, 0700) != 0)
        return cl_fail(c, CL_ELOCAL, "session", "cannot make %s private", path);
    return CL_OK;
}

int cl_session_save(struct cl *c)
{
    int r = mkdir_private(c, c->state_dir);
    if (r != CL_OK)
        return r;
    char tmp[sizeof c->session_path + 8];
    snprintf(tmp, sizeof tmp, "%s.new", c->session_path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return cl_fail(c, CL_ELOCAL, "session", "cannot write %s: %s", tmp, strerror(errno));
    char *text = json_dumps(c->session, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    size_t len = text != NULL ? strlen(text) : 0;
    bool ok = text != NULL && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (text != NULL)
        sodium_memzero(text, len);
    free(text);
    if (close(fd) != 0 || !ok || rename(tmp, c->session_path) != 0) {
        unlink(tmp);
        return cl_fail(c, CL_ELOCAL, "session", "cannot write %s", c->session_path);
    }
    return CL_OK;
}

int cl_session_wipe(struct cl *c)
{
    int fd = open(c->session_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            char zeros[4096] = {0};
            for (off_t done = 0; done < st.st_size; done += (off_t)sizeof zeros)
                if (write(fd, zeros, sizeof zeros) < 0)
                    break;
            if (fsync(fd) != 0) { /* removed anyway below */
            }
        }
        close(fd);
    }
    json_decref(c->session);
    c->session = NULL;
    if (unlink(c->session_path) != 0 && errno != ENOENT)
        return cl_fail(c, CL_ELOCAL, "session", "cannot remove %s: %s", c->session_path,
                       strerror(errno));
    return CL_OK;
}

int cl_need_session(struct cl *c)
{
    if (c->session == NULL)
        return cl_fail(c, CL_EAUTH, "not_logged_in",
                       "not logged in; run `dyad client login --email ADDRESS` first");
    const char *server = json_string_value(json_object_get(c->session, "server"));
    if (c->server_given && strcmp(server, c->server) != 0)
        return cl_fail(c, CL_EAUTH, "not_logged_in",
                       "logged in to %s, not %s; log out first to use another server", server,
                       c->server);
    snprintf(c->server, sizeof c->server, "%s", server);
    return cl_http_set_cookies(c, json_object_get(c->session, "cookies"));
}

/* ---- passwords ------------------------------------------------------------- */

/* One line from fd, read a byte at a time so the next line stays for the
 * next password. */
static int read_line_fd(int fd, char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ch == '\n')
            break;
        if (n + 1 >= size) {
            sodium_memzero(buf, size);
            return -1;
        }
        buf[n++] = ch;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return n > 0 ? 0 : -1;
}

int cl_read_password(struct cl *c, const char *prompt, char *buf, size_t size)
{
    if (c->password_fd >= 0) {
        if (read_line_fd(c->password_fd, buf, size) != 0)
            return cl_fail(c, CL_EUSAGE, "password",
                           "no password could be read from file descriptor %d", c->password_fd);
        return CL_OK;
    }
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0)
        return cl_fail(c, CL_EUSAGE, "password",
                       "no terminal to ask the password on; give it with --password-fd N");
    struct termios old, quiet;
    bool have = tcgetattr(tty, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    if (write(tty, prompt, strlen(prompt)) < 0) { /* asked anyway */
    }
    int r = read_line_fd(tty, buf, size);
    if (have)
        tcsetattr(tty, TCSAFLUSH, &old);
    if (write(tty, "\n", 1) < 0) { /* cosmetic */
    }
    close(tty);
    if (r != 0)
        return cl_fail(c, CL_EUSAGE, "password", "no password given");
    return CL_OK;
}

/* ---- unlocking the keys ------------------------------------------------ */

static int b64_exact(const char *s, unsigned char *out, size_t n)
{
    size_t got;
    return s != NULL && keys_b64_decode(out, n, &got, s) == 0 && got == n ? 0 : -1;
}

int cl_unlock(struct cl *c)
{
    if (c->unlocked)
        return CL_OK;
    json_t *kdf = json_object_get(c->session, "kdf");
    unsigned char salt[KEYS_SALT_BYTES];
    json_int_t ops = json_integer_value(json_object_get(kdf, "opslimit"));
    json_int_t mem = json_integer_value(json_object_get(kdf, "memlimit"));
    if (b64_exact(json_string_value(json_object_get(kdf, "salt")), salt, sizeof salt) != 0)
        return cl_fail(c, CL_ELOCAL, "session", "the session file has no KDF salt; log in again");
    if (ops <= 0 || mem <= 0 || keys_kdf_params_check((unsigned long long)ops, (size_t)mem) != 0)
        return cl_fail(c, CL_ECRYPTO, "weak_kdf",
                       "the session asks for password stretching weaker than dyad accepts");
    char password[1024];
    unsigned char master[32], auth[32], wrap[32];
    int r = cl_read_password(c, "Password: ", password, sizeof password);
    if (r != CL_OK)
        return r;
    r = CL_OK;
    if (keys_derive_master(master, password, strlen(password), salt, (unsigned long long)ops,
                           (size_t)mem) != 0 ||
        keys_derive_auth_wrap(auth, wrap, master) != 0) {
        r = cl_fail(c, CL_ELOCAL, "kdf", "the password could not be stretched (out of memory?)");
        goto out;
    }
    if (keys_unwrap(&c->keys, json_string_value(json_object_get(c->session, "wrapped_keys")),
                    wrap) != 0) {
        r = cl_fail(c, CL_EAUTH, "wrong_password", "that password does not open your keys");
        goto out;
    }
    unsigned char box_pk[32], sign_pk[32];
    if (b64_exact(json_string_value(json_object_get(c->session, "box_public_key")), box_pk, 32) !=
            0 ||
        b64_exact(json_string_value(json_object_get(c->session, "sign_public_key")), sign_pk, 32) !=
            0 ||
        sodium_memcmp(box_pk, c->keys.box_pk, 32) != 0 ||
        sodium_memcmp(sign_pk, c->keys.sign_pk, 32) != 0) {
        keys_user_wipe(&c->keys);
        r = cl_fail(c, CL_ECRYPTO, "keys",
                    "the keys in the session do not match the public keys seen at login");
        goto out;
    }
    c->unlocked = true;
out:
    sodium_memzero(password, sizeof password);
    sodium_memzero(master, sizeof master);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(wrap, sizeof wrap);
    return r;
}

/* ---- the invite secret, sealed under one's personal key ----------------- */

int cl_box_invite_secret(char *out, size_t out_size, const unsigned char secret[32],
                         const unsigned char personal[32])
{
    unsigned char raw[24 + 32 + 16];
    randombytes_buf(raw, 24);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + 24, &clen, secret, 32,
                                               (const unsigned char *)INVITE_AD, strlen(INVITE_AD),
                                               NULL, raw, personal);
    return keys_b64_encode(out, out_size, raw, sizeof raw);
}

int cl_open_invite_secret(unsigned char secret[32], const char *box_b64,
                          const unsigned char personal[32])
{
    unsigned char raw[24 + 32 + 16];
    unsigned long long mlen;
    if (b64_exact(box_b64, raw, sizeof raw) != 0)
        return -1;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, &mlen, NULL, raw + 24, 32 + 16,
                                                   (const unsigned char *)INVITE_AD,
                                                   strlen(INVITE_AD), raw, personal) != 0 ||
        mlen != 32) {
        sodium_memzero(secret, 32);
        return -1;
    }
    return 0;
}

/* ---- a dyad ------------------------------------------------------------- */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static int choose_dyad(struct cl *c, char *id, size_t id_size)
{
    assert(id_size > 0);
    id[0] = '\0';
    if (c->dyad_id != NULL) {
        snprintf(id, id_size, "%s", c->dyad_id);
        return CL_OK;
    }
    json_t *me = NULL;
    int r = cl_api(c, "GET", "/me", NULL, &me);
    if (r != CL_OK)
        return r;
    size_t i, active = 0;
    json_t *d;
    char list[512] = "";
    json_array_foreach(json_object_get(me, "dyads"), i, d)
    {
        if (!json_is_true(json_object_get(d, "active")))
            continue;
        if (active++ == 0)
            snprintf(id, id_size, "%s", str(d, "id"));
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s (%s)", n ? ", " : "", str(d, "id"),
                 str(d, "kind"));
    }
    json_decref(me);
    if (active == 0)
        return cl_fail(c, CL_ENOTFOUND, "no_dyad",
                       "you are in no dyad yet; `dyad client invite` makes one, `dyad client "
                       "join LINK` joins one");
    if (active > 1)
        return cl_fail(c, CL_EUSAGE, "usage",
                       "you are in several dyads; choose one with --dyad: %s", list);
    return CL_OK;
}

int cl_dyad_open(struct cl *c, struct cl_dyad *d, bool need_key)
{
    memset(d, 0, sizeof *d);
    d->partner_verified = -1;
    d->partner_name = "the other person";
    char id[128], path[256];
    int r = choose_dyad(c, id, sizeof id);
    if (r != CL_OK)
        return r;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return cl_fail(c, CL_EUSAGE, "usage", "'%s' is not a dyad id", id);
    snprintf(path, sizeof path, "/dyads/%s", id);
    json_t *res = NULL;
    r = cl_api(c, "GET", path, NULL, &res);
    if (r != CL_OK)
        return r;
    d->dyad = json_incref(json_object_get(res, "dyad"));
    json_decref(res);
    if (!json_is_object(d->dyad))
        return cl_fail(c, CL_ENETWORK, "bad_response", "the server sent no dyad");
    d->id = str(d->dyad, "id");
    d->kind = str(d->dyad, "kind");
    const char *my_id = str(json_object_get(c->session, "user"), "id");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(d->dyad, "members"), i, m)
    {
        if (strcmp(str(m, "user_id"), my_id) == 0)
            d->me = m;
        else
            d->partner = m;
    }
    if (d->partner != NULL && *str(d->partner, "display_name"))
        d->partner_name = str(d->partner, "display_name");
    if (!need_key)
        return CL_OK;

    if ((r = cl_unlock(c)) != CL_OK)
        return r;
    char my_box[KEYS_B64_SIZE(32)], my_sign[KEYS_B64_SIZE(32)];
    keys_b64_encode(my_box, sizeof my_box, c->keys.box_pk, 32);
    keys_b64_encode(my_sign, sizeof my_sign, c->keys.sign_pk, 32);
    if (d->me == NULL || strcmp(str(d->me, "box_public_key"), my_box) != 0 ||
        strcmp(str(d->me, "sign_public_key"), my_sign) != 0)
        return cl_fail(c, CL_ECRYPTO, "keys",
                       "the server lists other keys for you in this dyad than the ones your "
                       "password opens; do not write here, and tell whoever runs the server");

    unsigned char secret[32];
    bool have_secret =
        cl_open_invite_secret(secret, str(d->dyad, "my_invite_secret_box"), c->keys.personal) == 0;
    unsigned char p_box[32], p_sign[32];
    if (d->partner != NULL) {
        d->partner_verified =
            have_secret && b64_exact(str(d->partner, "box_public_key"), p_box, 32) == 0 &&
                    b64_exact(str(d->partner, "sign_public_key"), p_sign, 32) == 0 &&
                    keys_proof_verify(str(d->partner, "key_proof"), p_box, p_sign, secret) == 0
                ? 1
                : 0;
    }
    sodium_memzero(secret, sizeof secret);

    const char *wrapped = json_string_value(json_object_get(d->dyad, "my_wrapped_key"));
    const char *signer = str(d->dyad, "my_wrap_signer");
    if (wrapped == NULL)
        return CL_OK; /* waiting for the creator's device to seal K */
    const unsigned char *signer_pk = NULL;
    if (strcmp(signer, my_id) == 0)
        signer_pk = c->keys.sign_pk;
    else if (d->partner != NULL && strcmp(signer, str(d->partner, "user_id")) == 0 &&
             d->partner_verified == 1)
        signer_pk = p_sign;
    if (signer_pk == NULL)
        return cl_fail(c, CL_ECRYPTO, "key_proof",
                       "this dyad's key was wrapped by someone whose keys could not be checked "
                       "against your invite link; it was not used");
    if (keys_open_dyad_key(d->k, wrapped, str(d->dyad, "my_wrap_signature"), signer_pk,
                           c->keys.box_pk, c->keys.box_sk) != 0)
        return cl_fail(c, CL_ECRYPTO, "signature",
                       "this dyad's key failed its signature check or did not open; it was "
                       "not used");
    d->have_k = true;

    /* The creator's half of pairing: seal K for a partner whose proof verified. */
    bool creator = strcmp(signer, my_id) == 0;
    if (creator && d->partner != NULL && !json_is_true(json_object_get(d->partner, "has_key")) &&
        json_is_true(json_object_get(d->dyad, "active"))) {
        if (d->partner_verified != 1)
            return cl_fail(c, CL_ECRYPTO, "key_proof",
                           "%s's keys do not match the secret in your invite link; someone "
                           "(possibly whoever runs the server) may be trying to read this dyad. "
                           "The dyad's key was not shared. Leave this dyad and pair again with "
                           "a link sent by a channel you trust",
                           d->partner_name);
        char wk[KEYS_SEALED_KEY_SIZE], sig[KEYS_SIGNATURE_SIZE];
        if (keys_seal_dyad_key(wk, sizeof wk, sig, sizeof sig, d->k, p_box, c->keys.sign_sk) != 0)
            return cl_fail(c, CL_ECRYPTO, "seal", "the dyad key could not be sealed");
        json_t *body = json_pack("{s:s, s:s}", "wrapped_key", wk, "signature", sig);
        snprintf(path, sizeof path, "/dyads/%s/keys/%s", d->id, str(d->partner, "user_id"));
        json_t *ignored = NULL;
        r = cl_api(c, "PUT", path, body, &ignored);
        json_decref(body);
        json_decref(ignored);
        if (r == CL_ECONFLICT)
            r = CL_OK; /* sealed meanwhile by another device */
        if (r != CL_OK)
            return r;
        d->wrapped_for_partner = true;
    }
    return CL_OK;
}

void cl_dyad_close(struct cl_dyad *d)
{
    sodium_memzero(d->k, sizeof d->k);
    json_decref(d->dyad);
    memset(d, 0, sizeof *d);
}

char *cl_decrypt(const unsigned char key[KEYS_KEY_BYTES], const char *dyad_id, const char *entry_id,
                 const char *author_id, const char *kind, const char *body)
{
    if (body == NULL || entry_id == NULL || author_id == NULL)
        return NULL;
    size_t cap = strlen(body) + 1, len = 0;
    char *text = malloc(cap);
    struct keys_entry_meta meta = {dyad_id, entry_id, author_id, kind};
    if (text != NULL && keys_entry_decrypt(text, cap, &len, key, &meta, body) == 0)
        return text;
    free(text);
    return NULL;
}

/* ---- words from an editor, a file or standard input ---------------------- */

static char *slurp_fd(int fd, size_t max)
{
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    while (b != NULL) {
        if (len + 1 >= cap) {
            if (cap >= max) {
                sodium_memzero(b, len);
                free(b);
                return NULL;
            }
            char *nb = malloc(cap * 2);
            if (nb == NULL) {
                sodium_memzero(b, len);
                free(b);
                return NULL;
            }
            memcpy(nb, b, len);
            sodium_memzero(b, len);
            free(b);
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            sodium_memzero(b, len);
            free(b);
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (b != NULL)
        b[len] = '\0';
    return b;
}

int cl_read_text(struct cl *c, const char *file, const char *what, char **text)
{
    *text = NULL;
    const size_t max = 1 << 20;
    if (file != NULL && strcmp(file, "-") != 0) {
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return cl_fail(c, CL_ELOCAL, "file", "cannot read %s: %s", file, strerror(errno));
        *text = slurp_fd(fd, max);
        close(fd);
    } else if (file == NULL && isatty(STDIN_FILENO) && getenv("EDITOR") != NULL) {
        /* A private file on a RAM-backed directory when there is one, wiped after. */
        const char *dir = getenv("XDG_RUNTIME_DIR");
        char path[1200];
        snprintf(path, sizeof path, "%s/dyad-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0)
            return cl_fail(c, CL_ELOCAL, "file", "cannot make a file for the editor: %s",
                           strerror(errno));
        fchmod(fd, 0600);
        close(fd);
        pid_t pid = fork();
        if (pid == 0) {
            execlp("sh", "sh", "-c", "exec $EDITOR \"$1\"", "sh", path, (char *)NULL);
            _exit(127);
        }
        int st = 0;
        if (pid > 0)
            waitpid(pid, &st, 0);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            *text = slurp_fd(fd, max);
            struct stat sb;
            if (fstat(fd, &sb) == 0) {
                char zeros[4096] = {0};
                lseek(fd, 0, SEEK_SET);
                for (off_t done = 0; done < sb.st_size; done += (off_t)sizeof zeros)
                    if (write(fd, zeros, sizeof zeros) < 0)
                        break;
            }
            close(fd);
        }
        unlink(path);
        if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            free(*text);
            *text = NULL;
            return cl_fail(c, CL_ELOCAL, "editor",
                           "the editor did not finish cleanly; nothing sent");
        }
    } else {
        if (isatty(STDIN_FILENO))
            fprintf(stderr, "Type %s; end with Ctrl-D on a line of its own.\n", what);
        *text = slurp_fd(STDIN_FILENO, max);
    }
    if (*text == NULL)
        return cl_fail(c, CL_ELOCAL, "file", "%s could not be read (at most 1 MiB)", what);
    /* One trailing newline, as editors add, is not part of the words. */
    size_t n = strlen(*text);
    while (n > 0 && ((*text)[n - 1] == '\n' || (*text)[n - 1] == '\r'))
        (*text)[--n] = '\0';
    return CL_OK;
}
