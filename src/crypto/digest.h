/* src/crypto/digest.h - SHA-256, HMAC-SHA256, hex and base64 encoding, constant-time compare.
 * Used by: crypto/sigv4.c, and any module that hashes or encodes (store, sts, ssm...).
 * Uses: OpenSSL libcrypto (EVP digests, EVP_EncodeBlock/DecodeBlock, CRYPTO_memcmp).
 *
 * All functions are thread-safe. The one-shot hash functions reuse a per-thread EVP_MD_CTX
 * (freed when the thread exits), so hashing allocates nothing after a thread's first call.
 * Functions returning int return 0 on success or a negative errno (-EIO when libcrypto
 * fails, -ENOSPC when an output buffer is too small, -EINVAL for malformed input). */
#ifndef CRYPTO_DIGEST_H
#define CRYPTO_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN  32              /* bytes in a SHA-256 digest */
#define DIGEST_SHA256_HEX  64              /* lowercase hex characters for one digest */

/* SHA-256 of data[0..n) into out. data may be NULL when n is 0. */
int digest_sha256(const void *data, size_t n, unsigned char out[DIGEST_SHA256_LEN]);

/* HMAC-SHA256 (RFC 2104) of data[0..n) under key[0..klen) into out. Any key length. */
int digest_hmac_sha256(const void *key, size_t klen, const void *data, size_t n,
                       unsigned char out[DIGEST_SHA256_LEN]);

/* A streaming SHA-256. Embed it, _init it, _update any number of times, then _final (which
 * also releases it) or _done (to abandon it). Not shareable between threads while in use.
 *
 *     struct digest_sha256 h;
 *     if (digest_sha256_init(&h) < 0) return -EIO;
 *     digest_sha256_update(&h, a, alen);
 *     digest_sha256_update(&h, b, blen);
 *     r = digest_sha256_final(&h, out);          -- h is released, success or not */
struct digest_sha256 {
    void *md;                                 /* EVP_MD_CTX *; NULL once released */
    int   failed;                             /* an update failed: _final returns -EIO */
};
int  digest_sha256_init(struct digest_sha256 *h);
void digest_sha256_update(struct digest_sha256 *h, const void *data, size_t n);
int  digest_sha256_final(struct digest_sha256 *h, unsigned char out[DIGEST_SHA256_LEN]);
void digest_sha256_done(struct digest_sha256 *h);   /* NULL-safe, idempotent */

/* Write n bytes as 2n lowercase hex characters plus a NUL into out (which holds 2n + 1). */
void digest_hex(const void *in, size_t n, char *out);

/* Compare n bytes in time that depends only on n. Returns 1 when equal, 0 otherwise. */
int digest_equal(const void *a, const void *b, size_t n);

/* Overwrite n bytes so that the compiler cannot elide it (for secrets). NULL-safe. */
void digest_cleanse(void *p, size_t n);

/* Bytes needed to base64-encode n bytes, including the NUL. */
#define DIGEST_BASE64_SIZE(n) ((((n) + 2) / 3) * 4 + 1)
/* Bytes enough to hold the decoding of n base64 characters. */
#define DIGEST_BASE64_DECODED_MAX(n) (((n) / 4) * 3 + 3)

/* Standard base64 (RFC 4648, '+' '/', '=' padding) of in[0..n) into out, NUL-terminated.
 * cap must be at least DIGEST_BASE64_SIZE(n). Returns the length written (without the NUL)
 * or -ENOSPC. */
long digest_base64_encode(const void *in, size_t n, char *out, size_t cap);

/* Decode strict standard base64 in[0..n) (length a multiple of 4, padding only at the end,
 * no whitespace) into out. Returns the decoded length, -EINVAL for malformed input or
 * -ENOSPC when cap is below DIGEST_BASE64_DECODED_MAX(n). out is unspecified on failure. */
long digest_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

#endif
