/* tests/unit/test_sigv4.c - crypto/sigv4: every case of AWS's SigV4 test suite
 * (tests/data/sigv4, header and query signing: canonical request, string to sign, signature,
 * verification), then the failures with AWS's codes and messages, time checks, payload
 * hashes, the Date fallback, limits and the signing-key cache. Run from the repo root. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "crypto/digest.h"
#include "crypto/sigv4.h"

#define DATA_DIR "tests/data/sigv4"
#define SECRET   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_POOL   (64 * 1024)
#define T_HDRS   160
#define MSG_MISMATCH "The request signature we calculated does not match the signature you " \
                     "provided. Check your AWS Secret Access Key and signing method. Consult " \
                     "the service documentation for details."

/* ---------------------------------------------------------------- test requests */

struct treq {
    struct sigv4_request rq;
    struct sigv4_header  h[T_HDRS];
    size_t               used;
    char                 pool[T_POOL];   /* every string of the request lives here */
};

static char *
tdup(struct treq *t, const char *s, size_t n)
{
    char *p;

    assert_true(t->used + n + 1 <= sizeof(t->pool));
    p = t->pool + t->used;
    memcpy(p, s, n);
    p[n] = '\0';
    t->used += n + 1;
    return p;
}

static struct treq *
treq_new(const char *method, const char *path, const char *query)
{
    struct treq *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    t->rq.method = tdup(t, method, strlen(method));
    t->rq.path = tdup(t, path, strlen(path));
    t->rq.query = query ? tdup(t, query, strlen(query)) : NULL;
    t->rq.headers = t->h;
    return t;
}

static void
treq_add(struct treq *t, const char *name, const char *value)
{
    assert_true(t->rq.n_headers < T_HDRS);
    t->h[t->rq.n_headers].name = tdup(t, name, strlen(name));
    t->h[t->rq.n_headers].value = tdup(t, value, strlen(value));
    t->rq.n_headers++;
}

static void
treq_body(struct treq *t, const char *body)
{
    t->rq.body = tdup(t, body, strlen(body));
    t->rq.body_len = strlen(body);
}

static void
treq_set_query(struct treq *t, const char *query)
{
    t->rq.query = tdup(t, query, strlen(query));
}

/* ---------------------------------------------------------------- files */

static char *
slurp(const char *dir, const char *name, size_t *ret_n)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    if (ret_n)
        *ret_n = (size_t) n;
    return buf;
}

static char *
slurp_trimmed(const char *dir, const char *name)
{
    char *s = slurp(dir, name, NULL);
    size_t n;

    assert_non_null(s);
    n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* A request file: request line, headers (continuation lines folded in with '\n'), a blank
 * line, the body. */
static struct treq *
load_request(const char *dir, const char *name)
{
    size_t n;
    char *s = slurp(dir, name, &n), *line, *end, *next, *sp, *uri, *http, *q;
    struct treq *t;
    char method[16];

    assert_non_null(s);
    end = strchr(s, '\n');
    assert_non_null(end);
    *end = '\0';
    sp = strchr(s, ' ');
    http = strstr(s, " HTTP/");
    assert_non_null(sp);
    assert_non_null(http);
    assert_true((size_t) (sp - s) < sizeof(method));
    memcpy(method, s, (size_t) (sp - s));
    method[sp - s] = '\0';
    uri = sp + 1;
    *http = '\0';
    q = strchr(uri, '?');
    if (q)
        *q++ = '\0';
    t = treq_new(method, uri, q);

    for (line = end + 1; *line && *line != '\n'; line = next) {
        char *colon;
        end = strchr(line, '\n');
        next = end ? end + 1 : line + strlen(line);
        if (end)
            *end = '\0';
        if ((*line == ' ' || *line == '\t') && t->rq.n_headers > 0) {
            /* folded line: extend the previous value (its storage is the last in the pool) */
            struct sigv4_header *h = &t->h[t->rq.n_headers - 1];
            char buf[4096];
            snprintf(buf, sizeof(buf), "%s\n%s", h->value, line);
            h->value = tdup(t, buf, strlen(buf));
            continue;
        }
        colon = strchr(line, ':');
        assert_non_null(colon);
        *colon = '\0';
        treq_add(t, line, colon + 1);
    }
    if (*line == '\n') {
        line++;
        t->rq.body = tdup(t, line, strlen(line));
        t->rq.body_len = strlen(line);
    }
    free(s);
    return t;
}

struct context {
    char   access_key[64], secret[128], token[2048], region[64], service[64];
    time_t now;
    int    normalize, omit_token;
};

static void
json_string(const char *js, const char *key, char *out, size_t cap)
{
    char pat[64];
    const char *p, *e;

    out[0] = '\0';
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    p = strstr(js, pat);
    if (!p)
        return;
    p = strchr(p + strlen(pat), '"');
    assert_non_null(p);
    e = strchr(++p, '"');
    assert_non_null(e);
    assert_true((size_t) (e - p) < cap);
    memcpy(out, p, (size_t) (e - p));
    out[e - p] = '\0';
}

static int
json_bool(const char *js, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), "\"%s\"", key);
    p = strstr(js, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    return strncmp(p, "true", 4) == 0;
}

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { 0 };

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

