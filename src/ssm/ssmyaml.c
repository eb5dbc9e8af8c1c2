/* src/ssm/ssmyaml.c - YAML text <-> jansson value trees for SSM documents, with libyaml.
 * Used by: ssm/docparse.c. Uses: libyaml, jansson.
 *
 * Loading resolves plain scalars by the YAML 1.2 core schema (null, true/false, integers,
 * floats; everything else is a string), honours the standard !!str/!!int/... tags, expands
 * aliases by copying within a budget (nodes and bytes), and refuses what a document never
 * needs: complex keys, duplicate keys, several documents, unknown tags.
 * Dumping writes block style and quotes any string that a YAML 1.1 or 1.2 reader would take
 * for something else ("true", "yes", "0.3", "~", ""), so a dump loads back to the same tree. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "internal.h"

#define YAML_MAX_ANCHORS   1000              /* distinct anchors in one document */
#define YAML_MAX_BYTES     (4 * 1024 * 1024) /* string bytes once aliases are expanded */
#define YAML_MAX_OUTPUT    (16 * 1024 * 1024)/* a dump never grows past this */

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
    json_t *node;            /* object or array being filled */
    char   *key;             /* object: the key waiting for its value, or NULL */
    char   *anchor;          /* anchor of this collection, registered at its end */
    size_t  nodes_at_start;  /* for the anchor's weight */
    size_t  bytes_at_start;
};

struct anchor {
    char   *name;
    json_t *node;
    size_t  nodes, bytes;    /* weight of one copy */
    int     depth;           /* nesting inside node (0 for a scalar) */
};

struct loader {
    struct frame  stack[SSMDOC_MAX_DEPTH + 1];
    int           depth;
    struct anchor anchors[YAML_MAX_ANCHORS];
    size_t        n_anchors;
    size_t        nodes, bytes;
    json_t       *root;
    struct aerr  *err;
};

static int
bad(struct loader *l, const yaml_event_t *ev, const char *what)
{
    return aerr_set(l->err, -EINVAL, 400, "InvalidDocumentContent",
                    "YAML not well-formed. at Line: %zu, Column: %zu (%s)",
                    (size_t) ev->start_mark.line + 1, (size_t) ev->start_mark.column + 1, what);
}

static int
value_depth(const json_t *v)
{
    int d = 0, c;
    size_t i;
    const char *k;
    json_t *e;

    if (json_is_object(v)) {
        json_object_foreach((json_t *) v, k, e) {
            c = value_depth(e) + 1;
            if (c > d)
                d = c;
        }
        return d ? d : 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            c = value_depth(e) + 1;
            if (c > d)
                d = c;
        }
        return d ? d : 1;
    }
    return 0;
}

/* Whole-text matches for the core schema. */
static int
is_int_text(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int
is_float_text(const char *s)
{
    int digits = 0;

    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static int
is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static int
bool_text(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return 0;
    return -1;
}

/* An integer that fits, else NULL (the caller falls back to a real or a string). */
static json_t *
int_value(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o') && s[2]) {
        if (strspn(s + 2, s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567") != strlen(s + 2))
            return NULL;
        v = strtoll(s + 2, &end, s[1] == 'x' ? 16 : 8);
    } else {
        if (!is_int_text(s))
            return NULL;
        v = strtoll(s, &end, 10);
    }
    if (errno || *end)
        return NULL;
    return json_integer((json_int_t) v);
}

static json_t *
real_value(const char *s)
{
    char *end;
    double d;

    if (!is_float_text(s))
        return NULL;
    errno = 0;
    d = strtod(s, &end);
    if (*end || !isfinite(d))
        return NULL;
    return json_real(d);
}

static json_t *
plain_value(const char *s, size_t len)
{
    json_t *v;
    int b;

    if (is_null_text(s))
        return json_null();
    if ((b = bool_text(s)) >= 0)
        return json_boolean(b);
    if ((v = int_value(s)))
        return v;
    if ((v = real_value(s)))
        return v;
    return json_stringn(s, len);
}

/* Build the value of a scalar event; NULL with *rc set (-EINVAL with err filled when the tag
 * or text is bad, -ENOMEM). */
static json_t *
scalar_value(struct loader *l, const yaml_event_t *ev, int *rc)
{
    const char *s = (const char *) ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *) ev->data.scalar.tag;
    json_t *v = NULL;
    int b;

    if (!tag || !strcmp(tag, "!")) {
        if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strlen(s) == len)
            v = plain_value(s, len);
        else
            v = json_stringn(s, len);
        if (!v)
            *rc = bad(l, ev, "invalid UTF-8 in a scalar");
        return v;
    }
    if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX))) {
        *rc = bad(l, ev, "unsupported tag");
        return NULL;
    }
    tag += strlen(TAG_PREFIX);
    if (!strcmp(tag, "str"))
        v = json_stringn(s, len);
    else if (strlen(s) != len)
        v = NULL;
    else if (!strcmp(tag, "int"))
        v = int_value(s);
    else if (!strcmp(tag, "float")) {
        if ((v = int_value(s))) {
            json_t *i = v;
            v = json_real((double) json_integer_value(i));
            json_decref(i);
        } else {
            v = real_value(s);
        }
    }
    else if (!strcmp(tag, "bool"))
        v = (b = bool_text(s)) >= 0 ? json_boolean(b) : NULL;
    else if (!strcmp(tag, "null"))
        v = is_null_text(s) ? json_null() : NULL;
    else {
        *rc = bad(l, ev, "unsupported tag");
        return NULL;
    }
    if (!v)
        *rc = bad(l, ev, "value does not match its tag");
    return v;
}

