/* src/crypto/sigv4.c - see sigv4.h. AWS Signature Version 4, server side.
 * Used by: core/ (authentication), tests, fuzz. Uses: crypto/digest.c, base/err.c.
 *
 * The canonical request is never built in memory on the verify path: it is streamed into
 * SHA-256 through a small staging buffer (struct sink). The only per-request state lives on
 * the stack with fixed bounds (SIGV4_MAX_PATH, SIGV4_MAX_QUERY_PARAMS); derived signing keys
 * come from a small lock-striped cache. Messages follow AWS's wording, as observed from
 * its services (error ordering as documented by dynalite and scratchstack-aws-signature). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "digest.h"
#include "sigv4.h"

#define ALGORITHM       "AWS4-HMAC-SHA256"
#define TERMINATOR      "aws4_request"
#define UNSIGNED        "UNSIGNED-PAYLOAD"
#define ISO_LEN         16                /* YYYYMMDDTHHMMSSZ */
#define MSG_MISMATCH    "The request signature we calculated does not match the signature you " \
                        "provided. Check your AWS Secret Access Key and signing method. Consult " \
                        "the service documentation for details."
#define MSG_DATE_FORMAT "Date must be in ISO-8601 'basic format'. Got '%.*s'. " \
                        "See http://en.wikipedia.org/wiki/ISO_8601"

/* Key cache: KEY_SETS sets of KEY_WAYS entries, KEY_STRIPES mutexes. A few dozen keys cover
 * every (secret, day, region, service) a single server sees in practice. */
#define KEY_SETS        32
#define KEY_WAYS        2
#define KEY_STRIPES     8
#define KEY_MAX_SECRET  128               /* longer secrets are derived every time */

/* ---------------------------------------------------------------- characters */

static int
is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int
is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static unsigned char
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char) (c + 32) : c;
}

/* a[0..an) equals NUL-terminated b, ignoring ASCII case */
static int
name_eq(const char *a, size_t an, const char *b)
{
    size_t i;

    for (i = 0; i < an; i++)
        if (!b[i] || lower((unsigned char) a[i]) != lower((unsigned char) b[i]))
            return 0;
    return b[an] == '\0';
}

/* Request header name h (NUL-terminated, any case) equals lowercase name[0..nlen). Cheap on a
 * mismatch, which is the common case: the first differing byte ends it. */
static int
hname_eq(const char *h, const char *name, size_t nlen)
{
    size_t i;

    for (i = 0; i < nlen; i++)
        if (lower((unsigned char) h[i]) != (unsigned char) name[i] || !h[i])
            return 0;
    return h[nlen] == '\0';
}

static void
trim(const char **p, size_t *n)
{
    while (*n && is_ws((unsigned char) **p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && is_ws((unsigned char) (*p)[*n - 1]))
        (*n)--;
}

static int
is_hex64(const char *p, size_t n)
{
    size_t i;

    if (n != DIGEST_SHA256_HEX)
        return 0;
    for (i = 0; i < n; i++)
        if (hexval((unsigned char) p[i]) < 0)
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- headers */

/* The value of the first header called name (any case), trimmed; NULL when absent. */
static const char *
header_get(const struct sigv4_request *rq, const char *name, size_t *ret_n)
{
    size_t i, n, nl = strlen(name);
    const char *v;

    for (i = 0; i < rq->n_headers; i++) {
        const struct sigv4_header *h = &rq->headers[i];
        if (!h->name || !hname_eq(h->name, name, nl))
            continue;
        v = h->value ? h->value : "";
        n = strlen(v);
        trim(&v, &n);
        *ret_n = n;
        return v;
    }
    return NULL;
}

static int
header_present(const struct sigv4_request *rq, const char *name, size_t nlen)
{
    size_t i;
    char lname[256];

    if (nlen >= sizeof(lname))
        return 0;
    for (i = 0; i < nlen; i++)
        lname[i] = (char) lower((unsigned char) name[i]);
    for (i = 0; i < rq->n_headers; i++)
        if (rq->headers[i].name && hname_eq(rq->headers[i].name, lname, nlen))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- query strings */

struct qparam {
    const char *k, *v;                /* raw (still %-encoded) key and value */
    size_t      kn, vn;
};

/* Next non-empty '&'-separated parameter of *q; 0 at the end. */
static int
qnext(const char **q, struct qparam *ret)
{
    const char *p = *q, *amp, *eq;

    if (!p)
        return 0;
    while (*p == '&')
        p++;
    if (!*p) {
        *q = p;
        return 0;
    }
    amp = strchr(p, '&');
    if (!amp)
        amp = p + strlen(p);
    eq = memchr(p, '=', (size_t) (amp - p));
    ret->k = p;
    ret->kn = (size_t) ((eq ? eq : amp) - p);
    ret->v = eq ? eq + 1 : amp;
    ret->vn = eq ? (size_t) (amp - eq - 1) : 0;
    *q = amp;
    return 1;
}

/* Check the %-escapes of s[0..n): 0, or -EINVAL with 400 MalformedQueryString. */
static int
qcheck(const char *s, size_t n, struct aerr *err)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] != '%')
            continue;
        if (n - i < 3)
            return aerr_set(err, -EINVAL, 400, "MalformedQueryString",
                            "Incomplete trailing escape %% sequence");
        if (hexval((unsigned char) s[i + 1]) < 0 || hexval((unsigned char) s[i + 2]) < 0)
            return aerr_set(err, -EINVAL, 400, "MalformedQueryString",
                            "Illegal hex character in escape %% pattern: %%%c%c",
                            s[i + 1], s[i + 2]);
        i += 2;
    }
    return 0;
}

/* Decode s[0..n) ('+' is a space) into out, NUL-terminated. Returns the length, or -E2BIG
 * when it does not fit in cap. Invalid escapes are kept literally (qcheck rejects them). */
