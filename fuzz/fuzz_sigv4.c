/* fuzz/fuzz_sigv4.c - libFuzzer target for crypto/sigv4 (run under ASan/UBSan).
 * Each input is tried three ways: as the Authorization header of a request, as the query
 * string of a request without one (presigned), and split at its first two newlines into
 * path / extra signed header value / body of a request with a valid Authorization header.
 * Whatever parses is canonicalized and verified (without the clock), so the path, query
 * and header canonicalization see arbitrary bytes too. Seeds: fuzz/corpus/sigv4/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define AUTHZ  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " \
               "SignedHeaders=host;my-header;x-amz-date, " \
               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void
exercise(const struct sigv4_request *rq, struct sigv4_auth *auth)
{
    struct aerr err;
    char *cr = NULL, *sts = NULL, sig[65];

    if (sigv4_parse(rq, auth, &err) != 0)
        return;
    (void) sigv4_check_scope(auth, "us-east-1", "service", &err);
    if (sigv4_canonical_request(rq, auth, &cr) == 0 && sigv4_string_to_sign(auth, cr, &sts) == 0)
        (void) sigv4_signature(SECRET, auth, sts, sig);
    (void) sigv4_verify(rq, auth, SECRET, 1440938160, 1, &err);
    (void) sigv4_verify(rq, auth, SECRET, 0, 0, &err);
    free(cr);
    free(sts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct sigv4_auth *auth = malloc(sizeof(*auth));
    struct sigv4_header h[8];
    struct sigv4_request rq;
    char *s = malloc(n + 1), *path, *value, *body;

    if (!auth || !s)
        goto out;
    memcpy(s, data, n);
    s[n] = '\0';

    /* 1. the bytes as an Authorization header */
    h[0] = (struct sigv4_header) { "Host", "example.amazonaws.com" };
    h[1] = (struct sigv4_header) { "X-Amz-Date", "20150830T123600Z" };
    h[2] = (struct sigv4_header) { "My-Header", " a  b " };
    h[3] = (struct sigv4_header) { "X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLE" };
    h[4] = (struct sigv4_header) { "Date", "Sun, 30 Aug 2015 12:36:00 GMT" };
    h[5] = (struct sigv4_header) { "Authorization", s };
    memset(&rq, 0, sizeof(rq));
    rq.method = "GET";
    rq.path = "/";
    rq.headers = h;
    rq.n_headers = 6;
    exercise(&rq, auth);

    /* 2. the bytes as a query string (presigned, or not signed at all) */
    rq.query = s;
    rq.n_headers = 5;
    exercise(&rq, auth);
    rq.flags = SIGV4_F_OMIT_TOKEN;
    exercise(&rq, auth);

    /* 3. path \n header value \n body, under a well-formed Authorization */
    path = s;
    value = strchr(path, '\n');
    if (value) {
        *value++ = '\0';
        body = strchr(value, '\n');
        if (body)
            *body++ = '\0';
        else
            body = value + strlen(value);
        h[2].value = value;
        h[5].value = AUTHZ;
        rq.path = path;
        rq.query = NULL;
        rq.n_headers = 6;
        rq.body = body;
        rq.body_len = strlen(body);
        rq.flags = 0;
        exercise(&rq, auth);
        rq.flags = SIGV4_F_NO_NORMALIZE;
        exercise(&rq, auth);
        rq.flags = SIGV4_F_RAW_PATH;
        exercise(&rq, auth);
    }
out:
    free(s);
    free(auth);
    return 0;
}