static int
check_collection_tag(struct loader *l, const yaml_event_t *ev, const yaml_char_t *tag,
                     const char *want)
{
    if (!tag || !strcmp((const char *) tag, "!"))
        return 0;
    if (!strncmp((const char *) tag, TAG_PREFIX, strlen(TAG_PREFIX)) &&
        !strcmp((const char *) tag + strlen(TAG_PREFIX), want))
        return 0;
    return bad(l, ev, "unsupported tag");
}

static int
count(struct loader *l, const yaml_event_t *ev, size_t nodes, size_t bytes)
{
    l->nodes += nodes;
    l->bytes += bytes;
    if (l->nodes > SSMDOC_MAX_NODES || l->bytes > YAML_MAX_BYTES)
        return bad(l, ev, "document too large once aliases are expanded");
    return 0;
}

static int
add_anchor(struct loader *l, const yaml_event_t *ev, const char *name, json_t *node,
           size_t nodes, size_t bytes)
{
    struct anchor *a = NULL;
    size_t i;

    for (i = 0; i < l->n_anchors; i++)
        if (!strcmp(l->anchors[i].name, name)) {
            a = &l->anchors[i];
            json_decref(a->node);
            break;
        }
    if (!a) {
        if (l->n_anchors == YAML_MAX_ANCHORS)
            return bad(l, ev, "too many anchors");
        a = &l->anchors[l->n_anchors];
        if (!(a->name = strdup(name)))
            return -ENOMEM;
        l->n_anchors++;
    }
    a->node = json_incref(node);
    a->nodes = nodes;
    a->bytes = bytes;
    a->depth = value_depth(node);
    return 0;
}

/* Attach a finished value (reference taken) to the collection on top, or make it the root. */
static int
attach(struct loader *l, const yaml_event_t *ev, json_t *v)
{
    struct frame *f;
    int r = 0;

    if (l->depth == 0) {
        if (l->root) {
            json_decref(v);
            return bad(l, ev, "more than one top-level value");
        }
        l->root = v;
        return 0;
    }
    f = &l->stack[l->depth - 1];
    if (json_is_array(f->node))
        return json_array_append_new(f->node, v) ? -ENOMEM : 0;
    if (!f->key) {
        json_decref(v);
        return bad(l, ev, "a map key must be a scalar");
    }
    if (json_object_get(f->node, f->key)) {
        json_decref(v);
        r = aerr_set(l->err, -EINVAL, 400, "InvalidDocumentContent",
                     "YAML not well-formed. at Line: %zu, Column: %zu (duplicate key '%.100s')",
                     (size_t) ev->start_mark.line + 1, (size_t) ev->start_mark.column + 1, f->key);
    } else if (json_object_set_new(f->node, f->key, v)) {
        r = -ENOMEM;
    }
    free(f->key);
    f->key = NULL;
    return r;
}

static int
awaiting_key(const struct loader *l)
{
    const struct frame *f;

    if (l->depth == 0)
        return 0;
    f = &l->stack[l->depth - 1];
    return json_is_object(f->node) && !f->key;
}

static int
on_scalar(struct loader *l, const yaml_event_t *ev)
{
    const char *anchor = (const char *) ev->data.scalar.anchor;
    struct frame *f;
    json_t *v;
    int r;

    if ((r = count(l, ev, 1, ev->data.scalar.length)) < 0)
        return r;
    if (awaiting_key(l)) {
        f = &l->stack[l->depth - 1];
        if (strlen((const char *) ev->data.scalar.value) != ev->data.scalar.length)
            return bad(l, ev, "a map key holds a NUL character");
        if (!(f->key = strdup((const char *) ev->data.scalar.value)))
            return -ENOMEM;
        return 0;
    }
    r = -ENOMEM;
    if (!(v = scalar_value(l, ev, &r)))
        return r;
    if (anchor && (r = add_anchor(l, ev, anchor, v, 1, ev->data.scalar.length)) < 0) {
        json_decref(v);
        return r;
    }
    return attach(l, ev, v);
}

