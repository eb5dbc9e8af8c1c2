/* src/proto/awsjson.c - the awsJson 1.0/1.1 protocol (SSM, Events): JSON bodies shaped to
 * the model, answers filtered to the output shape, errors as {"__type", "message"}.
 * Used by: core/ dispatch, fuzz/. Uses: validate.c, wire.c, pbuf.c, jansson. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

#define JSON_ERR_SERIALIZATION "SerializationException"
#define INTERNAL_MESSAGE "We encountered an internal error. Please try again."

struct jdec {
    struct aerr *err;
};

static int
ser_error(struct jdec *d, const char *fmt, const char *arg)
{
    return aerr_set(d->err, -EINVAL, 400, JSON_ERR_SERIALIZATION, fmt, arg);
}

/* The name Coral gives a JSON token in its conversion errors. */
static const char *
token_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:  return "STRING_VALUE";
    case JSON_INTEGER:
    case JSON_REAL:    return "NUMBER_VALUE";
    case JSON_TRUE:    return "TRUE_VALUE";
    case JSON_FALSE:   return "FALSE_VALUE";
    case JSON_NULL:    return "NULL_VALUE";
    default:           return "VALUE";
    }
}

static int
mismatch(struct jdec *d, const struct shape *s, json_t *v)
{
    static const char *const target[] = {
        [SHAPE_STRUCTURE] = "a structure", [SHAPE_LIST] = "a list", [SHAPE_MAP] = "a map",
        [SHAPE_STRING] = "String", [SHAPE_INTEGER] = "an Integer", [SHAPE_LONG] = "a Long",
        [SHAPE_BOOLEAN] = "a Boolean", [SHAPE_TIMESTAMP] = "a Timestamp", [SHAPE_BLOB] = "a Blob",
        [SHAPE_DOUBLE] = "a Double", [SHAPE_FLOAT] = "a Float",
    };

    if (json_is_object(v))
        return ser_error(d, "%s", "Start of structure or map found where not expected.");
    if (json_is_array(v))
        return ser_error(d, "%s", "Start of list found where not expected");
    aerr_set(d->err, -EINVAL, 400, JSON_ERR_SERIALIZATION, "%s %s converted to %s",
             token_name(v), s->type == SHAPE_STRING ? "cannot be" : "can not be", target[s->type]);
    return -EINVAL;
}

/* The value v (from the request) as shape s: a new reference, or NULL with err filled. */
static json_t *
shape_json(struct jdec *d, const struct shape *s, json_t *v, unsigned depth)
{
    json_t *out = NULL, *e, *nv;
    const char *k;
    size_t i;
    double t;

    if (depth > PROTO_MAX_DEPTH) {
        ser_error(d, "%s", "The request nests too deeply");
        return NULL;
    }
    switch (s->type) {
    case SHAPE_STRUCTURE:
        if (!json_is_object(v))
            break;
        if (!(out = json_object()))
            goto oom;
        for (i = 0; i < s->n_members; i++) {
            const struct shape_member *m = &s->members[i];

            e = json_object_get(v, member_wire_name(m));
            if (!e || json_is_null(e))
                continue;             /* null is absent, as for AWS */
            if (!(nv = shape_json(d, m->shape, e, depth + 1)))
                goto fail;
            if (json_object_set_new(out, m->name, nv) < 0)
                goto oom;
        }
        return out;
    case SHAPE_LIST:
        if (!json_is_array(v))
            break;
        if (!(out = json_array()))
            goto oom;
        json_array_foreach(v, i, e) {
            /* a null element stays: validation answers "Member must not be null" */
            nv = json_is_null(e) ? json_null() : shape_json(d, s->member, e, depth + 1);
            if (!nv)
                goto fail;
            if (json_array_append_new(out, nv) < 0)
                goto oom;
        }
        return out;
    case SHAPE_MAP:
        if (!json_is_object(v))
            break;
        if (!(out = json_object()))
            goto oom;
        json_object_foreach(v, k, e) {
            nv = json_is_null(e) ? json_null() : shape_json(d, s->value, e, depth + 1);
            if (!nv)
                goto fail;
            if (json_object_set_new(out, k, nv) < 0)
                goto oom;
        }
        return out;
    case SHAPE_STRING:
        if (json_is_string(v))
            return json_incref(v);
        break;
    case SHAPE_INTEGER:
    case SHAPE_LONG:
        if (json_is_integer(v) || (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))
                                   && fabs(json_real_value(v)) < 9.2e18)) {
            json_int_t n = json_is_integer(v) ? json_integer_value(v)
                                              : (json_int_t) json_real_value(v);

            if (s->type == SHAPE_INTEGER && (n < INT32_MIN || n > INT32_MAX))
                break;
            return json_is_integer(v) ? json_incref(v) : json_integer(n);
        }
        break;
    case SHAPE_BOOLEAN:
        if (json_is_boolean(v))
            return json_incref(v);
        break;
    case SHAPE_DOUBLE:
    case SHAPE_FLOAT:
        if (json_is_real(v))
            return json_incref(v);
        if (json_is_integer(v))
            return json_real((double) json_integer_value(v));
        break;
    case SHAPE_TIMESTAMP:
        if (json_is_number(v))
            return json_incref(v);
        if (json_is_string(v) && time_parse(json_string_value(v), json_string_length(v), &t))
            return t == floor(t) && fabs(t) < 9e15 ? json_integer((json_int_t) t) : json_real(t);
        break;
    case SHAPE_BLOB:
        if (json_is_string(v)) {
            if (base64_check(json_string_value(v), json_string_length(v), NULL))
                return json_incref(v);
            ser_error(d, "%s", "Base64 encoded value is not valid");
            return NULL;
        }
        break;
    }
    mismatch(d, s, v);
    return NULL;
