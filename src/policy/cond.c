/* src/policy/cond.c - condition operators and the typed values they compare (numbers, dates,
 * IP ranges, base64). Used by: parse.c (compiling values), ctx.c (typing request values),
 * eval.c (evaluating Condition blocks). Uses: internal.h, libc (inet_pton, strtod). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define NUM_TEXT_MAX 64          /* longest numeric text we parse */
#define BIN_MAX      1024        /* longest decoded binary request value we compare */

/* ---- numbers ---- */

bool
pol_parse_number(const char *s, size_t n, double *out)
{
    char buf[NUM_TEXT_MAX + 1], *end;
    size_t i = 0;
    bool digits = false;

    if (n == 0 || n > NUM_TEXT_MAX)
        return false;
    if (s[i] == '-' || s[i] == '+')
        i++;
    while (i < n && isdigit((unsigned char) s[i])) {
        i++;
        digits = true;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && isdigit((unsigned char) s[i])) {
            i++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e0;

        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        e0 = i;
        while (i < n && isdigit((unsigned char) s[i]))
            i++;
        if (i == e0)
            return false;
    }
    if (i != n)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    return end == buf + n;
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Read 1..maxd digits at s[*i]; false if none. */
static bool
digits(const char *s, size_t n, size_t *i, size_t mind, size_t maxd, int64_t *v)
{
    size_t k = 0;

    *v = 0;
    while (*i < n && k < maxd && isdigit((unsigned char) s[*i])) {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k >= mind && !(*i < n && isdigit((unsigned char) s[*i]));
}

/* ISO 8601 as IAM reads it: [-]Y[-M[-D]][T[h[:m[:s[.f]]]][Z|+hh[:mm]|-hh[:mm]]]
 * (T and Z in either case). Ranges follow IAM's legacy parser. */
static bool
parse_iso(const char *s, size_t n, struct pol_time *out)
{
    size_t i = 0;
    int64_t year, mon = 1, day = 1, hh = 0, mm = 0, ss = 0, nsec = 0, off = 0;
    bool neg = false;

    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    if (!digits(s, n, &i, 1, 9, &year))
        return false;
    if (neg)
        year = -year;
    if (year < -292275054 || year > 292278993)
        return false;
    if (i < n && s[i] == '-') {
        i++;
        if (!digits(s, n, &i, 1, 2, &mon) || mon < 1 || mon > 12)
            return false;
        if (i < n && s[i] == '-') {
            i++;
            if (!digits(s, n, &i, 1, 2, &day) || day < 1 || day > 31)
                return false;
        }
    }
    if (i < n && (s[i] == 'T' || s[i] == 't')) {
        i++;
        if (i < n && isdigit((unsigned char) s[i])) {
            if (!digits(s, n, &i, 1, 2, &hh) || hh > 23)
                return false;
            if (i < n && s[i] == ':') {
                i++;
                if (!digits(s, n, &i, 1, 2, &mm) || mm > 59)
                    return false;
                if (i < n && s[i] == ':') {
                    i++;
                    if (!digits(s, n, &i, 1, 2, &ss) || ss > 59)
                        return false;
                    if (i < n && s[i] == '.') {
                        size_t f0 = ++i;

                        if (!digits(s, n, &i, 1, 9, &nsec))
                            return false;
                        for (size_t k = i - f0; k < 9; k++)
                            nsec *= 10;
                    }
                }
            }
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int64_t oh, om = 0;
            bool minus = s[i] == '-';

            i++;
            if (!digits(s, n, &i, 2, 2, &oh) || oh > 23)
                return false;
            if (i < n && s[i] == ':') {
                i++;
                if (!digits(s, n, &i, 2, 2, &om) || om > 59)
                    return false;
            }
            off = (oh * 60 + om) * 60;
            if (minus)
                off = -off;
        }
    } else if (i != n) {
        return false;
    }
    if (i != n)
        return false;
    out->sec = days_from_civil(year, (unsigned) mon, (unsigned) day) * 86400 + hh * 3600 +
               mm * 60 + ss - off;
    out->nsec = (int32_t) nsec;
    return true;
}

static bool
has_date_marks(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == 't' || s[i] == 'T' || s[i] == '-')
            return true;
    return false;
}

static bool
parse_epoch(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;

    if (n == 0 || n > 19)
        return false;
    for (; i < n; i++) {
        if (!isdigit((unsigned char) s[i]))
            return false;
        v = v * 10 + (uint64_t) (s[i] - '0');
    }
    if (v > (uint64_t) INT64_MAX)
        return false;
    *out = (int64_t) v;
    return true;
}

bool
pol_parse_date(const char *s, size_t n, struct pol_time *out)
{
    if (has_date_marks(s, n))
        return parse_iso(s, n, out);
    out->nsec = 0;
    return parse_epoch(s, n, &out->sec);
}

/* ---- IAM's "legacy parsing" of date values (validation only) ----
 * Not ISO 8601 proper: IAM splits the text at 't', '-' and ':' and reads each piece as an
 * integer of any length (with an optional sign); a zone (z, +hh[:mm], and here also -hh[:mm])
 * is only read after the seconds, and pieces beyond the seconds are ignored. Mirrors the behaviour recorded from IAM;
 * values it accepts that pol_parse_date() cannot read never match at evaluation time. */

/* s[0..n) as a whole integer ([+-]digits) within [lo, hi]. */
static bool
int_in(const char *s, size_t n, int64_t lo, int64_t hi)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0;
    int64_t x;

    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i++;
    }
    if (i == n)
        return false;
    for (; i < n; i++) {
        if (!isdigit((unsigned char) s[i]) || v > (UINT64_MAX - 9) / 10)
            return false;                    /* not a number, or beyond every range here */
        v = v * 10 + (uint64_t) (s[i] - '0');
    }
    if (v > (uint64_t) INT64_MAX + neg)
        return false;
    x = !neg ? (int64_t) v : v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v;
    return x >= lo && x <= hi;
}

