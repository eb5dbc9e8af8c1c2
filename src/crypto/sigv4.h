/* src/crypto/sigv4.h - AWS Signature Version 4: parse what a request carries, rebuild the
 * canonical request exactly as AWS defines it, and verify the signature in constant time.
 * Used by: core/ (authentication), tests, fuzz. Uses: OpenSSL libcrypto, base/err.h.
 * Errors are filled with the Query service codes (MissingAuthenticationToken,
 * IncompleteSignature, SignatureDoesNotMatch, ...); proto/ maps them for JSON services. */
#ifndef CRYPTO_SIGV4_H
#define CRYPTO_SIGV4_H

#include <stddef.h>
#include <time.h>
#include "../base/err.h"

#define SIGV4_MAX_HEADERS     128      /* headers considered in one request */
#define SIGV4_MAX_SIGNED      64       /* names in SignedHeaders */
#define SIGV4_MAX_TOKEN       4096     /* X-Amz-Security-Token length */
#define SIGV4_SKEW_SECONDS    (15 * 60) /* AWS's clock window */
#define SIGV4_MAX_EXPIRES     604800   /* presigned X-Amz-Expires upper bound (7 days) */
#define SIGV4_MAX_PATH        8192     /* request path bytes we canonicalize (stack buffer) */
#define SIGV4_MAX_QUERY_PARAMS 256     /* query parameters we sort (stack array) */
#define SIGV4_MAX_QUERY_VALUE 2048     /* decoded X-Amz-* auth parameter (except the token) */

/* sigv4_request.flags. 0 is right for every service Cairn speaks (all but S3). */
#define SIGV4_F_NO_NORMALIZE  0x1      /* keep '.', '..' and repeated '/' in the path (still
                                        * URI-encoded once): AWS test-suite "unnormalized" */
#define SIGV4_F_RAW_PATH      0x2      /* S3: the path as received, neither normalized nor
                                        * re-encoded */
#define SIGV4_F_OMIT_TOKEN    0x4      /* leave X-Amz-Security-Token out of the canonical query
                                        * (signers that add it after signing); sigv4_verify
                                        * retries this way by itself */

struct sigv4_header {
    const char *name;                  /* as received; any case; a name may repeat */
    const char *value;                 /* raw value, untrimmed */
};

struct sigv4_request {
    const char *method;                /* "GET", "POST" */
    const char *path;                  /* raw path as on the wire (percent-encoded), no query */
    const char *query;                 /* raw query string without '?', or NULL */
    const struct sigv4_header *headers;
    size_t      n_headers;
    const void *body;
    size_t      body_len;
    unsigned    flags;                 /* SIGV4_F_*; 0 normally (added; zero-initialize) */
};

/* What the request claims. Strings point into fixed buffers here; token is NUL-terminated. */
struct sigv4_auth {
    int  presigned;                    /* 1: from the query string (X-Amz-Signature...) */
    char access_key[129];
    char scope_date[9];                /* YYYYMMDD from the credential scope */
    char region[64];
    char service[64];                  /* e.g. "iam", "sts", "ssm" */
    char amz_date[17];                 /* YYYYMMDDTHHMMSSZ: X-Amz-Date header/param, or Date header */
    time_t request_time;               /* amz_date as seconds since the epoch */
    long expires;                      /* presigned X-Amz-Expires, else 0 */
    char signed_headers[2048];         /* "host;x-amz-date" as given */
    char signature[65];                /* lowercase hex */
    char token[SIGV4_MAX_TOKEN + 1];   /* X-Amz-Security-Token, "" when absent */
};