static int
on_alias(struct loader *l, const yaml_event_t *ev)
{
    const char *name = (const char *) ev->data.alias.anchor;
    const struct anchor *a = NULL;
    json_t *copy;
    size_t i;
    int r;

    for (i = 0; i < l->n_anchors; i++)
        if (!strcmp(l->anchors[i].name, name))
            a = &l->anchors[i];
    if (!a)
        return bad(l, ev, "undefined alias");
    if (awaiting_key(l))
        return bad(l, ev, "a map key must be a scalar");
    if (l->depth + a->depth > SSMDOC_MAX_DEPTH)
        return bad(l, ev, "nesting too deep");
    if ((r = count(l, ev, a->nodes, a->bytes)) < 0)
        return r;
    if (!(copy = json_deep_copy(a->node)))
        return -ENOMEM;
    return attach(l, ev, copy);
}

static int
on_start(struct loader *l, const yaml_event_t *ev, int is_map)
{
    const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    struct frame *f;
    int r;

    if ((r = check_collection_tag(l, ev, tag, is_map ? "map" : "seq")) < 0)
        return r;
    if (awaiting_key(l))
        return bad(l, ev, "a map key must be a scalar");
    if (l->depth >= SSMDOC_MAX_DEPTH)
        return bad(l, ev, "nesting too deep");
    if ((r = count(l, ev, 1, 0)) < 0)
        return r;
    f = &l->stack[l->depth];
    memset(f, 0, sizeof(*f));
    if (!(f->node = is_map ? json_object() : json_array()))
        return -ENOMEM;
    if (anchor && !(f->anchor = strdup((const char *) anchor))) {
        json_decref(f->node);
        return -ENOMEM;
    }
    f->nodes_at_start = l->nodes - 1;
    f->bytes_at_start = l->bytes;
    l->depth++;
    return 0;
}

static int
on_end(struct loader *l, const yaml_event_t *ev)
{
    struct frame f;
    int r = 0;

    if (NEVER(l->depth == 0))
        return bad(l, ev, "unbalanced collection");
    f = l->stack[--l->depth];
    free(f.key);                       /* a key without value cannot happen; be safe */
    if (f.anchor)
        r = add_anchor(l, ev, f.anchor, f.node, l->nodes - f.nodes_at_start,
                       l->bytes - f.bytes_at_start);
    free(f.anchor);
    if (r < 0) {
        json_decref(f.node);
        return r;
    }
    return attach(l, ev, f.node);
}

static void
loader_done(struct loader *l)
{
    size_t i;

    while (l->depth > 0) {
        struct frame *f = &l->stack[--l->depth];
        json_decref(f->node);
        free(f->key);
        free(f->anchor);
    }
    for (i = 0; i < l->n_anchors; i++) {
        free(l->anchors[i].name);
        json_decref(l->anchors[i].node);
    }
    json_decref(l->root);
}

