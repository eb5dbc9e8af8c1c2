/* tests/unit/test_ssm.c - SSM document parsing, validation, conversion and summaries
 * (src/ssm/docparse.c, ssmyaml.c) and the small helpers of util.c.
 * The validation cases are data: tests/data/ssm-documents/cases.txt names each file, the
 * document type, the expected error code and a piece of the expected message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ssm/docparse.h"
#include "ssm/documents.h"
#include "ssm/internal.h"
#include "ssm/parameters.h"
#include "ssm/ssm.h"

#define DATA "tests/data/ssm-documents/"
#define AWSDOCS "src/ssm/aws-documents/"

static char *
slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    *ret_len = (size_t) n;
    return buf;
}

static enum ssmdoc_format
format_of(const char *file)
{
    size_t n = strlen(file);

    return n > 5 && !strcmp(file + n - 5, ".yaml") ? SSMDOC_YAML : SSMDOC_JSON;
}

/* Parse + validate one file; returns 0 or <0 with err filled. */
static int
check_file(const char *path, const char *type, struct aerr *err)
{
    size_t len;
    char *text = slurp(path, &len);
    json_t *doc = NULL;
    int r;

    r = ssmdoc_parse(text, len, format_of(path), &doc, err);
    if (r == 0)
        r = ssmdoc_validate(doc, type, err);
    json_decref(doc);
    free(text);
    return r;
}

static void
validation_cases(void **state)
{
    FILE *f = fopen(DATA "cases.txt", "r");
    char line[1024], path[512];
    int n = 0;

    (void) state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *file, *type, *code, *msg, *save = NULL;
        struct aerr err = { 0 };
        int r;

        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        file = strtok_r(line, "|", &save);
        type = strtok_r(NULL, "|", &save);
        code = strtok_r(NULL, "|", &save);
        msg = strtok_r(NULL, "", &save);
        assert_non_null(code);
        snprintf(path, sizeof(path), DATA "%s", file);
        r = check_file(path, type, &err);
        if (!strcmp(code, "OK")) {
            if (r != 0)
                fail_msg("%s as %s: unexpected %s: %s", file, type, err.code, err.msg);
        } else {
            if (r != -EINVAL)
                fail_msg("%s as %s: expected %s, got r=%d", file, type, code, r);
            assert_int_equal(err.status, 400);
            if (strcmp(err.code, code))
                fail_msg("%s: expected %s, got %s (%s)", file, code, err.code, err.msg);
            if (msg && !strstr(err.msg, msg))
                fail_msg("%s: message \"%s\" lacks \"%s\"", file, err.msg, msg);
        }
        n++;
    }
    fclose(f);
    assert_true(n >= 30);
}

static void
aws_documents_are_valid(void **state)
{
    size_t i;

    (void) state;
    assert_true(ssm_n_aws_docs >= 7);
    for (i = 0; i < ssm_n_aws_docs; i++) {
        struct aerr err = { 0 };
        json_t *doc = NULL;
        const struct ssm_aws_doc *d = &ssm_aws_docs[i];
        int r = ssmdoc_parse(d->content, strlen(d->content), SSMDOC_JSON, &doc, &err);

        if (r == 0)
            r = ssmdoc_validate(doc, d->type, &err);
        if (r != 0)
            fail_msg("%s: %s", d->name, err.msg);
        json_decref(doc);
    }
    assert_non_null(ssm_aws_doc_find("AWS-UpdateLinuxAmi"));
    assert_string_equal(ssm_aws_doc_find("AWS-RunShellScript")->type, "Command");
    assert_string_equal(ssm_aws_doc_find("AWS-StopEC2Instance")->type, "Automation");
    assert_null(ssm_aws_doc_find("AWS-Nope"));
}