static void
load_context(const char *dir, struct context *c)
{
    char *js = slurp(dir, "context.json", NULL), ts[32];
    int y, mo, d, h, mi, s;

    assert_non_null(js);
    json_string(js, "access_key_id", c->access_key, sizeof(c->access_key));
    json_string(js, "secret_access_key", c->secret, sizeof(c->secret));
    json_string(js, "token", c->token, sizeof(c->token));
    json_string(js, "region", c->region, sizeof(c->region));
    json_string(js, "service", c->service, sizeof(c->service));
    json_string(js, "timestamp", ts, sizeof(ts));
    assert_int_equal(sscanf(ts, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6);
    c->now = utc(y, mo, d, h, mi, s);
    c->normalize = json_bool(js, "normalize");
    c->omit_token = json_bool(js, "omit_session_token");
    free(js);
}

/* ---------------------------------------------------------------- the test suite */

struct vcase {
    char name[256];
    char label[288];
    int  query;                         /* 0: header-*.txt, 1: query-*.txt */
};

static void
vector(void **state)
{
    const struct vcase *vc = *state;
    const char *pre = vc->query ? "query" : "header";
    char dir[512], fname[64], sig[65], *cr, *sts, *want;
    struct context ctx;
    struct treq *t;
    struct sigv4_auth *auth = malloc(sizeof(*auth));
    struct aerr err = { 0 };
    unsigned flags;

    assert_non_null(auth);
    snprintf(dir, sizeof(dir), "%s/%s", DATA_DIR, vc->name);
    memset(&ctx, 0, sizeof(ctx));
    load_context(dir, &ctx);
    snprintf(fname, sizeof(fname), "%s-signed-request.txt", pre);
    t = load_request(dir, fname);
    flags = ctx.normalize ? 0 : SIGV4_F_NO_NORMALIZE;
    t->rq.flags = flags;

    /* parse */
    assert_int_equal(sigv4_parse(&t->rq, auth, &err), 0);
    assert_int_equal(auth->presigned, vc->query);
    assert_string_equal(auth->access_key, ctx.access_key);
    assert_string_equal(auth->region, ctx.region);
    assert_string_equal(auth->service, ctx.service);
    assert_string_equal(auth->scope_date, "20150830");
    assert_string_equal(auth->amz_date, "20150830T123600Z");
    assert_int_equal(auth->request_time, ctx.now);
    assert_int_equal(auth->expires, vc->query ? 3600 : 0);
    if (ctx.token[0])
        assert_string_equal(auth->token, ctx.token);
    else
        assert_string_equal(auth->token, "");
    assert_int_equal(sigv4_check_scope(auth, ctx.region, ctx.service, &err), 0);

    /* the canonical request, the string to sign, the signature */
    if (vc->query && ctx.omit_token)
        t->rq.flags |= SIGV4_F_OMIT_TOKEN;
    assert_int_equal(sigv4_canonical_request(&t->rq, auth, &cr), 0);
    snprintf(fname, sizeof(fname), "%s-canonical-request.txt", pre);
    want = slurp_trimmed(dir, fname);
    assert_string_equal(cr, want);
    free(want);
    assert_int_equal(sigv4_string_to_sign(auth, cr, &sts), 0);
    snprintf(fname, sizeof(fname), "%s-string-to-sign.txt", pre);
    want = slurp_trimmed(dir, fname);
    assert_string_equal(sts, want);
    free(want);
    assert_int_equal(sigv4_signature(ctx.secret, auth, sts, sig), 0);
    snprintf(fname, sizeof(fname), "%s-signature.txt", pre);
    want = slurp_trimmed(dir, fname);
    assert_string_equal(sig, want);
    assert_string_equal(auth->signature, want);
    free(want);
    free(cr);
    free(sts);
    t->rq.flags = flags;

    /* verify: at the suite's time, one second before expiry / the skew limit, and failing */
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret, ctx.now, 1, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret,
                                  ctx.now + (vc->query ? 3600 : SIGV4_SKEW_SECONDS), 1, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret, ctx.now - SIGV4_SKEW_SECONDS, 1, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret, ctx.now + 365 * 86400, 0, &err), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(sigv4_verify(&t->rq, auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
                                  ctx.now, 1, &err), -EACCES);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_string_equal(err.msg, MSG_MISMATCH);
    memset(&err, 0, sizeof(err));
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret, ctx.now + 4 * 3600, 1, &err), -EACCES);
    assert_int_equal(err.status, 403);
    /* a tampered method must not verify */
    t->rq.method = "PUT";
    assert_int_equal(sigv4_verify(&t->rq, auth, ctx.secret, ctx.now, 1, &err), -EACCES);
    free(t);
    free(auth);
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vcase *) a)->name, ((const struct vcase *) b)->name);
}

