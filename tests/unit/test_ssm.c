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
#include "ssm/internal.h"

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

    return cmocka_run_group_tests(tests, NULL, NULL);
}