/* JSON -> YAML -> tree and JSON -> JSON -> tree give back the same tree. */
static void
roundtrip_one(const char *text, size_t len, enum ssmdoc_format fmt)
{
    struct aerr err = { 0 };
    json_t *doc = NULL, *back = NULL;
    char *yaml = NULL, *js = NULL;

    assert_int_equal(ssmdoc_parse(text, len, fmt, &doc, &err), 0);
    assert_int_equal(ssmdoc_render(doc, SSMDOC_YAML, &yaml), 0);
    if (ssmdoc_parse(yaml, strlen(yaml), SSMDOC_YAML, &back, &err) != 0)
        fail_msg("YAML does not parse back: %s\n%s", err.msg, yaml);
    if (!json_equal(doc, back))
        fail_msg("YAML round trip differs:\n%s", yaml);
    json_decref(back);
    assert_int_equal(ssmdoc_render(doc, SSMDOC_JSON, &js), 0);
    assert_int_equal(ssmdoc_parse(js, strlen(js), SSMDOC_JSON, &back, &err), 0);
    assert_true(json_equal(doc, back));
    json_decref(back);
    json_decref(doc);
    free(yaml);
    free(js);
}

static void
json_yaml_roundtrips(void **state)
{
    static const char *const files[] = {
        "automation-basic.yaml", "automation-full.json", "command-22.json", "command-22.yaml",
        "command-12.json", NULL,
    };
    char path[256];
    size_t i, len;
    char *text;

    (void) state;
    for (i = 0; files[i]; i++) {
        snprintf(path, sizeof(path), DATA "%s", files[i]);
        text = slurp(path, &len);
        roundtrip_one(text, len, format_of(files[i]));
        free(text);
    }
    for (i = 0; i < ssm_n_aws_docs; i++)
        roundtrip_one(ssm_aws_docs[i].content, strlen(ssm_aws_docs[i].content), SSMDOC_JSON);
}

/* Strings a YAML reader would take for other types must come back as strings. */
static void
yaml_quotes_ambiguous_strings(void **state)
{
    static const char *const tricky[] = {
        "true", "False", "yes", "No", "on", "OFF", "y", "~", "null", "", "0.3", "123", "-1",
        "1e3", "0x1F", "0o17", ".inf", ".nan", "12:30", "- item", "a: b", "#comment", "'q'",
        "\"dq\"", "multi\nline\n", "trailing space ", " leading", "tab\there", "{{ Param }}",
        "@at", "`tick", "%pct", "&anchor", "*alias", "!tag", "|pipe", ">fold", "[x]", "{y}",
        "ünïcödé", "line1\n\nline3", "\n", NULL,
    };
    json_t *doc = json_object(), *list = json_array(), *back = NULL;
    struct aerr err = { 0 };
    char *yaml = NULL;
    size_t i;

    (void) state;
    for (i = 0; tricky[i]; i++) {
        json_array_append_new(list, json_string(tricky[i]));
        json_object_set_new(doc, tricky[i], json_string("k"));
    }
    json_object_set_new(doc, "list", list);
    json_object_set_new(doc, "int", json_integer(-42));
    json_object_set_new(doc, "real", json_real(0.25));
    json_object_set_new(doc, "whole_real", json_real(2.0));
    json_object_set_new(doc, "bool", json_true());
    json_object_set_new(doc, "null", json_null());
    json_object_set_new(doc, "empty_list", json_array());
    json_object_set_new(doc, "empty_map", json_object());
    assert_int_equal(ssmdoc_render(doc, SSMDOC_YAML, &yaml), 0);
    if (ssmdoc_parse(yaml, strlen(yaml), SSMDOC_YAML, &back, &err) != 0)
        fail_msg("does not parse back: %s\n%s", err.msg, yaml);
    if (!json_equal(doc, back))
        fail_msg("differs:\n%s", yaml);
    json_decref(doc);
    json_decref(back);
    free(yaml);
}

