/* src/proto/validate.c - check a value tree against a model shape, worded as AWS words it
 * ("1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: ...").
 * Used by: the proto/ decoders, core/ (trees built by the server itself). Uses: pcre2.
 *
 * Patterns are Java regexes from the models; PCRE2 compiles them (with \uXXXX) once per
 * shape into a cache of atomically published codes, matched against the whole string. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../base/log.h"

#define PATTERN_MATCH_LIMIT 1000000   /* backtracking steps per match: a ReDoS guard */
#define PATTERN_HEAP_LIMIT  4096      /* KiB of backtracking memory per match */

/* ---- the collector ---- */

/* Append s[0..n) with NUL and invalid UTF-8 replaced by U+FFFD (messages are user text). */
static void
append_clean(struct pbuf *b, const char *s, size_t n)
{
    size_t i = 0, run = 0;

    while (i < n) {
        size_t k;

        if ((unsigned char) s[i] < 0x80 && s[i]) {
            run++;
            i++;
            continue;
        }
        for (k = 1; k <= 4 && i + k <= n; k++)
            if (utf8_valid(s + i, k, false))
                break;
        if (k <= 4 && i + k <= n) {
            run += k;
            i += k;
            continue;
        }
        (void) pbuf_append(b, s + i - run, run);
        (void) pbuf_puts(b, "\xef\xbf\xbd");
        run = 0;
        i++;
    }
    (void) pbuf_append(b, s + n - run, run);
}

/* Starts one failure: "; " and "Value ". Returns false when the text is full (counted only). */
static bool
verr_begin(struct verr *ve)
{
    ve->n++;
    if (ve->text.len >= PROTO_MAX_VERR_TEXT)
        return false;
    if (ve->n > 1)
        (void) pbuf_puts(&ve->text, "; ");
    (void) pbuf_puts(&ve->text, "Value ");
    return true;
}

static void
verr_end(struct verr *ve, const char *path, const char *constraint)
{
    (void) pbuf_puts(&ve->text, "at '");
    append_clean(&ve->text, path, strlen(path));
    (void) pbuf_puts(&ve->text, "' failed to satisfy constraint: ");
    append_clean(&ve->text, constraint, strlen(constraint));
}

static void
quote(struct verr *ve, const char *s, size_t n)
{
    if (n > PROTO_MAX_VERR_TEXT)
        n = utf8_trim(s, PROTO_MAX_VERR_TEXT);
    (void) pbuf_putc(&ve->text, '\'');
    append_clean(&ve->text, s, n);
    (void) pbuf_puts(&ve->text, "' ");
}

void
verr_add(struct verr *ve, const struct shape *s, json_t *v, const char *path,
         const char *constraint_fmt, ...)
{
    char constraint[AERR_MAX_MSG], num[PROTO_MAX_NUM_LEN];
    va_list ap;

    if (!verr_begin(ve))
        return;
    va_start(ap, constraint_fmt);
    vsnprintf(constraint, sizeof(constraint), constraint_fmt, ap);
    va_end(ap);
    if (!v || json_is_null(v)) {
        (void) pbuf_puts(&ve->text, "null ");
    } else if (s && s->sensitive) {
        /* AWS leaves sensitive values out: "Value at 'value' failed to ..." */
    } else if (json_is_string(v)) {
        quote(ve, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v) && !ve->query) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        quote(ve, num, strlen(num));
    } else if (json_is_real(v) && !ve->query) {
        double_format(json_real_value(v), num);
        quote(ve, num, strlen(num));
    } else if (json_is_boolean(v)) {
        quote(ve, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
    }
    /* lists, maps and structures are not quoted */
    verr_end(ve, path, constraint);
}

void
verr_add_text(struct verr *ve, const struct shape *s, const char *text, size_t n,
              const char *path, const char *constraint)
{
    if (!verr_begin(ve))
        return;
    if (!s || !s->sensitive)
        quote(ve, text, n);
    verr_end(ve, path, constraint);
}

