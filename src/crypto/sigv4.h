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
 * Also fails when a header named in SignedHeaders is absent, or host is not signed. */
int sigv4_parse(const struct sigv4_request *rq, struct sigv4_auth *ret, struct aerr *err);

/* Check the time (unless check_time is 0): a header-signed request must be within
 * SIGV4_SKEW_SECONDS of now (else 403 SignatureDoesNotMatch "Signature expired: <amz_date>
 * is now earlier than <now-15min> (<now> - 15 min.)" or "Signature not yet current: ...");
 * a presigned one must not be past X-Amz-Date + X-Amz-Expires. Then recompute the
 * signature with secret and compare in constant time: mismatch is 403 SignatureDoesNotMatch
 * with AWS's message. Returns 0 on a valid signature, -EACCES otherwise. */
int sigv4_verify(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                 const char *secret, time_t now, int check_time, struct aerr *err);

/* The pieces, for tests and for clients we write (cairn CLI, agent). Each writes a
 * NUL-terminated string to a malloc'd *ret (caller frees) and returns 0, or -ENOMEM/-EINVAL. */
int sigv4_canonical_request(const struct sigv4_request *rq, const struct sigv4_auth *auth,
                            char **ret);
int sigv4_string_to_sign(const struct sigv4_auth *auth, const char *canonical_request,
                         char **ret);
/* hex signature (64 chars + NUL) of string_to_sign with the key derived from secret. */
int sigv4_signature(const char *secret, const struct sigv4_auth *auth,
                    const char *string_to_sign, char ret[65]);

#endif