static long
qdecode(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == '%' && n - i >= 3 && hexval((unsigned char) s[i + 1]) >= 0 &&
            hexval((unsigned char) s[i + 2]) >= 0) {
            c = (unsigned char) (hexval((unsigned char) s[i + 1]) * 16 +
                                 hexval((unsigned char) s[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o + 1 >= cap)
            return -E2BIG;
        out[o++] = (char) c;
    }
    out[o] = '\0';
    return (long) o;
}

static int
qkey_is(const struct qparam *p, const char *name)
{
    char k[64];

    return qdecode(p->k, p->kn, k, sizeof(k)) >= 0 && strcmp(k, name) == 0;
}

/* The canonical encoding of a raw query component, one byte at a time: decode, then
 * percent-encode everything but the unreserved characters (uppercase hex). */
struct enc {
    const char *p, *end;
    char        pend[2];
    int         npend;
};

static int
enc_next(struct enc *e)
{
    static const char hx[] = "0123456789ABCDEF";
    unsigned char c;

    if (e->npend) {
        int c0 = (unsigned char) e->pend[2 - e->npend];
        e->npend--;
        return c0;
    }
    if (e->p >= e->end)
        return -1;
    c = (unsigned char) *e->p;
    if (c == '%' && e->end - e->p >= 3 && hexval((unsigned char) e->p[1]) >= 0 &&
        hexval((unsigned char) e->p[2]) >= 0) {
        c = (unsigned char) (hexval((unsigned char) e->p[1]) * 16 +
                             hexval((unsigned char) e->p[2]));
        e->p += 3;
    } else {
        if (c == '+')
            c = ' ';
        e->p++;
    }
    if (is_unreserved(c))
        return c;
    e->pend[0] = hx[c >> 4];
    e->pend[1] = hx[c & 15];
    e->npend = 2;
    return '%';
}

static int
enc_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct enc ea = { a, a + an, {0, 0}, 0 }, eb = { b, b + bn, {0, 0}, 0 };
    int ca, cb;

    do {
        ca = enc_next(&ea);
        cb = enc_next(&eb);
    } while (ca == cb && ca >= 0);
    return ca - cb;
}

static int
qparam_cmp(const void *x, const void *y)
{
    const struct qparam *a = x, *b = y;
    int c = enc_cmp(a->k, a->kn, b->k, b->kn);

    return c ? c : enc_cmp(a->v, a->vn, b->v, b->vn);
}

/* ---------------------------------------------------------------- output sink */

/* Where the canonical request goes: into a SHA-256 (h set) or a malloc'd string. */
struct sink {
    struct digest_sha256 *h;
    char  *buf;
    size_t len, cap;
    int    oom;
    size_t n;
    char   stage[1024];
};

static void
sink_flush(struct sink *s)
{
    if (!s->n)
        return;
    if (s->h) {
        digest_sha256_update(s->h, s->stage, s->n);
    } else if (!s->oom) {
        if (s->len + s->n + 1 > s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 1024;
            char *nb;
            while (cap < s->len + s->n + 1)
                cap *= 2;
            nb = realloc(s->buf, cap);
            if (!nb) {
                s->oom = 1;
                s->n = 0;
                return;
            }
            s->buf = nb;
            s->cap = cap;
        }
        memcpy(s->buf + s->len, s->stage, s->n);
        s->len += s->n;
        s->buf[s->len] = '\0';
    }
    s->n = 0;
}

static void
sink_putc(struct sink *s, char c)
{
    if (s->n == sizeof(s->stage))
        sink_flush(s);
    s->stage[s->n++] = c;
}

static void
sink_put(struct sink *s, const void *p, size_t n)
{
    const char *c = p;

    while (n) {
        size_t k = sizeof(s->stage) - s->n;
        if (k == 0) {
            sink_flush(s);
            continue;
        }
        if (k > n)
            k = n;
        memcpy(s->stage + s->n, c, k);
        s->n += k;
        c += k;
        n -= k;
    }
}

static void
sink_puts(struct sink *s, const char *str)
{
    sink_put(s, str, strlen(str));
}

/* ---------------------------------------------------------------- canonical request */

/* URI-encode bytes, keeping the unreserved characters and '/'. */
static void
emit_path_encoded(struct sink *s, const char *p, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i = 0, run;

    while (i < n) {
        unsigned char c;
        for (run = i; i < n && (is_unreserved((unsigned char) p[i]) || p[i] == '/'); i++)
            ;
        sink_put(s, p + run, i - run);
        if (i == n)
            break;
        c = (unsigned char) p[i++];
        sink_putc(s, '%');
        sink_putc(s, hx[c >> 4]);
        sink_putc(s, hx[c & 15]);
    }
}

/* The canonical path: dot segments removed and slashes collapsed (botocore's
 * remove_dot_segments), then each byte outside the unreserved set URI-encoded. The path
 * arrives percent-encoded, so that encoding is AWS's "encode twice" for non-S3 services. */
static int
emit_path(struct sink *s, const char *path, unsigned flags, struct aerr *err)
{
    size_t n = path ? strlen(path) : 0, o = 0;
    const char *p, *end;
    char buf[SIGV4_MAX_PATH + 2];

    if (n == 0) {
        sink_putc(s, '/');
        return 0;
    }
    if (flags & SIGV4_F_RAW_PATH) {
        sink_put(s, path, n);
        return 0;
    }
    if (flags & SIGV4_F_NO_NORMALIZE) {
        emit_path_encoded(s, path, n);
        return 0;
    }
    if (n > SIGV4_MAX_PATH)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "The request path is longer than %d bytes.", SIGV4_MAX_PATH);
    for (p = path, end = path + n; p < end;) {
        const char *seg = p;
        size_t sl;
        while (p < end && *p != '/')
            p++;
        sl = (size_t) (p - seg);
        if (p < end)
            p++;
        if (sl == 0 || (sl == 1 && seg[0] == '.'))
            continue;
        if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && buf[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        buf[o++] = '/';
        memcpy(buf + o, seg, sl);
        o += sl;
    }
    /* buf is "/seg/seg..." (or empty); botocore: first + '/'.join(segs) + last */
    if (o == 0) {
        if (path[0] == '/')
            sink_putc(s, '/');
        return 0;
    }
    if (path[0] == '/')
        emit_path_encoded(s, buf, o);
    else
        emit_path_encoded(s, buf + 1, o - 1);
    if (path[n - 1] == '/')
        sink_putc(s, '/');
    return 0;
}

static void
emit_query_part(struct sink *s, const char *p, size_t n)
{
    struct enc e = { p, p + n, {0, 0}, 0 };
    int c;

    while ((c = enc_next(&e)) >= 0)
        sink_putc(s, (char) c);
}

