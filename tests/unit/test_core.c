/* tests/unit/test_core.c - core without HTTP: configuration, first start, signed calls
 * through core_handle, the authentication cache, in-process invocation, metrics. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "base/log.h"
#include "core/core.h"
#include "core/internal.h"
#include "crypto/sigv4.h"

struct fixture {
    char         dir[64];
    struct cfg   cfg;
    struct core *core;
    char         key[64], secret[64];
};

static void
read_credentials(struct fixture *f)
{
    char path[128], line[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/credentials", f->dir);
    fp = fopen(path, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp)) {
        sscanf(line, "aws_access_key_id = %63s", f->key);
        sscanf(line, "aws_secret_access_key = %63s", f->secret);
    }
    fclose(fp);
    assert_int_equal(strlen(f->key), 20);
    assert_int_equal(strlen(f->secret), 40);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char *argv[] = { "cairnd", "--data", f->dir, "--account-id", "123456789012", "--log-level", "warn", NULL };

    strcpy(f->dir, "/tmp/cairn-test-core-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(cfg_load(&f->cfg, 7, argv), 0);
    log_min_level = LOG_WARN;
    assert_int_equal(core_new(&f->cfg, &f->core), 0);
    read_credentials(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    core_free(f->core);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Sign body as a Query request to service with key/secret, serve it, return the status;
 * the body of the answer is left in *ret_body (caller frees). */
static int
call(struct fixture *f, const char *service, const char *body, const char *key, const char *secret,
     time_t when, char **ret_body)
{
    struct sigv4_header h[4] = {
        { "Host", "127.0.0.1:4747" },
        { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
        { "X-Amz-Date", NULL },
        { "Authorization", NULL },
    };
    struct sigv4_request srq = { .method = "POST", .path = "/", .headers = h, .n_headers = 3,
                                 .body = body, .body_len = strlen(body) };
    struct sigv4_auth auth = {0};
    struct core_request rq;
    struct core_response resp;
    char *creq, *sts, sig[65], authz[512];
    struct tm tm;

    gmtime_r(&when, &tm);
    strftime(auth.amz_date, sizeof(auth.amz_date), "%Y%m%dT%H%M%SZ", &tm);
    memcpy(auth.scope_date, auth.amz_date, 8);
    strcpy(auth.region, "us-east-1");
    snprintf(auth.service, sizeof(auth.service), "%s", service);
    snprintf(auth.access_key, sizeof(auth.access_key), "%s", key);
    strcpy(auth.signed_headers, "content-type;host;x-amz-date");
    h[2].value = auth.amz_date;
    assert_int_equal(sigv4_canonical_request(&srq, &auth, &creq), 0);
    assert_int_equal(sigv4_string_to_sign(&auth, creq, &sts), 0);
    assert_int_equal(sigv4_signature(secret, &auth, sts, sig), 0);
    snprintf(authz, sizeof(authz), "AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/%s/aws4_request, "
             "SignedHeaders=%s, Signature=%s", key, auth.scope_date, service, auth.signed_headers, sig);
    h[3].value = authz;
    free(creq);
    free(sts);
    rq = (struct core_request) { .method = "POST", .path = "/", .headers = h, .n_headers = 4,
                                 .body = body, .body_len = strlen(body), .source_ip = "127.0.0.1" };
    core_handle(f->core, &rq, &resp);
    assert_int_equal(strlen(resp.request_id), 36);
    *ret_body = resp.body.buf;
    return resp.status;
}

static const char GCI[] = "Action=GetCallerIdentity&Version=2011-06-15";

static void
first_start_writes_root_credentials(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(f->core->account, "123456789012");
    assert_memory_equal(f->key, "AKIA", 4);
}

static void
signed_call_answers(void **state)
{
    struct fixture *f = *state;
    char *body;

    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL), &body), 200);
    assert_non_null(strstr(body, "<Arn>arn:aws:iam::123456789012:root</Arn>"));
    assert_non_null(strstr(body, "<GetCallerIdentityResult>"));
    free(body);
}

static void
errors_are_rendered(void **state)
{
    struct fixture *f = *state;
    char *body;

    assert_int_equal(call(f, "sts", GCI, f->key, "wrongwrongwrongwrongwrongwrongwrongwrong", time(NULL), &body), 403);
    assert_non_null(strstr(body, "<Code>SignatureDoesNotMatch</Code>"));
    free(body);
    assert_int_equal(call(f, "sts", GCI, "AKIAUNKNOWNUNKNOWN00", f->secret, time(NULL), &body), 403);
    assert_non_null(strstr(body, "<Code>InvalidClientTokenId</Code>"));
    free(body);
    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL) - 3600, &body), 403);
    assert_non_null(strstr(body, "Signature expired"));
    free(body);
    assert_int_equal(call(f, "sts", "Action=Nope&Version=2011-06-15", f->key, f->secret, time(NULL), &body), 400);
    assert_non_null(strstr(body, "<Code>InvalidAction</Code>"));
    free(body);
}