/* All case directories, sorted; each gives a header and a query test. */
static size_t
load_cases(struct vcase **ret)
{
    DIR *d = opendir(DATA_DIR);
    struct dirent *e;
    struct vcase *v = NULL;
    size_t n = 0, i;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char path[512];
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/context.json", DATA_DIR, e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        fclose(f);
        v = realloc(v, (n + 1) * sizeof(*v));
        assert_non_null(v);
        snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
        n++;
    }
    closedir(d);
    qsort(v, n, sizeof(*v), name_cmp);
    v = realloc(v, 2 * n * sizeof(*v) + 1);
    for (i = 0; i < n; i++) {
        v[n + i] = v[i];
        v[i].query = 0;
        v[n + i].query = 1;
        snprintf(v[i].label, sizeof(v[i].label), "header/%s", v[i].name);
        snprintf(v[n + i].label, sizeof(v[n + i].label), "query/%s", v[i].name);
    }
    *ret = v;
    return 2 * n;
}

/* ---------------------------------------------------------------- signing helpers */

/* Sign t with an Authorization header as a client would, using the pieces API. */
static void
sign_header(struct treq *t, const char *secret, const char *amz_date, const char *region,
            const char *service, const char *signed_headers)
{
    struct sigv4_auth *a = calloc(1, sizeof(*a));
    char *cr, *sts, sig[65], hdr[1024];

    assert_non_null(a);
    snprintf(a->access_key, sizeof(a->access_key), "AKIDEXAMPLE");
    snprintf(a->scope_date, sizeof(a->scope_date), "%.8s", amz_date);
    snprintf(a->region, sizeof(a->region), "%s", region);
    snprintf(a->service, sizeof(a->service), "%s", service);
    snprintf(a->amz_date, sizeof(a->amz_date), "%s", amz_date);
    snprintf(a->signed_headers, sizeof(a->signed_headers), "%s", signed_headers);
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), 0);
    assert_int_equal(sigv4_string_to_sign(a, cr, &sts), 0);
    assert_int_equal(sigv4_signature(secret, a, sts, sig), 0);
    snprintf(hdr, sizeof(hdr), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/%s/%s/aws4_request, "
             "SignedHeaders=%s, Signature=%s", amz_date, region, service, signed_headers, sig);
    treq_add(t, "Authorization", hdr);
    free(cr);
    free(sts);
    free(a);
}

/* A GET / signed at amz_date with host;x-amz-date. */
static struct treq *
signed_get(const char *amz_date)
{
    struct treq *t = treq_new("GET", "/", NULL);

    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Amz-Date", amz_date);
    sign_header(t, SECRET, amz_date, "us-east-1", "service", "host;x-amz-date");
    return t;
}

/* Presign GET / (query without the signature given), appending X-Amz-Signature. */
static void
presign(struct treq *t, const char *query_wo_sig, const char *amz_date)
{
    struct sigv4_auth *a = calloc(1, sizeof(*a));
    char *cr, *sts, sig[65], q[4096];

    assert_non_null(a);
    treq_set_query(t, query_wo_sig);
    a->presigned = 1;
    snprintf(a->scope_date, sizeof(a->scope_date), "%.8s", amz_date);
    snprintf(a->region, sizeof(a->region), "us-east-1");
    snprintf(a->service, sizeof(a->service), "service");
    snprintf(a->amz_date, sizeof(a->amz_date), "%s", amz_date);
    snprintf(a->signed_headers, sizeof(a->signed_headers), "host");
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), 0);
    assert_int_equal(sigv4_string_to_sign(a, cr, &sts), 0);
    assert_int_equal(sigv4_signature(SECRET, a, sts, sig), 0);
    snprintf(q, sizeof(q), "%s&X-Amz-Signature=%s", query_wo_sig, sig);
    treq_set_query(t, q);
    free(cr);
    free(sts);
    free(a);
}

static struct sigv4_auth *
new_auth(void)
{
    struct sigv4_auth *a = calloc(1, sizeof(*a));

    assert_non_null(a);
    return a;
}

/* parse t, expecting r / status / code / message */
static void
expect_parse(struct treq *t, int r, int status, const char *code, const char *msg)
{
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };

    assert_int_equal(sigv4_parse(&t->rq, a, &err), r);
    assert_int_equal(err.status, status);
    assert_string_equal(err.code, code);
    if (msg)
        assert_string_equal(err.msg, msg);
    free(a);
}

static void
expect_verify(struct treq *t, time_t now, int r, int status, const char *code, const char *msg)
{
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };

    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), r);
    if (r < 0) {
        assert_int_equal(err.status, status);
        assert_string_equal(err.code, code);
        if (msg)
            assert_string_equal(err.msg, msg);
    }
    free(a);
}

static time_t
iso(const char *s)
{
    int y, mo, d, h, mi, sec;

    assert_int_equal(sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &sec), 6);
    return utc(y, mo, d, h, mi, sec);
}

#define VANILLA_CRED "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
#define VANILLA_SIG  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

static struct treq *
vanilla(const char *authz)
{
    struct treq *t = treq_new("GET", "/", NULL);

    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Amz-Date", "20150830T123600Z");
    if (authz)
        treq_add(t, "Authorization", authz);
    return t;
}

/* ---------------------------------------------------------------- failures */