static int
emit_query(struct sink *s, const char *q, int presigned, unsigned flags, struct aerr *err)
{
    struct qparam ps[SIGV4_MAX_QUERY_PARAMS], p;
    size_t n = 0, i;
    int r;

    while (qnext(&q, &p)) {
        if ((r = qcheck(p.k, p.kn, err)) < 0 || (r = qcheck(p.v, p.vn, err)) < 0)
            return r;
        if (presigned && qkey_is(&p, "X-Amz-Signature"))
            continue;
        if ((flags & SIGV4_F_OMIT_TOKEN) && qkey_is(&p, "X-Amz-Security-Token"))
            continue;
        if (n == SIGV4_MAX_QUERY_PARAMS)
            return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                            "The query string has more than %d parameters.",
                            SIGV4_MAX_QUERY_PARAMS);
        ps[n++] = p;
    }
    if (n > 1)
        qsort(ps, n, sizeof(ps[0]), qparam_cmp);
    for (i = 0; i < n; i++) {
        if (i)
            sink_putc(s, '&');
        emit_query_part(s, ps[i].k, ps[i].kn);
        sink_putc(s, '=');
        emit_query_part(s, ps[i].v, ps[i].vn);
    }
    return 0;
}

/* One header value, trimmed, runs of white space (folded lines included) made one space. */
static void
emit_header_value(struct sink *s, const char *v)
{
    const char *run;
    int started = 0;

    for (;;) {
        while (is_ws((unsigned char) *v))
            v++;
        if (!*v)
            break;
        for (run = v; *v && !is_ws((unsigned char) *v); v++)
            ;
        if (started)
            sink_putc(s, ' ');
        sink_put(s, run, (size_t) (v - run));
        started = 1;
    }
}

/* "name:v1,v2\n" for every name of SignedHeaders, values in the order received. */
static void
emit_headers(struct sink *s, const struct sigv4_request *rq, const char *signed_headers)
{
    const char *p = signed_headers, *semi;
    size_t i, nl, k;
    char name[256];

    while (*p) {
        semi = strchr(p, ';');
        nl = semi ? (size_t) (semi - p) : strlen(p);
        if (nl && nl < sizeof(name)) {
            int first = 1;
            for (k = 0; k < nl; k++)
                name[k] = (char) lower((unsigned char) p[k]);
            name[nl] = '\0';
            sink_put(s, name, nl);
            sink_putc(s, ':');
            for (i = 0; i < rq->n_headers; i++) {
                const struct sigv4_header *h = &rq->headers[i];
                if (!h->name || !hname_eq(h->name, name, nl))
                    continue;
                if (!first)
                    sink_putc(s, ',');
                first = 0;
                emit_header_value(s, h->value ? h->value : "");
            }
            sink_putc(s, '\n');
        }
        if (!semi)
            break;
        p = semi + 1;
    }
}

/* The payload hash line: x-amz-content-sha256 when sent, else SHA-256 of the body.
 * *ret points at the header or into hexbuf. */
static int
payload_hash(const struct sigv4_request *rq, char hexbuf[DIGEST_SHA256_HEX + 1],
             const char **ret, size_t *ret_n)
{
    unsigned char md[DIGEST_SHA256_LEN];
    const char *h;
    size_t hn;

    h = header_get(rq, "x-amz-content-sha256", &hn);
    if (h) {
        *ret = h;
        *ret_n = hn;
        return 0;
    }
    if (digest_sha256(rq->body, rq->body ? rq->body_len : 0, md) < 0)
        return -EIO;
    digest_hex(md, sizeof(md), hexbuf);
    *ret = hexbuf;
    *ret_n = DIGEST_SHA256_HEX;
    return 0;
}

static int
emit_canonical(struct sink *s, const struct sigv4_request *rq, const struct sigv4_auth *auth,
               unsigned flags, const char *payload, size_t payload_n, struct aerr *err)
{
    int r;

    sink_puts(s, rq->method ? rq->method : "");
    sink_putc(s, '\n');
    if ((r = emit_path(s, rq->path, flags, err)) < 0)
        return r;
    sink_putc(s, '\n');
    if ((r = emit_query(s, rq->query, auth->presigned, flags, err)) < 0)
        return r;
    sink_putc(s, '\n');
    emit_headers(s, rq, auth->signed_headers);
    sink_putc(s, '\n');
    sink_puts(s, auth->signed_headers);
    sink_putc(s, '\n');
    sink_put(s, payload, payload_n);
    sink_flush(s);
    return 0;
}

/* ---------------------------------------------------------------- string to sign, keys */

/* "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n" into buf. */
static int
sts_prefix(const struct sigv4_auth *auth, char *buf, size_t cap)
{
    const struct {
        const char *p;
        size_t      n;
    } piece[] = {
        { ALGORITHM "\n", sizeof(ALGORITHM) },
        { auth->amz_date, strnlen(auth->amz_date, sizeof(auth->amz_date) - 1) },
        { "\n", 1 },
        { auth->scope_date, strnlen(auth->scope_date, sizeof(auth->scope_date) - 1) },
        { "/", 1 },
        { auth->region, strnlen(auth->region, sizeof(auth->region) - 1) },
        { "/", 1 },
        { auth->service, strnlen(auth->service, sizeof(auth->service) - 1) },
        { "/" TERMINATOR "\n", sizeof(TERMINATOR) + 1 },
    };
    size_t i, n = 0;

    for (i = 0; i < sizeof(piece) / sizeof(piece[0]); i++) {
        if (n + piece[i].n >= cap)
            return -EINVAL;
        memcpy(buf + n, piece[i].p, piece[i].n);
        n += piece[i].n;
    }
    buf[n] = '\0';
    return (int) n;
}

struct key_entry {
    uint64_t      tag;                 /* hash of the inputs; 0: empty */
    uint64_t      used;                /* LRU clock */
    size_t        secret_len;
    char          secret[KEY_MAX_SECRET];
    char          date[9], region[64], service[64];
    unsigned char key[DIGEST_SHA256_LEN];
};

static struct key_entry key_cache[KEY_SETS][KEY_WAYS];
static uint64_t key_clock[KEY_STRIPES];
static pthread_mutex_t key_lock[KEY_STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};