oom:
    aerr_internal(d->err, -ENOMEM);
fail:
    json_decref(out);
    return NULL;
}

/* Nesting depth of a JSON text (brackets outside strings); stops counting past limit. */
static unsigned
json_depth(const char *s, size_t n, unsigned limit)
{
    unsigned depth = 0, max = 0;
    bool in_str = false;
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max && (max = depth) > limit)
                return max;
        } else if ((c == '}' || c == ']') && depth) {
            depth--;
        }
    }
    return max;
}

int
awsjson_decode(const struct model_op *op, const char *body, size_t len, json_t **ret_in,
               struct aerr *err)
{
    struct jdec d = { .err = err };
    json_error_t je;
    json_t *root, *in;
    size_t i;
    int r;

    if (!body)
        len = 0;
    for (i = 0; i < len && strchr(" \t\r\n", body[i]) && body[i]; i++)
        ;
    if (i == len) {
        root = json_object();
    } else {
        /* PROTO_MAX_DEPTH + 1: the body object itself is a level */
        if (json_depth(body, len, PROTO_MAX_DEPTH + 1) > PROTO_MAX_DEPTH + 1)
            return aerr_set(err, -EINVAL, 400, JSON_ERR_SERIALIZATION, "%s",
                            "The request nests too deeply");
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (!root)
            return aerr_set(err, -EINVAL, 400, JSON_ERR_SERIALIZATION,
                            "Could not parse the request body: %s at offset %d", je.text,
                            je.position);
    }
    if (!root)
        return aerr_internal(err, -ENOMEM);
    if (!json_is_object(root)) {
        static const struct shape any_structure = { .name = "", .type = SHAPE_STRUCTURE };

        r = mismatch(&d, &any_structure, root);
        json_decref(root);
        return r;
    }
    if (!op || !op->input) {
        json_object_clear(root);      /* the operation takes no input: ignore what came */
        *ret_in = root;
        return 0;
    }
    in = shape_json(&d, op->input, root, 0);
    json_decref(root);
    if (!in)
        return -EINVAL;
    r = proto_validate(op->input, in, "ValidationException", err);
    if (r < 0) {
        json_decref(in);
        return r;
    }
    *ret_in = in;
    return 0;
}

/* ---- encode ---- */

static int write_value(struct pbuf *b, const struct shape *s, json_t *v, unsigned depth);

static int
write_key(struct pbuf *b, const char *k, bool *first)
{
    int r = *first ? 0 : pbuf_putc(b, ',');

    *first = false;
    r |= pbuf_putc(b, '"');
    r |= json_escape(b, k, strlen(k));
    r |= pbuf_puts(b, "\":");
    return r;
}

