/* src/policy/ctx.c - the request context a decision reads: principal, action, resource and the
 * condition keys (case-insensitive, multi-valued, typed once when set). Used by: callers of
 * policy_decide(), eval.c, cond.c, match.c (variables). Uses: internal.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CTX_MIN_KEYS  32         /* initial key capacity; the index has twice as many slots */
#define CTX_MIN_VALS  64

struct policy_ctx *
policy_ctx_new(void)
{
    struct policy_ctx *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    policy_ctx_reset(c);
    return c;
}

struct policy_ctx *
policy_ctx_free(struct policy_ctx *c)
{
    if (!c)
        return NULL;
    pol_pool_release(&c->pool);
    free(c->keys);
    free(c->index);
    free(c->vals);
    free(c);
    return NULL;
}

void
policy_ctx_reset(struct policy_ctx *c)
{
    pol_pool_rewind(&c->pool);
    c->ptype = POLICY_PRINCIPAL_ANONYMOUS;
    c->parn = c->paccount = c->prole = "";
    c->parn_len = c->prole_len = 0;
    c->action = c->svc = c->aname = "";
    c->svc_len = c->aname_len = 0;
    c->svc_bit = 0;
    c->svc_hash = 0;
    c->resource = "*";
    c->resource_len = 1;
    pol_arn_split(&c->res, c->resource, 1);
    c->raccount = "";
    c->nkeys = 0;
    c->nvals = 0;
    if (c->index)
        memset(c->index, 0, c->capindex * sizeof(*c->index));
}

/* Account field of an ARN ("" if none). */
static void
arn_account(const char *arn, const char **acc, size_t *len)
{
    struct pol_arn a;

    pol_arn_split(&a, arn, strlen(arn));
    if (a.nseg == POL_ARN_SEGS) {
        *acc = a.seg[4];
        *len = a.len[4];
    } else {
        *acc = "";
        *len = 0;
    }
}

int
policy_ctx_set_principal(struct policy_ctx *c, enum policy_principal_type type, const char *arn,
                         const char *account, const char *role_arn)
{
    const char *acc = account;
    size_t acclen = account ? strlen(account) : 0;
    char *a, *r, *p;

    if (!arn)
        arn = "";
    if (!acc) {
        switch (type) {
        case POLICY_PRINCIPAL_ROOT:
        case POLICY_PRINCIPAL_USER:
        case POLICY_PRINCIPAL_ASSUMED_ROLE:
        case POLICY_PRINCIPAL_FEDERATED_USER:
            arn_account(arn, &acc, &acclen);
            if (acclen == 0)
                return -EINVAL;
            break;
        default:
            acc = "";
            break;
        }
    }
    p = pol_strndup(&c->pool, arn, strlen(arn));
    a = pol_strndup(&c->pool, acc, acclen);
    r = pol_strndup(&c->pool, role_arn ? role_arn : "", role_arn ? strlen(role_arn) : 0);
    if (!p || !a || !r)
        return -ENOMEM;
    c->ptype = type;
    c->parn = p;
    c->parn_len = (uint32_t) strlen(p);
    c->paccount = a;
    c->prole = r;
    c->prole_len = (uint32_t) strlen(r);
    return 0;
}

int
policy_ctx_set_action(struct policy_ctx *c, const char *action)
{
    size_t n = action ? strlen(action) : 0;
    char *orig, *low, *colon;

    if (n == 0)
        return -EINVAL;
    orig = pol_strndup(&c->pool, action, n);
    low = pol_strndup(&c->pool, action, n);
    if (!orig || !low)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (low[i] >= 'A' && low[i] <= 'Z')
            low[i] = (char) (low[i] + 32);
    c->action = orig;
    colon = memchr(low, ':', n);
    c->svc = low;
    if (colon) {
        c->svc_len = (uint32_t) (colon - low);
        c->aname = colon + 1;
        c->aname_len = (uint32_t) (n - c->svc_len - 1);
    } else {
        c->svc_len = (uint32_t) n;
        c->aname = low + n;
        c->aname_len = 0;
    }
    c->svc_hash = pol_hash_lower(c->svc, c->svc_len);
    c->svc_bit = 1ull << (c->svc_hash & 63);
    return 0;
}