void
verr_done(struct verr *ve)
{
    pbuf_done(&ve->text);
    ve->n = 0;
}

int
verr_finish(struct verr *ve, const char *code, struct aerr *err)
{
    size_t len, room;
    int n;

    if (!ve->n) {
        verr_done(ve);
        return 0;
    }
    if (err) {
        err->status = 400;
        err->code = code;
        n = snprintf(err->msg, sizeof(err->msg), "%u validation error%s detected: ", ve->n,
                     ve->n == 1 ? "" : "s");
        len = n > 0 ? (size_t) n : 0;
        room = sizeof(err->msg) - 1 - len;
        if (ve->text.buf) {
            size_t k = ve->text.len <= room ? ve->text.len : utf8_trim(ve->text.buf, room);

            memcpy(err->msg + len, ve->text.buf, k);
            len += k;
        }
        err->msg[len] = '\0';
    }
    verr_done(ve);
    return -EINVAL;
}

/* ---- patterns ---- */

static pthread_once_t          pattern_once = PTHREAD_ONCE_INIT;
static pthread_key_t           match_data_key;
static pcre2_compile_context  *compile_ctx;
static pcre2_match_context    *match_ctx;
static _Atomic(pcre2_code *) *_Atomic pattern_cache;   /* model_n_shapes entries */
static char                    pattern_bad_marker;
#define PATTERN_BAD ((pcre2_code *) (void *) &pattern_bad_marker)

static void
match_data_free(void *md)
{
    pcre2_match_data_free(md);
}

static void
pattern_init(void)
{
    (void) pthread_key_create(&match_data_key, match_data_free);
    compile_ctx = pcre2_compile_context_create(NULL);
    if (compile_ctx)
        (void) pcre2_set_compile_extra_options(compile_ctx, PCRE2_EXTRA_ALT_BSUX);
    match_ctx = pcre2_match_context_create(NULL);
    if (match_ctx) {
        (void) pcre2_set_match_limit(match_ctx, PATTERN_MATCH_LIMIT);
        (void) pcre2_set_heap_limit(match_ctx, PATTERN_HEAP_LIMIT);
    }
}

static pcre2_code *
pattern_compile(const struct shape *s)
{
    pcre2_code *code;
    int errcode;
    PCRE2_SIZE erroff;

    /* Java's String.matches(): the whole subject must match. */
    code = pcre2_compile((PCRE2_SPTR) s->pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                         &errcode, &erroff, compile_ctx);
    if (!code) {
        PCRE2_UCHAR msg[128];

        pcre2_get_error_message(errcode, msg, sizeof(msg));
        log_debug("proto: pattern of shape '%s' not usable (%s at %zu), ignoring",
                  s->name, (const char *) msg, (size_t) erroff);
        return NULL;
    }
    (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);   /* the interpreter if no JIT */
    return code;
}

static bool
is_model_shape(const struct shape *s)
{
    return s->index >= 0 && (size_t) s->index < model_n_shapes && s == &model_shapes[s->index];
}

/* The compiled pattern of s, or NULL when it has none or PCRE2 cannot compile it.
 * *ret_owned is set when the caller must free it (a shape outside the model tables). */
static pcre2_code *
pattern_get(const struct shape *s, bool *ret_owned)
{
    _Atomic(pcre2_code *) *cache, *fresh = NULL;
    pcre2_code *code, *expected;

    *ret_owned = false;
    pthread_once(&pattern_once, pattern_init);
    if (!is_model_shape(s)) {
        *ret_owned = true;
        return pattern_compile(s);
    }
    cache = atomic_load_explicit(&pattern_cache, memory_order_acquire);
    if (!cache) {
        fresh = calloc(model_n_shapes, sizeof(*fresh));
        if (!fresh) {
            *ret_owned = true;
            return pattern_compile(s);
        }
        if (atomic_compare_exchange_strong_explicit(&pattern_cache, &cache, fresh,
                                                    memory_order_acq_rel, memory_order_acquire))
            cache = fresh;
        else
            free(fresh);              /* another thread published first; cache is theirs */
    }
    code = atomic_load_explicit(&cache[s->index], memory_order_acquire);
    if (code)
        return code == PATTERN_BAD ? NULL : code;
    code = pattern_compile(s);
    expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&cache[s->index], &expected,
                                                 code ? code : PATTERN_BAD,
                                                 memory_order_acq_rel, memory_order_acquire)) {
        pcre2_code_free(code);        /* lost the race: use the published one */
        code = expected == PATTERN_BAD ? NULL : expected;
    }
    return code;
}

