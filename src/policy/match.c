/* src/policy/match.c - glob patterns, ARN segment matching and policy variables.
 * Used by: parse.c (compiling), cond.c and eval.c (matching). Uses: internal.h. */
#include <string.h>
#include "internal.h"

uint32_t
pol_hash_lower(const char *s, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) s[i];

        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char) (ch + 32);
        h ^= ch;
        h *= 16777619u;
    }
    return h;
}

/* ---- glob ---- */

static size_t
utf8_step(const char *s, size_t i, size_t n)
{
    i++;
    while (i < n && ((unsigned char) s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* * matches any run (possibly empty), ? one character, POL_ESC x the byte x. Iterative with
 * one backtracking point: the last * seen absorbs one more byte on each mismatch. */
bool
pol_glob(const char *p, size_t pn, const char *s, size_t sn)
{
    size_t pi = 0, si = 0, star_p = (size_t) -1, star_s = 0;

    while (si < sn) {
        if (pi < pn) {
            char pc = p[pi];
            size_t step = 1;

            if (pc == '*') {
                star_p = ++pi;
                star_s = si;
                continue;
            }
            if (pc == '?') {
                pi++;
                si = utf8_step(s, si, sn);
                continue;
            }
            if (pc == POL_ESC && pi + 1 < pn) {
                pc = p[pi + 1];
                step = 2;
            }
            if (pc == s[si]) {
                pi += step;
                si++;
                continue;
            }
        }
        if (star_p == (size_t) -1)
            return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

void
pol_pat_init(struct pol_pat *p, const char *s, size_t n, char *buf)
{
    bool stars_only = n > 0, wild = false, esc = false;
    size_t nstar = 0, last_star = 0;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == POL_ESC && i + 1 < n) {
            esc = true;
            stars_only = false;
            i++;
            continue;
        }
        if (ch == '*') {
            wild = true;
            nstar++;
            last_star = i;
            continue;
        }
        stars_only = false;
        if (ch == '?')
            wild = true;
    }
    p->s = s;
    p->len = (uint32_t) n;
    if (stars_only) {
        p->kind = PAT_ANY;
    } else if (!wild) {
        p->kind = PAT_LIT;
        if (esc && buf) {          /* unescape: "a\x01*b" -> "a*b" */
            size_t o = 0;

            for (size_t i = 0; i < n; i++) {
                if (s[i] == POL_ESC && i + 1 < n)
                    i++;
                buf[o++] = s[i];
            }
            p->s = buf;
            p->len = (uint32_t) o;
        } else if (esc) {
            p->kind = PAT_GLOB;    /* no buffer: let the glob handle the escapes */
        }
    } else if (!esc && nstar == 1 && last_star == n - 1 && !memchr(s, '?', n)) {
        p->kind = PAT_PREFIX;
        p->len = (uint32_t) (n - 1);
    } else {
        p->kind = PAT_GLOB;
    }
}

/* ---- ARNs ---- */

void
pol_arn_split(struct pol_arn *a, const char *s, size_t n)
{
    size_t start = 0;

    a->nseg = 0;
    for (size_t i = 0; i < n && a->nseg < POL_ARN_SEGS - 1; i++) {
        if (s[i] == ':') {
            a->seg[a->nseg] = s + start;
            a->len[a->nseg] = (uint32_t) (i - start);
            a->nseg++;
            start = i + 1;
        }
    }
    a->seg[a->nseg] = s + start;
    a->len[a->nseg] = (uint32_t) (n - start);
    a->nseg++;
}

bool
pol_arnpat_match_split(const struct pol_arnpat *p, const struct pol_arn *a)
{
    /* the most telling segments first: service, resource, account, region, partition */
    static const uint8_t order[POL_ARN_SEGS] = { 2, 5, 4, 3, 1, 0 };

    if (p->all)
        return true;
    if (p->nseg != a->nseg)
        return false;
    for (size_t k = 0; k < POL_ARN_SEGS; k++) {
        unsigned i = order[k];

        if (i < p->nseg && !pol_pat_match(&p->seg[i], a->seg[i], a->len[i]))
            return false;
    }
    return true;
}

/* ---- policy variables ---- */

char *
pol_glob_copy(struct pol_pool *pool, const char *s, size_t n, size_t *outlen)
{
    size_t extra = 0, o = 0;
    char *r;

    for (size_t i = 0; i < n; i++)
        extra += s[i] == POL_ESC;
    r = pol_alloc(pool, n + extra + 1);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == POL_ESC)
            r[o++] = POL_ESC;
        r[o++] = s[i];
    }
    r[o] = '\0';
    *outlen = o;
    return r;
}

static bool
key_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr(":/_.-+=@", ch) != NULL;
}

/* Parse the inside of ${...}: key[, 'default']. Returns false when it is not a variable. */
static bool
parse_var(const char *s, size_t n, size_t *klen, const char **def, size_t *deflen, size_t *kskip)
{
    size_t i = 0, k0, k1;

    while (i < n && s[i] == ' ')
        i++;
    k0 = i;
    while (i < n && key_char_ok(s[i]))
        i++;
    k1 = i;
    if (k1 == k0)
        return false;
    while (i < n && s[i] == ' ')
        i++;
    *def = NULL;
    *deflen = 0;
    if (i < n && s[i] == ',') {
        size_t d0;

        i++;
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n || s[i] != '\'')
            return false;
        d0 = ++i;
        while (i < n && s[i] != '\'')
            i++;
        if (i >= n)
            return false;
        *def = s + d0;
        *deflen = i - d0;
        i++;
        while (i < n && s[i] == ' ')
            i++;
    }
    if (i != n)
        return false;
    *kskip = k0;
    *klen = k1 - k0;
    return true;
}

