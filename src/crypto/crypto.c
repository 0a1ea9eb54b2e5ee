/*
 * crypto.c — see crypto.h.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sem_t hash_slots;
static unsigned max_waiting;
static atomic_uint waiting;
static char dummy_hash[crypto_pwhash_STRBYTES];

enum { AUTH_OPS = 2, AUTH_MEM = 19 * 1024 * 1024 };

int dcrypto_init(unsigned concurrent_hashes)
{
    if (sodium_init() < 0)
        return -1;
    if (concurrent_hashes == 0)
        concurrent_hashes = 1;
    if (sem_init(&hash_slots, 0, concurrent_hashes) != 0)
        return -1;
    max_waiting = concurrent_hashes * DCRYPTO_WAITING_PER_SLOT;
    return 0;
}

/* A real hash to verify against for unknown accounts, made at the first
 * such login rather than at start-up: it takes a full Argon2id computation
 * (19 MiB, tens of milliseconds), which delayed the first answered request
 * and raised the resident set of a server nobody had logged in to yet. That
 * first unknown-account login takes one hash longer than the later ones,
 * which says nothing about any account. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
    unsigned char k[32];
    randombytes_buf(k, sizeof k);
    if (crypto_pwhash_str(dummy_hash, (const char *)k, sizeof k, AUTH_OPS, AUTH_MEM) != 0)
        dummy_hash[0] = '\0'; /* verifying against it fails, as it must */
    sodium_memzero(k, sizeof k);
}

void dcrypto_random_id(const char *prefix, char *out, size_t outlen)
{
    unsigned char b[12];
    char hex[25];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(hex, sizeof hex, b, sizeof b);
    snprintf(out, outlen, "%s%s", prefix, hex);
}

void dcrypto_random_token(char *out)
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, DCRYPTO_TOKEN_LEN + 1, b, sizeof b,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
}

void dcrypto_token_hash(const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* A hashing slot: at once if one is free, else in a queue of bounded
 * length; -1 (take nothing) when the queue is full. */
static int slot_take(void)
{
    if (sem_trywait(&hash_slots) == 0)
        return 0;
    if (atomic_fetch_add(&waiting, 1) >= max_waiting) {
        atomic_fetch_sub(&waiting, 1);
        return -1;
    }
    while (sem_wait(&hash_slots) != 0 && errno == EINTR)
        ;
    atomic_fetch_sub(&waiting, 1);
    return 0;
}

int dcrypto_auth_hash(const unsigned char auth_key[32], char out[DCRYPTO_HASH_STR_MAX])
{
    if (slot_take() != 0)
        return DCRYPTO_BUSY;
    int r = crypto_pwhash_str(out, (const char *)auth_key, 32, AUTH_OPS, AUTH_MEM);
    sem_post(&hash_slots);
    return r == 0 ? 0 : -1;
}

int dcrypto_auth_verify(const char *hash, const unsigned char auth_key[32])
{
    if (slot_take() != 0)
        return DCRYPTO_BUSY;
    if (hash == NULL)
        pthread_once(&dummy_once, dummy_make);
    int r = crypto_pwhash_str_verify(hash != NULL ? hash : dummy_hash, (const char *)auth_key, 32);
    sem_post(&hash_slots);
    return hash != NULL && r == 0 ? 0 : -1;
}

void dcrypto_keyed_hash(const unsigned char secret[32], const char *domain, const char *value,
                        unsigned char *out, size_t outlen)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, secret, 32, outlen);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, out, outlen);
}

void dcrypto_fake_salt(const unsigned char secret[32], const char *email, unsigned char out[16])
{
    dcrypto_keyed_hash(secret, "dyad fake kdf salt", email, out, 16);
}

int dcrypto_load_secret(const char *path, unsigned char out[32], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, out, 32);
        close(fd);
        if (n != 32) {
            snprintf(err, errlen, "server secret %s is not 32 bytes", path);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot read server secret %s: %s", path, strerror(errno));
        return -1;
    }
    randombytes_buf(out, 32);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, out, 32) != 32 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot create server secret %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

bool dcrypto_str_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

void dcrypto_b64(char *out, size_t outlen, const unsigned char *bin, size_t len)
{
    sodium_bin2base64(out, outlen, bin, len, sodium_base64_VARIANT_ORIGINAL);
}