static void
missing_authentication(void **state)
{
    struct treq *t = vanilla(NULL);

    (void) state;
    expect_parse(t, -ENOENT, 403, "MissingAuthenticationToken",
                 "Request is missing Authentication Token");
    treq_add(t, "Authorization", "   ");
    expect_parse(t, -ENOENT, 403, "MissingAuthenticationToken",
                 "Request is missing Authentication Token");
    free(t);
    t = treq_new("GET", "/", "Action=ListUsers&Version=2010-05-08");
    treq_add(t, "Host", "example.amazonaws.com");
    expect_parse(t, -ENOENT, 403, "MissingAuthenticationToken", NULL);
    free(t);
}

static void
incomplete_header(void **state)
{
    struct treq *t;

    (void) state;
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Authorization header requires 'Signature' parameter. Authorization header "
                 "requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " VANILLA_CRED);
    free(t);

    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "Authorization", "AWS4-HMAC-SHA256");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Authorization header requires 'Credential' parameter. Authorization header "
                 "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                 "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
                 "a 'Date' header. Authorization=AWS4-HMAC-SHA256");
    free(t);

    /* a bearer token is not an AWS signature: everything is missing */
    t = vanilla("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Authorization header requires 'Credential' parameter. Authorization header "
                 "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                 "parameter. Authorization=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 FooBar, BazBurp");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "'FooBar' not a valid key=value pair (missing equal-sign) in Authorization "
                 "header: 'AWS4-HMAC-SHA256 FooBar, BazBurp'.");
    free(t);

    /* a space after "Credential=" leaves the access key alone, without '=' */
    t = vanilla("AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature", NULL);
    free(t);

    t = vanilla("AWS4-HMAC-SHA512 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now).");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Credential must have exactly 5 slash-delimited elements, e.g. "
                 "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request/x, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature", NULL);
    free(t);

    /* trailing slashes are ignored; order of the parameters does not matter */
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_SIG ",SignedHeaders=host;x-amz-date,"
                "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request//");
    expect_verify(t, iso("20150830T123600Z"), 0, 0, NULL, NULL);
    free(t);
}

static void
bad_date_and_host(void **state)
{
    struct treq *t;

    (void) state;
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Amz-Date", "2015/08/30T12/36/00Z");
    treq_add(t, "Authorization", "AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, "
             VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Date must be in ISO-8601 'basic format'. Got '2015/08/30T12/36/00Z'. "
                 "See http://en.wikipedia.org/wiki/ISO_8601");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "SignatureDoesNotMatch",
                 "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    free(t);

    /* a signed header the request lacks can only give a mismatch */
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;my-header;x-amz-date, "
                VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "SignatureDoesNotMatch", MSG_MISMATCH);
    free(t);

    /* both header and query */
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    treq_set_query(t, "X-Amz-Algorithm=AWS4-HMAC-SHA256");
    expect_parse(t, -EINVAL, 400, "SignatureDoesNotMatch",
                 "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as "
                 "HTTP header.");
    free(t);
}

static void
bad_scope(void **state)
{
    struct treq *t;
    struct sigv4_auth *a;
    struct aerr err = { 0 };

    (void) state;
    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/foobar//service/aws5_request, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "SignatureDoesNotMatch",
                 "Credential should be scoped to a valid region, not ''. Credential should be "
                 "scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in "
                 "Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                 "HTTP: 'foobar' != '20150830', from '20150830T123600Z'.");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "SignatureDoesNotMatch",
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '20150831' != '20150830', from '20150830T123600Z'.");
    free(t);

    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/US_EAST/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "SignatureDoesNotMatch",
                 "Credential should be scoped to a valid region, not 'US_EAST'.");
    free(t);

    /* region and service are the caller's to judge */
    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/x/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    a = new_auth();
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->region, "x");
    assert_int_equal(sigv4_check_scope(a, "us-east-1", "sts", &err), -EACCES);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_string_equal(err.msg, "Credential should be scoped to a valid region, not 'x'. "
                        "Credential should be scoped to correct service: 'sts'.");
    assert_int_equal(sigv4_check_scope(a, NULL, "sts", &err), -EACCES);
    assert_string_equal(err.msg, "Credential should be scoped to correct service: 'sts'.");
    assert_int_equal(sigv4_check_scope(a, "us-east-1", NULL, &err), -EACCES);
    assert_string_equal(err.msg, "Credential should be scoped to a valid region, not 'x'.");
    assert_int_equal(sigv4_check_scope(a, "x", "service", &err), 0);
    assert_int_equal(sigv4_check_scope(a, NULL, NULL, &err), 0);
    free(a);
    free(t);
}

static void
wrong_secret(void **state)
{
    struct treq *t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, "
                             VANILLA_SIG);
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };
    time_t now = iso("20150830T123600Z");

    (void) state;
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    assert_int_equal(sigv4_verify(&t->rq, a, "not the secret", now, 1, &err), -EACCES);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_string_equal(err.msg, MSG_MISMATCH);
    /* a signature of the wrong length or case only mismatches */
    a->signature[10] = 'A';
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), -EACCES);
    free(a);
    free(t);
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, Signature=abc");
    expect_verify(t, now, -EACCES, 403, "SignatureDoesNotMatch", MSG_MISMATCH);
    free(t);
}