static void
yaml_scalars_resolve_by_core_schema(void **state)
{
    static const char text[] =
        "schemaVersion: 0.3\n"
        "a: 12\nb: -7\nc: 1.5\nd: true\ne: False\nf: ~\ng: null\nh: yes\ni: '12'\n"
        "j: \"true\"\nk: !!str 5\nl: 0x10\nm: 1e2\nn: text with:colon\no: |\n  x\n  y\n"
        "p: &anc {q: 1}\nr: *anc\ns: !!int '7'\nt: 99999999999999999999\n";
    struct aerr err = { 0 };
    json_t *doc = NULL;

    (void) state;
    assert_int_equal(ssmdoc_parse(text, strlen(text), SSMDOC_YAML, &doc, &err), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "schemaVersion")), "0.3");
    assert_int_equal(json_integer_value(json_object_get(doc, "a")), 12);
    assert_int_equal(json_integer_value(json_object_get(doc, "b")), -7);
    assert_true(json_is_real(json_object_get(doc, "c")));
    assert_true(json_is_true(json_object_get(doc, "d")));
    assert_true(json_is_false(json_object_get(doc, "e")));
    assert_true(json_is_null(json_object_get(doc, "f")));
    assert_true(json_is_null(json_object_get(doc, "g")));
    assert_string_equal(json_string_value(json_object_get(doc, "h")), "yes");
    assert_string_equal(json_string_value(json_object_get(doc, "i")), "12");
    assert_string_equal(json_string_value(json_object_get(doc, "j")), "true");
    assert_string_equal(json_string_value(json_object_get(doc, "k")), "5");
    assert_int_equal(json_integer_value(json_object_get(doc, "l")), 16);
    assert_true(json_is_real(json_object_get(doc, "m")));
    assert_string_equal(json_string_value(json_object_get(doc, "n")), "text with:colon");
    assert_string_equal(json_string_value(json_object_get(doc, "o")), "x\ny\n");
    assert_true(json_equal(json_object_get(doc, "p"), json_object_get(doc, "r")));
    assert_int_equal(json_integer_value(json_object_get(doc, "s")), 7);
    assert_true(json_is_real(json_object_get(doc, "t")));
    json_decref(doc);
}