int
ssm_yaml_load(const char *text, size_t len, json_t **ret, struct aerr *err)
{
    struct loader *l;
    yaml_parser_t p;
    yaml_event_t ev;
    int r = 0, done = 0, docs = 0;

    if (!(l = calloc(1, sizeof(*l))))
        return -ENOMEM;
    l->err = err;
    if (!yaml_parser_initialize(&p)) {
        free(l);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *) text, len);
    while (!done && r == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            if (p.error == YAML_MEMORY_ERROR)
                r = -ENOMEM;
            else
                r = aerr_set(err, -EINVAL, 400, "InvalidDocumentContent",
                             "YAML not well-formed. at Line: %zu, Column: %zu",
                             (size_t) p.problem_mark.line + 1, (size_t) p.problem_mark.column + 1);
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                r = bad(l, &ev, "more than one document");
            break;
        case YAML_SCALAR_EVENT:
            r = on_scalar(l, &ev);
            break;
        case YAML_ALIAS_EVENT:
            r = on_alias(l, &ev);
            break;
        case YAML_MAPPING_START_EVENT:
            r = on_start(l, &ev, 1);
            break;
        case YAML_SEQUENCE_START_EVENT:
            r = on_start(l, &ev, 0);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            r = on_end(l, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (r == 0 && !l->root)
        r = aerr_set(err, -EINVAL, 400, "InvalidDocumentContent", "The document content is empty.");
    if (r == 0) {
        *ret = l->root;
        l->root = NULL;
    }
    loader_done(l);
    free(l);
    return r;
}

/* ---- dumping ---- */

struct outbuf {
    char  *buf;
    size_t len, cap;
    int    overflow;
};

static int
out_write(void *data, unsigned char *s, size_t n)
{
    struct outbuf *o = data;
    size_t cap;
    char *nb;

    if (o->len + n + 1 > YAML_MAX_OUTPUT) {
        o->overflow = 1;
        return 0;
    }
    if (o->len + n + 1 > o->cap) {
        cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        if (!(nb = realloc(o->buf, cap)))
            return 0;
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return 1;
}

/* Words YAML 1.1 readers (PyYAML, SnakeYAML) take for booleans. */
static int
yaml11_bool(const char *s)
{
    static const char *const words[] = {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "on", "On", "ON", "off", "Off", "OFF", NULL,
    };
    size_t i;

    for (i = 0; words[i]; i++)
        if (!strcmp(s, words[i]))
            return 1;
    return 0;
}

/* Would a reader take this string's plain form for something else? */
static int
needs_quotes(const char *s, size_t len)
{
    json_t *v;
    int other;

    if (len == 0 || strlen(s) != len)
        return 1;
    if (yaml11_bool(s) || !strcmp(s, ".inf") || !strcmp(s, "-.inf") || !strcmp(s, ".nan") ||
        !strcmp(s, ".Inf") || !strcmp(s, ".NaN") || !strcmp(s, "<<") || !strcmp(s, "="))
        return 1;
    /* sexagesimal and octal-looking numbers of YAML 1.1, and anything numeric-ish */
    if ((s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+' || s[0] == '.') && s[1]))
        if (strspn(s, "0123456789+-.:_eExXoOabcdefABCDEF") == len)
            return 1;
    v = plain_value(s, len);
    other = !json_is_string(v);
    json_decref(v);
    return other;
}

void
ssm_real_text(double d, char *buf, size_t cap)
{
    int prec;

    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strncat(buf, ".0", cap - strlen(buf) - 1);
}

static int
emit(yaml_emitter_t *e, yaml_event_t *ev)
{
    return yaml_emitter_emit(e, ev) ? 0 : -ENOMEM;
}

static int
emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;

    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) len, 1, 1, style))
        return -ENOMEM;
    return emit(e, &ev);
}

static int
emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;

    if (needs_quotes(s, len))
        style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
    else if (memchr(s, '\n', len))
        style = YAML_LITERAL_SCALAR_STYLE;
    return emit_scalar(e, s, len, style);
}

static int
emit_value(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    char buf[64];
    const char *k;
    json_t *m;
    size_t i;
    int r;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
            return -ENOMEM;
        if ((r = emit(e, &ev)) < 0)
            return r;
        json_object_foreach((json_t *) v, k, m) {
            if ((r = emit_string(e, k, strlen(k))) < 0 || (r = emit_value(e, m)) < 0)
                return r;
        }
        if (!yaml_mapping_end_event_initialize(&ev))
            return -ENOMEM;
        return emit(e, &ev);
    case JSON_ARRAY:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
            return -ENOMEM;
        if ((r = emit(e, &ev)) < 0)
            return r;
        json_array_foreach(v, i, m) {
            if ((r = emit_value(e, m)) < 0)
                return r;
        }
        if (!yaml_sequence_end_event_initialize(&ev))
            return -ENOMEM;
        return emit(e, &ev);
    case JSON_STRING:
        return emit_string(e, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
    case JSON_REAL:
        ssm_real_text(json_real_value(v), buf, sizeof(buf));
        return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
    case JSON_TRUE:
        return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE:
        return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    case JSON_NULL:
    default:
        return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    }
}

int
ssm_yaml_dump(const json_t *v, char **ret)
{
    struct outbuf o = { 0 };
    yaml_emitter_t e;
    yaml_event_t ev;
    int r = -ENOMEM;

    if (!yaml_emitter_initialize(&e))
        return -ENOMEM;
    yaml_emitter_set_output(&e, out_write, &o);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    yaml_emitter_set_indent(&e, 2);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(&e, &ev) < 0)
        goto out;
    if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || emit(&e, &ev) < 0)
        goto out;
    if (emit_value(&e, v) < 0)
        goto out;
    if (!yaml_document_end_event_initialize(&ev, 1) || emit(&e, &ev) < 0)
        goto out;
    if (!yaml_stream_end_event_initialize(&ev) || emit(&e, &ev) < 0)
        goto out;
    if (!yaml_emitter_flush(&e))
        goto out;
    r = 0;
out:
    yaml_emitter_delete(&e);
    if (r == 0 && !o.overflow && o.buf) {
        *ret = o.buf;
        return 0;
    }
    free(o.buf);
    return r < 0 ? r : -ENOMEM;
}
