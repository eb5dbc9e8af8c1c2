/* tests/unit/test_iam.c - the IAM service's pure parts: the policy document validator driven by
 * the cases in the .txt files of tests/data/iam-policies (one cmocka test per file; format in the README
 * there), the size IAM counts, and the URL encoding of documents in answers.
 * Runs from the repository root. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "account/account.h"
#include "iam/internal.h"

#define CASE_DIR "tests/data/iam-policies"
#define MAX_FILE (1 << 20)

static size_t cases_run;

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (!f)
        return NULL;
    buf = malloc(MAX_FILE + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, MAX_FILE, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Run one case: header is "<kind> <expectation>", doc the document text. */
static void
run_case(const char *file, int line, const char *header, const char *doc)
{
    enum iam_doc_kind kind = IAM_DOC_INLINE;
    struct aerr err = {0};
    const char *expect;
    size_t size = 0;
    int r;

    if (strncmp(header, "inline ", 7) == 0)
        kind = IAM_DOC_INLINE;
    else if (strncmp(header, "managed ", 8) == 0)
        kind = IAM_DOC_MANAGED;
    else if (strncmp(header, "trust ", 6) == 0)
        kind = IAM_DOC_TRUST;
    else
        fail_msg("%s:%d: unknown kind in '%s'", file, line, header);
    expect = strchr(header, ' ') + 1;
    r = iam_doc_check(doc, kind, &size, &err);
    if (strncmp(expect, "ok", 2) == 0 && (expect[2] == '\0' || expect[2] == ' ')) {
        if (r != 0)
            fail_msg("%s:%d: expected ok, got %s: %s", file, line, err.code ? err.code : "?", err.msg);
        if (expect[2] == ' ' && size != strtoul(expect + 3, NULL, 10))
            fail_msg("%s:%d: size %zu, expected %s", file, line, size, expect + 3);
    } else {
        if (r == 0)
            fail_msg("%s:%d: expected '%s', got ok", file, line, expect);
        if (err.status != 400 || !err.code || strcmp(err.code, "MalformedPolicyDocument") != 0)
            fail_msg("%s:%d: expected 400 MalformedPolicyDocument, got %d %s", file, line, err.status,
                     err.code ? err.code : "(none)");
        if (strcmp(err.msg, expect) != 0)
            fail_msg("%s:%d: expected '%s', got '%s'", file, line, expect, err.msg);
    }
    cases_run++;
}

static void
run_file(void **state)
{
    const char *path = *state;
    char *text = slurp(path), *p, *header = NULL;
    int line = 1, header_line = 0;
    char *doc = NULL;
    size_t doc_len = 0;

    assert_non_null(text);
    doc = malloc(strlen(text) + 1);
    assert_non_null(doc);
    for (p = text; *p;) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t) (eol - p) : strlen(p);
        if (len >= 4 && strncmp(p, "### ", 4) == 0) {
            if (header) {
                if (doc_len && doc[doc_len - 1] == '\n')
                    doc_len--;
                doc[doc_len] = '\0';
                run_case(path, header_line, header, doc);
            }
            p[len] = '\0';
            header = p + 4;
            header_line = line;
            doc_len = 0;
        } else if (header) {
            memcpy(doc + doc_len, p, len);
            doc_len += len;
            doc[doc_len++] = '\n';
        }
        if (!eol)
            break;
        p = eol + 1;
        line++;
    }
    if (header) {
        if (doc_len && doc[doc_len - 1] == '\n')
            doc_len--;
        doc[doc_len] = '\0';
        run_case(path, header_line, header, doc);
    }
    free(doc);
    free(text);
}

static void
doc_size_ignores_whitespace(void **state)
{
    (void) state;
    assert_int_equal(iam_doc_size(""), 0);
    assert_int_equal(iam_doc_size(" \t\r\n"), 0);
    assert_int_equal(iam_doc_size("{ \"a\" : 1 }"), 7);
}

static void
urlencode_like_iam(void **state)
{
    char *s;

    (void) state;
    s = iam_urlencode("{\"Version\": \"2012-10-17\", \"Action\": \"sts:AssumeRole\"}\n");
    assert_non_null(s);
    assert_string_equal(s, "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D%0A");
    free(s);
    s = iam_urlencode("a*b~c_d.e-f/g");
    assert_string_equal(s, "a*b~c_d.e-f%2Fg");
    free(s);
}