static void
parse_limits(void **state)
{
    struct aerr err = { 0 };
    json_t *doc = NULL;
    char *deep;
    size_t i, n = SSMDOC_MAX_DEPTH + 5;

    (void) state;
    /* nesting past the limit, both formats */
    deep = malloc(2 * n + 32);
    assert_non_null(deep);
    strcpy(deep, "{\"a\":");
    for (i = 0; i < n; i++)
        strcat(deep, "[");
    for (i = 0; i < n; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    assert_int_equal(ssmdoc_parse(deep, strlen(deep), SSMDOC_JSON, &doc, &err), -EINVAL);
    assert_string_equal(err.code, "InvalidDocumentContent");
    memset(&err, 0, sizeof(err));
    assert_int_equal(ssmdoc_parse(deep, strlen(deep), SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_string_equal(err.code, "InvalidDocumentContent");
    free(deep);
    /* empty, NUL bytes, non-UTF-8, undefined alias */
    assert_int_equal(ssmdoc_parse("", 0, SSMDOC_JSON, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("", 0, SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("{\"a\":\"\\u0000\"}", 14, SSMDOC_JSON, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("a: \xff\xfe\n", 7, SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("a: *nope\n", 9, SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("? [a]\n: b\n", 10, SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("- a\n", 4, SSMDOC_YAML, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("{\"a\":1,\"a\":2}", 13, SSMDOC_JSON, &doc, &err), -EINVAL);
    assert_int_equal(ssmdoc_parse("x", 1, SSMDOC_TEXT, &doc, &err), -EINVAL);
}

static void
summaries(void **state)
{
    const struct ssm_aws_doc *d;
    struct aerr err = { 0 };
    json_t *doc = NULL, *params = NULL, *plats = NULL, *p;
    char schema[16];
    size_t len;
    char *text;

    (void) state;
    d = ssm_aws_doc_find("AWS-RunShellScript");
    assert_int_equal(ssmdoc_parse(d->content, strlen(d->content), SSMDOC_JSON, &doc, &err), 0);
    assert_int_equal(ssmdoc_summary(doc, "Command", schema, sizeof(schema), &params, &plats), 0);
    assert_string_equal(schema, "1.2");
    assert_int_equal(json_array_size(plats), 2);
    assert_string_equal(json_string_value(json_array_get(plats, 0)), "Linux");
    assert_string_equal(json_string_value(json_array_get(plats, 1)), "MacOS");
    assert_int_equal(json_array_size(params), 3);
    p = json_array_get(params, 2);
    assert_string_equal(json_string_value(json_object_get(p, "Name")), "executionTimeout");
    assert_string_equal(json_string_value(json_object_get(p, "DefaultValue")), "3600");
    assert_null(json_object_get(json_array_get(params, 0), "DefaultValue"));
    json_decref(doc);
    json_decref(params);
    json_decref(plats);

    text = slurp(DATA "automation-basic.yaml", &len);
    assert_int_equal(ssmdoc_parse(text, len, SSMDOC_YAML, &doc, &err), 0);
    assert_int_equal(ssmdoc_summary(doc, "Automation", schema, sizeof(schema), &params, &plats), 0);
    assert_string_equal(schema, "0.3");
    assert_int_equal(json_array_size(plats), 3);
    assert_int_equal(json_array_size(params), 9);
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 2), "DefaultValue")), "2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 3), "DefaultValue")), "false");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 4), "DefaultValue")), "[\"a\",\"b\"]");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 4), "Type")), "StringList");
    json_decref(doc);
    json_decref(params);
    json_decref(plats);
    free(text);

    text = slurp(DATA "command-22.json", &len);
    assert_int_equal(ssmdoc_parse(text, len, SSMDOC_JSON, &doc, &err), 0);
    assert_int_equal(ssmdoc_summary(doc, "Command", schema, sizeof(schema), &params, &plats), 0);
    assert_int_equal(json_array_size(plats), 2);           /* Linux and Windows preconditions */
    assert_string_equal(json_string_value(json_array_get(plats, 0)), "Windows");
    json_decref(doc);
    json_decref(params);
    json_decref(plats);
    free(text);
}

static void
tokens_and_hashes(void **state)
{
    struct aerr err = { 0 };
    char buf[256], hex[65];
    json_t *t;

    (void) state;
    t = ssm_token_make("/a/b c");
    assert_non_null(t);
    assert_int_equal(ssm_token_read(json_string_value(t), buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "/a/b c");
    json_decref(t);
    assert_int_equal(ssm_token_read(NULL, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "");
    assert_int_equal(ssm_token_read("zz", buf, sizeof(buf), &err), -EINVAL);
    assert_string_equal(err.code, "InvalidNextToken");
    assert_int_equal(ssm_token_read("c1abc", buf, sizeof(buf), &err), -EINVAL);
    assert_int_equal(ssm_token_read("c100", buf, sizeof(buf), &err), -EINVAL);
    assert_int_equal(ssm_sha256_hex("abc", 3, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(ssm_parameter_arn("us-east-1", "123456789012", "/a/b", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "arn:aws:ssm:us-east-1:123456789012:parameter/a/b");
    assert_int_equal(ssm_parameter_arn("us-east-1", "123456789012", "plain", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "arn:aws:ssm:us-east-1:123456789012:parameter/plain");
    assert_int_equal(ssm_document_arn("eu-west-1", "", "AWS-RunShellScript", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript");
}

/* ---- handlers over a real store: cross-account sharing and the engine's fetch APIs ---- */

struct sfx {
    char          dir[64];
    struct store *st;
};

static int
store_setup(void **state)
{
    struct sfx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    strcpy(f->dir, "/tmp/cairn-test-ssm-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(store_open(f->dir, &f->st), 0);
    assert_int_equal(store_migrate(f->st, "ssm", ssm_service.migrations), 0);
    *state = f;
    return 0;
}

static int
store_teardown(void **state)
{
    struct sfx *f = *state;
    char cmd[128];

    store_close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Run one handler as account's root in us-east-1; *ret_out (if wanted) is the answer. */
static int
call(struct store *st, const char *account, op_handler *fn, const char *in, json_t **ret_out,
     struct aerr *err)
{
    struct principal p;
    struct req rq;
    int r;

    memset(&p, 0, sizeof(p));
    memset(&rq, 0, sizeof(rq));
    memset(err, 0, sizeof(*err));
    p.kind = PRINCIPAL_ROOT;
    snprintf(p.account, sizeof(p.account), "%s", account);
    snprintf(p.arn, sizeof(p.arn), "arn:aws:iam::%s:root", account);
    rq.caller = &p;
    rq.region = "us-east-1";
    rq.now = 1700000000;
    rq.in = json_loads(in, 0, NULL);
    assert_non_null(rq.in);
    assert_int_equal(store_begin(st, 1, &rq.tx), 0);
    r = fn(&rq, err);
    if (r == 0)
        assert_int_equal(store_commit(rq.tx), 0);
    else
        store_rollback(rq.tx);
    json_decref(rq.in);
    if (ret_out)
        *ret_out = rq.out;
    else
        json_decref(rq.out);
    return r;
}

#define OWNER "111111111111"
#define OTHER "222222222222"
#define SHARED_ARN "arn:aws:ssm:us-east-1:" OWNER ":document/team-runbook"

static void
sharing_across_accounts(void **state)
{
    struct sfx *f = *state;
    struct aerr err;
    json_t *out = NULL, *ids, *d;
    size_t i;
    int seen;

    assert_int_equal(call(f->st, OWNER, ssm_create_document,
                          "{\"Name\": \"team-runbook\", \"DocumentType\": \"Automation\", \"Content\": "
                          "\"{\\\"schemaVersion\\\": \\\"0.3\\\", \\\"mainSteps\\\": [{\\\"name\\\": "
                          "\\\"p\\\", \\\"action\\\": \\\"aws:pause\\\", \\\"inputs\\\": {}}]}\"}",
                          NULL, &err), 0);
    /* not shared: invisible to the other account, by name or by ARN */
    assert_int_equal(call(f->st, OTHER, ssm_describe_document, "{\"Name\": \"team-runbook\"}", NULL, &err), -ENOENT);
    assert_string_equal(err.code, "InvalidDocument");
    assert_int_equal(call(f->st, OTHER, ssm_describe_document, "{\"Name\": \"" SHARED_ARN "\"}", NULL, &err), -ENOENT);
    /* shared with OTHER */
    assert_int_equal(call(f->st, OWNER, ssm_modify_document_permission,
                          "{\"Name\": \"team-runbook\", \"PermissionType\": \"Share\", "
                          "\"AccountIdsToAdd\": [\"" OTHER "\"]}", NULL, &err), 0);
    assert_int_equal(call(f->st, OTHER, ssm_describe_document, "{\"Name\": \"" SHARED_ARN "\"}", &out, &err), 0);
    d = json_object_get(out, "Document");
    assert_string_equal(json_string_value(json_object_get(d, "Name")), SHARED_ARN);
    assert_string_equal(json_string_value(json_object_get(d, "Owner")), OWNER);
    assert_null(json_object_get(d, "Tags"));
    json_decref(out);
    assert_int_equal(call(f->st, OTHER, ssm_list_documents, "{\"Filters\": [{\"Key\": \"Owner\", "
                          "\"Values\": [\"Private\"]}]}", &out, &err), 0);
    ids = json_object_get(out, "DocumentIdentifiers");
    seen = 0;
    for (i = 0; i < json_array_size(ids); i++)
        seen += !strcmp(json_string_value(json_object_get(json_array_get(ids, i), "Name")), SHARED_ARN);
    assert_int_equal(seen, 1);
    json_decref(out);
    /* the other account can read it but not change it */
    assert_int_equal(call(f->st, OTHER, ssm_update_document,
                          "{\"Name\": \"" SHARED_ARN "\", \"Content\": \"{}\"}", NULL, &err), -ENOENT);
    assert_int_equal(call(f->st, OTHER, ssm_delete_document, "{\"Name\": \"team-runbook\"}", NULL, &err), -ENOENT);
    /* unshared again: gone */
    assert_int_equal(call(f->st, OWNER, ssm_modify_document_permission,
                          "{\"Name\": \"team-runbook\", \"PermissionType\": \"Share\", "
                          "\"AccountIdsToRemove\": [\"" OTHER "\"]}", NULL, &err), 0);
    assert_int_equal(call(f->st, OTHER, ssm_get_document, "{\"Name\": \"" SHARED_ARN "\"}", NULL, &err), -ENOENT);
    /* public */
    assert_int_equal(call(f->st, OWNER, ssm_modify_document_permission,
                          "{\"Name\": \"team-runbook\", \"PermissionType\": \"Share\", "
                          "\"AccountIdsToAdd\": [\"all\"]}", NULL, &err), 0);
    assert_int_equal(call(f->st, OTHER, ssm_get_document, "{\"Name\": \"" SHARED_ARN "\"}", NULL, &err), 0);
}

static void
engine_fetch_apis(void **state)
{
    struct sfx *f = *state;
    struct ssm_document doc;
    struct store_tx *tx = NULL;
    struct aerr err;
    char type[SSM_PARAM_TYPE_MAX], *value = NULL;
    int64_t version = 0;

    assert_int_equal(call(f->st, OWNER, ssm_put_parameter,
                          "{\"Name\": \"/db/pw\", \"Value\": \"hunter2\", \"Type\": \"SecureString\"}",
                          NULL, &err), 0);
    assert_int_equal(call(f->st, OWNER, ssm_put_parameter,
                          "{\"Name\": \"/db/pw\", \"Value\": \"hunter3\", \"Overwrite\": true}",
                          NULL, &err), 0);
    assert_int_equal(store_begin(f->st, 0, &tx), 0);
    memset(&doc, 0, sizeof(doc));
    assert_int_equal(ssm_document_fetch(tx, OTHER, "us-east-1", "AWS-RunShellScript", "$LATEST", NULL,
                                        &doc, &err), 0);
    assert_string_equal(doc.owner, "Amazon");
    assert_string_equal(doc.type, "Command");
    assert_string_equal(doc.version, "1");
    assert_string_equal(doc.schema_version, "1.2");
    assert_non_null(json_object_get(doc.content, "runtimeConfig"));
    ssm_document_done(&doc);
    assert_int_equal(ssm_document_fetch(tx, OWNER, "us-east-1", "team-runbook", NULL, NULL, &doc, &err), 0);
    assert_string_equal(doc.owner, OWNER);
    assert_string_equal(doc.type, "Automation");
    assert_int_equal(strlen(doc.hash), 64);
    ssm_document_done(&doc);
    assert_int_equal(ssm_document_fetch(tx, OTHER, "us-east-1", SHARED_ARN, NULL, NULL, &doc, &err), 0);
    ssm_document_done(&doc);
    assert_int_equal(ssm_document_fetch(tx, OWNER, "us-east-1", "team-runbook", "2", NULL, &doc, &err), -ENOENT);
    assert_string_equal(err.code, "InvalidDocument");
    assert_int_equal(ssm_document_fetch(tx, OWNER, "eu-west-1", "team-runbook", NULL, NULL, &doc, &err), -ENOENT);

    assert_int_equal(ssm_parameter_read(tx, OWNER, "us-east-1", "/db/pw", 1, &value, type, &version, &err), 0);
    assert_string_equal(value, "hunter3");
    assert_string_equal(type, "SecureString");
    assert_int_equal(version, 2);
    free(value);
    assert_int_equal(ssm_parameter_read(tx, OWNER, "us-east-1", "/db/pw:1", 1, &value, type, &version, &err), 0);
    assert_string_equal(value, "hunter2");
    free(value);
    assert_int_equal(ssm_parameter_read(tx, OWNER, "us-east-1", "/db/pw", 0, &value, type, &version, &err), 0);
    assert_null(strstr(value, "hunter"));
    free(value);
    assert_int_equal(ssm_parameter_read(tx, OTHER, "us-east-1", "/db/pw", 1, &value, type, &version, &err), -ENOENT);
    assert_string_equal(err.code, "ParameterNotFound");
    assert_int_equal(ssm_parameter_read(tx, OWNER, "us-east-1", "/db/pw:7", 1, &value, type, &version, &err), -ENOENT);
    assert_string_equal(err.code, "ParameterVersionNotFound");
    store_rollback(tx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validation_cases),
        cmocka_unit_test(aws_documents_are_valid),
        cmocka_unit_test(json_yaml_roundtrips),
        cmocka_unit_test(yaml_quotes_ambiguous_strings),
        cmocka_unit_test(yaml_scalars_resolve_by_core_schema),
        cmocka_unit_test(parse_limits),
        cmocka_unit_test(summaries),
        cmocka_unit_test(tokens_and_hashes),
    };

    const struct CMUnitTest store_tests[] = {
        cmocka_unit_test(sharing_across_accounts),
        cmocka_unit_test(engine_fetch_apis),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    return failed + cmocka_run_group_tests(store_tests, store_setup, store_teardown);
}