static bool
is_account(const char *s, size_t n)
{
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int
policy_ctx_set_resource(struct policy_ctx *c, const char *arn, const char *account)
{
    size_t n = arn ? strlen(arn) : 0;
    char *r, *acc;

    if (n == 0) {
        arn = "*";
        n = 1;
    }
    r = pol_strndup(&c->pool, arn, n);
    if (!r)
        return -ENOMEM;
    c->resource = r;
    c->resource_len = (uint32_t) n;
    pol_arn_split(&c->res, r, n);
    if (account) {
        acc = pol_strndup(&c->pool, account, strlen(account));
    } else if (c->res.nseg == POL_ARN_SEGS && is_account(c->res.seg[4], c->res.len[4])) {
        acc = pol_strndup(&c->pool, c->res.seg[4], c->res.len[4]);
    } else {                 /* "", or "aws" in AWS managed policy ARNs: not another account */
        acc = pol_strndup(&c->pool, "", 0);
    }
    if (!acc)
        return -ENOMEM;
    c->raccount = acc;
    return 0;
}

/* ---- keys ---- */

const struct pol_key *
pol_ctx_lookup(const struct policy_ctx *c, const char *lname, uint32_t len, uint32_t hash)
{
    uint32_t mask, i;

    if (c->nkeys == 0)
        return NULL;
    mask = c->capindex - 1;
    for (i = hash & mask;; i = (i + 1) & mask) {
        uint32_t slot = c->index[i];
        const struct pol_key *k;

        if (slot == 0)
            return NULL;
        k = &c->keys[slot - 1];
        if (k->hash == hash && k->len == len && memcmp(k->lname, lname, len) == 0)
            return k;
    }
}

static int
grow_index(struct policy_ctx *c)
{
    uint32_t cap = c->capindex ? c->capindex * 2 : CTX_MIN_KEYS * 2;
    uint32_t *idx = calloc(cap, sizeof(*idx));

    if (!idx)
        return -ENOMEM;
    for (uint32_t k = 0; k < c->nkeys; k++) {
        uint32_t i = c->keys[k].hash & (cap - 1);

        while (idx[i])
            i = (i + 1) & (cap - 1);
        idx[i] = k + 1;
    }
    free(c->index);
    c->index = idx;
    c->capindex = cap;
    return 0;
}

/* Find key, creating it (with no values) when absent. NULL on OOM / empty key. */
static struct pol_key *
key_get(struct policy_ctx *c, const char *key, int *err)
{
    size_t n = key ? strlen(key) : 0;
    char low[256], *lp = low;
    uint32_t hash;
    struct pol_key *k;

    *err = -EINVAL;
    if (n == 0)
        return NULL;
    *err = -ENOMEM;
    if (n >= sizeof(low)) {
        lp = pol_alloc(&c->pool, n + 1);
        if (!lp)
            return NULL;
    }
    for (size_t i = 0; i < n; i++)
        lp[i] = (char) (key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
    lp[n] = '\0';
    hash = pol_hash_lower(lp, n);
    k = (struct pol_key *) pol_ctx_lookup(c, lp, (uint32_t) n, hash);
    if (k)
        return k;
    if (c->nkeys == c->capkeys) {
        uint32_t cap = c->capkeys ? c->capkeys * 2 : CTX_MIN_KEYS;
        struct pol_key *keys = realloc(c->keys, cap * sizeof(*keys));

        if (!keys)
            return NULL;
        c->keys = keys;
        c->capkeys = cap;
    }
    if ((c->nkeys + 1) * 2 > c->capindex && grow_index(c) < 0)
        return NULL;
    k = &c->keys[c->nkeys];
    k->name = pol_strndup(&c->pool, key, n);
    k->lname = pol_strndup(&c->pool, lp, n);
    if (!k->name || !k->lname)
        return NULL;
    k->len = (uint32_t) n;
    k->hash = hash;
    k->first = c->nvals;
    k->n = 0;
    {
        uint32_t mask = c->capindex - 1, i = hash & mask;

        while (c->index[i])
            i = (i + 1) & mask;
        c->index[i] = ++c->nkeys;
    }
    return k;
}

static int
reserve_vals(struct policy_ctx *c, uint32_t more)
{
    uint32_t cap = c->capvals ? c->capvals : CTX_MIN_VALS;
    struct pol_val *v;

    if (c->nvals + more <= c->capvals)
        return 0;
    while (cap < c->nvals + more)
        cap *= 2;
    v = realloc(c->vals, cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    c->vals = v;
    c->capvals = cap;
    return 0;
}

static bool
is_word_ic(const char *s, size_t n, const char *w)
{
    size_t wn = strlen(w);

    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != w[i])
            return false;
    return true;
}

/* Type one value: the forms it parses as, for the operators that need them. */
static int
make_val(struct policy_ctx *c, struct pol_val *v, const char *s)
{
    size_t n = strlen(s);
    struct pol_cidr ip;
    char ch;

    if (n > POLICY_MAX_DOCUMENT)
        return -E2BIG;
    memset(v, 0, sizeof(*v));
    v->s = pol_strndup(&c->pool, s, n);
    if (!v->s)
        return -ENOMEM;
    v->len = (uint32_t) n;
    if (n == 0)
        return 0;
    ch = s[0];
    if (is_word_ic(s, n, "true") || is_word_ic(s, n, "false")) {
        v->flags |= VAL_BOOL;
        v->b = (s[0] | 0x20) == 't';
    }
    if (((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.') &&
        pol_parse_number(s, n, &v->num))
        v->flags |= VAL_NUM;
    if (((ch >= '0' && ch <= '9') || ch == '-') && pol_parse_date(s, n, &v->t))
        v->flags |= VAL_DATE;
    if ((memchr(s, '.', n) || memchr(s, ':', n)) && pol_parse_ip(s, n, &ip, false)) {
        v->flags |= VAL_IP;
        memcpy(v->ip, ip.addr, sizeof(v->ip));
    }
    if (n > 4 && memcmp(s, "arn:", 4) == 0) {
        v->flags |= VAL_ARN;
        pol_arn_split(&v->arn, v->s, n);
    }
    return 0;
}

int
policy_ctx_key_set(struct policy_ctx *c, const char *key, const char *const *values, size_t n)
{
    struct pol_key *k;
    int r;

    k = key_get(c, key, &r);
    if (!k)
        return r;
    if (n > UINT32_MAX / 2 || reserve_vals(c, (uint32_t) n) < 0)
        return -ENOMEM;
    k->first = c->nvals;
    k->n = 0;
    for (size_t i = 0; i < n; i++) {
        r = make_val(c, &c->vals[c->nvals], values[i] ? values[i] : "");
        if (r < 0)
            return r;
        c->nvals++;
        k->n++;
    }
    return 0;
}

int
policy_ctx_key_add(struct policy_ctx *c, const char *key, const char *value)
{
    struct pol_key *k;
    int r;

    k = key_get(c, key, &r);
    if (!k)
        return r;
    if (k->first + k->n != c->nvals) {      /* not at the end: move the run there */
        if (reserve_vals(c, k->n + 1) < 0)
            return -ENOMEM;
        memcpy(&c->vals[c->nvals], &c->vals[k->first], k->n * sizeof(*c->vals));
        k->first = c->nvals;
        c->nvals += k->n;
    } else if (reserve_vals(c, 1) < 0) {
        return -ENOMEM;
    }
    r = make_val(c, &c->vals[c->nvals], value ? value : "");
    if (r < 0)
        return r;
    c->nvals++;
    k->n++;
    return 0;
}

const char *
policy_ctx_key_get(const struct policy_ctx *c, const char *key, size_t i)
{
    char low[256];
    size_t n = key ? strlen(key) : 0;
    const struct pol_key *k;

    if (n == 0 || n >= sizeof(low))
        return NULL;
    for (size_t j = 0; j < n; j++)
        low[j] = (char) (key[j] >= 'A' && key[j] <= 'Z' ? key[j] + 32 : key[j]);
    k = pol_ctx_lookup(c, low, (uint32_t) n, pol_hash_lower(low, n));
    if (!k || i >= k->n)
        return NULL;
    return c->vals[k->first + i].s;
}

int
policy_ctx_add_principal_keys(struct policy_ctx *c)
{
    const char *arn = NULL, *type = NULL;
    int r;

    switch (c->ptype) {
    case POLICY_PRINCIPAL_ROOT:
        arn = c->parn;
        type = "Account";
        break;
    case POLICY_PRINCIPAL_USER:
        arn = c->parn;
        type = "User";
        break;
    case POLICY_PRINCIPAL_ASSUMED_ROLE:
        arn = c->prole_len ? c->prole : c->parn;
        type = "AssumedRole";
        break;
    case POLICY_PRINCIPAL_FEDERATED_USER:
        arn = c->parn;
        type = "FederatedUser";
        break;
    case POLICY_PRINCIPAL_ANONYMOUS:
        type = "Anonymous";
        break;
    default:
        break;
    }
    if (arn && arn[0] && (r = policy_ctx_key_set(c, "aws:PrincipalArn", &arn, 1)) < 0)
        return r;
    if (c->paccount[0] && (r = policy_ctx_key_set(c, "aws:PrincipalAccount", &c->paccount, 1)) < 0)
        return r;
    if (type && (r = policy_ctx_key_set(c, "aws:PrincipalType", &type, 1)) < 0)
        return r;
    return 0;
}