static int
write_value(struct pbuf *b, const struct shape *s, json_t *v, unsigned depth)
{
    char num[PROTO_MAX_TIME_LEN > PROTO_MAX_NUM_LEN ? PROTO_MAX_TIME_LEN : PROTO_MAX_NUM_LEN];
    bool first = true;
    const char *k;
    json_t *e;
    size_t i;
    double t;
    int r = 0;

    switch (s->type) {
    case SHAPE_STRUCTURE:
        r |= pbuf_putc(b, '{');
        for (i = 0; i < s->n_members && depth < PROTO_MAX_DEPTH; i++) {
            const struct shape_member *m = &s->members[i];

            e = json_object_get(v, m->name);
            if (!e || json_is_null(e) || !value_compatible(m->shape, e))
                continue;
            r |= write_key(b, member_wire_name(m), &first);
            r |= write_value(b, m->shape, e, depth + 1);
        }
        return r | pbuf_putc(b, '}');
    case SHAPE_LIST:
        r |= pbuf_putc(b, '[');
        json_array_foreach(v, i, e) {
            if (depth >= PROTO_MAX_DEPTH || !value_compatible(s->member, e))
                continue;
            if (!first)
                r |= pbuf_putc(b, ',');
            first = false;
            r |= write_value(b, s->member, e, depth + 1);
        }
        return r | pbuf_putc(b, ']');
    case SHAPE_MAP:
        r |= pbuf_putc(b, '{');
        json_object_foreach(v, k, e) {
            if (depth >= PROTO_MAX_DEPTH || !value_compatible(s->value, e))
                continue;
            r |= write_key(b, k, &first);
            r |= write_value(b, s->value, e, depth + 1);
        }
        return r | pbuf_putc(b, '}');
    case SHAPE_STRING:
    case SHAPE_BLOB:
        r |= pbuf_putc(b, '"');
        r |= json_escape(b, json_string_value(v), json_string_length(v));
        return r | pbuf_putc(b, '"');
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
        if (s->timestamp_format && !strcmp(s->timestamp_format, "iso8601")) {
            time_format_iso(t, num);
        } else if (s->timestamp_format && !strcmp(s->timestamp_format, "rfc822")) {
            time_format_rfc822(t, num);
        } else {
            time_format_epoch(t, num);
            return pbuf_puts(b, num);
        }
        r |= pbuf_putc(b, '"');
        r |= pbuf_puts(b, num);
        return r | pbuf_putc(b, '"');
    }
    return 0;
}

int
awsjson_encode(const struct model_op *op, json_t *out, struct pbuf *ret)
{
    size_t start = ret->len;
    int r;

    if (!out || !op || !op->output || !json_is_object(out))
        r = pbuf_puts(ret, "{}");
    else
        r = write_value(ret, op->output, out, 0);
    if (r) {
        ret->len = start;
        if (ret->buf)
            ret->buf[start] = '\0';
        return -ENOMEM;
    }
    return 0;
}

/* Query-style codes that JSON services spell differently. */
static const char *
json_code(const char *code)
{
    static const char *const map[][2] = {
        { "InvalidClientTokenId",       "UnrecognizedClientException" },
        { "SignatureDoesNotMatch",      "InvalidSignatureException" },
        { "MissingAuthenticationToken", "MissingAuthenticationTokenException" },
        { "InvalidAction",              "UnknownOperationException" },
        { "ValidationError",            "ValidationException" },
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(code, map[i][0]))
            return map[i][1];
    return code;
}

int
awsjson_encode_error(const struct aerr *err, struct pbuf *ret)
{
    size_t start = ret->len;
    bool set = err && err->status && err->code;
    const char *code = set ? json_code(err->code) : "InternalFailure";
    const char *msg = set ? err->msg : INTERNAL_MESSAGE;
    int r;

    r = pbuf_puts(ret, "{\"__type\":\"");
    r |= json_escape(ret, code, strlen(code));
    r |= pbuf_puts(ret, "\",\"message\":\"");
    r |= json_escape(ret, msg, strnlen(msg, AERR_MAX_MSG));
    r |= pbuf_puts(ret, "\"}");
    if (r) {
        ret->len = start;
        if (ret->buf)
            ret->buf[start] = '\0';
        return -ENOMEM;
    }
    return 0;
}