/* The cache tag only picks a set (every field is compared in full on a hit), so it mixes
 * the lengths and the first and last 8 bytes of each field: a few multiplications. */
static uint64_t
mix(uint64_t h, const char *s, size_t n)
{
    uint64_t a = 0, b = 0;

    memcpy(&a, s, n < 8 ? n : 8);
    if (n > 8)
        memcpy(&b, s + n - 8, 8);
    h = (h ^ a ^ ((uint64_t) n << 56)) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 29) ^ b) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static int
derive_key(const char *secret, size_t sn, const char *date, const char *region,
           const char *service, unsigned char key[DIGEST_SHA256_LEN])
{
    unsigned char k[DIGEST_SHA256_LEN];
    char ksecret[4 + KEY_MAX_SECRET];
    char *big = NULL;
    const char *ks = ksecret;
    int r;

    if (sn <= KEY_MAX_SECRET) {
        memcpy(ksecret, "AWS4", 4);
        memcpy(ksecret + 4, secret, sn);
    } else {
        big = malloc(sn + 4);          /* only for secrets no AWS client uses */
        if (!big)
            return -ENOMEM;
        memcpy(big, "AWS4", 4);
        memcpy(big + 4, secret, sn);
        ks = big;
    }
    r = digest_hmac_sha256(ks, sn + 4, date, strlen(date), k);
    if (r == 0)
        r = digest_hmac_sha256(k, sizeof(k), region, strlen(region), k);
    if (r == 0)
        r = digest_hmac_sha256(k, sizeof(k), service, strlen(service), k);
    if (r == 0)
        r = digest_hmac_sha256(k, sizeof(k), TERMINATOR, sizeof(TERMINATOR) - 1, key);
    digest_cleanse(ksecret, sizeof(ksecret));
    digest_cleanse(k, sizeof(k));
    if (big) {
        digest_cleanse(big, sn + 4);
        free(big);
    }
    return r;
}

/* The signing key for (secret, date, region, service), from the cache when possible. */
static int
signing_key(const char *secret, const struct sigv4_auth *auth, unsigned char key[DIGEST_SHA256_LEN])
{
    size_t sn = strlen(secret);
    size_t dn = strnlen(auth->scope_date, sizeof(auth->scope_date) - 1);
    size_t rn = strnlen(auth->region, sizeof(auth->region) - 1);
    size_t vn = strnlen(auth->service, sizeof(auth->service) - 1);
    char date[9], region[64], service[64];
    struct key_entry *set, *e, *victim;
    uint64_t tag;
    unsigned stripe;
    int w, r;

    memcpy(date, auth->scope_date, dn);
    date[dn] = '\0';
    memcpy(region, auth->region, rn);
    region[rn] = '\0';
    memcpy(service, auth->service, vn);
    service[vn] = '\0';
    if (sn > KEY_MAX_SECRET)
        return derive_key(secret, sn, date, region, service, key);

    tag = mix(mix(mix(mix(0x243f6a8885a308d3ULL, secret, sn), date, dn), region, rn), service, vn);
    tag |= 1;                          /* 0 marks an empty entry */
    set = key_cache[(tag >> 8) % KEY_SETS];
    stripe = (unsigned) (((tag >> 8) % KEY_SETS) % KEY_STRIPES);

    pthread_mutex_lock(&key_lock[stripe]);
    for (w = 0; w < KEY_WAYS; w++) {
        e = &set[w];
        if (e->tag == tag && e->secret_len == sn && digest_equal(e->secret, secret, sn) &&
            strcmp(e->date, date) == 0 && strcmp(e->region, region) == 0 &&
            strcmp(e->service, service) == 0) {
            memcpy(key, e->key, DIGEST_SHA256_LEN);
            e->used = ++key_clock[stripe];
            pthread_mutex_unlock(&key_lock[stripe]);
            return 0;
        }
    }
    pthread_mutex_unlock(&key_lock[stripe]);

    r = derive_key(secret, sn, date, region, service, key);
    if (r < 0)
        return r;

    pthread_mutex_lock(&key_lock[stripe]);
    victim = &set[0];
    for (w = 1; w < KEY_WAYS; w++)
        if (set[w].used < victim->used)
            victim = &set[w];
    victim->tag = tag;
    victim->used = ++key_clock[stripe];
    victim->secret_len = sn;
    memset(victim->secret, 0, sizeof(victim->secret));
    memcpy(victim->secret, secret, sn);
    memcpy(victim->date, date, dn + 1);
    memcpy(victim->region, region, rn + 1);
    memcpy(victim->service, service, vn + 1);
    memcpy(victim->key, key, DIGEST_SHA256_LEN);
    pthread_mutex_unlock(&key_lock[stripe]);
    return 0;
}

void
sigv4_key_cache_clear(void)
{
    unsigned s, i;

    for (s = 0; s < KEY_STRIPES; s++) {
        pthread_mutex_lock(&key_lock[s]);
        for (i = s; i < KEY_SETS; i += KEY_STRIPES)
            digest_cleanse(key_cache[i], sizeof(key_cache[i]));
        pthread_mutex_unlock(&key_lock[s]);
    }
}

/* Hex signature of the string to sign made of prefix + hex(canonical hash). */
static int
sign_hash(const char *secret, const struct sigv4_auth *auth,
          const unsigned char cr_hash[DIGEST_SHA256_LEN], char ret[DIGEST_SHA256_HEX + 1])
{
    unsigned char key[DIGEST_SHA256_LEN], mac[DIGEST_SHA256_LEN];
    char sts[256];
    int n, r;

    n = sts_prefix(auth, sts, sizeof(sts) - DIGEST_SHA256_HEX - 1);
    if (n < 0)
        return n;
    digest_hex(cr_hash, DIGEST_SHA256_LEN, sts + n);
    r = signing_key(secret, auth, key);
    if (r == 0)
        r = digest_hmac_sha256(key, sizeof(key), sts, (size_t) n + DIGEST_SHA256_HEX, mac);
    digest_cleanse(key, sizeof(key));
    if (r == 0)
        digest_hex(mac, sizeof(mac), ret);
    return r;
}

/* ---------------------------------------------------------------- dates */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

