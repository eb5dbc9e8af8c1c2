/* tests/unit/test_authz.c - authorization wired into core: signed calls of users, role
 * sessions and GetSessionToken sessions through core_handle; in-process calls (invoke);
 * iam:PassRole; acting as a service principal; session expiry; encoded denials; the
 * subject cache's invalidation. Entities are created as the root through invoke. */
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
#include "core/authz.h"
#include "core/core.h"
#include "core/internal.h"
#include "crypto/sigv4.h"
#include "iam/iam.h"
#include "iam/principal.h"

#define ACCT "123456789012"

struct fixture {
    char             dir[64];
    struct cfg       cfg;
    struct core     *core;
    struct principal root;
};

struct creds {
    char key[64], secret[64], token[512];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char *argv[] = { "cairnd", "--data", f->dir, "--account-id", ACCT, "--log-level", "warn", NULL };

    strcpy(f->dir, "/tmp/cairn-test-authz-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(cfg_load(&f->cfg, 7, argv), 0);
    log_min_level = LOG_WARN;
    assert_int_equal(core_new(&f->cfg, &f->core), 0);
    f->root = (struct principal) { .kind = PRINCIPAL_ROOT, .account = ACCT,
                                   .arn = "arn:aws:iam::" ACCT ":root", .user_id = ACCT };
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    core_free(f->core);
    iam_subject_cache_flush();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* ---- calls ---- */

/* Run service:op in-process as who with input (a JSON text, or NULL). Returns the result
 * code; *ret_out (when non-NULL) receives the output, err the error. */
static int
invoke(struct fixture *f, const struct principal *who, const char *service, const char *op,
       const char *input, json_t **ret_out, struct aerr *err)
{
    json_t *in = input ? json_loads(input, 0, NULL) : NULL;
    json_t *out = NULL;
    int r;

    if (input)
        assert_non_null(in);
    memset(err, 0, sizeof(*err));
    r = f->core->env.invoke(f->core, who, NULL, service, op, in, &out, err);
    json_decref(in);
    if (ret_out)
        *ret_out = out;
    else
        json_decref(out);
    return r;
}

static void
as_root(struct fixture *f, const char *service, const char *op, const char *input)
{
    struct aerr err;
    int r = invoke(f, &f->root, service, op, input, NULL, &err);

    if (r < 0)
        fail_msg("%s:%s as root: %s %s", service, op, err.code ? err.code : "-", err.msg);
}

/* Sign and serve one request with c (token included when set). target != NULL makes it a
 * JSON request (X-Amz-Target), else a Query form. Returns the status; the body is left in
 * *ret_body (caller frees). */
static int
call(struct fixture *f, const struct creds *c, const char *service, const char *target,
     const char *body, char **ret_body)
{
    struct sigv4_header h[6] = {
        { "Host", "127.0.0.1:4747" },
        { "Content-Type", target ? "application/x-amz-json-1.1"
                                 : "application/x-www-form-urlencoded; charset=utf-8" },
        { "X-Amz-Date", NULL },
        { "X-Amz-Security-Token", c->token },
        { "X-Amz-Target", target },
        { "Authorization", NULL },
    };
    struct sigv4_header use[6];
    struct sigv4_request srq;
    struct sigv4_auth auth = {0};
    struct core_request rq;
    struct core_response resp;
    char *creq, *sts, sig[65], authz[1024];
    time_t now = time(NULL);
    struct tm tm;
    size_t n = 0;

    gmtime_r(&now, &tm);
    strftime(auth.amz_date, sizeof(auth.amz_date), "%Y%m%dT%H%M%SZ", &tm);
    h[2].value = auth.amz_date;
    use[n++] = h[1];
    use[n++] = h[0];
    use[n++] = h[2];
    strcpy(auth.signed_headers, "content-type;host;x-amz-date");
    if (c->token[0]) {
        use[n++] = h[3];
        strcat(auth.signed_headers, ";x-amz-security-token");
    }
    if (target) {
        use[n++] = h[4];
        strcat(auth.signed_headers, ";x-amz-target");
    }
    memcpy(auth.scope_date, auth.amz_date, 8);
    strcpy(auth.region, "us-east-1");
    snprintf(auth.service, sizeof(auth.service), "%s", service);
    snprintf(auth.access_key, sizeof(auth.access_key), "%s", c->key);
    srq = (struct sigv4_request) { .method = "POST", .path = "/", .headers = use, .n_headers = n,
                                   .body = body, .body_len = strlen(body) };
    assert_int_equal(sigv4_canonical_request(&srq, &auth, &creq), 0);
    assert_int_equal(sigv4_string_to_sign(&auth, creq, &sts), 0);
    assert_int_equal(sigv4_signature(c->secret, &auth, sts, sig), 0);
    snprintf(authz, sizeof(authz), "AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/%s/aws4_request, "
             "SignedHeaders=%s, Signature=%s", c->key, auth.scope_date, service, auth.signed_headers, sig);
    free(creq);
    free(sts);
    h[5].value = authz;
    use[n++] = h[5];
    rq = (struct core_request) { .method = "POST", .path = "/", .headers = use, .n_headers = n,
                                 .body = body, .body_len = strlen(body), .source_ip = "10.1.2.3" };
    core_handle(f->core, &rq, &resp);
    *ret_body = resp.body.buf;
    return resp.status;
}

/* Text between <tag> and </tag> in xml, into buf. */
static const char *
xml_get(const char *xml, const char *tag, char *buf, size_t cap)
{
    char open[64], close[64];
    const char *p, *e;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    p = strstr(xml, open);
    assert_non_null(p);
    p += strlen(open);
    e = strstr(p, close);
    assert_non_null(e);
    snprintf(buf, cap, "%.*s", (int) (e - p), p);
    return buf;
}

/* A user with an access key and the given inline policy (NULL: none) and managed policy
 * (NULL: none). */
static void
make_user(struct fixture *f, const char *name, const char *inline_doc, const char *managed,
          struct creds *ret)
{
    char in[4096];
    json_t *out = NULL;
    struct aerr err;

    snprintf(in, sizeof(in), "{\"UserName\": \"%s\"}", name);
    as_root(f, "iam", "CreateUser", in);
    if (inline_doc) {
        json_t *j = json_pack("{s:s, s:s, s:s}", "UserName", name, "PolicyName", "inline",
                              "PolicyDocument", inline_doc);
        char *t = json_dumps(j, 0);
        as_root(f, "iam", "PutUserPolicy", t);
        free(t);
        json_decref(j);
    }
    if (managed) {
        snprintf(in, sizeof(in), "{\"UserName\": \"%s\", \"PolicyArn\": \"%s\"}", name, managed);
        as_root(f, "iam", "AttachUserPolicy", in);
    }
    snprintf(in, sizeof(in), "{\"UserName\": \"%s\"}", name);
    assert_int_equal(invoke(f, &f->root, "iam", "CreateAccessKey", in, &out, &err), 0);
    memset(ret, 0, sizeof(*ret));
    snprintf(ret->key, sizeof(ret->key), "%s",
             json_string_value(json_object_get(json_object_get(out, "AccessKey"), "AccessKeyId")));
    snprintf(ret->secret, sizeof(ret->secret), "%s",
             json_string_value(json_object_get(json_object_get(out, "AccessKey"), "SecretAccessKey")));
    json_decref(out);
}

static void
make_role(struct fixture *f, const char *name, const char *trust, const char *inline_doc)
{
    json_t *j = json_pack("{s:s, s:s}", "RoleName", name, "AssumeRolePolicyDocument", trust);
    char *t = json_dumps(j, 0);

    as_root(f, "iam", "CreateRole", t);
    free(t);
    json_decref(j);
    if (inline_doc) {
        j = json_pack("{s:s, s:s, s:s}", "RoleName", name, "PolicyName", "inline",
                      "PolicyDocument", inline_doc);
        t = json_dumps(j, 0);
        as_root(f, "iam", "PutRolePolicy", t);
        free(t);
        json_decref(j);
    }
}

/* AssumeRole over HTTP with c; fills *ret from the answer. Returns the status. */
static int
assume(struct fixture *f, const struct creds *c, const char *role, const char *extra,
       struct creds *ret, char **ret_body)
{
    char body[4096], *b;
    int status;

    snprintf(body, sizeof(body), "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%%3Aaws%%3Aiam%%3A%%3A"
             ACCT "%%3Arole%%2F%s&RoleSessionName=s1%s", role, extra ? extra : "");
    status = call(f, c, "sts", NULL, body, &b);
    if (status == 200 && ret) {
        memset(ret, 0, sizeof(*ret));
        xml_get(b, "AccessKeyId", ret->key, sizeof(ret->key));
        xml_get(b, "SecretAccessKey", ret->secret, sizeof(ret->secret));
        xml_get(b, "SessionToken", ret->token, sizeof(ret->token));
    }
    if (ret_body)
        *ret_body = b;
    else
        free(b);
    return status;
}

#define GCI "Action=GetCallerIdentity&Version=2011-06-15"
#define CREATE_ROLE "Action=CreateRole&Version=2010-05-08&RoleName=made&AssumeRolePolicyDocument=" \
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C" \
    "%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
#define ALLOW_ALL "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
#define TRUST_ACCOUNT "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":" \
    "{\"AWS\":\"arn:aws:iam::" ACCT ":root\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}"
#define TRUST_EC2 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":" \
    "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
#define SSM_FULL "arn:aws:iam::aws:policy/AmazonSSMFullAccess"
#define PUT_PARAM "{\"Name\":\"/app/x\",\"Value\":\"v\",\"Type\":\"String\"}"

/* ---- tests ---- */

static void
root_may_do_anything(void **state)
{
    struct fixture *f = *state;
    struct creds root = {0};
    char path[128], line[256], *b;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/credentials", f->dir);
    fp = fopen(path, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp)) {
        sscanf(line, "aws_access_key_id = %63s", root.key);
        sscanf(line, "aws_secret_access_key = %63s", root.secret);
    }
    fclose(fp);
    assert_int_equal(call(f, &root, "iam", NULL, CREATE_ROLE, &b), 200);
    free(b);
    assert_int_equal(call(f, &root, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 200);
    free(b);
}

static void
user_without_policies_is_denied_with_aws_message(void **state)
{
    struct fixture *f = *state;
    struct creds u;
    char *b;

    make_user(f, "alice", NULL, NULL, &u);
    assert_int_equal(call(f, &u, "sts", NULL, GCI, &b), 200);          /* never authorized */
    assert_non_null(strstr(b, "<Arn>arn:aws:iam::" ACCT ":user/alice</Arn>"));
    free(b);
    assert_int_equal(call(f, &u, "iam", NULL, CREATE_ROLE, &b), 403);
    assert_non_null(strstr(b, "<Code>AccessDenied</Code>"));
    assert_non_null(strstr(b, "User: arn:aws:iam::" ACCT ":user/alice is not authorized to perform: "
                              "iam:CreateRole on resource: arn:aws:iam::" ACCT ":role/made because no "
                              "identity-based policy allows the iam:CreateRole action"));
    free(b);
    assert_int_equal(call(f, &u, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 400);
    assert_non_null(strstr(b, "\"__type\":\"AccessDeniedException\""));
    assert_non_null(strstr(b, "ssm:PutParameter on resource: arn:aws:ssm:us-east-1:" ACCT ":parameter/app/x"));
    free(b);
}

static void
ssm_full_access_uses_ssm_but_not_iam(void **state)
{
    struct fixture *f = *state;
    struct creds u;
    char *b;

    make_user(f, "operator", NULL, SSM_FULL, &u);
    assert_int_equal(call(f, &u, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 200);
    free(b);
    assert_int_equal(call(f, &u, "ssm", "AmazonSSM.GetParameter", "{\"Name\":\"/app/x\"}", &b), 200);
    free(b);
    assert_int_equal(call(f, &u, "iam", NULL, CREATE_ROLE, &b), 403);
    assert_non_null(strstr(b, "because no identity-based policy allows the iam:CreateRole action"));
    free(b);
}

static void
explicit_deny_wins_and_cache_follows_changes(void **state)
{
    struct fixture *f = *state;
    struct creds u;
    char *b;

    make_user(f, "bob", ALLOW_ALL, NULL, &u);
    assert_int_equal(call(f, &u, "iam", NULL, CREATE_ROLE, &b), 200);
    free(b);
    as_root(f, "iam", "PutUserPolicy", "{\"UserName\":\"bob\",\"PolicyName\":\"no-iam\",\"PolicyDocument\":"
            "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Deny\\\","
            "\\\"Action\\\":\\\"iam:*\\\",\\\"Resource\\\":\\\"*\\\"}]}\"}");
    assert_int_equal(call(f, &u, "iam", NULL, "Action=ListUsers&Version=2010-05-08", &b), 403);
    assert_non_null(strstr(b, "is not authorized to perform: iam:ListUsers with an explicit deny in an "
                              "identity-based policy"));
    free(b);
    assert_int_equal(call(f, &u, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 200);
    free(b);
    as_root(f, "iam", "DeleteUserPolicy", "{\"UserName\":\"bob\",\"PolicyName\":\"no-iam\"}");
    assert_int_equal(call(f, &u, "iam", NULL, "Action=ListUsers&Version=2010-05-08", &b), 200);
    free(b);
}

static void
role_trusted_by_ec2_cannot_be_assumed(void **state)
{
    struct fixture *f = *state;
    struct creds u;
    char *b;

    make_user(f, "carol", ALLOW_ALL, NULL, &u);
    make_role(f, "ec2role", TRUST_EC2, ALLOW_ALL);
    assert_int_equal(assume(f, &u, "ec2role", NULL, NULL, &b), 403);
    assert_non_null(strstr(b, "<Message>User: arn:aws:iam::" ACCT ":user/carol is not authorized to perform: "
                              "sts:AssumeRole on resource: arn:aws:iam::" ACCT ":role/ec2role</Message>"));
    free(b);
    assert_int_equal(assume(f, &u, "nosuchrole", NULL, NULL, &b), 403);
    free(b);
}

static void
role_session_sees_only_its_permissions(void **state)
{
    struct fixture *f = *state;
    struct creds u, s, forged;
    char *b;

    make_user(f, "dave", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
              "\"Action\":[\"sts:AssumeRole\",\"iam:*\"],\"Resource\":\"*\"}]}", NULL, &u);
    make_role(f, "reader", TRUST_ACCOUNT, NULL);
    as_root(f, "iam", "AttachRolePolicy", "{\"RoleName\":\"reader\",\"PolicyArn\":\"" SSM_FULL "\"}");
    assert_int_equal(assume(f, &u, "reader", NULL, &s, NULL), 200);
    assert_memory_equal(s.key, "ASIA", 4);
    assert_int_equal(call(f, &s, "sts", NULL, GCI, &b), 200);
    assert_non_null(strstr(b, "<Arn>arn:aws:sts::" ACCT ":assumed-role/reader/s1</Arn>"));
    assert_non_null(strstr(b, ":s1</UserId>"));
    assert_non_null(strstr(b, "<UserId>AROA"));
    free(b);
    assert_int_equal(call(f, &s, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 200);
    free(b);
    assert_int_equal(call(f, &s, "iam", NULL, CREATE_ROLE, &b), 403);
    assert_non_null(strstr(b, "User: arn:aws:sts::" ACCT ":assumed-role/reader/s1 is not authorized"));
    free(b);
    /* the user itself cannot use SSM */
    assert_int_equal(call(f, &u, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 400);
    free(b);
    /* a forged token, and no token */
    forged = s;
    forged.token[5] ^= 1;
    assert_int_equal(call(f, &forged, "sts", NULL, GCI, &b), 403);
    assert_non_null(strstr(b, "InvalidClientTokenId"));
    free(b);
    forged.token[0] = '\0';
    assert_int_equal(call(f, &forged, "sts", NULL, GCI, &b), 403);
    free(b);
}

static void
session_policy_and_tags_bound_the_session(void **state)
{
    struct fixture *f = *state;
    struct creds u, s;
    char *b;

    make_user(f, "erin", ALLOW_ALL, NULL, &u);
    make_role(f, "admin", TRUST_ACCOUNT, ALLOW_ALL);
    /* Policy = only ssm:GetParameter; tag team=blue */
    assert_int_equal(assume(f, &u, "admin", "&Policy=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A"
                            "%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3AGetParameter%22%2C"
                            "%22Resource%22%3A%22*%22%7D%5D%7D&Tags.member.1.Key=team&Tags.member.1.Value=blue",
                            &s, &b), 200);
    assert_non_null(strstr(b, "<PackedPolicySize>"));
    free(b);
    assert_int_equal(call(f, &s, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 400);
    assert_non_null(strstr(b, "because no session policy allows the ssm:PutParameter action"));
    free(b);
    as_root(f, "ssm", "PutParameter", PUT_PARAM);
    assert_int_equal(call(f, &s, "ssm", "AmazonSSM.GetParameter", "{\"Name\":\"/app/x\"}", &b), 200);
    free(b);
}

static void
duration_limits(void **state)
{
    struct fixture *f = *state;
    struct creds u;
    char *b;

    make_user(f, "frank", ALLOW_ALL, NULL, &u);
    make_role(f, "short", TRUST_ACCOUNT, NULL);
    assert_int_equal(assume(f, &u, "short", "&DurationSeconds=7200", NULL, &b), 400);
    assert_non_null(strstr(b, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
    free(b);
    assert_int_equal(assume(f, &u, "short", "&DurationSeconds=3600", NULL, &b), 200);
    free(b);
}

static void
expired_session_fails(void **state)
{
    struct fixture *f = *state;
    struct creds u, s;
    struct store_tx *tx;
    char *b;

    make_user(f, "gina", ALLOW_ALL, NULL, &u);
    make_role(f, "r", TRUST_ACCOUNT, NULL);
    assert_int_equal(assume(f, &u, "r", NULL, &s, NULL), 200);
    assert_int_equal(call(f, &s, "sts", NULL, GCI, &b), 200);          /* cached now */
    free(b);
    assert_int_equal(store_begin(f->core->store, 1, &tx), 0);
    assert_int_equal(store_exec(tx, "UPDATE access_key SET expires = ?2 WHERE id = ?1", "si", s.key,
                                (int64_t) time(NULL) - 1), 1);
    assert_int_equal(store_commit(tx), 0);
    assert_int_equal(call(f, &s, "sts", NULL, GCI, &b), 403);
    assert_non_null(strstr(b, "<Code>ExpiredToken</Code>"));
    free(b);
}

static void
session_token_credentials_rules(void **state)
{
    struct fixture *f = *state;
    struct creds u, s, r2;
    char *b;

    make_user(f, "hank", ALLOW_ALL, NULL, &u);
    make_role(f, "r", TRUST_ACCOUNT, NULL);
    assert_int_equal(call(f, &u, "sts", NULL, "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900", &b), 200);
    memset(&s, 0, sizeof(s));
    xml_get(b, "AccessKeyId", s.key, sizeof(s.key));
    xml_get(b, "SecretAccessKey", s.secret, sizeof(s.secret));
    xml_get(b, "SessionToken", s.token, sizeof(s.token));
    free(b);
    assert_int_equal(call(f, &s, "sts", NULL, GCI, &b), 200);
    assert_non_null(strstr(b, "<Arn>arn:aws:iam::" ACCT ":user/hank</Arn>"));
    free(b);
    assert_int_equal(call(f, &s, "ssm", "AmazonSSM.PutParameter", PUT_PARAM, &b), 200);   /* the user's rights */
    free(b);
    assert_int_equal(call(f, &s, "iam", NULL, "Action=ListUsers&Version=2010-05-08", &b), 403);
    assert_non_null(strstr(b, "InvalidClientTokenId"));
    free(b);
    assert_int_equal(call(f, &s, "sts", NULL, "Action=GetSessionToken&Version=2011-06-15", &b), 403);
    assert_non_null(strstr(b, "Cannot call GetSessionToken with session credentials"));
    free(b);
    assert_int_equal(assume(f, &s, "r", NULL, &r2, NULL), 200);      /* AssumeRole still works */
    assert_int_equal(call(f, &r2, "sts", NULL, "Action=GetSessionToken&Version=2011-06-15", &b), 403);
    free(b);
}

static void
pass_role_needs_permission(void **state)
{
    struct fixture *f = *state;
    struct principal who;
    struct store_tx *tx;
    struct aerr err = {0};
    struct creds u;
    char arn[] = "arn:aws:iam::" ACCT ":role/svc";

    make_user(f, "ivy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
              "\"iam:PassRole\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
              "{\"iam:PassedToService\":\"ssm.amazonaws.com\"}}}]}", NULL, &u);
    make_user(f, "jack", NULL, NULL, &u);
    make_role(f, "svc", TRUST_EC2, NULL);
    assert_int_equal(store_begin(f->core->store, 0, &tx), 0);
    assert_int_equal(iam_user_principal(tx, ACCT, "", &who), -ENOENT);
    {
        struct store_rows *q;
        assert_int_equal(store_query(tx, &q, "SELECT id FROM iam_user WHERE name = 'ivy'", NULL), 1);
        assert_int_equal(iam_user_principal(tx, ACCT, store_col_text(q, 0), &who), 0);
        store_rows_done(q);
    }
    assert_int_equal(authz_pass_role(tx, &who, arn, "ssm.amazonaws.com", 1, &err), 0);
    assert_int_equal(authz_pass_role(tx, &who, arn, "ec2.amazonaws.com", 1, &err), -EACCES);
    assert_string_equal(err.code, "AccessDeniedException");
    assert_string_equal(err.msg, "User: arn:aws:iam::" ACCT ":user/ivy is not authorized to perform: "
                        "iam:PassRole on resource: arn:aws:iam::" ACCT ":role/svc because no "
                        "identity-based policy allows the iam:PassRole action");
    assert_int_equal(authz_pass_role(tx, &who, "arn:aws:iam::" ACCT ":role/none", "ssm.amazonaws.com", 0, &err),
                     -ENOENT);
    assert_int_equal(authz_pass_role(tx, &f->root, arn, "ec2.amazonaws.com", 0, &err), 0);
    store_rollback(tx);
}

static void
service_principal_needs_trust(void **state)
{
    struct fixture *f = *state;
    struct principal p;
    struct store_tx *tx;
    struct aerr err = {0};
    json_t *out = NULL;

    make_role(f, "ec2only", TRUST_EC2, NULL);
    make_role(f, "auto", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
              "{\"Service\":\"ssm.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":"
              "{\"StringEquals\":{\"aws:SourceAccount\":\"" ACCT "\"}}}]}", ALLOW_ALL);
    assert_int_equal(store_begin(f->core->store, 0, &tx), 0);
    assert_int_equal(authz_assume_role_as_service(tx, "arn:aws:iam::" ACCT ":role/ec2only", "ssm.amazonaws.com",
                                                  "arn:aws:ssm:us-east-1:" ACCT ":automation-execution/x", ACCT,
                                                  "x", &p, &err), -EACCES);
    assert_int_equal(authz_assume_role_as_service(tx, "arn:aws:iam::" ACCT ":role/auto", "ssm.amazonaws.com",
                                                  "arn:aws:ssm:us-east-1:" ACCT ":automation-execution/x",
                                                  "999999999999", "x", &p, &err), -EACCES);
    assert_int_equal(authz_assume_role_as_service(tx, "arn:aws:iam::" ACCT ":role/nope", "ssm.amazonaws.com",
                                                  NULL, NULL, "x", &p, &err), -ENOENT);
    assert_int_equal(authz_assume_role_as_service(tx, "arn:aws:iam::" ACCT ":role/auto", "ssm.amazonaws.com",
                                                  "arn:aws:ssm:us-east-1:" ACCT ":automation-execution/x", ACCT,
                                                  "exec-1", &p, &err), 0);
    store_rollback(tx);
    assert_int_equal(p.kind, PRINCIPAL_ASSUMED_ROLE);
    assert_string_equal(p.arn, "arn:aws:sts::" ACCT ":assumed-role/auto/exec-1");
    assert_memory_equal(p.user_id, "AROA", 4);
    assert_non_null(strstr(p.user_id, ":exec-1"));
    /* the session acts with the role's permissions, in-process */
    assert_int_equal(invoke(f, &p, "ssm", "PutParameter", PUT_PARAM, NULL, &err), 0);
    assert_int_equal(invoke(f, &p, "sts", "GetCallerIdentity", NULL, &out, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "Arn")), p.arn);
    json_decref(out);
}

static void
invoke_is_authorized_too(void **state)
{
    struct fixture *f = *state;
    struct principal who;
    struct store_tx *tx;
    struct store_rows *q;
    struct aerr err;
    struct creds u;

    make_user(f, "kim", NULL, SSM_FULL, &u);
    assert_int_equal(store_begin(f->core->store, 0, &tx), 0);
    assert_int_equal(store_query(tx, &q, "SELECT id FROM iam_user WHERE name = 'kim'", NULL), 1);
    assert_int_equal(iam_user_principal(tx, ACCT, store_col_text(q, 0), &who), 0);
    store_rows_done(q);
    store_rollback(tx);
    assert_int_equal(invoke(f, &who, "ssm", "PutParameter", PUT_PARAM, NULL, &err), 0);
    assert_int_equal(invoke(f, &who, "iam", "ListUsers", NULL, NULL, &err), -EACCES);
    assert_string_equal(err.code, "AccessDenied");
    /* aws:CalledVia when a service acts for the principal */
    as_root(f, "iam", "PutUserPolicy", "{\"UserName\":\"kim\",\"PolicyName\":\"via\",\"PolicyDocument\":"
            "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
            "\\\"Action\\\":\\\"iam:ListUsers\\\",\\\"Resource\\\":\\\"*\\\",\\\"Condition\\\":{\\\"ForAnyValue:StringEquals\\\":"
            "{\\\"aws:CalledVia\\\":\\\"ssm.amazonaws.com\\\"}}}]}\"}");
    assert_int_equal(invoke(f, &who, "iam", "ListUsers", NULL, NULL, &err), -EACCES);
    strcpy(who.called_via, "ssm.amazonaws.com");
    assert_int_equal(invoke(f, &who, "iam", "ListUsers", NULL, NULL, &err), 0);
}

static void
encoded_denial_decodes(void **state)
{
    struct fixture *f = *state;
    struct principal who;
    struct store_tx *tx;
    struct store_rows *q;
    struct aerr err = {0};
    struct creds u;
    json_t *out = NULL, *in;
    const char *m;

    make_user(f, "lee", NULL, NULL, &u);
    assert_int_equal(store_begin(f->core->store, 0, &tx), 0);
    assert_int_equal(store_query(tx, &q, "SELECT id FROM iam_user WHERE name = 'lee'", NULL), 1);
    assert_int_equal(iam_user_principal(tx, ACCT, store_col_text(q, 0), &who), 0);
    store_rows_done(q);
    assert_int_equal(authz_check_encoded(tx, &who, "ec2:RunInstances", "arn:aws:ec2:us-east-1:" ACCT
                                         ":instance/*", NULL, &err), -EACCES);
    store_rollback(tx);
    assert_string_equal(err.code, "UnauthorizedOperation");
    m = strstr(err.msg, "Encoded authorization failure message: ");
    assert_non_null(m);
    m += strlen("Encoded authorization failure message: ");
    in = json_pack("{s:s}", "EncodedMessage", m);
    assert_int_equal(f->core->env.invoke(f->core, &f->root, NULL, "sts", "DecodeAuthorizationMessage", in,
                                         &out, &err), 0);
    json_decref(in);
    m = json_string_value(json_object_get(out, "DecodedMessage"));
    assert_non_null(m);
    assert_non_null(strstr(m, "\"allowed\":false"));
    assert_non_null(strstr(m, "\"action\":\"ec2:RunInstances\""));
    assert_non_null(strstr(m, "user/lee"));
    json_decref(out);
    in = json_pack("{s:s}", "EncodedMessage", "bm90IGEgbWVzc2FnZQ==");
    assert_true(f->core->env.invoke(f->core, &f->root, NULL, "sts", "DecodeAuthorizationMessage", in,
                                    &out, &err) < 0);
    json_decref(in);
    assert_string_equal(err.code, "InvalidAuthorizationMessageException");
}

static void
root_cannot_assume_roles(void **state)
{
    struct fixture *f = *state;
    struct aerr err;

    make_role(f, "r", TRUST_ACCOUNT, NULL);
    assert_int_equal(invoke(f, &f->root, "sts", "AssumeRole", "{\"RoleArn\":\"arn:aws:iam::" ACCT
                            ":role/r\",\"RoleSessionName\":\"x1\"}", NULL, &err), -EACCES);
    assert_string_equal(err.msg, "Roles may not be assumed by root accounts.");
}

/* The subject cache survives unrelated commits and follows every IAM change that matters. */
static void
subject_cache_follows_iam_changes(void **state)
{
    struct fixture *f = *state;
    static const char *const tables[] = { "iam_user", "iam_role", "iam_group", "iam_group_member",
        "iam_policy", "iam_policy_version", "iam_attachment", "iam_inline", "iam_tag" };
    struct store_tx *tx;
    struct store_rows *q;
    struct creds u;
    char *b;
    int64_t before, after;

    /* every table subjects are read from has its triggers */
    assert_int_equal(store_begin(f->core->store, 0, &tx), 0);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        assert_int_equal(store_query(tx, &q, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = ?1 AND name LIKE 'authz_%'", "s", tables[i]), 1);
        assert_int_equal(store_col_int(q, 0), 3);
        store_rows_done(q);
    }
    store_rollback(tx);

#define COUNTER(v) do {                                                                       \
        assert_int_equal(store_begin(f->core->store, 0, &tx), 0);                             \
        assert_int_equal(store_query(tx, &q, "SELECT n FROM authz_generation", NULL), 1);     \
        (v) = store_col_int(q, 0);                                                            \
        store_rows_done(q);                                                                   \
        store_rollback(tx);                                                                   \
    } while (0)
#define EXPECT(status, svc, target, body) do {                                                \
        assert_int_equal(call(f, &u, svc, target, body, &b), status);                        \
        free(b);                                                                              \
    } while (0)
#define LIST_USERS "Action=ListUsers&Version=2010-05-08"

    make_user(f, "mia", NULL, NULL, &u);
    EXPECT(403, "iam", NULL, LIST_USERS);
    COUNTER(before);
    as_root(f, "ssm", "PutParameter", PUT_PARAM);            /* not IAM: the counter stays */
    COUNTER(after);
    assert_int_equal(before, after);
    EXPECT(403, "iam", NULL, LIST_USERS);
    /* group membership and group policies */
    as_root(f, "iam", "CreateGroup", "{\"GroupName\":\"readers\"}");
    as_root(f, "iam", "AttachGroupPolicy", "{\"GroupName\":\"readers\",\"PolicyArn\":"
            "\"arn:aws:iam::aws:policy/IAMReadOnlyAccess\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "AddUserToGroup", "{\"GroupName\":\"readers\",\"UserName\":\"mia\"}");
    COUNTER(after);
    assert_true(after != before);
    EXPECT(200, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "RemoveUserFromGroup", "{\"GroupName\":\"readers\",\"UserName\":\"mia\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    /* a customer managed policy: attach, new default version, detach */
    as_root(f, "iam", "CreatePolicy", "{\"PolicyName\":\"p\",\"PolicyDocument\":"
            "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":"
            "\\\"Allow\\\",\\\"Action\\\":\\\"iam:ListUsers\\\",\\\"Resource\\\":\\\"*\\\"}]}\"}");
    as_root(f, "iam", "AttachUserPolicy", "{\"UserName\":\"mia\",\"PolicyArn\":\"arn:aws:iam::" ACCT
            ":policy/p\"}");
    EXPECT(200, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "CreatePolicyVersion", "{\"PolicyArn\":\"arn:aws:iam::" ACCT ":policy/p\","
            "\"SetAsDefault\":true,\"PolicyDocument\":\"{\\\"Version\\\":\\\"2012-10-17\\\","
            "\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":"
            "\\\"iam:ListRoles\\\",\\\"Resource\\\":\\\"*\\\"}]}\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    EXPECT(200, "iam", NULL, "Action=ListRoles&Version=2010-05-08");
    as_root(f, "iam", "SetDefaultPolicyVersion", "{\"PolicyArn\":\"arn:aws:iam::" ACCT ":policy/p\","
            "\"VersionId\":\"v1\"}");
    EXPECT(200, "iam", NULL, LIST_USERS);
    /* a permissions boundary */
    as_root(f, "iam", "PutUserPermissionsBoundary", "{\"UserName\":\"mia\",\"PermissionsBoundary\":"
            "\"arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "DeleteUserPermissionsBoundary", "{\"UserName\":\"mia\"}");
    EXPECT(200, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "DetachUserPolicy", "{\"UserName\":\"mia\",\"PolicyArn\":\"arn:aws:iam::" ACCT
            ":policy/p\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    /* principal tags */
    as_root(f, "iam", "PutUserPolicy", "{\"UserName\":\"mia\",\"PolicyName\":\"tagged\",\"PolicyDocument\":"
            "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
            "\\\"Action\\\":\\\"iam:ListUsers\\\",\\\"Resource\\\":\\\"*\\\",\\\"Condition\\\":"
            "{\\\"StringEquals\\\":{\\\"aws:PrincipalTag/role\\\":\\\"admin\\\"}}}]}\"}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "TagUser", "{\"UserName\":\"mia\",\"Tags\":[{\"Key\":\"role\",\"Value\":\"admin\"}]}");
    EXPECT(200, "iam", NULL, LIST_USERS);
    as_root(f, "iam", "TagUser", "{\"UserName\":\"mia\",\"Tags\":[{\"Key\":\"role\",\"Value\":\"dev\"}]}");
    EXPECT(403, "iam", NULL, LIST_USERS);
    /* the user deleted: its key no longer authenticates (core/auth.c), nothing stale remains */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(root_may_do_anything, setup, teardown),
        cmocka_unit_test_setup_teardown(user_without_policies_is_denied_with_aws_message, setup, teardown),
        cmocka_unit_test_setup_teardown(ssm_full_access_uses_ssm_but_not_iam, setup, teardown),
        cmocka_unit_test_setup_teardown(explicit_deny_wins_and_cache_follows_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(role_trusted_by_ec2_cannot_be_assumed, setup, teardown),
        cmocka_unit_test_setup_teardown(role_session_sees_only_its_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(session_policy_and_tags_bound_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(duration_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_session_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(session_token_credentials_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(pass_role_needs_permission, setup, teardown),
        cmocka_unit_test_setup_teardown(service_principal_needs_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(invoke_is_authorized_too, setup, teardown),
        cmocka_unit_test_setup_teardown(encoded_denial_decodes, setup, teardown),
        cmocka_unit_test_setup_teardown(root_cannot_assume_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(subject_cache_follows_iam_changes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