static void
clock_skew(void **state)
{
    struct treq *t;
    time_t now = iso("20261128T173000Z");

    (void) state;
    t = signed_get("20261128T170000Z");
    expect_verify(t, now, -EACCES, 403, "SignatureDoesNotMatch",
                  "Signature expired: 20261128T170000Z is now earlier than 20261128T171500Z "
                  "(20261128T173000Z - 15 min.)");
    free(t);
    t = signed_get("20261128T174600Z");
    expect_verify(t, now, -EACCES, 403, "SignatureDoesNotMatch",
                  "Signature not yet current: 20261128T174600Z is still later than "
                  "20261128T174500Z (20261128T173000Z + 15 min.)");
    free(t);
    /* the window's edges are inside */
    t = signed_get("20261128T171500Z");
    expect_verify(t, now, 0, 0, NULL, NULL);
    free(t);
    t = signed_get("20261128T174500Z");
    expect_verify(t, now, 0, 0, NULL, NULL);
    free(t);
    t = signed_get("20261128T171459Z");
    expect_verify(t, now, -EACCES, 403, "SignatureDoesNotMatch", NULL);
    free(t);
}

static void
date_header_fallback(void **state)
{
    struct treq *t;
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };
    time_t now = iso("20150830T123600Z");

    (void) state;
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "Date", "Sun, 30 Aug 2015 12:36:00 GMT");
    sign_header(t, SECRET, "20150830T123600Z", "us-east-1", "service", "date;host");
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->amz_date, "20150830T123600Z");
    assert_int_equal(a->request_time, now);
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    free(t);

    /* X-Amz-Date wins over Date */
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "Date", "Mon, 31 Aug 2015 12:36:00 GMT");
    treq_add(t, "X-Amz-Date", "20150830T123600Z");
    sign_header(t, SECRET, "20150830T123600Z", "us-east-1", "service", "date;host;x-amz-date");
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->amz_date, "20150830T123600Z");
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    free(t);

    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "Date", "yesterday");
    treq_add(t, "Authorization", "AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Date must be in ISO-8601 'basic format'. Got 'yesterday'. "
                 "See http://en.wikipedia.org/wiki/ISO_8601");
    free(t);

    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "Authorization", "AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host, " VANILLA_SIG);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                 "header. Authorization=AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host, "
                 VANILLA_SIG);
    free(t);
    free(a);
}

#define PRESIGN_Q "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2F" \
                  "us-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z" \
                  "&X-Amz-SignedHeaders=host"

static void
presigned_expiry(void **state)
{
    struct treq *t;
    time_t t0 = iso("20150830T123600Z");

    (void) state;
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    presign(t, PRESIGN_Q "&X-Amz-Expires=3600", "20150830T123600Z");
    expect_verify(t, t0 + 3600, 0, 0, NULL, NULL);
    expect_verify(t, t0 + 3601, -EACCES, 403, "AccessDenied", "Request has expired");
    expect_verify(t, t0 - SIGV4_SKEW_SECONDS, 0, 0, NULL, NULL);
    expect_verify(t, t0 - SIGV4_SKEW_SECONDS - 1, -EACCES, 403, "SignatureDoesNotMatch",
                  "Signature not yet current: 20150830T123600Z is still later than "
                  "20150830T123559Z (20150830T122059Z + 15 min.)");
    free(t);

    /* without X-Amz-Expires, the header rule: 15 minutes either way */
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    presign(t, PRESIGN_Q, "20150830T123600Z");
    expect_verify(t, t0 + SIGV4_SKEW_SECONDS, 0, 0, NULL, NULL);
    expect_verify(t, t0 + SIGV4_SKEW_SECONDS + 1, -EACCES, 403, "SignatureDoesNotMatch",
                  "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
                  "(20150830T125101Z - 15 min.)");
    free(t);
}

static void
presigned_params(void **state)
{
    struct treq *t;

    (void) state;
    t = treq_new("GET", "/", PRESIGN_Q "&X-Amz-Expires=604801&X-Amz-Signature=abc");
    treq_add(t, "Host", "example.amazonaws.com");
    expect_parse(t, -EINVAL, 400, "AuthorizationQueryParametersError",
                 "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Expires=-1&X-Amz-Signature=abc");
    expect_parse(t, -EINVAL, 400, "AuthorizationQueryParametersError",
                 "X-Amz-Expires must be non-negative");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Expires=1h&X-Amz-Signature=abc");
    expect_parse(t, -EINVAL, 400, "AuthorizationQueryParametersError",
                 "X-Amz-Expires should be a number");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Expires=&X-Amz-Signature=abc");
    expect_parse(t, -EINVAL, 400, "AuthorizationQueryParametersError",
                 "X-Amz-Expires should be a number");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Expires=99999999999999999999999999999999999&X-Amz-Signature=a");
    expect_parse(t, -EINVAL, 400, "AuthorizationQueryParametersError", NULL);
    treq_set_query(t, PRESIGN_Q "&X-Amz-Expires=604800&X-Amz-Signature=abc");
    {
        struct sigv4_auth *a = new_auth();
        struct aerr err = { 0 };
        assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
        assert_int_equal(a->expires, 604800);
        assert_int_equal(a->presigned, 1);
        free(a);
    }

    treq_set_query(t, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830"
                      "%2Fus-east-1%2Fservice%2Faws4_request");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string "
                 "parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters "
                 "must include 'X-Amz-Date'. Re-examine the query-string parameters.");
    treq_set_query(t, "X-Amz-Signature=abc&Action=GetCallerIdentity");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string "
                 "parameters must include 'X-Amz-Credential'. AWS query-string parameters must "
                 "include 'X-Amz-SignedHeaders'. AWS query-string parameters must include "
                 "'X-Amz-Date'. Re-examine the query-string parameters.");
    treq_set_query(t, "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=AKIDEXAMPLE%2F20150830"
                      "%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z"
                      "&X-Amz-SignedHeaders=host&X-Amz-Signature=abc");
    expect_parse(t, -EINVAL, 400, "IncompleteSignature",
                 "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now).");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Signature=abc&bad=%zz");
    expect_parse(t, -EINVAL, 400, "MalformedQueryString",
                 "Illegal hex character in escape % pattern: %zz");
    treq_set_query(t, PRESIGN_Q "&X-Amz-Signature=abc&bad=%4");
    expect_parse(t, -EINVAL, 400, "MalformedQueryString", "Incomplete trailing escape % sequence");
    free(t);
}