/* Whether str matches s's pattern; true when s has no usable pattern. */
static bool
pattern_ok(const struct shape *s, const char *str, size_t n)
{
    pcre2_match_data *md;
    pcre2_code *code;
    bool owned, ok = true;
    int rc;

    if (!s->pattern)
        return true;
    code = pattern_get(s, &owned);
    if (!code)
        return true;
    md = pthread_getspecific(match_data_key);
    if (!md) {
        md = pcre2_match_data_create(1, NULL);
        if (md && pthread_setspecific(match_data_key, md)) {
            pcre2_match_data_free(md);
            md = NULL;
        }
    }
    if (md) {
        rc = pcre2_match(code, (PCRE2_SPTR) str, n, 0, 0, md, match_ctx);
        /* 0: matched, ovector too small for the groups (we need none). Limits and bad
         * UTF-8 count as a failure: never accept what we could not check. */
        ok = rc >= 0;
    }
    if (owned)
        pcre2_code_free(code);
    return ok;
}

/* ---- constraints ---- */

static void
fmt_limit(double v, char buf[PROTO_MAX_NUM_LEN])
{
    if (v == (double) (long long) v)
        snprintf(buf, PROTO_MAX_NUM_LEN, "%lld", (long long) v);
    else
        double_format(v, buf);
}

static bool
is_scalar(const struct shape *s)
{
    return s->type != SHAPE_STRUCTURE && s->type != SHAPE_LIST && s->type != SHAPE_MAP;
}

static bool
is_number(const struct shape *s)
{
    return s->type == SHAPE_INTEGER || s->type == SHAPE_LONG || s->type == SHAPE_DOUBLE
           || s->type == SHAPE_FLOAT;
}

/* The constraints AWS states for a shape, for "Map keys must satisfy constraint: [...]". */
static void
constraint_list(const struct shape *s, bool type_failed, struct pbuf *out)
{
    char num[PROTO_MAX_NUM_LEN];
    const char *what = is_number(s) ? "value" : "length";
    const char *sep = "";

    (void) pbuf_putc(out, '[');
    if (type_failed) {
        (void) pbuf_printf(out, "Member must be %s", shape_type_desc(s));
        sep = ", ";
    }
    if (s->has_max) {
        fmt_limit(s->max, num);
        (void) pbuf_printf(out, "%sMember must have %s less than or equal to %s", sep, what, num);
        sep = ", ";
    }
    if (s->has_min) {
        fmt_limit(s->min, num);
        (void) pbuf_printf(out, "%sMember must have %s greater than or equal to %s", sep, what, num);
        sep = ", ";
    }
    if (s->pattern) {
        (void) pbuf_printf(out, "%sMember must satisfy regular expression pattern: %s", sep,
                           s->pattern);
        sep = ", ";
    }
    if (s->enum_values) {
        const char *const *e;

        (void) pbuf_printf(out, "%sMember must satisfy enum value set: [", sep);
        for (e = s->enum_values; *e; e++)
            (void) pbuf_printf(out, "%s%s", e == s->enum_values ? "" : ", ", *e);
        (void) pbuf_putc(out, ']');
    }
    (void) pbuf_putc(out, ']');
}