static int
mdays(int y, int m)
{
    static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static int
digits(const char *s, size_t n, int *ret)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *ret = v;
    return 0;
}

static int
make_time(int y, int mo, int d, int h, int mi, int s, time_t *ret)
{
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) ||
        h > 23 || mi > 59 || s > 59)
        return -EINVAL;
    *ret = (time_t) (days_from_civil(y, (unsigned) mo, (unsigned) d) * 86400 +
                     h * 3600 + mi * 60 + s);
    return 0;
}

/* YYYYMMDDTHHMMSSZ */
static int
parse_iso(const char *p, size_t n, time_t *ret)
{
    int y, mo, d, h, mi, s;

    if (n != ISO_LEN || p[8] != 'T' || p[15] != 'Z' ||
        digits(p, 4, &y) || digits(p + 4, 2, &mo) || digits(p + 6, 2, &d) ||
        digits(p + 9, 2, &h) || digits(p + 11, 2, &mi) || digits(p + 13, 2, &s))
        return -EINVAL;
    return make_time(y, mo, d, h, mi, s, ret);
}

/* RFC 7231 IMF-fixdate, e.g. "Sun, 30 Aug 2015 12:36:00 GMT" */
static int
parse_http_date(const char *p, size_t n, time_t *ret)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo, d, h, mi, s;

    if (n != 29 || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' ||
        p[16] != ' ' || p[19] != ':' || p[22] != ':' || p[25] != ' ' ||
        memcmp(p + 26, "GMT", 3) != 0 ||
        digits(p + 5, 2, &d) || digits(p + 12, 4, &y) ||
        digits(p + 17, 2, &h) || digits(p + 20, 2, &mi) || digits(p + 23, 2, &s))
        return -EINVAL;
    for (mo = 0; mo < 12; mo++)
        if (memcmp(p + 8, months + 3 * mo, 3) == 0)
            break;
    if (mo == 12)
        return -EINVAL;
    return make_time(y, mo + 1, d, h, mi, s, ret);
}

static void
fmt_iso(time_t t, char out[ISO_LEN + 1])
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(out, ISO_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != ISO_LEN)
        snprintf(out, ISO_LEN + 1, "%s", "00000000T000000Z");
}

/* ---------------------------------------------------------------- parsing */

struct slice {
    const char *p;
    size_t      n;
};

/* Checks shared by both forms once the pieces are found. date_http: the date came from a
 * Date header (IMF-fixdate or ISO basic). */
static int
parse_finish(const struct sigv4_request *rq, struct sigv4_auth *ret, struct aerr *err,
             struct slice alg, struct slice cred, struct slice sh, struct slice sig,
             struct slice date, int date_http, struct slice token)
{
    const char *parts[5], *p, *end;
    size_t plen[5], np = 0, k, nnames = 0;
    char msg[AERR_MAX_MSG];
    size_t ml = 0;
    int found_host = 0;

    /* the date */
    if (parse_iso(date.p, date.n, &ret->request_time) == 0) {
        memcpy(ret->amz_date, date.p, ISO_LEN);
        ret->amz_date[ISO_LEN] = '\0';
    } else if (date_http && parse_http_date(date.p, date.n, &ret->request_time) == 0) {
        fmt_iso(ret->request_time, ret->amz_date);
    } else {
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature", MSG_DATE_FORMAT,
                        (int) (date.n > 64 ? 64 : date.n), date.p);
    }

    /* SignedHeaders: host must be one of them */
    if (sh.n >= sizeof(ret->signed_headers))
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "SignedHeaders is longer than %zu characters.",
                        sizeof(ret->signed_headers) - 1);
    memcpy(ret->signed_headers, sh.p, sh.n);
    ret->signed_headers[sh.n] = '\0';
    for (p = sh.p, end = sh.p + sh.n; p <= end;) {
        const char *semi = memchr(p, ';', (size_t) (end - p));
        size_t nl = (size_t) ((semi ? semi : end) - p);
        if (name_eq(p, nl, "host") || name_eq(p, nl, ":authority"))
            found_host = 1;
        nnames++;
        if (!semi)
            break;
        p = semi + 1;
    }
    if (nnames > SIGV4_MAX_SIGNED)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "SignedHeaders names more than %d headers.", SIGV4_MAX_SIGNED);
    if (!found_host)
        return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch", "%s",
                        "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                        "Authorization.");

    /* the algorithm */
    if (alg.n != sizeof(ALGORITHM) - 1 || memcmp(alg.p, ALGORITHM, alg.n) != 0)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "Unsupported AWS 'algorithm': '%.*s' (only " ALGORITHM " for now).",
                        (int) (alg.n > 64 ? 64 : alg.n), alg.p);

    /* the credential: keyid/date/region/service/term (trailing slashes ignored) */
    while (cred.n && cred.p[cred.n - 1] == '/')
        cred.n--;
    for (p = cred.p, end = cred.p + cred.n;;) {
        const char *slash = memchr(p, '/', (size_t) (end - p));
        if (np < 5) {
            parts[np] = p;
            plen[np] = (size_t) ((slash ? slash : end) - p);
        }
        np++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (np != 5)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "Credential must have exactly 5 slash-delimited elements, e.g. "
                        "keyid/date/region/service/term, got '%.*s'",
                        (int) (cred.n > 256 ? 256 : cred.n), cred.p);
    if (plen[0] >= sizeof(ret->access_key))
        return aerr_set(err, -EACCES, 403, "InvalidClientTokenId", "%s",
                        "The security token included in the request is invalid.");
    if (plen[3] >= sizeof(ret->service))
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "Credential should be scoped to a valid service, not '%.*s'.",
                        (int) (plen[3] > 128 ? 128 : plen[3]), parts[3]);
    memcpy(ret->access_key, parts[0], plen[0]);
    ret->access_key[plen[0]] = '\0';
    memcpy(ret->service, parts[3], plen[3]);
    ret->service[plen[3]] = '\0';

    /* scope problems are reported together, in AWS's order */
    msg[0] = '\0';
    for (k = 0; k < plen[2]; k++) {
        unsigned char c = (unsigned char) parts[2][k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            break;
    }
    if (plen[2] == 0 || k < plen[2] || plen[2] >= sizeof(ret->region))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml,
                                "Credential should be scoped to a valid region, not '%.*s'. ",
                                (int) (plen[2] > 128 ? 128 : plen[2]), parts[2]);
    if (ml < sizeof(msg) && (plen[4] != sizeof(TERMINATOR) - 1 ||
                             memcmp(parts[4], TERMINATOR, plen[4]) != 0))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml,
                                "Credential should be scoped with a valid terminator: '"
                                TERMINATOR "', not '%.*s'. ",
                                (int) (plen[4] > 128 ? 128 : plen[4]), parts[4]);
    if (ml < sizeof(msg) && (plen[1] != 8 || memcmp(parts[1], ret->amz_date, 8) != 0))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml,
                                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                                "version of date from HTTP: '%.*s' != '%.8s', from '%s'. ",
                                (int) (plen[1] > 128 ? 128 : plen[1]), parts[1],
                                ret->amz_date, ret->amz_date);
    if (ml) {
        if (ml >= sizeof(msg))
            ml = sizeof(msg) - 1;
        while (ml && msg[ml - 1] == ' ')
            msg[--ml] = '\0';
        return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch", "%s", msg);
    }
    memcpy(ret->scope_date, parts[1], 8);
    ret->scope_date[8] = '\0';
    memcpy(ret->region, parts[2], plen[2]);
    ret->region[plen[2]] = '\0';

    /* the signature: anything but 64 characters can only mismatch */
    if (sig.n == DIGEST_SHA256_HEX) {
        memcpy(ret->signature, sig.p, sig.n);
        ret->signature[sig.n] = '\0';
    } else {
        ret->signature[0] = '\0';
    }

    if (token.n > SIGV4_MAX_TOKEN)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "X-Amz-Security-Token is longer than %d characters.", SIGV4_MAX_TOKEN);
    if (token.n && token.p != ret->token)
        memcpy(ret->token, token.p, token.n);
    ret->token[token.n] = '\0';

    /* every signed header must be there, or the signature cannot match */
    for (p = ret->signed_headers; *p;) {
        const char *semi = strchr(p, ';');
        size_t nl = semi ? (size_t) (semi - p) : strlen(p);
        if (!header_present(rq, p, nl))
            return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch", "%s", MSG_MISMATCH);
        if (!semi)
            break;
        p = semi + 1;
    }
    return 0;
}