static void
security_token(void **state)
{
    char tok[SIGV4_MAX_TOKEN + 2], q[SIGV4_MAX_TOKEN + 512];
    struct treq *t;
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };
    time_t now = iso("20150830T123600Z");

    (void) state;
    /* header: signed */
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Amz-Date", "20150830T123600Z");
    treq_add(t, "X-Amz-Security-Token", "  FQoGZXIvYXdzEXAMPLE==  ");
    sign_header(t, SECRET, "20150830T123600Z", "us-east-1", "service",
                "host;x-amz-date;x-amz-security-token");
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->token, "FQoGZXIvYXdzEXAMPLE==");
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    free(t);

    /* query: decoded; signed, or added after signing */
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    presign(t, PRESIGN_Q "&X-Amz-Security-Token=FQoG%2FZXIv%2BYXdz%3D%3D", "20150830T123600Z");
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->token, "FQoG/ZXIv+YXdz==");
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    presign(t, PRESIGN_Q, "20150830T123600Z");
    snprintf(q, sizeof(q), "%s&X-Amz-Security-Token=FQoG", t->rq.query);
    treq_set_query(t, q);
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_string_equal(a->token, "FQoG");
    assert_int_equal(sigv4_verify(&t->rq, a, SECRET, now, 1, &err), 0);
    free(t);

    /* too long */
    memset(tok, 'A', SIGV4_MAX_TOKEN + 1);
    tok[SIGV4_MAX_TOKEN + 1] = '\0';
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    treq_add(t, "X-Amz-Security-Token", tok);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature", NULL);
    free(t);
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    snprintf(q, sizeof(q), "%s&X-Amz-Signature=abc&X-Amz-Security-Token=%s", PRESIGN_Q, tok);
    treq_set_query(t, q);
    expect_parse(t, -EINVAL, 400, "IncompleteSignature", NULL);
    tok[SIGV4_MAX_TOKEN] = '\0';     /* exactly the maximum is fine */
    snprintf(q, sizeof(q), "%s&X-Amz-Signature=abc&X-Amz-Security-Token=%s", PRESIGN_Q, tok);
    treq_set_query(t, q);
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(strlen(a->token), SIGV4_MAX_TOKEN);
    free(t);
    free(a);
}

static struct treq *
signed_post(const char *content_sha, const char *body)
{
    struct treq *t = treq_new("POST", "/", NULL);

    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Amz-Date", "20150830T123600Z");
    treq_add(t, "Content-Type", "application/x-amz-json-1.1");
    if (content_sha)
        treq_add(t, "x-amz-content-sha256", content_sha);
    treq_body(t, body);
    sign_header(t, SECRET, "20150830T123600Z", "us-east-1", "ssm",
                content_sha ? "content-type;host;x-amz-content-sha256;x-amz-date"
                            : "content-type;host;x-amz-date");
    return t;
}

static void
payload_hash(void **state)
{
    struct treq *t;
    time_t now = iso("20150830T123600Z");
    char *cr;
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };

    (void) state;
    /* the body is hashed; changing it breaks the signature */
    t = signed_post(NULL, "{\"Name\":\"x\"}");
    expect_verify(t, now, 0, 0, NULL, NULL);
    t->rq.body = "{\"Name\":\"y\"}";
    expect_verify(t, now, -EACCES, 403, "SignatureDoesNotMatch", MSG_MISMATCH);
    free(t);

    /* UNSIGNED-PAYLOAD is taken as is, the body is not covered */
    t = signed_post("UNSIGNED-PAYLOAD", "{\"Name\":\"x\"}");
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), 0);
    assert_non_null(strstr(cr, "\nUNSIGNED-PAYLOAD"));
    assert_string_equal(cr + strlen(cr) - 17, "\nUNSIGNED-PAYLOAD");
    free(cr);
    expect_verify(t, now, 0, 0, NULL, NULL);
    t->rq.body = "anything";
    t->rq.body_len = 8;
    expect_verify(t, now, 0, 0, NULL, NULL);
    free(t);

    /* a declared hash must be the body's */
    t = signed_post("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
    expect_verify(t, now, 0, 0, NULL, NULL);
    t->rq.body = "abd";
    expect_verify(t, now, -EINVAL, 400, "XAmzContentSHA256Mismatch",
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
    free(t);
    t = signed_post("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "abc");
    expect_verify(t, now, 0, 0, NULL, NULL);
    free(t);
    t = signed_post("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "abc");
    expect_verify(t, now, -EINVAL, 400, "InvalidArgument", NULL);
    free(t);
    free(a);
}

static void
assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        assert_string_equal(s, prefix);      /* shows both */
}

/* canonical request of t with the given signed headers */
static char *
canonical(struct treq *t, const char *signed_headers, int presigned)
{
    struct sigv4_auth *a = new_auth();
    char *cr;

    a->presigned = presigned;
    snprintf(a->signed_headers, sizeof(a->signed_headers), "%s", signed_headers);
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), 0);
    free(a);
    return cr;
}