static void
managed_policies_are_sorted_and_valid(void **state)
{
    size_t i;

    (void) state;
    assert_true(iam_n_aws_policies >= 20);
    for (i = 0; i < iam_n_aws_policies; i++) {
        const struct iam_aws_policy *p = &iam_aws_policies[i];
        struct aerr err = {0};
        char arn[512];
        assert_int_equal(strncmp(p->id, "ANPA", 4), 0);
        snprintf(arn, sizeof(arn), "arn:aws:iam::aws:policy%s%s", p->path, p->name);
        assert_string_equal(arn, p->arn);
        assert_ptr_equal(iam_aws_policy_find(p->arn), p);
        if (i > 0)
            assert_true(strcasecmp(iam_aws_policies[i - 1].name, p->name) < 0);
        if (iam_doc_check(p->document, IAM_DOC_AWS_MANAGED, NULL, &err) != 0)
            fail_msg("%s: %s", p->name, err.msg);
    }
    assert_non_null(iam_aws_policy_find("arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"));
    assert_null(iam_aws_policy_find("arn:aws:iam::aws:policy/AmazonSSMAutomationRole"));
}

/* ---- the accessors other modules use, over a real store ---- */

struct fixture {
    char dir[64];
    struct store *st;
    struct store_tx *tx;
    struct principal root;
};

static int
store_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/test-iam-XXXXXX");
    if (!mkdtemp(f->dir) || store_open(f->dir, &f->st) < 0 || store_migrate(f->st, "iam", iam_migrations) < 0 ||
        store_begin(f->st, 1, &f->tx) < 0)
        return -1;
    f->root.kind = PRINCIPAL_ROOT;
    snprintf(f->root.account, sizeof(f->root.account), "123456789012");
    snprintf(f->root.arn, sizeof(f->root.arn), "arn:aws:iam::123456789012:root");
    *state = f;
    return 0;
}

static int
store_teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    store_rollback(f->tx);
    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Run a handler as the root with input in (consumed); return its output (owned). */
static json_t *
call(struct fixture *f, op_handler *fn, json_t *in)
{
    struct req rq = { .caller = &f->root, .tx = f->tx, .now = 1700000000, .region = "us-east-1" };
    struct aerr err = {0};
    int r;

    assert_non_null(in);
    rq.in = in;
    r = fn(&rq, &err);
    if (r < 0)
        fail_msg("%s: %s", err.code ? err.code : "?", err.msg);
    json_decref(rq.in);
    return rq.out ? rq.out : json_object();
}

static int
attach_group(struct req *rq, struct aerr *err)
{
    return iam_attach(rq, IAM_GROUP, err);
}

static int
put_user_policy(struct req *rq, struct aerr *err)
{
    return iam_inline_put(rq, IAM_USER, err);
}

struct seen {
    char keys[16][256];
    int uses[16];
    unsigned flags[16];
    size_t n;
};

static int
collect(void *ud, enum iam_policy_use use, const char *key, const char *doc, unsigned flags)
{
    struct seen *s = ud;

    assert_non_null(doc);
    assert_true(s->n < 16);
    snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
    s->uses[s->n] = use;
    s->flags[s->n++] = flags;
    return 0;
}

