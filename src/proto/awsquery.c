/* src/proto/awsquery.c - the awsQuery protocol (IAM, STS, CloudFormation): form bodies to
 * value trees, value trees and errors to XML, as botocore's QuerySerializer and QueryParser
 * expect them. Used by: core/ dispatch, fuzz/. Uses: validate.c, wire.c, pbuf.c, jansson.
 *
 * Wire names: structure members as `Parent.Child` (the member's locationName when set),
 * lists as `Name.member.N` (N from 1; the list member's locationName replaces "member";
 * flattened lists are `Name.N`), maps as `Name.entry.N.key` / `.value` (flattened:
 * `Name.N.key`). botocore sends an empty list as `Name=`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define QUERY_STACK_VALUE 512         /* values shorter than this decode without malloc */
#define QUERY_ERR_MALFORMED "MalformedQueryString"
#define INTERNAL_MESSAGE "We encountered an internal error. Please try again."

struct qpair {
    const char *k, *v;
    size_t      klen, vlen;
};

/* The next non-empty key[=value] of [*pos, end); false at the end. */
static bool
next_pair(const char **pos, const char *end, struct qpair *q)
{
    const char *p = *pos, *amp, *eq;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (!amp)
            amp = end;
        if (amp == p) {
            p++;
            continue;
        }
        eq = memchr(p, '=', (size_t) (amp - p));
        q->k = p;
        q->klen = (size_t) ((eq ? eq : amp) - p);
        q->v = eq ? eq + 1 : amp;
        q->vlen = eq ? (size_t) (amp - eq - 1) : 0;
        *pos = amp < end ? amp + 1 : end;
        return true;
    }
    *pos = end;
    return false;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
pct_valid(const char *s, size_t n)
{
    const char *p = s, *end = s + n;

    while ((p = memchr(p, '%', (size_t) (end - p)))) {
        if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0)
            return false;
        p += 3;
    }
    return true;
}

/* Percent-decode s[0..n) ('+' is a space) into out, which holds cap bytes plus a NUL.
 * Returns 0, -EINVAL for a bad escape, -E2BIG when it does not fit. */