static int
parse_header(const struct sigv4_request *rq, const char *v, size_t vn, struct sigv4_auth *ret,
             struct aerr *err)
{
    struct slice alg, cred = { NULL, 0 }, sh = { NULL, 0 }, sig = { NULL, 0 };
    struct slice date = { NULL, 0 }, token = { NULL, 0 };
    int have_cred = 0, have_sh = 0, have_sig = 0, date_http = 0;
    const char *p = v, *end = v + vn, *d;
    char msg[AERR_MAX_MSG];
    size_t ml = 0, dn;

    ret->presigned = 0;
    ret->expires = 0;
    alg.p = p;
    while (p < end && !is_ws((unsigned char) *p))
        p++;
    alg.n = (size_t) (p - alg.p);

    /* key=value pairs separated by commas and/or white space; the last of a key wins */
    while (p < end) {
        const char *tok, *eq;
        size_t tn;
        while (p < end && (*p == ',' || is_ws((unsigned char) *p)))
            p++;
        if (p == end)
            break;
        tok = p;
        while (p < end && *p != ',' && !is_ws((unsigned char) *p))
            p++;
        tn = (size_t) (p - tok);
        eq = memchr(tok, '=', tn);
        if (!eq)
            return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                            "'%.*s' not a valid key=value pair (missing equal-sign) in "
                            "Authorization header: '%.*s'.",
                            (int) (tn > 256 ? 256 : tn), tok, (int) (vn > 512 ? 512 : vn), v);
        if ((size_t) (eq - tok) == 10 && memcmp(tok, "Credential", 10) == 0) {
            cred.p = eq + 1;
            cred.n = (size_t) (tok + tn - eq - 1);
            have_cred = cred.n > 0;
        } else if ((size_t) (eq - tok) == 13 && memcmp(tok, "SignedHeaders", 13) == 0) {
            sh.p = eq + 1;
            sh.n = (size_t) (tok + tn - eq - 1);
            have_sh = 1;
        } else if ((size_t) (eq - tok) == 9 && memcmp(tok, "Signature", 9) == 0) {
            sig.p = eq + 1;
            sig.n = (size_t) (tok + tn - eq - 1);
            have_sig = sig.n > 0;
        }
    }

    d = header_get(rq, "x-amz-date", &dn);
    if (!d || !dn) {
        d = header_get(rq, "date", &dn);
        date_http = 1;
    }
    if (d && dn) {
        date.p = d;
        date.n = dn;
    }

    msg[0] = '\0';
    if (!have_cred)
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml, "%s",
                                "Authorization header requires 'Credential' parameter. ");
    if (!have_sig && ml < sizeof(msg))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml, "%s",
                                "Authorization header requires 'Signature' parameter. ");
    if (!have_sh && ml < sizeof(msg))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml, "%s",
                                "Authorization header requires 'SignedHeaders' parameter. ");
    if (!date.n && ml < sizeof(msg))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml, "%s",
                                "Authorization header requires existence of either a "
                                "'X-Amz-Date' or a 'Date' header. ");
    if (ml)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature", "%sAuthorization=%.*s", msg,
                        (int) (vn > 512 ? 512 : vn), v);

    d = header_get(rq, "x-amz-security-token", &dn);
    if (d) {
        token.p = d;
        token.n = dn;
    }
    return parse_finish(rq, ret, err, alg, cred, sh, sig, date, date_http, token);
}

/* Decoded value of the first query parameter called name into buf; *ret_n = -1 when absent. */
static int
query_get(const char *q, const char *name, char *buf, size_t cap, long *ret_n, struct aerr *err)
{
    struct qparam p;
    long n;

    *ret_n = -1;
    while (qnext(&q, &p)) {
        if (!qkey_is(&p, name))
            continue;
        n = qdecode(p.v, p.vn, buf, cap);
        if (n < 0)
            return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                            "%s is longer than %zu characters.", name, cap - 1);
        *ret_n = n;
        return 0;
    }
    return 0;
}