static void
inactive_key_stops_at_once(void **state)
{
    struct fixture *f = *state;
    struct store_tx *tx;
    char *body;

    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL), &body), 200);   /* now cached */
    free(body);
    assert_int_equal(store_begin(f->core->store, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "UPDATE access_key SET status = 'Inactive' WHERE id = ?1", "s", f->key), 1);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL), &body), 403);
    assert_non_null(strstr(body, "InvalidClientTokenId"));
    free(body);
}

static void
invoke_runs_as_given_principal(void **state)
{
    struct fixture *f = *state;
    struct principal who = { .kind = PRINCIPAL_ROOT, .account = "123456789012",
                             .arn = "arn:aws:iam::123456789012:root", .user_id = "123456789012" };
    struct aerr err = {0};
    json_t *out = NULL;

    assert_int_equal(f->core->env.invoke(f->core, &who, NULL, "sts", "GetCallerIdentity", NULL, &out, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "Arn")), who.arn);
    json_decref(out);
    assert_true(f->core->env.invoke(f->core, &who, NULL, "sts", "NoSuchOp", NULL, &out, &err) < 0);
    assert_string_equal(err.code, "InvalidAction");
}

static void
metrics_count_calls(void **state)
{
    struct fixture *f = *state;
    struct pbuf out = {0};
    char *body;

    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL), &body), 200);
    free(body);
    assert_int_equal(core_metrics(f->core, &out), 0);
    assert_non_null(strstr(out.buf, "cairn_requests_total{service=\"sts\",action=\"GetCallerIdentity\",status=\"200\"} 1\n"));
    assert_non_null(strstr(out.buf, "le=\"+Inf\"} 1\n"));
    pbuf_done(&out);
}

static void
reset_makes_a_fresh_account(void **state)
{
    struct fixture *f = *state;
    char old[64], *body;

    strcpy(old, f->key);
    assert_int_equal(core_reset(f->core), 0);
    read_credentials(f);
    assert_string_not_equal(old, f->key);
    assert_int_equal(call(f, "sts", GCI, old, f->secret, time(NULL), &body), 403);
    free(body);
    assert_int_equal(call(f, "sts", GCI, f->key, f->secret, time(NULL), &body), 200);
    free(body);
}

static void
cfg_rejects_bad_values(void **state)
{
    struct cfg c;
    char *bad_acct[] = { "cairnd", "--account-id", "12ab", NULL };
    char *bad_int[] = { "cairnd", "--threads", "9999", NULL };
    char *unknown[] = { "cairnd", "--what", NULL };
    char *missing[] = { "cairnd", "--region", NULL };
    char *good[] = { "cairnd", "--dev", "--region", "eu-west-1", "--max-body", "2048", NULL };

    assert_int_equal(cfg_load(&c, 3, bad_acct), -EINVAL);
    assert_int_equal(cfg_load(&c, 3, bad_int), -EINVAL);
    assert_int_equal(cfg_load(&c, 2, unknown), -EINVAL);
    assert_int_equal(cfg_load(&c, 2, missing), -EINVAL);
    assert_int_equal(cfg_load(&c, 6, good), 0);
    assert_true(c.dev);
    assert_string_equal(c.region, "eu-west-1");
    assert_int_equal(c.max_body, 2048);
    assert_string_equal(c.data_dir, "./data");
    assert_string_equal(c.listen, "127.0.0.1:4747");
    setenv("CAIRN_LOG_LEVEL", "debug", 1);
    assert_int_equal(cfg_load(&c, 1, good), 0);
    assert_string_equal(c.log_level, "debug");
    unsetenv("CAIRN_LOG_LEVEL");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_start_writes_root_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(signed_call_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_are_rendered, setup, teardown),
        cmocka_unit_test_setup_teardown(inactive_key_stops_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(invoke_runs_as_given_principal, setup, teardown),
        cmocka_unit_test_setup_teardown(metrics_count_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_makes_a_fresh_account, setup, teardown),
        cmocka_unit_test(cfg_rejects_bad_values),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