static void
canonical_forms(void **state)
{
    struct treq *t;
    char *cr;

    (void) state;
    /* duplicate and multi-line values; tabs; empty values */
    t = treq_new("GET", "/", NULL);
    treq_add(t, "Host", "example.amazonaws.com");
    treq_add(t, "X-Multi", " a\t\tb ");
    treq_add(t, "x-multi", "c\r\n   d");
    treq_add(t, "X-MULTI", "");
    treq_add(t, "X-Empty", "   ");
    cr = canonical(t, "host;x-empty;x-multi", 0);
    assert_string_equal(cr, "GET\n/\n\nhost:example.amazonaws.com\nx-empty:\nx-multi:a b,c d,\n\n"
                            "host;x-empty;x-multi\n"
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(cr);
    free(t);

    /* path: normalized, then encoded (the wire's %-escapes are encoded again) */
    t = treq_new("GET", "/a/b/../c/./d//%20e/", NULL);
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/a/c/d/%2520e/\n");
    free(cr);
    t->rq.flags = SIGV4_F_NO_NORMALIZE;
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/a/b/../c/./d//%2520e/\n");
    free(cr);
    t->rq.flags = SIGV4_F_RAW_PATH;
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/a/b/../c/./d//%20e/\n");
    free(cr);
    t->rq.flags = 0;
    t->rq.path = "/../..";
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/\n");
    free(cr);
    t->rq.path = "";
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/\n");
    free(cr);
    t->rq.path = "/a:b@c=d";
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/a%3Ab%40c%3Dd\n");
    free(cr);

    /* query: decoded then encoded strictly; '+' is a space; sorted by key, then value */
    t->rq.path = "/";
    treq_set_query(t, "b=2&a-b=1&a=2&a=1&c&%7e=%41+x&=v&&e=%2a");
    cr = canonical(t, "", 0);
    assert_string_equal(cr, "GET\n/\n=v&a=1&a=2&a-b=1&b=2&c=&e=%2A&~=A%20x\n\n\n"
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(cr);
    /* X-Amz-Signature is left out only when presigned */
    treq_set_query(t, "X-Amz-Signature=abc&a=1");
    cr = canonical(t, "", 1);
    assert_prefix(cr, "GET\n/\na=1\n");
    free(cr);
    cr = canonical(t, "", 0);
    assert_prefix(cr, "GET\n/\nX-Amz-Signature=abc&a=1\n");
    free(cr);
    free(t);
}

static void
limits(void **state)
{
    struct treq *t;
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };
    char *big, name[32];
    char *cr;
    size_t i, off = 0;

    (void) state;
    /* too many headers */
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    for (i = 0; i < SIGV4_MAX_HEADERS; i++) {
        snprintf(name, sizeof(name), "X-H%zu", i);
        treq_add(t, name, "v");
    }
    expect_parse(t, -EINVAL, 400, "IncompleteSignature", NULL);
    free(t);

    /* too long a path: refused when canonicalizing */
    big = malloc(SIGV4_MAX_PATH + 16);
    assert_non_null(big);
    memset(big, 'a', SIGV4_MAX_PATH + 1);
    big[0] = '/';
    big[SIGV4_MAX_PATH + 1] = '\0';
    t = signed_get("20150830T123600Z");
    t->rq.path = big;
    expect_verify(t, iso("20150830T123600Z"), -EINVAL, 400, "IncompleteSignature", NULL);
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), -EINVAL);
    free(t);

    /* too many query parameters */
    t = signed_get("20150830T123600Z");
    for (i = 0; i <= SIGV4_MAX_QUERY_PARAMS; i++)
        off += (size_t) snprintf(big + off, SIGV4_MAX_PATH + 16 - off, "%sp%zu=1", i ? "&" : "", i);
    treq_set_query(t, big);
    expect_verify(t, iso("20150830T123600Z"), -EINVAL, 400, "IncompleteSignature",
                  "The query string has more than 256 parameters.");
    free(t);
    free(big);

    /* an access key longer than any: the key is unknown */
    t = vanilla("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLE"
                "AKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLE"
                "/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    expect_parse(t, -EACCES, 403, "InvalidClientTokenId",
                 "The security token included in the request is invalid.");
    free(t);
    free(a);
}