/* The n-th piece of s[0..len) split at sep; false when there is no such piece. */
static bool
piece(const char *s, size_t len, char sep, unsigned nth, const char **p, size_t *pn)
{
    const char *start = s, *end = s + len;

    for (unsigned k = 0;; k++) {
        const char *e = memchr(start, sep, (size_t) (end - start));

        if (k == nth) {
            *p = start;
            *pn = (size_t) ((e ? e : end) - start);
            return true;
        }
        if (!e)
            return false;
        start = e + 1;
    }
}

static unsigned
pieces(const char *s, size_t len, char sep)
{
    unsigned k = 1;

    for (size_t i = 0; i < len; i++)
        k += s[i] == sep;
    return k;
}

static bool
legacy_iso_ok(const char *dt, size_t n)
{
    const char *t = memchr(dt, 't', n), *date = dt, *p, *tm;
    size_t dlen = t ? (size_t) (t - dt) : n, tlen, pn;
    bool neg = dlen > 0 && date[0] == '-';
    unsigned nd;
    char year[32];

    if (neg) {
        date++;
        dlen--;
    }
    nd = pieces(date, dlen, '-');
    piece(date, dlen, '-', 0, &p, &pn);
    if (pn + 2 > sizeof(year))
        return false;
    snprintf(year, sizeof(year), "%s%.*s", neg ? "-" : "", (int) pn, p);
    if (!int_in(year, strlen(year), -292275054, 292278993))
        return false;
    if (nd > 1 && (piece(date, dlen, '-', 1, &p, &pn), !int_in(p, pn, 1, 12)))
        return false;
    if (nd > 2 && (piece(date, dlen, '-', 2, &p, &pn), !int_in(p, pn, 1, 31)))
        return false;
    if (nd >= 4)
        return false;
    tm = t ? t + 1 : dt + n;
    tlen = (size_t) (dt + n - tm);
    piece(tm, tlen, ':', 0, &p, &pn);
    if (pn > 0 && !int_in(p, pn, 0, 23))
        return false;
    if (pieces(tm, tlen, ':') > 1 && (piece(tm, tlen, ':', 1, &p, &pn), !int_in(p, pn, 0, 59)))
        return false;
    if (pieces(tm, tlen, ':') > 2) {
        const char *sec, *z, *plus, *dot;
        size_t sn;

        piece(tm, tlen, ':', 2, &p, &pn);
        sec = p;
        z = memchr(p, 'z', pn);
        plus = memchr(p, '+', pn);
        if (!plus)
            plus = memchr(p, '-', pn);       /* -hh[:mm]: we accept what ISO 8601 allows */
        if (z) {
            if (z != p + pn - 1)
                return false;
            sn = (size_t) (z - p);
        } else if (plus) {
            const char *tz = plus + 1, *colon;
            size_t tzn = (size_t) (p + pn - tz);

            sn = (size_t) (plus - p);
            colon = memchr(tz, ':', tzn);
            if ((colon ? (size_t) (colon - tz) : tzn) != 2 || !int_in(tz, 2, 0, 23))
                return false;
            if (colon && ((size_t) (tz + tzn - colon - 1) != 2 || !int_in(colon + 1, 2, 0, 59)))
                return false;
        } else {
            sn = pn;
        }
        dot = memchr(sec, '.', sn);
        if (!int_in(sec, dot ? (size_t) (dot - sec) : sn, 0, 59))
            return false;
        if (dot && !int_in(dot + 1, (size_t) (sec + sn - dot - 1), 0, 999999999))
            return false;
    }
    return true;
}

