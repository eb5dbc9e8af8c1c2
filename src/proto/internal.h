/* src/proto/internal.h - helpers shared by the proto/ codecs; private to src/proto/.
 * Used by: awsquery.c, awsjson.c, validate.c, wire.c, pbuf.c. Uses: proto.h, jansson. */
#ifndef PROTO_INTERNAL_H
#define PROTO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "proto.h"

#define PROTO_MAX_PATH      512        /* longest member path quoted in a validation message */
#define PROTO_MAX_VERR_TEXT (2 * AERR_MAX_MSG) /* collected message text kept; the rest is counted */
#define PROTO_MAX_TIME_LEN  40         /* a formatted timestamp, NUL included */
#define PROTO_MAX_NUM_LEN   40         /* a formatted number, NUL included */

/* ---- member paths as AWS words them: 'tags.1.member.key' ---- */
struct vpath {
    char   buf[PROTO_MAX_PATH];
    size_t len;                       /* buf is NUL-terminated at len; truncated paths stay so */
};
/* Each push returns the previous length; vpath_pop(p, saved) restores it. */
size_t vpath_push_member(struct vpath *p, const char *name);     /* lowerCamel first letter */
size_t vpath_push_raw(struct vpath *p, const char *s, size_t n); /* ".s" as given */
size_t vpath_push_index(struct vpath *p, size_t one_based);      /* ".N.member" */
void   vpath_pop(struct vpath *p, size_t saved);

/* ---- collected validation failures ---- */
struct verr {
    struct pbuf text;                 /* "msg1; msg2; ..." (capped at PROTO_MAX_VERR_TEXT) */
    unsigned    n;                    /* failures counted, including those not kept */
    bool        query;                /* Query wording: numbers are not quoted (IAM does not) */
};
/* Add one failure: "Value {v} at '{path}' failed to satisfy constraint: {constraint}".
 * v NULL renders "Value null"; sensitive or non-scalar values render "Value at". */
void verr_add(struct verr *ve, const struct shape *s, json_t *v, const char *path,
              const char *constraint_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Like verr_add with the value given as raw text (a Query parameter before conversion). */
void verr_add_text(struct verr *ve, const struct shape *s, const char *text, size_t n,
                   const char *path, const char *constraint);
/* If failures were added: fill err ("N validation errors detected: ...", 400, code),
 * return -EINVAL. Else return 0. Frees the collected text either way. */
int verr_finish(struct verr *ve, const char *code, struct aerr *err);
void verr_done(struct verr *ve);

/* Validate v against s at path p, adding failures to ve (recursive; never stops early). */
void validate_value(struct verr *ve, const struct shape *s, json_t *v, struct vpath *p,
                    unsigned depth);
/* Whether an answer value v can be written as shape s (encoders skip what cannot). */
bool value_compatible(const struct shape *s, json_t *v);
/* "Member must be ..." description of a shape's JSON type, for type errors. */
const char *shape_type_desc(const struct shape *s);

/* ---- scalars on the wire ---- */
bool   utf8_valid(const char *s, size_t n, bool allow_nul);
size_t utf8_count(const char *s, size_t n);      /* code points (s must be valid UTF-8) */
size_t utf8_trim(const char *s, size_t n);       /* longest prefix <= n ending on a boundary */

/* Validate standard base64 (padded); set *ret_len to the decoded length. */
bool   base64_check(const char *s, size_t n, size_t *ret_len);

/* Parse an ISO-8601 date-time ("2026-11-28T17:43:15Z", fraction and +hh:mm offset allowed)
 * or plain epoch seconds; return true and the epoch seconds in *ret. */
bool   time_parse(const char *s, size_t n, double *ret);
/* Format epoch seconds: ISO-8601 UTC, with milliseconds only when non-integral. */
void   time_format_iso(double t, char buf[PROTO_MAX_TIME_LEN]);
/* "Sat, 28 Nov 2026 17:43:15 GMT" (the rfc822 timestampFormat). */
void   time_format_rfc822(double t, char buf[PROTO_MAX_TIME_LEN]);
/* Epoch seconds as a JSON/XML number: integral -> "1732815795", else up to milliseconds. */
void   time_format_epoch(double t, char buf[PROTO_MAX_NUM_LEN]);
/* Seconds since the epoch held by a tree value (integer, real, or ISO-8601 string). */
bool   time_from_json(json_t *v, double *ret);
/* Shortest decimal that reads back as the same double ("0.1", "1e+300"). */
void   double_format(double d, char buf[PROTO_MAX_NUM_LEN]);

/* ---- text escaping into a pbuf; return 0 or -ENOMEM ---- */
/* XML text/attribute: & < > " ' escaped; TAB/LF/CR as character references; other
 * characters XML 1.0 forbids (C0 controls, U+FFFE/U+FFFF, invalid UTF-8) become U+FFFD. */
int xml_escape(struct pbuf *b, const char *s, size_t n);
/* JSON string body (without quotes). */
int json_escape(struct pbuf *b, const char *s, size_t n);

/* ---- member names on the Query wire ---- */
const char *member_wire_name(const struct shape_member *m);
bool        member_flattened(const struct shape_member *m);
/* Element name of a flattened list in its parent (the member's locationName when set). */
const char *flat_list_name(const struct shape_member *m);

#endif