static int
parse_query(const struct sigv4_request *rq, struct sigv4_auth *ret, struct aerr *err)
{
    static const char *const names[5] = { "X-Amz-Algorithm", "X-Amz-Credential",
                                           "X-Amz-Signature", "X-Amz-SignedHeaders",
                                           "X-Amz-Date" };
    char vals[5][SIGV4_MAX_QUERY_VALUE], exp[32];
    long n[5], en, tn;
    char msg[AERR_MAX_MSG];
    size_t ml = 0;
    struct slice s[5], token = { NULL, 0 };
    int i, r;
    long e = 0;

    msg[0] = '\0';
    for (i = 0; i < 5; i++) {
        r = query_get(rq->query, names[i], vals[i], sizeof(vals[i]), &n[i], err);
        if (r < 0)
            return r;
        if (n[i] <= 0 && ml < sizeof(msg))
            ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml,
                                    "AWS query-string parameters must include '%s'. ", names[i]);
        s[i].p = vals[i];
        s[i].n = n[i] > 0 ? (size_t) n[i] : 0;
    }
    if (ml)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "%sRe-examine the query-string parameters.", msg);

    r = query_get(rq->query, "X-Amz-Expires", exp, sizeof(exp), &en, err);
    if (r < 0)
        en = 0;                        /* far too long to be a number */
    if (r < 0 || en >= 0) {
        const char *x = exp;
        int neg = 0;
        if (r == 0 && *x == '-') {
            neg = 1;
            x++;
        }
        if (r < 0 || en == 0 || !*x || x[strspn(x, "0123456789")])
            return aerr_set(err, -EINVAL, 400, "AuthorizationQueryParametersError", "%s",
                            "X-Amz-Expires should be a number");
        if (neg)
            return aerr_set(err, -EINVAL, 400, "AuthorizationQueryParametersError", "%s",
                            "X-Amz-Expires must be non-negative");
        for (; *x; x++) {
            e = e * 10 + (*x - '0');
            if (e > SIGV4_MAX_EXPIRES)
                return aerr_set(err, -EINVAL, 400, "AuthorizationQueryParametersError",
                                "X-Amz-Expires must be less than a week (in seconds) that is %d",
                                SIGV4_MAX_EXPIRES);
        }
    }
    ret->presigned = 1;
    ret->expires = e;

    /* the token is decoded straight into its home */
    r = query_get(rq->query, "X-Amz-Security-Token", ret->token, sizeof(ret->token), &tn, err);
    if (r < 0)
        return r;
    if (tn > 0) {
        token.p = ret->token;
        token.n = (size_t) tn;
    }
    return parse_finish(rq, ret, err, s[0], s[1], s[3], s[2], s[4], 0, token);
}

int
sigv4_parse(const struct sigv4_request *rq, struct sigv4_auth *ret, struct aerr *err)
{
    const char *authz, *q = rq->query;
    size_t an = 0;
    struct qparam p;
    int has_alg = 0, has_qauth = 0, r;

    ret->token[0] = '\0';
    ret->signature[0] = '\0';
    if (rq->n_headers > SIGV4_MAX_HEADERS)
        return aerr_set(err, -EINVAL, 400, "IncompleteSignature",
                        "The request has more than %d headers.", SIGV4_MAX_HEADERS);

    /* a malformed query string is reported before anything about the signature */
    while (qnext(&q, &p)) {
        if ((r = qcheck(p.k, p.kn, err)) < 0 || (r = qcheck(p.v, p.vn, err)) < 0)
            return r;
        if (qkey_is(&p, "X-Amz-Algorithm"))
            has_alg = has_qauth = 1;
        else if (qkey_is(&p, "X-Amz-Credential") || qkey_is(&p, "X-Amz-Signature"))
            has_qauth = 1;
    }

    authz = header_get(rq, "authorization", &an);
    if (authz && an == 0)
        authz = NULL;
    if (authz && has_alg)
        return aerr_set(err, -EINVAL, 400, "SignatureDoesNotMatch", "%s",
                        "Found both 'X-Amz-Algorithm' as a query-string param and "
                        "'Authorization' as HTTP header.");
    if (authz)
        return parse_header(rq, authz, an, ret, err);
    if (has_qauth)
        return parse_query(rq, ret, err);
    return aerr_set(err, -ENOENT, 403, "MissingAuthenticationToken", "%s",
                    "Request is missing Authentication Token");
}

int
sigv4_check_scope(const struct sigv4_auth *auth, const char *region, const char *service,
                  struct aerr *err)
{
    char msg[AERR_MAX_MSG];
    size_t ml = 0;

    msg[0] = '\0';
    if (region && strcmp(region, auth->region) != 0)
        ml += (size_t) snprintf(msg, sizeof(msg),
                                "Credential should be scoped to a valid region, not '%s'. ",
                                auth->region);
    if (service && strcmp(service, auth->service) != 0 && ml < sizeof(msg))
        ml += (size_t) snprintf(msg + ml, sizeof(msg) - ml,
                                "Credential should be scoped to correct service: '%s'. ", service);
    if (!ml)
        return 0;
    if (ml >= sizeof(msg))
        ml = sizeof(msg) - 1;
    while (ml && msg[ml - 1] == ' ')
        msg[--ml] = '\0';
    return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch", "%s", msg);
}

/* ---------------------------------------------------------------- verification */

static int
check_clock(const struct sigv4_auth *auth, time_t now, struct aerr *err)
{
    char a[ISO_LEN + 1], b[ISO_LEN + 1];
    time_t t = auth->request_time;

    if (t > now + SIGV4_SKEW_SECONDS) {
        fmt_iso(now + SIGV4_SKEW_SECONDS, a);
        fmt_iso(now, b);
        return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch",
                        "Signature not yet current: %.16s is still later than %s (%s + 15 min.)",
                        auth->amz_date, a, b);
    }
    if (auth->presigned && auth->expires > 0) {
        if (now > t + auth->expires)
            return aerr_set(err, -EACCES, 403, "AccessDenied", "%s", "Request has expired");
        return 0;
    }
    if (t < now - SIGV4_SKEW_SECONDS) {
        fmt_iso(now - SIGV4_SKEW_SECONDS, a);
        fmt_iso(now, b);
        return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch",
                        "Signature expired: %.16s is now earlier than %s (%s - 15 min.)",
                        auth->amz_date, a, b);
    }
    return 0;
}

