/* src/crypto/digest.c - see digest.h. SHA-256 through EVP with a digest fetched once and
 * EVP_MD_CTXs kept per thread; HMAC (RFC 2104) built on the same digest, which avoids
 * OpenSSL 3's per-call EVP_MAC fetch and context setup on the request path. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "digest.h"

#define SHA256_BLOCK 64                       /* HMAC block size of SHA-256 */

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;                     /* fetched once; never freed (process lifetime) */
static pthread_key_t tls_key;
static int tls_key_ok;

/* Per-thread contexts: one for one-shot hashing, one spare lent to streaming hashes. */
struct tls_ctx {
    EVP_MD_CTX *oneshot;
    EVP_MD_CTX *spare;
};
static __thread struct tls_ctx *tls;

static void
tls_free(void *p)
{
    struct tls_ctx *t = p;

    if (!t)
        return;
    EVP_MD_CTX_free(t->oneshot);
    EVP_MD_CTX_free(t->spare);
    free(t);
    tls = NULL;                       /* a later destructor hashing starts afresh */
}

static void
md_init(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    tls_key_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

static const EVP_MD *
sha256_md(void)
{
    pthread_once(&md_once, md_init);
    return md_sha256;
}

static struct tls_ctx *
tls_get(void)
{
    if (tls)
        return tls;
    if (!sha256_md() || !tls_key_ok)
        return NULL;
    tls = calloc(1, sizeof(*tls));
    if (!tls)
        return NULL;
    if (pthread_setspecific(tls_key, tls) != 0) {
        free(tls);
        tls = NULL;
    }
    return tls;
}

static EVP_MD_CTX *
oneshot_ctx(void)
{
    struct tls_ctx *t = tls_get();

    if (!t)
        return NULL;
    if (!t->oneshot)
        t->oneshot = EVP_MD_CTX_new();
    return t->oneshot;
}

/* Hash up to three pieces with the per-thread context. */
static int
sha256_3(const void *a, size_t an, const void *b, size_t bn, const void *c, size_t cn,
         unsigned char out[DIGEST_SHA256_LEN])
{
    EVP_MD_CTX *ctx = oneshot_ctx();
    unsigned int len = 0;

    if (!ctx || EVP_DigestInit_ex(ctx, md_sha256, NULL) != 1)
        return -EIO;
    if ((an && EVP_DigestUpdate(ctx, a, an) != 1) ||
        (bn && EVP_DigestUpdate(ctx, b, bn) != 1) ||
        (cn && EVP_DigestUpdate(ctx, c, cn) != 1) ||
        EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != DIGEST_SHA256_LEN)
        return -EIO;
    return 0;
}

int
digest_sha256(const void *data, size_t n, unsigned char out[DIGEST_SHA256_LEN])
{
    return sha256_3(data, n, NULL, 0, NULL, 0, out);
}

int
digest_hmac_sha256(const void *key, size_t klen, const void *data, size_t n,
                   unsigned char out[DIGEST_SHA256_LEN])
{
    unsigned char k0[SHA256_BLOCK], pad[SHA256_BLOCK], inner[DIGEST_SHA256_LEN];
    size_t i;
    int r;

    memset(k0, 0, sizeof(k0));
    if (klen > SHA256_BLOCK) {
        r = digest_sha256(key, klen, k0);
        if (r < 0)
            goto out;
    } else if (klen) {
        memcpy(k0, key, klen);
    }
    for (i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k0[i] ^ 0x36;
    r = sha256_3(pad, sizeof(pad), data, n, NULL, 0, inner);
    if (r < 0)
        goto out;
    for (i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k0[i] ^ 0x5c;
    r = sha256_3(pad, sizeof(pad), inner, sizeof(inner), NULL, 0, out);
out:
    OPENSSL_cleanse(k0, sizeof(k0));   /* k0 and the pads are the key; inner is not */
    OPENSSL_cleanse(pad, sizeof(pad));
    return r;
}

int
digest_sha256_init(struct digest_sha256 *h)
{
    struct tls_ctx *t = tls_get();
    EVP_MD_CTX *ctx = NULL;

    h->md = NULL;
    h->failed = 0;
    if (!t)
        return -EIO;
    if (t->spare) {
        ctx = t->spare;
        t->spare = NULL;
    } else {
        ctx = EVP_MD_CTX_new();
        if (!ctx)
            return -ENOMEM;
    }
    if (EVP_DigestInit_ex(ctx, md_sha256, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return -EIO;
    }
    h->md = ctx;
    return 0;
}

void
digest_sha256_update(struct digest_sha256 *h, const void *data, size_t n)
{
    if (!h->md || h->failed || n == 0)
        return;
    if (EVP_DigestUpdate(h->md, data, n) != 1)
        h->failed = 1;
}

void
digest_sha256_done(struct digest_sha256 *h)
{
    struct tls_ctx *t;

    if (!h || !h->md)
        return;
    t = tls_get();
    if (t && !t->spare)
        t->spare = h->md;             /* keep it for this thread's next streaming hash */
    else
        EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

int
digest_sha256_final(struct digest_sha256 *h, unsigned char out[DIGEST_SHA256_LEN])
{
    unsigned int len = 0;
    int r = 0;

    if (!h->md || h->failed || EVP_DigestFinal_ex(h->md, out, &len) != 1 ||
        len != DIGEST_SHA256_LEN)
        r = -EIO;
    digest_sha256_done(h);
    return r;
}

void
digest_hex(const void *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *p = in;
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int
digest_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void
digest_cleanse(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

long
digest_base64_encode(const void *in, size_t n, char *out, size_t cap)
{
    int len;

    if (n > (size_t) INT_MAX / 4 * 3 - 3 || cap < DIGEST_BASE64_SIZE(n))
        return -ENOSPC;
    len = EVP_EncodeBlock((unsigned char *) out, in, (int) n);
    return len < 0 ? -EIO : len;
}

static int
b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

long
digest_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t i, pad = 0;
    int len;

    if (n % 4 != 0)
        return -EINVAL;
    if (n == 0)
        return 0;
    if (n > (size_t) INT_MAX)
        return -ENOSPC;
    if (cap < DIGEST_BASE64_DECODED_MAX(n))
        return -ENOSPC;
    if (in[n - 1] == '=')
        pad = in[n - 2] == '=' ? 2 : 1;
    /* EVP_DecodeBlock skips surrounding whitespace and ignores where '=' sits; be strict. */
    for (i = 0; i < n - pad; i++)
        if (!b64_char((unsigned char) in[i]))
            return -EINVAL;
    len = EVP_DecodeBlock(out, (const unsigned char *) in, (int) n);
    if (len < 0 || (size_t) len < pad)
        return -EINVAL;
    return len - (long) pad;
}
