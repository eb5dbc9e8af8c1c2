/* src/store/seal.c - secrets at rest: AES-256-GCM under a key file kept beside the database
 * (dir/master.key, 0600), so a copy of cairn.db alone reveals no secret.
 * Used by: store.h callers (access keys, SecureString). Uses: OpenSSL EVP, crypto/ids.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "../base/log.h"
#include "../crypto/ids.h"
#include "internal.h"

int
seal_load_key(struct store *st)
{
    char path[PATH_MAX + 16];
    ssize_t n;
    int fd, r = 0;

    snprintf(path, sizeof(path), "%s/master.key", st->dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, st->key, SEAL_KEY_LEN);
        close(fd);
        if (n != SEAL_KEY_LEN)
            return log_error("key file '%s' is damaged (want %d bytes)", path, SEAL_KEY_LEN), -EINVAL;
        return 0;
    }
    if (errno != ENOENT)
        return log_error("cannot read key file '%s': %m", path), -errno;
    if (ids_bytes(st->key, SEAL_KEY_LEN) < 0)
        return log_error("no randomness for a new key"), -EIO;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return log_error("cannot create key file '%s': %m", path), -errno;
    if (write(fd, st->key, SEAL_KEY_LEN) != SEAL_KEY_LEN || fsync(fd) < 0)
        r = -EIO;
    close(fd);
    if (r < 0)
        return log_error("cannot write key file '%s'", path), r;
    return 0;
}

void
seal_forget_key(struct store *st)
{
    OPENSSL_cleanse(st->key, SEAL_KEY_LEN);
}

int
store_seal(struct store *st, const void *plain, size_t len, const char *aad,
           unsigned char **ret, size_t *ret_len)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *out = NULL;
    int n, r = -EIO;

    if (len > STORE_MAX_SECRET)
        return -E2BIG;
    out = malloc(SEAL_NONCE_LEN + len + SEAL_TAG_LEN);
    ctx = EVP_CIPHER_CTX_new();
    if (!out || !ctx) {
        r = -ENOMEM;
        goto out;
    }
    if (ids_bytes(out, SEAL_NONCE_LEN) < 0)
        goto out;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, st->key, out) != 1
        || EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *) aad, (int) strlen(aad)) != 1
        || EVP_EncryptUpdate(ctx, out + SEAL_NONCE_LEN, &n, plain, (int) len) != 1
        || EVP_EncryptFinal_ex(ctx, out + SEAL_NONCE_LEN + n, &n) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, out + SEAL_NONCE_LEN + len) != 1)
        goto out;
    *ret = out;
    *ret_len = SEAL_NONCE_LEN + len + SEAL_TAG_LEN;
    out = NULL;
    r = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(out);
    return r;
}

int
store_unseal(struct store *st, const void *sealed, size_t len, const char *aad,
             char **ret, size_t *ret_len)
{
    const unsigned char *in = sealed;
    EVP_CIPHER_CTX *ctx = NULL;
    char *out = NULL;
    size_t plen;
    int n, r = -EBADMSG;

    if (len < SEAL_NONCE_LEN + SEAL_TAG_LEN || len > SEAL_NONCE_LEN + SEAL_TAG_LEN + STORE_MAX_SECRET)
        return -EBADMSG;
    plen = len - SEAL_NONCE_LEN - SEAL_TAG_LEN;
    out = malloc(plen + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (!out || !ctx) {
        r = -ENOMEM;
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, st->key, in) != 1
        || EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *) aad, (int) strlen(aad)) != 1
        || EVP_DecryptUpdate(ctx, (unsigned char *) out, &n, in + SEAL_NONCE_LEN, (int) plen) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
                               (void *) (in + SEAL_NONCE_LEN + plen)) != 1
        || EVP_DecryptFinal_ex(ctx, (unsigned char *) out + n, &n) != 1)
        goto out;
    out[plen] = '\0';
    *ret = out;
    if (ret_len)
        *ret_len = plen;
    out = NULL;
    r = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (out) {
        OPENSSL_cleanse(out, plen);
        free(out);
    }
    return r;
}