/* many secrets: eviction must never serve a wrong key */
static void
key_cache(void **state)
{
    struct treq *t;
    struct sigv4_auth *a = new_auth();
    struct aerr err = { 0 };
    char secret[64], sig[65], *cr, *sts;
    int round, i;

    (void) state;
    sigv4_key_cache_clear();
    t = vanilla("AWS4-HMAC-SHA256 " VANILLA_CRED ", SignedHeaders=host;x-amz-date, " VANILLA_SIG);
    assert_int_equal(sigv4_parse(&t->rq, a, &err), 0);
    assert_int_equal(sigv4_canonical_request(&t->rq, a, &cr), 0);
    assert_int_equal(sigv4_string_to_sign(a, cr, &sts), 0);
    for (round = 0; round < 3; round++) {
        for (i = 0; i < 200; i++) {
            struct sigv4_auth *b = new_auth();
            *b = *a;
            snprintf(secret, sizeof(secret), "secret-%d", i);
            assert_int_equal(sigv4_signature(secret, a, sts, sig), 0);
            memcpy(b->signature, sig, sizeof(sig));
            assert_int_equal(sigv4_verify(&t->rq, b, secret, 0, 0, &err), 0);
            snprintf(secret, sizeof(secret), "secret-%d", (i + 1) % 200);
            assert_int_equal(sigv4_verify(&t->rq, b, secret, 0, 0, &err), -EACCES);
            free(b);
        }
        assert_int_equal(sigv4_verify(&t->rq, a, SECRET, 0, 0, &err), 0);
    }
    /* a very long secret is not cached but works */
    {
        char longsecret[300];
        memset(longsecret, 'k', sizeof(longsecret) - 1);
        longsecret[sizeof(longsecret) - 1] = '\0';
        assert_int_equal(sigv4_signature(longsecret, a, sts, sig), 0);
        memcpy(a->signature, sig, sizeof(sig));
        assert_int_equal(sigv4_verify(&t->rq, a, longsecret, 0, 0, &err), 0);
    }
    sigv4_key_cache_clear();
    free(cr);
    free(sts);
    free(t);
    free(a);
}

static void *
verify_worker(void *arg)
{
    struct treq *t = arg;
    struct sigv4_auth *a = calloc(1, sizeof(*a));
    struct aerr err;
    intptr_t bad = 0;
    int i;

    if (!a || sigv4_parse(&t->rq, a, &err) != 0)
        bad++;
    for (i = 0; a && i < 3000; i++) {
        if (sigv4_verify(&t->rq, a, SECRET, 0, 0, &err) != 0)
            bad++;
        if (sigv4_verify(&t->rq, a, "other", 0, 0, &err) != -EACCES)
            bad++;
        if (i % 500 == 0)
            sigv4_key_cache_clear();
    }
    free(a);
    return (void *) bad;
}

static void
threads(void **state)
{
    pthread_t th[6];
    struct treq *t[6];
    void *res;
    int i;
    static const char *dates[6] = { "20150830T123600Z", "20150831T000000Z", "20160101T010101Z",
                                    "20200229T235959Z", "20261128T170000Z", "20150830T123600Z" };

    (void) state;
    for (i = 0; i < 6; i++) {
        t[i] = signed_get(dates[i]);
        assert_int_equal(pthread_create(&th[i], NULL, verify_worker, t[i]), 0);
    }
    for (i = 0; i < 6; i++) {
        assert_int_equal(pthread_join(th[i], &res), 0);
        assert_int_equal((intptr_t) res, 0);
        free(t[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(missing_authentication),
        cmocka_unit_test(incomplete_header),
        cmocka_unit_test(bad_date_and_host),
        cmocka_unit_test(bad_scope),
        cmocka_unit_test(wrong_secret),
        cmocka_unit_test(clock_skew),
        cmocka_unit_test(date_header_fallback),
        cmocka_unit_test(presigned_expiry),
        cmocka_unit_test(presigned_params),
        cmocka_unit_test(security_token),
        cmocka_unit_test(payload_hash),
        cmocka_unit_test(canonical_forms),
        cmocka_unit_test(limits),
        cmocka_unit_test(key_cache),
        cmocka_unit_test(threads),
    };
    struct vcase *cases = NULL;
    struct CMUnitTest *tests;
    size_t n = load_cases(&cases), nf = sizeof(fixed) / sizeof(fixed[0]), i;
    int r;

    if (n < 2 * 38) {
        fprintf(stderr, "test_sigv4: found %zu of 76 vector tests under %s "
                "(run from the repository root)\n", n, DATA_DIR);
        free(cases);
        return 1;
    }
    tests = calloc(n + nf, sizeof(*tests));
    if (!tests)
        return 1;
    for (i = 0; i < n; i++) {
        tests[i].name = cases[i].label;
        tests[i].test_func = vector;
        tests[i].initial_state = &cases[i];
    }
    memcpy(tests + n, fixed, sizeof(fixed));
    r = _cmocka_run_group_tests("sigv4", tests, n + nf, NULL, NULL);
    free(tests);
    free(cases);
    return r;
}