struct pol_tmpl *
pol_tmpl_compile(struct pol_pool *pool, const char *s, size_t n, bool glob, int *err)
{
    struct pol_tmpl *t;
    char *lit;
    size_t o = 0, litstart = 0, maxparts = n / 4 + 2;
    bool any = false;

    *err = 0;
    if (!memmem(s, n, "${", 2))
        return NULL;
    t = pol_alloc(pool, sizeof(*t));
    lit = pol_alloc(pool, 2 * n + 1);
    if (!t || !lit)
        goto oom;
    t->parts = pol_alloc(pool, maxparts * sizeof(*t->parts));
    if (!t->parts)
        goto oom;
    t->glob = glob;
    for (size_t i = 0; i < n; i++) {
        const char *close;
        size_t inner, klen, deflen, kskip;
        const char *def;

        if (s[i] == '$' && i + 1 < n && s[i + 1] == '{' &&
            (close = memchr(s + i + 2, '}', n - i - 2)) != NULL) {
            const char *in = s + i + 2;

            inner = (size_t) (close - in);
            if (inner == 1 && (in[0] == '*' || in[0] == '?' || in[0] == '$')) {
                if (glob && in[0] != '$')
                    lit[o++] = POL_ESC;
                lit[o++] = in[0];
                i += 3;
                any = true;
                continue;
            }
            if (parse_var(in, inner, &klen, &def, &deflen, &kskip)) {
                struct pol_tpart *pt = &t->parts[t->nparts++];
                char *key = pol_strndup(pool, in + kskip, klen);
                char *lkey = pol_strndup(pool, in + kskip, klen);

                if (!key || !lkey)
                    goto oom;
                for (size_t j = 0; j < klen; j++)
                    if (lkey[j] >= 'A' && lkey[j] <= 'Z')
                        lkey[j] = (char) (lkey[j] + 32);
                pt->lit = lit + litstart;
                pt->litlen = (uint32_t) (o - litstart);
                pt->key = key;
                pt->lkey = lkey;
                pt->keylen = (uint32_t) klen;
                pt->hash = pol_hash_lower(key, klen);
                if (def) {
                    pt->def = pol_strndup(pool, def, deflen);
                    if (!pt->def)
                        goto oom;
                    pt->deflen = (uint32_t) deflen;
                }
                lit[o++] = '\0';          /* parts' literals are separate strings */
                litstart = o;
                i = (size_t) (close - s);
                any = true;
                continue;
            }
        }
        if (glob && s[i] == POL_ESC)
            lit[o++] = POL_ESC;
        lit[o++] = s[i];
    }
    if (!any)
        return NULL;
    t->parts[t->nparts].lit = lit + litstart;
    t->parts[t->nparts].litlen = (uint32_t) (o - litstart);
    t->nparts++;
    lit[o] = '\0';
    return t;
oom:
    *err = -1;
    return NULL;
}

static int
append(char *buf, size_t cap, size_t *len, const char *s, size_t n, bool esc)
{
    for (size_t i = 0; i < n; i++) {
        bool e = esc && (s[i] == '*' || s[i] == '?' || s[i] == POL_ESC);

        if (*len + 1 + e > cap)
            return -1;
        if (e)
            buf[(*len)++] = POL_ESC;
        buf[(*len)++] = s[i];
    }
    return 0;
}

int
pol_tmpl_render(const struct pol_tmpl *t, const struct policy_ctx *c, char *buf, size_t cap,
                const char **missing)
{
    size_t len = 0;

    for (uint32_t i = 0; i < t->nparts; i++) {
        const struct pol_tpart *pt = &t->parts[i];
        const struct pol_key *k;

        if (append(buf, cap, &len, pt->lit, pt->litlen, false) < 0)
            return -1;
        if (!pt->key)
            continue;
        k = pol_ctx_lookup(c, pt->lkey, pt->keylen, pt->hash);
        if (k && k->n == 1) {
            const struct pol_val *v = &c->vals[k->first];

            if (append(buf, cap, &len, v->s, v->len, t->glob) < 0)
                return -1;
        } else if ((!k || k->n == 0) && pt->def) {
            if (append(buf, cap, &len, pt->def, pt->deflen, t->glob) < 0)
                return -1;
        } else {
            if (missing)
                *missing = pt->key;
            return -1;
        }
    }
    return (int) len;
}

void
pol_arnpat_from_text(struct pol_arnpat *p, const char *s, size_t n, char *unesc)
{
    struct pol_arn a;
    size_t used = 0;

    memset(p, 0, sizeof(*p));
    if (n == 1 && s[0] == '*') {
        p->all = true;
        return;
    }
    pol_arn_split(&a, s, n);
    p->nseg = a.nseg;
    for (unsigned i = 0; i < a.nseg; i++) {
        pol_pat_init(&p->seg[i], a.seg[i], a.len[i], unesc + used);
        used += a.len[i];
    }
}