/* Hash the canonical request and sign it: ret gets the expected hex signature. */
static int
expected_signature(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                   const char *secret, unsigned flags, const char *payload, size_t payload_n,
                   char ret[DIGEST_SHA256_HEX + 1], struct aerr *err)
{
    struct digest_sha256 h;
    struct sink s;
    unsigned char cr_hash[DIGEST_SHA256_LEN];
    int r;

    if (digest_sha256_init(&h) < 0)
        return aerr_internal(err, -EIO);
    s.h = &h;
    s.buf = NULL;
    s.len = s.cap = s.n = 0;
    s.oom = 0;
    r = emit_canonical(&s, rq, auth, flags, payload, payload_n, err);
    if (r < 0) {
        digest_sha256_done(&h);
        return r;
    }
    if (digest_sha256_final(&h, cr_hash) < 0 || sign_hash(secret, auth, cr_hash, ret) < 0)
        return aerr_internal(err, -EIO);
    return 0;
}

static int
query_has(const char *q, const char *name)
{
    struct qparam p;

    while (qnext(&q, &p))
        if (qkey_is(&p, name))
            return 1;
    return 0;
}

int
sigv4_verify(const struct sigv4_request *rq, const struct sigv4_auth *auth,
             const char *secret, time_t now, int check_time, struct aerr *err)
{
    char payload_buf[DIGEST_SHA256_HEX + 1], expect[DIGEST_SHA256_HEX + 1];
    const char *payload;
    size_t payload_n, sn;
    int r, ok;

    if (check_time && (r = check_clock(auth, now, err)) < 0)
        return r;
    if (payload_hash(rq, payload_buf, &payload, &payload_n) < 0)
        return aerr_internal(err, -EIO);

    r = expected_signature(rq, auth, secret, rq->flags, payload, payload_n, expect, err);
    if (r < 0)
        return r;
    sn = strnlen(auth->signature, sizeof(auth->signature));
    ok = sn == DIGEST_SHA256_HEX && digest_equal(expect, auth->signature, DIGEST_SHA256_HEX);
    if (!ok && auth->presigned && auth->token[0] && !(rq->flags & SIGV4_F_OMIT_TOKEN) &&
        query_has(rq->query, "X-Amz-Security-Token")) {
        /* some signers add the session token after signing (aws-c-auth "sts-header-after") */
        r = expected_signature(rq, auth, secret, rq->flags | SIGV4_F_OMIT_TOKEN, payload,
                               payload_n, expect, err);
        if (r < 0)
            return r;
        ok = sn == DIGEST_SHA256_HEX && digest_equal(expect, auth->signature, DIGEST_SHA256_HEX);
    }
    digest_cleanse(expect, sizeof(expect));
    if (!ok)
        return aerr_set(err, -EACCES, 403, "SignatureDoesNotMatch", "%s", MSG_MISMATCH);

    /* the signature covers x-amz-content-sha256, not the body: tie the two together */
    if (payload != payload_buf) {
        unsigned char md[DIGEST_SHA256_LEN];
        size_t i;

        if (payload_n == sizeof(UNSIGNED) - 1 && memcmp(payload, UNSIGNED, payload_n) == 0)
            return 0;
        if (!is_hex64(payload, payload_n))
            return aerr_set(err, -EINVAL, 400, "InvalidArgument", "%s",
                            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 "
                            "value.");
        if (digest_sha256(rq->body, rq->body ? rq->body_len : 0, md) < 0)
            return aerr_internal(err, -EIO);
        digest_hex(md, sizeof(md), payload_buf);
        for (i = 0; i < DIGEST_SHA256_HEX; i++)
            if (lower((unsigned char) payload[i]) != (unsigned char) payload_buf[i])
                return aerr_set(err, -EINVAL, 400, "XAmzContentSHA256Mismatch", "%s",
                                "The provided 'x-amz-content-sha256' header does not match what "
                                "was computed.");
    }
    return 0;
}

/* ---------------------------------------------------------------- the pieces */

int
sigv4_canonical_request(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                        char **ret)
{
    char payload_buf[DIGEST_SHA256_HEX + 1];
    const char *payload;
    size_t payload_n;
    struct sink *s;
    int r;

    if (payload_hash(rq, payload_buf, &payload, &payload_n) < 0)
        return -EIO;
    s = malloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->h = NULL;
    s->buf = NULL;
    s->len = s->cap = s->n = 0;
    s->oom = 0;
    r = emit_canonical(s, rq, auth, rq->flags, payload, payload_n, NULL);
    if (r == 0 && s->oom)
        r = -ENOMEM;
    if (r == 0 && !s->buf) {
        s->buf = strdup("");
        if (!s->buf)
            r = -ENOMEM;
    }
    if (r < 0)
        free(s->buf);
    else
        *ret = s->buf;
    free(s);
    return r;
}

int
sigv4_string_to_sign(const struct sigv4_auth *auth, const char *canonical_request, char **ret)
{
    unsigned char md[DIGEST_SHA256_LEN];
    char prefix[256], *out;
    int n;

    n = sts_prefix(auth, prefix, sizeof(prefix));
    if (n < 0)
        return n;
    if (digest_sha256(canonical_request, strlen(canonical_request), md) < 0)
        return -EIO;
    out = malloc((size_t) n + DIGEST_SHA256_HEX + 1);
    if (!out)
        return -ENOMEM;
    memcpy(out, prefix, (size_t) n);
    digest_hex(md, sizeof(md), out + n);
    *ret = out;
    return 0;
}

int
sigv4_signature(const char *secret, const struct sigv4_auth *auth, const char *string_to_sign,
                char ret[65])
{
    unsigned char key[DIGEST_SHA256_LEN], mac[DIGEST_SHA256_LEN];
    int r;

    r = signing_key(secret, auth, key);
    if (r == 0)
        r = digest_hmac_sha256(key, sizeof(key), string_to_sign, strlen(string_to_sign), mac);
    digest_cleanse(key, sizeof(key));
    if (r == 0)
        digest_hex(mac, sizeof(mac), ret);
    return r;
}