static const char *
out_str(json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

#define ALLOW_S3 "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}"
#define DENY_ALL "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}"
#define SSM_TRUST "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"," \
                  "\"Principal\":{\"Service\":\"ssm.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"

static void
policies_for_user_and_role(void **state)
{
    struct fixture *f = *state;
    struct iam_role_info ri;
    struct seen s = {0};
    json_t *o;
    char user_id[64], role_id[64];

    o = call(f, iam_op_CreateUser, json_pack("{s:s}", "UserName", "u1"));
    snprintf(user_id, sizeof(user_id), "%s", out_str(o, "User", "UserId"));
    json_decref(o);
    json_decref(call(f, iam_op_CreateGroup, json_pack("{s:s}", "GroupName", "g1")));
    json_decref(call(f, iam_op_AddUserToGroup, json_pack("{s:s, s:s}", "GroupName", "g1", "UserName", "u1")));
    json_decref(call(f, iam_op_CreatePolicy, json_pack("{s:s, s:s}", "PolicyName", "P", "PolicyDocument", ALLOW_S3)));
    json_decref(call(f, put_user_policy, json_pack("{s:s, s:s, s:s}", "UserName", "u1", "PolicyName", "in",
                                                   "PolicyDocument", DENY_ALL)));
    json_decref(call(f, attach_group, json_pack("{s:s, s:s}", "GroupName", "g1", "PolicyArn",
                                                "arn:aws:iam::123456789012:policy/P")));
    json_decref(call(f, iam_op_PutUserPermissionsBoundary, json_pack("{s:s, s:s}", "UserName", "u1",
                     "PermissionsBoundary", "arn:aws:iam::aws:policy/AmazonSSMFullAccess")));
    assert_int_equal(iam_policies_for(f->tx, "123456789012", user_id, collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(strncmp(s.keys[0], "inline:", 7), 0);
    assert_int_equal(s.uses[0], IAM_USE_IDENTITY);
    assert_string_equal(s.keys[1], "arn:aws:iam::123456789012:policy/P#v1");
    assert_string_equal(s.keys[2], "arn:aws:iam::aws:policy/AmazonSSMFullAccess#v4");
    assert_int_equal(s.uses[2], IAM_USE_BOUNDARY);
    assert_int_equal(s.flags[2], IAM_POLICY_AWS_MANAGED);
    assert_int_equal(iam_policies_for(f->tx, "123456789012", "AIDANOSUCHUSER0000000", collect, &s), -ENOENT);

    o = call(f, iam_op_CreateRole, json_pack("{s:s, s:s, s:s}", "RoleName", "R1", "Path", "/svc/",
                                             "AssumeRolePolicyDocument", SSM_TRUST));
    snprintf(role_id, sizeof(role_id), "%s", out_str(o, "Role", "RoleId"));
    json_decref(o);
    assert_int_equal(iam_role_by_arn(f->tx, "arn:aws:iam::123456789012:role/svc/r1", &ri), 0);
    assert_string_equal(ri.id, role_id);
    assert_string_equal(ri.arn, "arn:aws:iam::123456789012:role/svc/R1");
    assert_int_equal(ri.max_session, 3600);
    assert_non_null(strstr(ri.trust, "ssm.amazonaws.com"));
    iam_role_info_done(&ri);
    assert_int_equal(iam_role_by_arn(f->tx, "arn:aws:iam::123456789012:role/R1", &ri), -ENOENT);
    assert_int_equal(iam_role_by_arn(f->tx, "not an arn", &ri), -ENOENT);
    assert_int_equal(iam_role_mark_used(f->tx, role_id, 1700000123, "eu-west-1"), 0);
    o = call(f, iam_op_GetRole, json_pack("{s:s}", "RoleName", "R1"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(o, "Role"), "RoleLastUsed"),
                                                        "LastUsedDate")), 1700000123);
    json_decref(o);
    s.n = 0;
    assert_int_equal(iam_managed_policy_document(f->tx, "123456789012", "arn:aws:iam::123456789012:policy/P",
                                                 collect, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(iam_managed_policy_document(f->tx, "123456789012", "arn:aws:iam::123456789012:policy/Q",
                                                 collect, &s), -ENOENT);
}

static void
login_password_verify(void **state)
{
    struct fixture *f = *state;

    json_decref(call(f, iam_op_CreateUser, json_pack("{s:s}", "UserName", "pw")));
    json_decref(call(f, iam_op_CreateLoginProfile, json_pack("{s:s, s:s}", "UserName", "pw",
                                                             "Password", "C0rrect-horse")));
    assert_int_equal(iam_login_verify(f->tx, "123456789012", "PW", "C0rrect-horse"), 0);
    assert_int_equal(iam_login_verify(f->tx, "123456789012", "pw", "c0rrect-horse"), -EACCES);
    assert_int_equal(iam_login_verify(f->tx, "123456789012", "nobody", "C0rrect-horse"), -ENOENT);
}

int
main(void)
{
    static char paths[64][512];
    struct CMUnitTest tests[64 + 5];
    size_t n = 0, i;
    struct dirent *de;
    DIR *d = opendir(CASE_DIR);
    int r;

    if (!d) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", CASE_DIR);
        return 1;
    }
    while ((de = readdir(d)) && n < 64) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
            continue;
        snprintf(paths[n], sizeof(paths[n]), "%s/%s", CASE_DIR, de->d_name);
        n++;
    }
    closedir(d);
    for (i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest) { paths[i], run_file, NULL, NULL, paths[i] };
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(doc_size_ignores_whitespace);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(urlencode_like_iam);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(managed_policies_are_sorted_and_valid);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test_setup_teardown(policies_for_user_and_role, store_setup,
                                                                      store_teardown);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test_setup_teardown(login_password_verify, store_setup,
                                                                      store_teardown);
    r = _cmocka_run_group_tests("iam", tests, n, NULL, NULL);
    printf("iam: %zu policy document cases\n", cases_run);
    return r;
}
