/* src/proto/proto.h - AWS wire protocols: request bodies to one JSON value tree, value trees
 * and errors back to the wire. Generic, driven by model.h; no handler writes XML or JSON text.
 * Used by: core/ dispatch, fuzz/. Uses: model.h, base/err.h, jansson, pcre2. Never the store.
 *
 * The value tree is a jansson object whose keys are the shapes' member names (never
 * locationNames), whatever the protocol:
 *   string, enum        -> JSON string
 *   integer, long       -> JSON integer
 *   double, float       -> JSON real (an integer is accepted on output)
 *   boolean             -> JSON true/false
 *   timestamp           -> JSON real or integer: seconds since the epoch (UTC)
 *   blob                -> JSON string holding the raw bytes base64-encoded
 *   list                -> JSON array;  map -> JSON object;  structure -> JSON object
 * Ownership follows jansson: functions named _take consume their json_t argument;
 * ret_* trees are new references owned by the caller. */
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#include <stddef.h>
#include <jansson.h>
#include "model.h"
#include "../base/err.h"

#define PROTO_MAX_DEPTH        32      /* nesting of structures/lists/maps in a request */
#define PROTO_MAX_QUERY_PARAMS 10000   /* key=value pairs in one Query body */
#define PROTO_MAX_LIST_INDEX   10000   /* highest "member.N" accepted */
#define PROTO_MAX_QUERY_KEY    1024    /* longest parameter name, after %-decoding */

/* A growable output buffer; buf is NUL-terminated after every append. */
struct pbuf {
    char  *buf;
    size_t len, cap;
};
void pbuf_done(struct pbuf *b);                   /* frees buf; b may be reused after */
/* Append n bytes / formatted text. Return 0, or -ENOMEM (b unchanged but still valid). */
int  pbuf_append(struct pbuf *b, const char *s, size_t n);
int  pbuf_printf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  pbuf_puts(struct pbuf *b, const char *s);   /* pbuf_append(b, s, strlen(s)) */
int  pbuf_putc(struct pbuf *b, char c);

/* ---- Query (IAM, STS, CloudFormation) ---- */

/* Find the Action and Version parameters of a form-encoded body without decoding the rest.
 * Writes NUL-terminated, percent-decoded copies; an absent one is written as "" (the first
 * one wins when repeated). Returns 0, or -EINVAL for a malformed body (bad %-escape anywhere,
 * more than PROTO_MAX_QUERY_PARAMS pairs, NUL or invalid UTF-8 in Action/Version, or one too
 * long for its buffer), filling err (400 MalformedQueryString). */
int awsquery_peek(const char *body, size_t len, char *ret_action, size_t action_cap,
                  char *ret_version, size_t version_cap, struct aerr *err);

/* Decode a form body (Action=..&Version=..&A.member.1=..) into a value tree for op's input
 * shape and validate it (proto_validate). Unknown parameters are ignored, as AWS does.
 * On failure returns <0 and fills err: 400 "MalformedQueryString" for syntax (bad escapes,
 * invalid UTF-8 or NUL in text, a repeated parameter or map key, a list index outside
 * 1..PROTO_MAX_LIST_INDEX, nesting deeper than PROTO_MAX_DEPTH, too many or too long
 * parameters), 400 "ValidationError" (Query wording) for a value of the wrong type or
 * constraint, all of them collected. */
int awsquery_decode(const struct model_op *op, const char *body, size_t len,
                    json_t **ret_in, struct aerr *err);

/* Render a successful answer:
 *   <{Op}Response xmlns="{ns}"><{Op}Result>...</{Op}Result>
 *   <ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{Op}Response>
 * out may be NULL (no Result element). Members are written in model order, lists as
 * <member> (or their locationName / flattened), timestamps as ISO-8601 with milliseconds
 * when non-integral ("2026-11-28T17:43:15Z"), booleans as true/false. Members absent from
 * out are omitted. Returns 0, or -ENOMEM. */
int awsquery_encode(const struct model_service *svc, const struct model_op *op, json_t *out,
                    const char *request_id, struct pbuf *ret);

/* <ErrorResponse xmlns="{ns}"><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
 * <RequestId/></ErrorResponse>. svc may be NULL (no xmlns). Type is Receiver for status >= 500. */
int awsquery_encode_error(const struct model_service *svc, const struct aerr *err,
                          const char *request_id, struct pbuf *ret);

/* ---- JSON 1.0/1.1 (SSM, Events) ---- */

/* Parse body (an empty body counts as {}), shape it to op's input (timestamps accepted as
 * numbers, blobs as base64 strings) and validate it. Errors: 400 "SerializationException"
 * for bad JSON or wrong JSON types, 400 "ValidationException" for constraints. */
int awsjson_decode(const struct model_op *op, const char *body, size_t len,
                   json_t **ret_in, struct aerr *err);

/* The answer body: out filtered to the output shape's members, timestamps as epoch seconds
 * (real), "{}" when out is NULL. Returns 0 or -ENOMEM. */
int awsjson_encode(const struct model_op *op, json_t *out, struct pbuf *ret);

/* {"__type":"{code}","message":"{msg}"}. JSON services use other names for the signing
 * errors: InvalidClientTokenId -> UnrecognizedClientException, SignatureDoesNotMatch ->
 * InvalidSignatureException, MissingAuthenticationToken -> MissingAuthenticationTokenException,
 * InvalidAction -> UnknownOperationException, ValidationError -> ValidationException;
 * this function applies that mapping. */
int awsjson_encode_error(const struct aerr *err, struct pbuf *ret);

/* ---- shared ---- */

/* Check a value tree against a shape: required members present, JSON types right, string
 * and list lengths, number ranges, enums, patterns (compiled once per shape, cached).
 * Every failure is collected, in member order, into err with AWS's wording, e.g.
 *   "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint:
 *    Member must satisfy regular expression pattern: [\w+=,.@-]+"
 *   "2 validation errors detected: ...; ..."
 * (member path in lowerCamelCase, lists as 'tags.1.member.key', as AWS words it), status
 * 400 and code `code` ("ValidationError" for Query, "ValidationException" for JSON; NULL
 * means the latter). Sensitive values, lists, maps and structures are not quoted
 * ("Value at 'x' ..."), nor numbers under "ValidationError" (IAM does not quote them).
 * Map keys and scalar map values are reported once per map ("Map keys must satisfy
 * constraint: [...]"). The message is cut at AERR_MAX_MSG on a character boundary.
 * s NULL accepts anything. Returns 0 or -EINVAL. Thread-safe. */
int proto_validate(const struct shape *s, json_t *v, const char *code, struct aerr *err);

#endif