bool
pol_legacy_date_ok(const char *s, size_t n)
{
    char low[256];

    if (n >= sizeof(low))
        return false;
    for (size_t i = 0; i < n; i++)
        low[i] = (char) tolower((unsigned char) s[i]);
    if (memchr(low, 't', n) || memchr(low, '-', n))
        return legacy_iso_ok(low, n);
    return int_in(s, n, 0, INT64_MAX);
}

static int
time_cmp(const struct pol_time *a, const struct pol_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

/* ---- IP addresses ---- */

bool
pol_parse_ip(const char *s, size_t n, struct pol_cidr *out, bool allow_prefix)
{
    char buf[INET6_ADDRSTRLEN + 8];
    const char *slash;
    size_t alen = n;
    long prefix = -1;
    uint8_t a4[4];

    if (n == 0 || n >= sizeof(buf))
        return false;
    slash = memchr(s, '/', n);
    if (slash) {
        int64_t v;
        size_t i = (size_t) (slash - s) + 1;

        if (!allow_prefix)
            return false;
        alen = (size_t) (slash - s);
        if (!digits(s, n, &i, 1, 3, &v) || i != n)
            return false;
        prefix = (long) v;
    }
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    memset(out->addr, 0, sizeof(out->addr));
    if (inet_pton(AF_INET, buf, a4) == 1) {
        if (prefix > 32)
            return false;
        out->addr[10] = out->addr[11] = 0xff;
        memcpy(out->addr + 12, a4, 4);
        out->prefix = (uint8_t) (prefix < 0 ? 128 : prefix + 96);
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        if (prefix > 128)
            return false;
        out->prefix = (uint8_t) (prefix < 0 ? 128 : prefix);
        return true;
    }
    return false;
}

static bool
cidr_contains(const struct pol_cidr *net, const uint8_t *addr)
{
    unsigned full = net->prefix / 8, rest = net->prefix % 8;

    if (memcmp(net->addr, addr, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t) (0xff << (8 - rest));

        if ((net->addr[full] & mask) != (addr[full] & mask))
            return false;
    }
    return true;
}

/* ---- base64 ---- */

static int
b64val(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

int
pol_base64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0, pad = 0;
    uint32_t acc = 0;
    unsigned bits = 0;

    while (n > 0 && s[n - 1] == '=' && pad < 2) {
        n--;
        pad++;
    }
    if ((n + pad) % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char) s[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t) (acc >> bits);
        }
    }
    return (int) o;
}

/* ---- evaluation ---- */

static bool
eq_ic(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (tolower((unsigned char) a[i]) != tolower((unsigned char) b[i]))
            return false;
    return true;
}

/* The policy value pv rendered for this request: its text, or its template's rendering into
 * buf. NULL when a variable is unresolvable. */
static const char *
value_text(const struct pol_cval *pv, const struct policy_ctx *c, char *buf, size_t *len,
           struct pol_trace *t)
{
    const char *missing = NULL;
    int r;

    if (!pv->tmpl) {
        *len = pv->len;
        return pv->s;
    }
    r = pol_tmpl_render(pv->tmpl, c, buf, POLICY_MAX_VALUE, &missing);
    if (r < 0) {
        if (missing)
            pol_trace_missing(t, missing);
        return NULL;
    }
    *len = (size_t) r;
    return buf;
}