static int
pct_decode(const char *s, size_t n, char *out, size_t cap, size_t *ret_len)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (o >= cap)
            return -E2BIG;
        if (c == '%') {
            int hi, lo;

            if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return -EINVAL;
            c = (char) (hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *ret_len = o;
    return 0;
}

static int
malformed(struct aerr *err, const char *what)
{
    return aerr_set(err, -EINVAL, 400, QUERY_ERR_MALFORMED, "%s", what);
}

/* ---- peek ---- */

static int
peek_copy(const struct qpair *q, const char *name, char *ret, size_t cap, struct aerr *err)
{
    size_t n;
    int r;

    if (!cap)
        return 0;
    r = pct_decode(q->v, q->vlen, ret, cap - 1, &n);
    if (r == -E2BIG) {
        ret[0] = '\0';
        return aerr_set(err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                        "The value of parameter '%s' is too long", name);
    }
    if (r < 0 || memchr(ret, '\0', n) || !utf8_valid(ret, n, false)) {
        ret[0] = '\0';
        return malformed(err, "The query string is not valid");
    }
    return 0;
}

int
awsquery_peek(const char *body, size_t len, char *ret_action, size_t action_cap,
              char *ret_version, size_t version_cap, struct aerr *err)
{
    const char *pos = body ? body : "", *end = pos + (body ? len : 0);
    bool have_action = false, have_version = false;
    struct qpair q;
    size_t count = 0, kn;
    char key[8];
    int r;

    if (action_cap)
        ret_action[0] = '\0';
    if (version_cap)
        ret_version[0] = '\0';
    while (next_pair(&pos, end, &q)) {
        if (++count > PROTO_MAX_QUERY_PARAMS)
            return malformed(err, "Too many parameters in the query string");
        if (!pct_valid(q.k, q.klen) || !pct_valid(q.v, q.vlen))
            return malformed(err, "The query string is not valid: bad percent-encoding");
        /* "Version" takes at most 21 bytes even fully %-encoded */
        if (q.klen > 21 || pct_decode(q.k, q.klen, key, sizeof(key) - 1, &kn) < 0)
            continue;
        if (!have_action && kn == 6 && !memcmp(key, "Action", 6)) {
            have_action = true;
            if ((r = peek_copy(&q, "Action", ret_action, action_cap, err)) < 0)
                return r;
        } else if (!have_version && kn == 7 && !memcmp(key, "Version", 7)) {
            have_version = true;
            if ((r = peek_copy(&q, "Version", ret_version, version_cap, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- decode ---- */

struct qdec {
    struct verr   ve;                 /* values of the wrong type */
    struct vpath  path;               /* of the parameter being placed */
    struct aerr  *err;
    const char   *key;                /* the decoded parameter name, for messages */
};

static bool
next_seg(const char **p, const char *end, const char **ret, size_t *ret_len)
{
    const char *s = *p, *dot;

    if (s > end)
        return false;
    dot = memchr(s, '.', (size_t) (end - s));
    if (!dot)
        dot = end;
    *ret = s;
    *ret_len = (size_t) (dot - s);
    *p = dot + 1;                     /* one past end when this was the last segment */
    return true;
}

static bool
seg_is(const char *seg, size_t n, const char *name)
{
    return name && strlen(name) == n && !memcmp(seg, name, n);
}

static const struct shape_member *
find_wire_member(const struct shape *s, const char *seg, size_t n)
{
    size_t i;

    for (i = 0; i < s->n_members; i++) {
        const struct shape_member *m = &s->members[i];
        const char *name = m->shape->type == SHAPE_LIST && member_flattened(m)
                           ? flat_list_name(m) : member_wire_name(m);

        if (seg_is(seg, n, name))
            return m;
    }
    return NULL;
}

/* A list index: 1..PROTO_MAX_LIST_INDEX, decimal, no leading zero. */
static int
parse_index(struct qdec *d, const char *seg, size_t n, size_t *ret)
{
    size_t i, v = 0;

    if (!n || n > 5 || seg[0] == '0')
        goto bad;
    for (i = 0; i < n; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            goto bad;
        v = v * 10 + (size_t) (seg[i] - '0');
    }
    if (v > PROTO_MAX_LIST_INDEX)
        goto bad;
    *ret = v;
    return 0;
bad:
    return aerr_set(d->err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                    "Invalid list index in parameter '%s' (1 to %d)", d->key, PROTO_MAX_LIST_INDEX);
}

/* The object at parent[name], created when absent. NULL: out of memory, or a value of
 * another kind is there (then err is filled). */
static json_t *
get_object(struct qdec *d, json_t *parent, const char *name)
{
    json_t *o = json_object_get(parent, name);

    if (o) {
        if (!json_is_object(o)) {
            aerr_set(d->err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                     "Conflicting values for parameter '%s'", d->key);
            return NULL;
        }
        return o;
    }
    o = json_object();
    if (!o || json_object_set_new(parent, name, o) < 0) {
        aerr_internal(d->err, -ENOMEM);
        return NULL;
    }
    return o;
}

static int
type_error(struct qdec *d, const struct shape *s, const char *text, size_t n)
{
    char constraint[64];

    snprintf(constraint, sizeof(constraint), "Member must be %s", shape_type_desc(s));
    verr_add_text(&d->ve, s, text, n, d->path.buf, constraint);
    return 0;
}

static bool
parse_int(const char *s, size_t n, long long lo, long long hi, long long *ret)
{
    size_t i = 0;
    bool neg = false;
    unsigned long long v = 0, lim;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    lim = neg ? (unsigned long long) -(lo + 1) + 1 : (unsigned long long) hi;
    for (; i < n; i++) {
        unsigned dg;

        if (s[i] < '0' || s[i] > '9')
            return false;
        dg = (unsigned) (s[i] - '0');
        if (v > (lim - dg) / 10)
            return false;
        v = v * 10 + dg;
    }
    *ret = neg ? (long long) (0 - v) : (long long) v;
    return true;
}

static bool
parse_double(const char *s, size_t n, double *ret)
{
    char *end;
    size_t i;
    double v;

    if (!n)
        return false;
    for (i = 0; i < n; i++)
        if (!strchr("0123456789+-.eE", s[i]) || !s[i])
            return false;
    v = strtod(s, &end);              /* s is NUL-terminated at n */
    if (end != s + n || !isfinite(v))
        return false;
    *ret = v;
    return true;
}

static json_t *
number_or_time(double t)
{
    if (t == floor(t) && fabs(t) < 9e15)
        return json_integer((json_int_t) t);
    return json_real(t);
}

/* Convert the decoded text of one parameter to a value of shape s. */
static int
set_scalar(struct qdec *d, json_t *parent, const char *slot, const struct shape *s,
           const char *raw, size_t rawlen, bool map_key)
{
    char stackbuf[QUERY_STACK_VALUE + 1], *buf = stackbuf;
    json_t *v = NULL;
    long long i;
    double t;
    size_t n;
    int r = 0;

    if (json_object_get(parent, slot))
        return aerr_set(d->err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                        "Duplicate parameter '%s'", d->key);
    if (rawlen > QUERY_STACK_VALUE && !(buf = malloc(rawlen + 1)))
        return aerr_internal(d->err, -ENOMEM);
    if (pct_decode(raw, rawlen, buf, rawlen, &n) < 0) {
        r = malformed(d->err, "The query string is not valid: bad percent-encoding");
        goto out;
    }
    if (map_key || s->type == SHAPE_STRING) {
        if (!utf8_valid(buf, n, false)) {
            r = aerr_set(d->err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                         "Parameter '%s' is not valid UTF-8 text", d->key);
            goto out;
        }
        v = json_stringn_nocheck(buf, n);
    } else {
        switch (s->type) {
        case SHAPE_INTEGER:
        case SHAPE_LONG:
            if (parse_int(buf, n, s->type == SHAPE_INTEGER ? INT32_MIN : INT64_MIN,
                          s->type == SHAPE_INTEGER ? INT32_MAX : INT64_MAX, &i))
                v = json_integer(i);
            else
                r = type_error(d, s, buf, n);
            break;
        case SHAPE_BOOLEAN:
            if (n == 4 && !strncasecmp(buf, "true", 4))
                v = json_true();
            else if (n == 5 && !strncasecmp(buf, "false", 5))
                v = json_false();
            else
                r = type_error(d, s, buf, n);
            break;
        case SHAPE_DOUBLE:
        case SHAPE_FLOAT:
            if (parse_double(buf, n, &t))
                v = json_real(t);
            else
                r = type_error(d, s, buf, n);
            break;
        case SHAPE_TIMESTAMP:
            if (time_parse(buf, n, &t))
                v = number_or_time(t);
            else
                r = type_error(d, s, buf, n);
            break;
        case SHAPE_BLOB:
            if (base64_check(buf, n, NULL))
                v = json_stringn_nocheck(buf, n);
            else
                r = type_error(d, s, buf, n);
            break;
        default:
            break;
        }
        if (!v)
            goto out;                 /* a type error, already counted */
    }
    if (!v || json_object_set_new(parent, slot, v) < 0)
        r = aerr_internal(d->err, -ENOMEM);
out:
    if (buf != stackbuf)
        free(buf);
    return r;
}

/* "Name=" for a list, map or structure: botocore's empty list. */
static int
set_empty(struct qdec *d, json_t *parent, const char *slot, const struct shape *s,
          const char *raw, size_t rawlen)
{
    char text[QUERY_STACK_VALUE + 1];
    size_t n;

    if (rawlen) {                     /* quote the value decoded when it is short */
        if (pct_decode(raw, rawlen, text, QUERY_STACK_VALUE, &n) == 0)
            return type_error(d, s, text, n);
        return type_error(d, s, raw, rawlen);
    }
    return get_object(d, parent, slot) ? 0 : -EINVAL;
}

/* Place one parameter (decoded name key) in the tree under root, per the input shape. */
static int
put_param(struct qdec *d, json_t *root, const struct shape *in, const char *key, size_t klen,
          const char *raw, size_t rawlen)
{
    const char *p = key, *end = key + klen, *seg;
    const struct shape *st = in, *s;
    const struct shape_member *m;
    json_t *obj = root, *parent, *tmp;
    char slotbuf[24];
    const char *slot;
    bool flattened, map_key;
    unsigned depth = 0;
    size_t n, idx = 0;

    d->path.len = 0;
    d->path.buf[0] = '\0';
    d->key = key;
    for (;;) {
        /* at a structure (st, obj): the next segment names a member */
        if (!next_seg(&p, end, &seg, &n))
            return 0;
        m = find_wire_member(st, seg, n);
        if (!m)
            return 0;                 /* unknown parameters are ignored */
        (void) vpath_push_member(&d->path, m->name);
        parent = obj;
        slot = m->name;
        s = m->shape;
        flattened = member_flattened(m);
        map_key = false;
        for (;;) {
            bool more = p <= end;

            if (++depth > PROTO_MAX_DEPTH)
                return malformed(d->err, "The query string nests too deeply");
            if (s->type == SHAPE_STRUCTURE) {
                if (!more)
                    return set_empty(d, parent, slot, s, raw, rawlen);
                if (!(obj = get_object(d, parent, slot)))
                    return -EINVAL;
                st = s;
                break;
            }
            if (s->type != SHAPE_LIST && s->type != SHAPE_MAP) {
                if (more)
                    return 0;         /* "Scalar.x": not a parameter of this operation */
                return set_scalar(d, parent, slot, s, raw, rawlen, map_key);
            }
            if (!more)
                return set_empty(d, parent, slot, s, raw, rawlen);
            if (!flattened) {
                next_seg(&p, end, &seg, &n);
                if (!seg_is(seg, n, s->type == SHAPE_LIST ? s->member_location_name : "entry"))
                    return 0;
                if (p > end)
                    return 0;
            }
            next_seg(&p, end, &seg, &n);
            if (parse_index(d, seg, n, &idx) < 0)
                return -EINVAL;
            if (!(tmp = get_object(d, parent, slot)))   /* index -> element, for now */
                return -EINVAL;
            snprintf(slotbuf, sizeof(slotbuf), "%zu", idx);
            if (s->type == SHAPE_LIST) {
                (void) vpath_push_index(&d->path, idx);
                parent = tmp;
                slot = slotbuf;
                s = s->member;
                flattened = s->flattened;
                continue;
            }
            /* map entry N: {"key": ..., "value": ...} */
            if (p > end || !(parent = get_object(d, tmp, slotbuf)))
                return p > end ? 0 : -EINVAL;
            next_seg(&p, end, &seg, &n);
            (void) vpath_push_raw(&d->path, slotbuf, strlen(slotbuf));
            if (seg_is(seg, n, s->key_location_name ? s->key_location_name : "key")) {
                (void) vpath_push_raw(&d->path, "key", 3);
                slot = "key";
                s = s->key;
                map_key = true;
            } else if (seg_is(seg, n, s->value_location_name ? s->value_location_name : "value")) {
                (void) vpath_push_raw(&d->path, "value", 5);
                slot = "value";
                s = s->value;
            } else {
                return 0;
            }
            flattened = s->flattened;
        }
    }
}

struct qentry {
    size_t  idx;
    json_t *v;
};

static int
qentry_cmp(const void *a, const void *b)
{
    const struct qentry *x = a, *y = b;

    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The temporary {"N": value} object of a list or map, as entries sorted by N. */
static struct qentry *
sorted_entries(json_t *tmp, size_t *ret_n)
{
    struct qentry *e;
    const char *k;
    json_t *v;
    size_t n = 0;

    e = malloc((json_object_size(tmp) + 1) * sizeof(*e));
    if (!e)
        return NULL;
    json_object_foreach(tmp, k, v) {
        e[n].idx = strtoul(k, NULL, 10);
        e[n++].v = v;
    }
    qsort(e, n, sizeof(*e), qentry_cmp);
    *ret_n = n;
    return e;
}

/* Turn the temporary index objects into arrays and maps; a new reference, or NULL with
 * d->err filled. */
static json_t *
finalize(struct qdec *d, const struct shape *s, json_t *v, unsigned depth)
{
    struct qentry *e = NULL;
    json_t *out = NULL, *nv;
    size_t i, n = 0, saved;

    if (depth > PROTO_MAX_DEPTH) {
        malformed(d->err, "The query string nests too deeply");
        return NULL;
    }
    switch (s->type) {
    case SHAPE_STRUCTURE:
        for (i = 0; i < s->n_members; i++) {
            json_t *child = json_object_get(v, s->members[i].name);

            if (!child)
                continue;
            saved = vpath_push_member(&d->path, s->members[i].name);
            nv = finalize(d, s->members[i].shape, child, depth + 1);
            vpath_pop(&d->path, saved);
            if (!nv)
                return NULL;
            if (nv != child && json_object_set_new(v, s->members[i].name, nv) < 0) {
                aerr_internal(d->err, -ENOMEM);
                return NULL;
            }
            if (nv == child)
                json_decref(nv);
        }
        return json_incref(v);
    case SHAPE_LIST:
        if (!(e = sorted_entries(v, &n)) || !(out = json_array()))
            goto oom;
        for (i = 0; i < n; i++) {
            saved = vpath_push_index(&d->path, e[i].idx);
            nv = finalize(d, s->member, e[i].v, depth + 1);
            vpath_pop(&d->path, saved);
            if (!nv)
                goto fail;
            if (json_array_append_new(out, nv) < 0)
                goto oom;
        }
        free(e);
        return out;
    case SHAPE_MAP:
        if (!(e = sorted_entries(v, &n)) || !(out = json_object()))
            goto oom;
        for (i = 0; i < n; i++) {
            json_t *key = json_object_get(e[i].v, "key"), *val = json_object_get(e[i].v, "value");
            char num[24];

            snprintf(num, sizeof(num), "%zu", e[i].idx);
            saved = vpath_push_raw(&d->path, num, strlen(num));
            if (!key || !val) {
                (void) vpath_push_raw(&d->path, key ? "value" : "key", key ? 5 : 3);
                verr_add(&d->ve, key ? s->value : s->key, NULL, d->path.buf,
                         "Member must not be null");
                vpath_pop(&d->path, saved);
                continue;
            }
            if (json_object_get(out, json_string_value(key))) {
                vpath_pop(&d->path, saved);
                aerr_set(d->err, -EINVAL, 400, QUERY_ERR_MALFORMED,
                         "Duplicate map key '%s' in the query string", json_string_value(key));
                goto fail;
            }
            (void) vpath_push_raw(&d->path, "value", 5);
            nv = finalize(d, s->value, val, depth + 1);
            vpath_pop(&d->path, saved);
            if (!nv)
                goto fail;
            if (json_object_set_new(out, json_string_value(key), nv) < 0)
                goto oom;
        }
        free(e);
        return out;
    default:
        return json_incref(v);
    }
oom:
    aerr_internal(d->err, -ENOMEM);
fail:
    free(e);
    json_decref(out);
    return NULL;
}

int
awsquery_decode(const struct model_op *op, const char *body, size_t len, json_t **ret_in,
                struct aerr *err)
{
    const struct shape *in = op ? op->input : NULL;
    const char *pos = body ? body : "", *end = pos + (body ? len : 0);
    struct qdec d = { .err = err, .ve = { .query = true } };
    char key[PROTO_MAX_QUERY_KEY + 1];
    json_t *root, *final = NULL;
    struct qpair q;
    size_t count = 0, kn;
    int r = 0;

    root = json_object();
    if (!root)
        return aerr_internal(err, -ENOMEM);
    while (next_pair(&pos, end, &q)) {
        if (++count > PROTO_MAX_QUERY_PARAMS) {
            r = malformed(err, "Too many parameters in the query string");
            goto out;
        }
        r = pct_decode(q.k, q.klen, key, PROTO_MAX_QUERY_KEY, &kn);
        if (r == -E2BIG) {
            r = malformed(err, "A parameter name in the query string is too long");
            goto out;
        }
        if (r < 0 || !pct_valid(q.v, q.vlen)) {
            r = malformed(err, "The query string is not valid: bad percent-encoding");
            goto out;
        }
        if (!in || !in->n_members || memchr(key, '\0', kn)
            || (kn == 6 && !memcmp(key, "Action", 6)) || (kn == 7 && !memcmp(key, "Version", 7)))
            continue;
        r = put_param(&d, root, in, key, kn, q.v, q.vlen);
        if (r < 0)
            goto out;
    }
    if (!in) {
        *ret_in = root;
        verr_done(&d.ve);
        return 0;
    }
    if (d.ve.n) {
        r = verr_finish(&d.ve, "ValidationError", err);
        goto out;
    }
    d.path.len = 0;
    d.path.buf[0] = '\0';
    final = finalize(&d, in, root, 0);
    if (!final) {
        r = -EINVAL;
        goto out;
    }
    if (d.ve.n) {
        r = verr_finish(&d.ve, "ValidationError", err);
        goto out;
    }
    r = proto_validate(in, final, "ValidationError", err);
    if (r < 0)
        goto out;
    *ret_in = final;
    final = NULL;
out:
    verr_done(&d.ve);
    json_decref(final);
    json_decref(root);
    return r < 0 ? r : 0;
}

/* ---- encode ---- */

static int
tag(struct pbuf *b, const char *name, bool close)
{
    int r = pbuf_puts(b, close ? "</" : "<");

    r |= pbuf_puts(b, name);
    r |= pbuf_putc(b, '>');
    return r;
}

static int write_value(struct pbuf *b, const struct shape *s, json_t *v, unsigned depth);

static int
write_members(struct pbuf *b, const struct shape *s, json_t *obj, unsigned depth)
{
    size_t i, j;
    int r = 0;

    for (i = 0; i < s->n_members && !r; i++) {
        const struct shape_member *m = &s->members[i];
        const struct shape *ms = m->shape;
        json_t *v = json_object_get(obj, m->name), *e;
        const char *name, *k;

        if (!v || json_is_null(v) || !value_compatible(ms, v))
            continue;
        if (ms->type == SHAPE_LIST && member_flattened(m)) {
            name = flat_list_name(m);
            json_array_foreach(v, j, e) {
                if (!value_compatible(ms->member, e))
                    continue;
                r |= tag(b, name, false);
                r |= write_value(b, ms->member, e, depth + 1);
                r |= tag(b, name, true);
            }
        } else if (ms->type == SHAPE_MAP && member_flattened(m)) {
            name = member_wire_name(m);
            json_object_foreach(v, k, e) {
                if (!value_compatible(ms->value, e))
                    continue;
                r |= tag(b, name, false);
                r |= tag(b, ms->key_location_name ? ms->key_location_name : "key", false);
                r |= xml_escape(b, k, strlen(k));
                r |= tag(b, ms->key_location_name ? ms->key_location_name : "key", true);
                r |= tag(b, ms->value_location_name ? ms->value_location_name : "value", false);
                r |= write_value(b, ms->value, e, depth + 1);
                r |= tag(b, ms->value_location_name ? ms->value_location_name : "value", true);
                r |= tag(b, name, true);
            }
        } else {
            name = member_wire_name(m);
            r |= tag(b, name, false);
            r |= write_value(b, ms, v, depth + 1);
            r |= tag(b, name, true);
        }
    }
    return r;
}

static int
write_value(struct pbuf *b, const struct shape *s, json_t *v, unsigned depth)
{
    char num[PROTO_MAX_TIME_LEN > PROTO_MAX_NUM_LEN ? PROTO_MAX_TIME_LEN : PROTO_MAX_NUM_LEN];
    const char *mln, *kln, *vln, *k;
    json_t *e;
    size_t i;
    double t;
    int r = 0;

    if (depth > PROTO_MAX_DEPTH)
        return 0;
    switch (s->type) {
    case SHAPE_STRUCTURE:
        return write_members(b, s, v, depth);
    case SHAPE_LIST:
        mln = s->member_location_name ? s->member_location_name : "member";
        json_array_foreach(v, i, e) {
            if (!value_compatible(s->member, e))
                continue;
            r |= tag(b, mln, false);
            r |= write_value(b, s->member, e, depth + 1);
            r |= tag(b, mln, true);
        }
        return r;
    case SHAPE_MAP:
        kln = s->key_location_name ? s->key_location_name : "key";
        vln = s->value_location_name ? s->value_location_name : "value";
        json_object_foreach(v, k, e) {
            if (!value_compatible(s->value, e))
                continue;
            r |= pbuf_puts(b, "<entry>");
            r |= tag(b, kln, false);
            r |= xml_escape(b, k, strlen(k));
            r |= tag(b, kln, true);
            r |= tag(b, vln, false);
            r |= write_value(b, s->value, e, depth + 1);
            r |= tag(b, vln, true);
            r |= pbuf_puts(b, "</entry>");
        }
        return r;
    case SHAPE_STRING:
    case SHAPE_BLOB:
        return xml_escape(b, json_string_value(v), json_string_length(v));
    case SHAPE_INTEGER:
    case SHAPE_LONG:
        snprintf(num, sizeof(num), "%lld", json_is_integer(v) ? (long long) json_integer_value(v)
                                                             : (long long) json_real_value(v));
        return pbuf_puts(b, num);
    case SHAPE_BOOLEAN:
        return pbuf_puts(b, json_is_true(v) ? "true" : "false");
    case SHAPE_DOUBLE:
    case SHAPE_FLOAT:
        double_format(json_number_value(v), num);
        return pbuf_puts(b, num);
    case SHAPE_TIMESTAMP:
        (void) time_from_json(v, &t);
        if (s->timestamp_format && !strcmp(s->timestamp_format, "unixTimestamp"))
            time_format_epoch(t, num);
        else if (s->timestamp_format && !strcmp(s->timestamp_format, "rfc822"))
            time_format_rfc822(t, num);
        else
            time_format_iso(t, num);
        return pbuf_puts(b, num);
    }
    return 0;
}

static int
open_root(struct pbuf *b, const char *name, const char *suffix, const struct model_service *svc)
{
    int r = pbuf_putc(b, '<');

    r |= pbuf_puts(b, name);
    r |= pbuf_puts(b, suffix);
    if (svc && svc->xml_namespace) {
        r |= pbuf_puts(b, " xmlns=\"");
        r |= xml_escape(b, svc->xml_namespace, strlen(svc->xml_namespace));
        r |= pbuf_putc(b, '"');
    }
    r |= pbuf_putc(b, '>');
    return r;
}

int
awsquery_encode(const struct model_service *svc, const struct model_op *op, json_t *out,
                const char *request_id, struct pbuf *ret)
{
    size_t start = ret->len;
    const char *id = request_id ? request_id : "";
    int r;

    r = open_root(ret, op->name, "Response", svc);
    /* An operation with an output shape always has its Result element, even empty
     * (<UpdateRoleResult/>): botocore's parser expects it. */
    if (op->output) {
        if (op->result_wrapper)
            r |= tag(ret, op->result_wrapper, false);
        if (json_is_object(out))
            r |= write_members(ret, op->output, out, 1);
        if (op->result_wrapper)
            r |= tag(ret, op->result_wrapper, true);
    }
    r |= pbuf_puts(ret, "<ResponseMetadata><RequestId>");
    r |= xml_escape(ret, id, strlen(id));
    r |= pbuf_puts(ret, "</RequestId></ResponseMetadata></");
    r |= pbuf_puts(ret, op->name);
    r |= pbuf_puts(ret, "Response>");
    if (r) {
        ret->len = start;
        if (ret->buf)
            ret->buf[start] = '\0';
        return -ENOMEM;
    }
    return 0;
}

int
awsquery_encode_error(const struct model_service *svc, const struct aerr *err,
                      const char *request_id, struct pbuf *ret)
{
    size_t start = ret->len;
    bool set = err && err->status && err->code;
    int status = set ? err->status : 500;
    const char *code = set ? err->code : "InternalFailure";
    const char *msg = set ? err->msg : INTERNAL_MESSAGE;
    const char *id = request_id ? request_id : "";
    int r;

    r = open_root(ret, "ErrorResponse", "", svc);
    r |= pbuf_puts(ret, "<Error><Type>");
    r |= pbuf_puts(ret, status >= 500 ? "Receiver" : "Sender");
    r |= pbuf_puts(ret, "</Type><Code>");
    r |= xml_escape(ret, code, strlen(code));
    r |= pbuf_puts(ret, "</Code><Message>");
    r |= xml_escape(ret, msg, strnlen(msg, AERR_MAX_MSG));
    r |= pbuf_puts(ret, "</Message></Error><RequestId>");
    r |= xml_escape(ret, id, strlen(id));
    r |= pbuf_puts(ret, "</RequestId></ErrorResponse>");
    if (r) {
        ret->len = start;
        if (ret->buf)
            ret->buf[start] = '\0';
        return -ENOMEM;
    }
    return 0;
}
