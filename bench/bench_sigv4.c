/* bench/bench_sigv4.c - how long SigV4 authentication takes per request.
 * Signs one realistic request (an SSM awsJson1_1 POST with a session token, as the aws CLI
 * sends it), then parses and verifies it in a loop. Prints:
 *   sigv4_verify_ns: N        sigv4_verify() alone (signing key cached: the steady state)
 *   sigv4_parse_ns: N         sigv4_parse() alone
 *   sigv4_request_ns: N       parse + verify, what the server does per request
 *   sigv4_verify_uncached_ns: N   verify with the key cache cleared each time
 *   sigv4_requests_per_s_2threads: N   parse + verify on two threads at once
 * Usage: bench_sigv4 [iterations]. Built with the tests (src/crypto/meson.build). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crypto/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "IQoJb3JpZ2luX2VjEMf//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtPMEXAMPLEexampleEXAMPLE" \
               "kLmQy0FaUzZ6hZ0AZbcKpLm3VmKXLZ0QIgX1O6VEXAMPLEexampleEXAMPLEexampleEXAMPLEexample" \
               "Kp4CCBAQABoMMTIzNDU2Nzg5MDEyIgzEXAMPLEexampleEXAMPLEexampleEXAMPLEexampleEXAMPLE"
#define BODY   "{\"Name\":\"/cairn/bench/parameter\",\"WithDecryption\":true}"

static struct sigv4_header hdrs[12];
static char authz[1024];
static struct sigv4_request rq;
static time_t now;

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static void
build(void)
{
    static const char *sh = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target";
    struct sigv4_auth *a = calloc(1, sizeof(*a));
    char *cr, *sts, sig[65], date[17];
    struct tm tm;
    size_t n = 0;

    if (!a)
        exit(1);
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
    hdrs[n++] = (struct sigv4_header) { "Host", "localhost:8080" };
    hdrs[n++] = (struct sigv4_header) { "Accept-Encoding", "identity" };
    hdrs[n++] = (struct sigv4_header) { "X-Amz-Target", "AmazonSSM.GetParameter" };
    hdrs[n++] = (struct sigv4_header) { "Content-Type", "application/x-amz-json-1.1" };
    hdrs[n++] = (struct sigv4_header) { "User-Agent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 "
                                                      "exe/x86_64.debian.12 prompt/off "
                                                      "command/ssm.get-parameter" };
    hdrs[n++] = (struct sigv4_header) { "X-Amz-Date", strdup(date) };
    hdrs[n++] = (struct sigv4_header) { "X-Amz-Security-Token", TOKEN };
    hdrs[n++] = (struct sigv4_header) { "amz-sdk-invocation-id", "0f2cd2a1-9d5e-4c7a-b1b0-2f5f0e7d1c3a" };
    hdrs[n++] = (struct sigv4_header) { "amz-sdk-request", "attempt=1" };
    hdrs[n++] = (struct sigv4_header) { "Content-Length", "56" };
    rq.method = "POST";
    rq.path = "/";
    rq.query = NULL;
    rq.headers = hdrs;
    rq.n_headers = n;
    rq.body = BODY;
    rq.body_len = strlen(BODY);

    snprintf(a->scope_date, sizeof(a->scope_date), "%.8s", date);
    snprintf(a->region, sizeof(a->region), "us-east-1");
    snprintf(a->service, sizeof(a->service), "ssm");
    snprintf(a->amz_date, sizeof(a->amz_date), "%s", date);
    snprintf(a->signed_headers, sizeof(a->signed_headers), "%s", sh);
    if (sigv4_canonical_request(&rq, a, &cr) < 0 || sigv4_string_to_sign(a, cr, &sts) < 0 ||
        sigv4_signature(SECRET, a, sts, sig) < 0)
        exit(1);
    snprintf(authz, sizeof(authz), "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/%.8s/"
             "us-east-1/ssm/aws4_request, SignedHeaders=%s, Signature=%s", date, sh, sig);
    hdrs[n++] = (struct sigv4_header) { "Authorization", authz };
    rq.n_headers = n;
    free(cr);
    free(sts);
    free(a);
}

static long iters = 200000;

static void *
worker(void *arg)
{
    struct sigv4_auth *a = malloc(sizeof(*a));
    struct aerr err;
    long i, *bad = arg;

    for (i = 0; a && i < iters; i++)
        if (sigv4_parse(&rq, a, &err) != 0 || sigv4_verify(&rq, a, SECRET, now, 1, &err) != 0)
            (*bad)++;
    free(a);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct sigv4_auth *a = malloc(sizeof(*a));
    struct aerr err;
    double t0, t_parse, t_verify, t_both, t_uncached, t_mt;
    long i, bad = 0, bad2[2] = { 0, 0 };
    pthread_t th[2];

    if (argc > 1)
        iters = atol(argv[1]);
    if (!a || iters <= 0)
        return 2;
    build();
    if (sigv4_parse(&rq, a, &err) != 0 || sigv4_verify(&rq, a, SECRET, now, 1, &err) != 0) {
        fprintf(stderr, "bench_sigv4: the request does not verify: %s\n", err.msg);
        return 1;
    }

    t0 = now_ns();
    for (i = 0; i < iters; i++)
        bad += sigv4_parse(&rq, a, &err) != 0;
    t_parse = (now_ns() - t0) / (double) iters;

    t0 = now_ns();
    for (i = 0; i < iters; i++)
        bad += sigv4_verify(&rq, a, SECRET, now, 1, &err) != 0;
    t_verify = (now_ns() - t0) / (double) iters;

    t0 = now_ns();
    for (i = 0; i < iters; i++)
        bad += sigv4_parse(&rq, a, &err) != 0 || sigv4_verify(&rq, a, SECRET, now, 1, &err) != 0;
    t_both = (now_ns() - t0) / (double) iters;

    t0 = now_ns();
    for (i = 0; i < iters / 10; i++) {
        sigv4_key_cache_clear();
        bad += sigv4_verify(&rq, a, SECRET, now, 1, &err) != 0;
    }
    t_uncached = (now_ns() - t0) / (double) (iters / 10 ? iters / 10 : 1);

    t0 = now_ns();
    for (i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, &bad2[i]);
    for (i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    t_mt = now_ns() - t0;

    if (bad || bad2[0] || bad2[1]) {
        fprintf(stderr, "bench_sigv4: %ld verifications failed\n", bad + bad2[0] + bad2[1]);
        return 1;
    }
    printf("sigv4_verify_ns: %.0f\n", t_verify);
    printf("sigv4_parse_ns: %.0f\n", t_parse);
    printf("sigv4_request_ns: %.0f\n", t_both);
    printf("sigv4_verify_uncached_ns: %.0f\n", t_uncached);
    printf("sigv4_requests_per_s_2threads: %.0f\n", 2.0 * (double) iters / (t_mt / 1e9));
    free(a);
    return 0;
}