static bool
type_ok(const struct shape *s, json_t *v)
{
    json_int_t i;

    switch (s->type) {
    case SHAPE_STRUCTURE:
    case SHAPE_MAP:       return json_is_object(v);
    case SHAPE_LIST:      return json_is_array(v);
    case SHAPE_STRING:    return json_is_string(v);
    case SHAPE_INTEGER:
        if (!json_is_integer(v))
            return false;
        i = json_integer_value(v);
        return i >= INT32_MIN && i <= INT32_MAX;
    case SHAPE_LONG:      return json_is_integer(v);
    case SHAPE_BOOLEAN:   return json_is_boolean(v);
    case SHAPE_TIMESTAMP:
    case SHAPE_DOUBLE:
    case SHAPE_FLOAT:     return json_is_number(v);
    case SHAPE_BLOB:
        return json_is_string(v) && base64_check(json_string_value(v), json_string_length(v), NULL);
    }
    return false;
}

/* Check a string's (or blob's) constraints; with ve NULL only count failures. v is the
 * value quoted in messages. */
static unsigned
check_text(struct verr *ve, const struct shape *s, json_t *v, const char *str, size_t n,
           const char *path)
{
    char num[PROTO_MAX_NUM_LEN];
    unsigned fails = 0;
    size_t len = n;

    if (s->type == SHAPE_STRING)
        len = utf8_count(str, n);
    else
        (void) base64_check(str, n, &len);
    if (s->has_max && (double) len > s->max) {
        fails++;
        if (ve) {
            fmt_limit(s->max, num);
            verr_add(ve, s, v, path, "Member must have length less than or equal to %s", num);
        }
    }
    if (s->has_min && (double) len < s->min) {
        fails++;
        if (ve) {
            fmt_limit(s->min, num);
            verr_add(ve, s, v, path, "Member must have length greater than or equal to %s", num);
        }
    }
    if (s->type == SHAPE_STRING && !pattern_ok(s, str, n)) {
        fails++;
        if (ve)
            verr_add(ve, s, v, path, "Member must satisfy regular expression pattern: %s",
                     s->pattern);
    }
    if (s->type == SHAPE_STRING && s->enum_values) {
        const char *const *e;

        for (e = s->enum_values; *e; e++)
            if (strlen(*e) == n && !memcmp(*e, str, n))
                break;
        if (!*e) {
            fails++;
            if (ve) {
                struct pbuf list = {0};

                for (e = s->enum_values; *e; e++)
                    (void) pbuf_printf(&list, "%s%s", e == s->enum_values ? "" : ", ", *e);
                verr_add(ve, s, v, path, "Member must satisfy enum value set: [%s]",
                         list.buf ? list.buf : "");
                pbuf_done(&list);
            }
        }
    }
    return fails;
}

/* Check a scalar's constraints (type already right). With ve NULL only count failures. */
static unsigned
check_scalar(struct verr *ve, const struct shape *s, json_t *v, const char *path)
{
    char num[PROTO_MAX_NUM_LEN];
    unsigned fails = 0;

    if (s->type == SHAPE_STRING || s->type == SHAPE_BLOB) {
        fails = check_text(ve, s, v, json_string_value(v), json_string_length(v), path);
    } else if (is_number(s)) {
        double d = json_number_value(v);

        if (s->has_max && d > s->max) {
            fails++;
            if (ve) {
                fmt_limit(s->max, num);
                verr_add(ve, s, v, path, "Member must have value less than or equal to %s", num);
            }
        }
        if (s->has_min && d < s->min) {
            fails++;
            if (ve) {
                fmt_limit(s->min, num);
                verr_add(ve, s, v, path, "Member must have value greater than or equal to %s", num);
            }
        }
    }
    return fails;
}

/* A map's keys and scalar values are reported once per map, with every constraint of the
 * key or value shape ("Map keys must satisfy constraint: [...]"); structured values are
 * checked member by member under the path 'map.key'. */