/* Parse the Authorization header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...) or the presigned query parameters. Returns 0; -ENOENT with
 * MissingAuthenticationToken (403) when the request carries no signature at all;
 * -EINVAL with IncompleteSignature (400) for a malformed or partial one (AWS's message
 * lists what is missing, e.g. "Authorization header requires 'Credential' parameter.").
 * Also fails when a header named in SignedHeaders is absent, or host is not signed.
 * Failures AWS reports as 403 SignatureDoesNotMatch return -EACCES: host not signed, a signed
 * header absent, a credential scope with an invalid region, a terminator other than
 * aws4_request, or a date other than the request's ("Date in Credential scope does not
 * match YYYYMMDD from ISO-8601 version of date from HTTP: ..."). Other 400s: -EINVAL with
 * MalformedQueryString (bad %-escape) or AuthorizationQueryParametersError (X-Amz-Expires
 * not a number, negative, or over SIGV4_MAX_EXPIRES). Inputs over the limits above are
 * refused with IncompleteSignature, never allocated for. *ret is unspecified on failure.
 * The region and service are only parsed: compare them with sigv4_check_scope(). */
int sigv4_parse(const struct sigv4_request *rq, struct sigv4_auth *ret, struct aerr *err);

/* AWS's credential scope check, for the caller that knows where it is: region (NULL: any)
 * and service (NULL: any) must equal the scope's. Returns 0, or -EACCES with 403
 * SignatureDoesNotMatch "Credential should be scoped to a valid region, not 'x'.
 * Credential should be scoped to correct service: 'sts'." (the parts that apply). */
int sigv4_check_scope(const struct sigv4_auth *auth, const char *region, const char *service,
                      struct aerr *err);

/* Check the time (unless check_time is 0): a header-signed request must be within
 * SIGV4_SKEW_SECONDS of now (else 403 SignatureDoesNotMatch "Signature expired: <amz_date>
 * is now earlier than <now-15min> (<now> - 15 min.)" or "Signature not yet current: ...");
 * a presigned one must not be past X-Amz-Date + X-Amz-Expires (403 AccessDenied "Request
 * has expired"; without X-Amz-Expires, or with 0, the header rule applies) nor dated more
 * than SIGV4_SKEW_SECONDS ahead. Then recompute the signature with secret and compare in
 * constant time: mismatch is 403 SignatureDoesNotMatch with AWS's message. Returns 0 on a
 * valid signature, -EACCES otherwise, or -EINVAL (400) when the signature matches but the
 * body does not: an x-amz-content-sha256 header that is not the body's SHA-256
 * (XAmzContentSHA256Mismatch) or is neither hex nor UNSIGNED-PAYLOAD (InvalidArgument).
 * UNSIGNED-PAYLOAD is accepted: the body is then not covered by the signature.
 * Derived signing keys are cached (secret, date, region, service), thread-safely. */
int sigv4_verify(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                 const char *secret, time_t now, int check_time, struct aerr *err);

/* The pieces, for tests and for clients we write (cairn CLI, agent). Each writes a
 * NUL-terminated string to a malloc'd *ret (caller frees) and returns 0, or -ENOMEM/-EINVAL.
 * A client fills a zeroed sigv4_auth itself (presigned, scope_date, region, service,
 * amz_date, signed_headers: lowercase, sorted, ';'-joined) and adds the headers it signs to
 * the request first. The canonical request follows rq->flags; its payload line is the
 * x-amz-content-sha256 header when present, else the body's SHA-256; X-Amz-Signature is
 * left out of the query when auth->presigned. -EINVAL: a bad %-escape in the query, or a
 * path or query over SIGV4_MAX_PATH / SIGV4_MAX_QUERY_PARAMS. */
int sigv4_canonical_request(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                            char **ret);
int sigv4_string_to_sign(const struct sigv4_auth *auth, const char *canonical_request,
                         char **ret);
/* hex signature (64 chars + NUL) of string_to_sign with the key derived from secret. */
int sigv4_signature(const char *secret, const struct sigv4_auth *auth,
                    const char *string_to_sign, char ret[65]);

/* Forget every cached signing key (wiping them). For tests, benchmarks, key rotation. */
void sigv4_key_cache_clear(void);

#endif