/* One request value against one policy value, with the positive comparison of op. */
static bool
compare(uint8_t op, const struct pol_val *v, const struct pol_cval *pv,
        const struct policy_ctx *c, struct pol_trace *t)
{
    char buf[POLICY_MAX_VALUE];
    const char *s;
    size_t n;

    switch (op) {
    case OP_STR_EQ:
        s = value_text(pv, c, buf, &n, t);
        return s && n == v->len && memcmp(s, v->s, n) == 0;
    case OP_STR_EQ_IC:
        s = value_text(pv, c, buf, &n, t);
        return s && eq_ic(s, n, v->s, v->len);
    case OP_STR_LIKE:
        if (!pv->tmpl)
            return pol_pat_match(&pv->u.pat, v->s, v->len);
        s = value_text(pv, c, buf, &n, t);
        return s && pol_glob(s, n, v->s, v->len);
    case OP_NUM_EQ:
    case OP_NUM_LT:
    case OP_NUM_LE:
    case OP_NUM_GT:
    case OP_NUM_GE:
        if (!pv->ok || !(v->flags & VAL_NUM))
            return false;
        switch (op) {
        case OP_NUM_EQ: return v->num == pv->u.num;
        case OP_NUM_LT: return v->num < pv->u.num;
        case OP_NUM_LE: return v->num <= pv->u.num;
        case OP_NUM_GT: return v->num > pv->u.num;
        default:        return v->num >= pv->u.num;
        }
    case OP_DATE_EQ:
    case OP_DATE_LT:
    case OP_DATE_LE:
    case OP_DATE_GT:
    case OP_DATE_GE: {
        int k;

        if (!pv->ok || !(v->flags & VAL_DATE))
            return false;
        k = time_cmp(&v->t, &pv->u.t);
        switch (op) {
        case OP_DATE_EQ: return k == 0;
        case OP_DATE_LT: return k < 0;
        case OP_DATE_LE: return k <= 0;
        case OP_DATE_GT: return k > 0;
        default:         return k >= 0;
        }
    }
    case OP_BOOL:
        return pv->ok && (v->flags & VAL_BOOL) && v->b == pv->u.b;
    case OP_BIN_EQ: {
        uint8_t bin[BIN_MAX];
        int bn;

        if (!pv->ok)
            return false;
        bn = pol_base64_decode(v->s, v->len, bin, sizeof(bin));
        return bn >= 0 && (uint32_t) bn == pv->u.bin.n && memcmp(bin, pv->u.bin.p, (size_t) bn) == 0;
    }
    case OP_IP:
        return pv->ok && (v->flags & VAL_IP) && cidr_contains(&pv->u.ip, v->ip);
    case OP_ARN_LIKE: {
        struct pol_arnpat ap;
        char unesc[POLICY_MAX_VALUE];

        if (!(v->flags & VAL_ARN))
            return false;
        if (!pv->tmpl)
            return pol_arnpat_match_split(&pv->u.arn, &v->arn);
        s = value_text(pv, c, buf, &n, t);
        if (!s)
            return false;
        pol_arnpat_from_text(&ap, s, n, unesc);
        return pol_arnpat_match_split(&ap, &v->arn);
    }
    default:
        return false;
    }
}

static bool
any_value_matches(const struct pol_cond *cd, const struct pol_val *v, const struct policy_ctx *c,
                  struct pol_trace *t)
{
    for (uint32_t i = 0; i < cd->nvals; i++)
        if (compare(cd->op, v, &cd->vals[i], c, t))
            return true;
    return false;
}

/* One request value under the operator (negation included). */
static bool
single(const struct pol_cond *cd, const struct pol_val *v, const struct policy_ctx *c,
       struct pol_trace *t)
{
    bool m = any_value_matches(cd, v, c, t);

    return cd->negated ? !m : m;
}

bool
pol_cond_eval(const struct pol_cond *cd, bool v2012, const struct policy_ctx *c,
              struct pol_trace *t)
{
    const struct pol_key *k;

    (void) v2012;
    if (cd->op == OP_NONE)
        return true;
    k = pol_ctx_lookup(c, cd->key.lname, cd->key.len, cd->key.hash);
    if (cd->op == OP_NULL) {
        bool absent = !k || k->n == 0;

        for (uint32_t i = 0; i < cd->nvals; i++)
            if (cd->vals[i].ok && cd->vals[i].u.b == absent)
                return true;
        return false;
    }
    if (!k || k->n == 0) {
        if (!k)
            pol_trace_missing(t, cd->key.name);
        if (cd->ifexists || cd->set == SET_ALL)
            return true;
        if (cd->set == SET_ANY)
            return false;
        return cd->negated;
    }
    switch (cd->set) {
    case SET_ALL:
        for (uint32_t j = 0; j < k->n; j++)
            if (!single(cd, &c->vals[k->first + j], c, t))
                return false;
        return true;
    case SET_ANY:
        for (uint32_t j = 0; j < k->n; j++)
            if (single(cd, &c->vals[k->first + j], c, t))
                return true;
        return false;
    default: {
        bool m = false;

        for (uint32_t j = 0; j < k->n && !m; j++)
            m = any_value_matches(cd, &c->vals[k->first + j], c, t);
        return cd->negated ? !m : m;
    }
    }
}