static void
validate_map(struct verr *ve, const struct shape *s, json_t *v, struct vpath *p, unsigned depth)
{
    bool keys_bad = false, values_bad = false, values_type = false;
    struct pbuf list = {0};
    const char *k;
    json_t *val;

    json_object_foreach(v, k, val) {
        if (s->key->type == SHAPE_STRING && check_text(NULL, s->key, NULL, k, strlen(k), p->buf))
            keys_bad = true;
        if (val && !json_is_null(val) && is_scalar(s->value)) {
            if (!type_ok(s->value, val))
                values_bad = values_type = true;
            else if (check_scalar(NULL, s->value, val, p->buf))
                values_bad = true;
        }
    }
    if (keys_bad) {
        constraint_list(s->key, false, &list);
        verr_add(ve, s, v, p->buf, "Map keys must satisfy constraint: %s",
                 list.buf ? list.buf : "[]");
        list.len = 0;
    }
    if (values_bad) {
        constraint_list(s->value, values_type, &list);
        verr_add(ve, s, v, p->buf, "Map value must satisfy constraint: %s",
                 list.buf ? list.buf : "[]");
    }
    pbuf_done(&list);
    json_object_foreach(v, k, val) {
        if (!val || json_is_null(val)) {
            verr_add(ve, s->value, NULL, p->buf, "Map value must not be null");
        } else if (!is_scalar(s->value)) {
            size_t saved = vpath_push_raw(p, k, strlen(k));

            validate_value(ve, s->value, val, p, depth + 1);
            vpath_pop(p, saved);
        }
    }
}

void
validate_value(struct verr *ve, const struct shape *s, json_t *v, struct vpath *p,
               unsigned depth)
{
    char num[PROTO_MAX_NUM_LEN];
    size_t i, n, saved;

    if (depth > PROTO_MAX_DEPTH) {
        verr_add(ve, s, v, p->buf, "Member must not be nested deeper than %d levels",
                 PROTO_MAX_DEPTH);
        return;
    }
    if (!type_ok(s, v)) {
        verr_add(ve, s, v, p->buf, "Member must be %s", shape_type_desc(s));
        return;
    }
    switch (s->type) {
    case SHAPE_STRUCTURE:
        for (i = 0; i < s->n_members; i++) {
            const struct shape_member *m = &s->members[i];
            json_t *child = json_object_get(v, m->name);

            saved = vpath_push_member(p, m->name);
            if (!child || json_is_null(child)) {
                if (m->flags & MEMBER_REQUIRED)
                    verr_add(ve, m->shape, NULL, p->buf, "Member must not be null");
            } else {
                validate_value(ve, m->shape, child, p, depth + 1);
            }
            vpath_pop(p, saved);
        }
        return;
    case SHAPE_LIST:
        n = json_array_size(v);
        if (s->has_max && (double) n > s->max) {
            fmt_limit(s->max, num);
            verr_add(ve, s, v, p->buf, "Member must have length less than or equal to %s", num);
        }
        if (s->has_min && (double) n < s->min) {
            fmt_limit(s->min, num);
            verr_add(ve, s, v, p->buf, "Member must have length greater than or equal to %s", num);
        }
        for (i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);

            saved = vpath_push_index(p, i + 1);
            if (json_is_null(e))
                verr_add(ve, s->member, NULL, p->buf, "Member must not be null");
            else
                validate_value(ve, s->member, e, p, depth + 1);
            vpath_pop(p, saved);
        }
        return;
    case SHAPE_MAP:
        n = json_object_size(v);
        if (s->has_max && (double) n > s->max) {
            fmt_limit(s->max, num);
            verr_add(ve, s, v, p->buf, "Member must have length less than or equal to %s", num);
        }
        if (s->has_min && (double) n < s->min) {
            fmt_limit(s->min, num);
            verr_add(ve, s, v, p->buf, "Member must have length greater than or equal to %s", num);
        }
        validate_map(ve, s, v, p, depth);
        return;
    default:
        (void) check_scalar(ve, s, v, p->buf);
    }
}

int
proto_validate(const struct shape *s, json_t *v, const char *code, struct aerr *err)
{
    struct verr ve = { .query = code && !strcmp(code, "ValidationError") };
    struct vpath p = { .len = 0 };

    if (!s)
        return 0;
    p.buf[0] = '\0';
    validate_value(&ve, s, v, &p, 0);
    return verr_finish(&ve, code ? code : "ValidationException", err);
}
