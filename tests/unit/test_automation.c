/* tests/unit/test_automation.c - the Automation engine's pure parts: interpolation, parameter
 * conversion and validation, branch conditions, JSONPath selectors and output types, ISO-8601
 * durations and times, the timer heap, memory contexts, the string map, and the status-change
 * event publisher. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "automation/events.h"
#include "automation/heap.h"
#include "automation/internal.h"
#include "automation/lang.h"
#include "automation/mctx.h"

static json_t *
J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

    if (!v)
        fail_msg("bad JSON in test: %s (%s)", text, e.text);
    return v;
}

static void
assert_json(json_t *got, const char *want)
{
    json_t *w = J(want);
    char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);

    if (!json_equal(got, w))
        fail_msg("got %s, want %s", g, want);
    free(g);
    json_decref(w);
}

/* ---- interpolation ---- */

struct fixture {
    json_t *params, *outputs, *vars;
    struct auto_scope s;
};

static int
ssm_stub(void *arg, const char *name, char **ret, char *errbuf, size_t cap)
{
    if (!strcmp(name, "/app/level")) {
        *ret = strdup("7");
        return 0;
    }
    snprintf(errbuf, cap, "parameter %s not found", name);
    return -ENOENT;
}

static int
setup_scope(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    f->params = J("{\"Name\": \"web\", \"Ids\": [\"i-1\", \"i-2\"], \"Count\": 3, \"On\": true}");
    f->outputs = J("{\"launch\": {\"InstanceIds\": [\"i-9\"], \"State\": \"running\"}}");
    f->vars = J("{\"Acc\": \"ab\"}");
    f->s.params = f->params;
    f->s.outputs = f->outputs;
    f->s.vars = f->vars;
    f->s.account = "123456789012";
    f->s.region = "eu-west-1";
    f->s.execution_id = "11111111-2222-3333-4444-555555555555";
    f->s.now = 1700000000;                 /* 2023-11-14T22:13:20Z */
    f->s.ssm = ssm_stub;
    *state = f;
    return 0;
}

static int
teardown_scope(void **state)
{
    struct fixture *f = *state;

    json_decref(f->params);
    json_decref(f->outputs);
    json_decref(f->vars);
    free(f);
    return 0;
}

static json_t *
interp_ok(struct fixture *f, const char *in)
{
    json_t *v = J(in), *out = NULL;
    char err[256];
    int r = auto_interp(v, &f->s, &out, err, sizeof(err));

    json_decref(v);
    if (r < 0)
        fail_msg("interpolating %s: %s", in, err);
    return out;
}

static void
interp_values(void **state)
{
    struct fixture *f = *state;
    json_t *v;

    v = interp_ok(f, "\"{{ Name }}\"");
    assert_json(v, "\"web\"");
    json_decref(v);
    v = interp_ok(f, "\"{{Ids}}\"");                     /* a StringList stays a list */
    assert_json(v, "[\"i-1\", \"i-2\"]");
    json_decref(v);
    v = interp_ok(f, "\"{{ Count }}\"");                  /* an Integer stays an integer */
    assert_json(v, "3");
    json_decref(v);
    v = interp_ok(f, "\"n={{Count}} ids={{Ids}} on={{On}}\"");
    assert_json(v, "\"n=3 ids=[\\\"i-1\\\",\\\"i-2\\\"] on=true\"");
    json_decref(v);
    v = interp_ok(f, "{\"a\": [\"{{ launch.InstanceIds }}\", \"x-{{launch.State}}\"], \"k\": 1}");
    assert_json(v, "{\"a\": [[\"i-9\"], \"x-running\"], \"k\": 1}");
    json_decref(v);
    v = interp_ok(f, "\"{{global:ACCOUNT_ID}}/{{ global:REGION }}/{{global:AWS_PARTITION}}\"");
    assert_json(v, "\"123456789012/eu-west-1/aws\"");
    json_decref(v);
    v = interp_ok(f, "\"{{global:DATE}} {{global:DATE_TIME}}\"");
    assert_json(v, "\"2023-11-14 2023-11-14_22.13.20\"");
    json_decref(v);
    v = interp_ok(f, "\"{{ automation:EXECUTION_ID }}\"");
    assert_json(v, "\"11111111-2222-3333-4444-555555555555\"");
    json_decref(v);
    v = interp_ok(f, "\"{{ variable:Acc }}c\"");
    assert_json(v, "\"abc\"");
    json_decref(v);
    v = interp_ok(f, "\"lvl {{ssm:/app/level}}\"");
    assert_json(v, "\"lvl 7\"");
    json_decref(v);
    v = interp_ok(f, "\"no refs {{ here\"");
    assert_json(v, "\"no refs {{ here\"");
    json_decref(v);
    assert_true(auto_has_ref("a {{ b }}"));
    assert_false(auto_has_ref("a {{ b"));
}

static void
interp_errors(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {
        "\"{{ Missing }}\"", "\"{{ launch.Nope }}\"", "\"{{ nostep.X }}\"", "\"{{ global:TIME }}\"",
        "\"{{ automation:OTHER }}\"", "\"{{ variable:Nope }}\"", "\"{{ ssm:/missing }}\"",
        "\"{{ weird:thing }}\"", "\"{{ a b }}\"",
    };
    char err[256];
    json_t *v, *out;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = J(bad[i]);
        out = NULL;
        err[0] = '\0';
        assert_true(auto_interp(v, &f->s, &out, err, sizeof(err)) < 0);
        assert_null(out);
        assert_true(err[0] != '\0');
        json_decref(v);
    }
    /* a list spliced many times: bounded */
    {
        json_t *big = json_array(), *in = json_array();
        char item[513];
        memset(item, 'x', 512);
        item[512] = '\0';
        for (i = 0; i < 50; i++)
            json_array_append_new(big, json_string(item));
        json_object_set_new(f->params, "Big", big);
        for (i = 0; i < 1000; i++)
            json_array_append_new(in, json_string("{{ Big }}"));
        out = NULL;
        assert_int_equal(auto_interp(in, &f->s, &out, err, sizeof(err)), -E2BIG);
        assert_null(out);
        json_decref(in);
        json_object_del(f->params, "Big");
    }
    /* only_ssm: other references stay as written */
    f->s.only_ssm = 1;
    v = interp_ok(f, "\"{{ Name }}-{{ssm:/app/level}}\"");
    assert_json(v, "\"{{ Name }}-7\"");
    json_decref(v);
    f->s.only_ssm = 0;
}

/* ---- parameters ---- */

static const char *const decl_text =
    "{\"Req\": {\"type\": \"String\", \"allowedPattern\": \"^[a-z]+$\"},"
    " \"Env\": {\"type\": \"String\", \"default\": \"dev\", \"allowedValues\": [\"dev\", \"prod\"]},"
    " \"Count\": {\"type\": \"Integer\", \"default\": 2},"
    " \"Flag\": {\"type\": \"Boolean\", \"default\": false},"
    " \"Ids\": {\"type\": \"StringList\", \"default\": [\"a\"], \"minItems\": 1, \"maxItems\": 2},"
    " \"Map\": {\"type\": \"StringMap\", \"default\": {}},"
    " \"Rows\": {\"type\": \"MapList\", \"default\": []},"
    " \"Short\": {\"type\": \"String\", \"default\": \"ab\", \"maxChars\": 3, \"minChars\": 1},"
    " \"Derived\": {\"type\": \"String\", \"default\": \"{{Req}}-{{Env}}-{{global:ACCOUNT_ID}}\"},"
    " \"Twice\": {\"type\": \"String\", \"default\": \"{{Derived}}!\"},"
    " \"Num\": {\"type\": \"Integer\", \"default\": \"{{ Count }}\"},"
    " \"Role\": {\"type\": \"AWS::IAM::Role::Arn\", \"default\": \"\"},"
    " \"Level\": {\"type\": \"String\", \"default\": \"{{ssm:/app/level}}\"}}";

static int
resolve(struct fixture *f, const char *given, json_t **typed, json_t **api, struct aerr *err)
{
    json_t *decl = J(decl_text), *g = given ? J(given) : NULL;
    int r;

    memset(err, 0, sizeof(*err));
    r = auto_params_resolve(decl, g, &f->s, typed, api, err);
    json_decref(decl);
    json_decref(g);
    return r;
}

static void
params_resolve(void **state)
{
    struct fixture *f = *state;
    json_t *typed = NULL, *api = NULL;
    struct aerr err;

    assert_int_equal(resolve(f, "{\"Req\": [\"abc\"], \"Count\": [\"5\"], \"Flag\": [\"TRUE\"],"
                                " \"Ids\": [\"x\", \"y\"], \"Map\": [\"{\\\"k\\\": \\\"v\\\"}\"],"
                                " \"Rows\": [\"{\\\"a\\\": 1}\", \"{\\\"b\\\": 2}\"]}", &typed, &api, &err), 0);
    assert_json(json_object_get(typed, "Count"), "5");
    assert_json(json_object_get(typed, "Num"), "5");
    assert_json(json_object_get(typed, "Flag"), "true");
    assert_json(json_object_get(typed, "Ids"), "[\"x\", \"y\"]");
    assert_json(json_object_get(typed, "Map"), "{\"k\": \"v\"}");
    assert_json(json_object_get(typed, "Rows"), "[{\"a\": 1}, {\"b\": 2}]");
    assert_json(json_object_get(typed, "Derived"), "\"abc-dev-123456789012\"");
    assert_json(json_object_get(typed, "Twice"), "\"abc-dev-123456789012!\"");
    assert_json(json_object_get(typed, "Level"), "\"7\"");
    assert_json(json_object_get(api, "Count"), "[\"5\"]");
    assert_json(json_object_get(api, "Flag"), "[\"true\"]");
    assert_json(json_object_get(api, "Map"), "[\"{\\\"k\\\":\\\"v\\\"}\"]");
    assert_json(json_object_get(api, "Role"), "[\"\"]");
    json_decref(typed);
    json_decref(api);
    /* {{ssm:}} in a value given */
    assert_int_equal(resolve(f, "{\"Req\": [\"abc\"], \"Short\": [\"{{ssm:/app/level}}\"]}", &typed, &api, &err), 0);
    assert_json(json_object_get(typed, "Short"), "\"7\"");
    json_decref(typed);
    json_decref(api);
}

static void
params_errors(void **state)
{
    static const struct { const char *given, *needle; } bad[] = {
        { NULL, "Req" },                                          /* required */
        { "{\"Req\": [\"ABC\"]}", "Req" },                        /* allowedPattern */
        { "{\"Req\": [\"a\"], \"Env\": [\"qa\"]}", "Env" },       /* allowedValues */
        { "{\"Req\": [\"a\"], \"Count\": [\"1.5\"]}", "Count" },  /* Integer */
        { "{\"Req\": [\"a\"], \"Flag\": [\"yes\"]}", "Flag" },    /* Boolean */
        { "{\"Req\": [\"a\"], \"Ids\": []}", "Ids" },             /* minItems */
        { "{\"Req\": [\"a\"], \"Ids\": [\"1\", \"2\", \"3\"]}", "Ids" }, /* maxItems */
        { "{\"Req\": [\"a\"], \"Short\": [\"abcd\"]}", "Short" }, /* maxChars */
        { "{\"Req\": [\"a\"], \"Short\": [\"\"]}", "Short" },     /* minChars */
        { "{\"Req\": [\"a\"], \"Map\": [\"[1]\"]}", "Map" },      /* StringMap */
        { "{\"Req\": [\"a\"], \"Rows\": [\"3\"]}", "Rows" },      /* MapList */
        { "{\"Req\": [\"a\", \"b\"]}", "Req" },                   /* one value */
        { "{\"Req\": [\"a\"], \"Other\": [\"1\"]}", "Other" },    /* undeclared */
        { "{\"Req\": [\"a\"], \"Env\": [\"{{ssm:/nope}}\"]}", "Env" }, /* ssm lookup fails */
    };
    struct fixture *f = *state;
    json_t *typed = NULL, *api = NULL, *decl, *given;
    struct aerr err;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(resolve(f, bad[i].given, &typed, &api, &err), -EINVAL);
        assert_string_equal(err.code, "InvalidAutomationExecutionParametersException");
        if (!strstr(err.msg, bad[i].needle))
            fail_msg("case %zu: '%s' does not name %s", i, err.msg, bad[i].needle);
    }
    /* defaults referring to each other in a cycle */
    decl = J("{\"A\": {\"type\": \"String\", \"default\": \"{{B}}\"}, \"B\": {\"type\": \"String\", \"default\": \"{{A}}\"}}");
    given = J("{}");
    assert_int_equal(auto_params_resolve(decl, given, &f->s, &typed, &api, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "cycle"));
    json_decref(decl);
    json_decref(given);
}

static void
param_convert(void **state)
{
    json_t *in, *out = NULL, *api;
    char err[128];

    in = J("[\"42\"]");
    assert_int_equal(auto_param_convert("Integer", in, &out, err, sizeof(err)), 0);
    assert_json(out, "42");
    api = auto_param_api(out);
    assert_json(api, "[\"42\"]");
    json_decref(api);
    json_decref(out);
    json_decref(in);
    in = J("[\"[{\\\"a\\\": 1}]\"]");                       /* one value holding the whole MapList */
    assert_int_equal(auto_param_convert("MapList", in, &out, err, sizeof(err)), 0);
    assert_json(out, "[{\"a\": 1}]");
    json_decref(out);
    json_decref(in);
    in = J("[\"i-1\", \"i-2\"]");
    assert_int_equal(auto_param_convert("List<AWS::EC2::Instance::Id>", in, &out, err, sizeof(err)), 0);
    assert_json(out, "[\"i-1\", \"i-2\"]");
    json_decref(out);
    json_decref(in);
    assert_int_equal(auto_regex_match("^[a-z]+$", "abc"), 1);
    assert_int_equal(auto_regex_match("[a-z]+", "abc1"), 0);     /* whole-string, as Java's */
    assert_int_equal(auto_regex_match("(", "x"), -EINVAL);
}

/* ---- branch conditions ---- */

static int
cond(struct fixture *f, const char *choice)
{
    json_t *c = J(choice);
    char err[256];
    int m = -1, r = auto_cond_eval(c, &f->s, &m, err, sizeof(err));

    json_decref(c);
    if (r < 0)
        return r;
    return m;
}

static void
branch_operators(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"StringEquals\": \"web\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"StringEquals\": \"WEB\"}"), 0);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"EqualsIgnoreCase\": \"WEB\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"StartsWith\": \"we\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"EndsWith\": \"eb\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Name}}\", \"Contains\": \"e\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Ids}}\", \"Contains\": \"i-2\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Ids}}\", \"Contains\": \"i-\"}"), 0);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericEquals\": 3}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericEquals\": \"3.0\"}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericGreater\": 2}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericLesser\": 3}"), 0);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericGreaterOrEquals\": 3}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"{{Count}}\", \"NumericLesserOrEquals\": 2}"), 0);
    assert_int_equal(cond(f, "{\"Variable\": \"{{On}}\", \"BooleanEquals\": true}"), 1);
    assert_int_equal(cond(f, "{\"Variable\": \"false\", \"BooleanEquals\": false}"), 1);
    assert_int_equal(cond(f, "{\"And\": [{\"Variable\": \"{{On}}\", \"BooleanEquals\": true},"
                             " {\"Not\": {\"Variable\": \"{{Name}}\", \"StringEquals\": \"db\"}}]}"), 1);
    assert_int_equal(cond(f, "{\"Or\": [{\"Variable\": \"a\", \"StringEquals\": \"b\"},"
                             " {\"Variable\": \"{{Count}}\", \"NumericLesser\": 1}]}"), 0);
    /* errors */
    assert_true(cond(f, "{\"Variable\": \"abc\", \"NumericEquals\": 1}") < 0);
    assert_true(cond(f, "{\"Variable\": \"abc\", \"BooleanEquals\": true}") < 0);
    assert_true(cond(f, "{\"Variable\": \"abc\", \"Unknown\": 1}") < 0);
    assert_true(cond(f, "{\"And\": []}") < 0);
    assert_true(cond(f, "{\"Variable\": \"{{Missing}}\", \"StringEquals\": \"x\"}") < 0);
}

static void
branch_pick(void **state)
{
    struct fixture *f = *state;
    json_t *in = J("{\"Choices\": [{\"NextStep\": \"big\", \"Variable\": \"{{Count}}\", \"NumericGreater\": 10},"
                   " {\"NextStep\": \"web\", \"Variable\": \"{{Name}}\", \"StringEquals\": \"web\"}],"
                   " \"Default\": \"other\"}");
    const char *next = NULL;
    char err[128];

    assert_int_equal(auto_branch_pick(in, &f->s, &next, err, sizeof(err)), 0);
    assert_string_equal(next, "web");
    json_object_set_new(f->params, "Name", json_string("db"));
    assert_int_equal(auto_branch_pick(in, &f->s, &next, err, sizeof(err)), 0);
    assert_string_equal(next, "other");
    json_object_del(in, "Default");
    assert_int_equal(auto_branch_pick(in, &f->s, &next, err, sizeof(err)), 0);
    assert_null(next);
    json_object_set_new(f->params, "Name", json_string("web"));
    json_decref(in);
}

/* ---- JSONPath ---- */

static void
jsonpath_selectors(void **state)
{
    json_t *doc = J("{\"Document\": {\"Name\": \"d\", \"Tags\": [{\"Key\": \"a\", \"Value\": \"1\"},"
                    " {\"Key\": \"b\", \"Value\": \"2\"}], \"odd key\": 5}, \"List\": [10, 20, 30]}");
    static const struct { const char *path, *want; } ok[] = {
        { "$", NULL },
        { "$.Document.Name", "\"d\"" },
        { "$.Document.Tags[1].Value", "\"2\"" },
        { "$.Document['odd key']", "5" },
        { "$[\"List\"][0]", "10" },
        { "$.List[-1]", "30" },
        { "$.Document.Tags[*].Key", "[\"a\", \"b\"]" },
        { "$.List[*]", "[10, 20, 30]" },
        { "$.Document.*", NULL },
    };
    static const char *const missing[] = { "$.Nope", "$.List[7]", "$.Document.Name.Sub" };
    static const char *const invalid[] = { "Document.Name", "$..Name", "$.List[x]", "$.a[", "$['a]", "" };
    json_t *out;
    char err[256];
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        out = NULL;
        if (auto_jsonpath(doc, ok[i].path, &out, err, sizeof(err)) != 0)
            fail_msg("%s: %s", ok[i].path, err);
        if (ok[i].want)
            assert_json(out, ok[i].want);
        json_decref(out);
    }
    for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
        assert_int_equal(auto_jsonpath(doc, missing[i], &out, err, sizeof(err)), -ENOENT);
    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        assert_int_equal(auto_jsonpath(doc, invalid[i], &out, err, sizeof(err)), -EINVAL);
    json_decref(doc);
}

static void
output_types(void **state)
{
    static const struct { const char *in, *type, *want; } ok[] = {
        { "5", "String", "\"5\"" }, { "\"7\"", "Integer", "7" }, { "7.0", "Integer", "7" },
        { "\"true\"", "Boolean", "true" }, { "[1, \"a\"]", "StringList", "[\"1\", \"a\"]" },
        { "\"x\"", "StringList", "[\"x\"]" }, { "{\"a\": 1}", "StringMap", "{\"a\": 1}" },
        { "{\"a\": 1}", "MapList", "[{\"a\": 1}]" }, { "[1]", NULL, "[1]" },
        { "{\"a\": [1]}", "String", "\"{\\\"a\\\":[1]}\"" },
    };
    static const struct { const char *in, *type; } bad[] = {
        { "\"x\"", "Integer" }, { "2", "Boolean" }, { "[1]", "StringMap" }, { "[1]", "MapList" },
        { "1", "Float" },
    };
    json_t *in, *out;
    char err[128];
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        in = J(ok[i].in);
        assert_int_equal(auto_output_convert(in, ok[i].type, &out, err, sizeof(err)), 0);
        assert_json(out, ok[i].want);
        json_decref(out);
        json_decref(in);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in = J(bad[i].in);
        assert_int_equal(auto_output_convert(in, bad[i].type, &out, err, sizeof(err)), -EINVAL);
        json_decref(in);
    }
}

/* ---- time ---- */

static void
iso_durations_and_times(void **state)
{
    static const struct { const char *s; int64_t ms; } ok[] = {
        { "PT1S", 1000 }, { "PT0S", 0 }, { "PT1.5S", 1500 }, { "PT10M", 600000 },
        { "PT1H30M", 5400000 }, { "P1D", 86400000 }, { "P1W", 604800000 }, { "P1DT1S", 86401000 },
        { "P1Y", 365LL * 86400000 }, { "P1M", 30LL * 86400000 }, { "PT2M", 120000 },
    };
    static const char *const bad[] = { "", "P", "PT", "1S", "PT1", "PT1X", "P1H", "PTS", "PT-1S",
                                       "PT1S1M", "xPT1S", NULL };
    const char *const *b;
    int64_t ms;
    double t;
    size_t i;
    char buf[64];

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(auto_iso_duration(ok[i].s, &ms), 0);
        assert_int_equal(ms, ok[i].ms);
    }
    for (b = bad; *b; b++)
        if (auto_iso_duration(*b, &ms) == 0)
            fail_msg("'%s' was accepted", *b);
    assert_int_equal(auto_iso_time("2023-11-14T22:13:20Z", &t), 0);
    assert_true(t == 1700000000.0);
    assert_int_equal(auto_iso_time("2023-11-14T23:13:20+01:00", &t), 0);
    assert_true(t == 1700000000.0);
    assert_int_equal(auto_iso_time("2023-11-14T22:13:20.250Z", &t), 0);
    assert_true(t == 1700000000.25);
    assert_int_equal(auto_iso_time("2023-11-14", &t), 0);
    assert_true(t == 1699920000.0);
    assert_int_equal(auto_iso_time("2023-13-14T00:00:00Z", &t), -EINVAL);
    assert_int_equal(auto_iso_time("yesterday", &t), -EINVAL);
    assert_int_equal(auto_iso_time("2023-11-14T22:13:20Zjunk", &t), -EINVAL);
    auto_fmt_event_time(1480448605.0, buf, sizeof(buf));      /* 2016-11-29T19:43:25Z */
    assert_string_equal(buf, "Nov 29, 2016 7:43:25 PM");
    auto_fmt_event_time(1480377600.0, buf, sizeof(buf));      /* midnight */
    assert_string_equal(buf, "Nov 29, 2016 12:00:00 AM");
    auto_fmt_iso(1480448605.0, buf, sizeof(buf));
    assert_string_equal(buf, "2016-11-29T19:43:25Z");
}

/* ---- the timer heap ---- */

static void
heap_order(void **state)
{
    struct auto_heap h = AUTO_HEAP_INIT;
    struct auto_timer t;
    int64_t last = -1;
    uint64_t last_seq = 0;
    int i, n = 0;

    assert_null(auto_heap_peek(&h));
    assert_int_equal(auto_heap_pop(&h, &t), 0);
    srand(7);
    for (i = 0; i < 10000; i++)
        assert_int_equal(auto_heap_push(&h, rand() % 500, "exec", (uint64_t) i), 0);
    /* ties keep insertion order */
    assert_int_equal(auto_heap_push(&h, 1000, "a", 1), 0);
    assert_int_equal(auto_heap_push(&h, 1000, "b", 2), 0);
    assert_int_equal(auto_heap_push(&h, 1000, "c", 3), 0);
    while (auto_heap_pop(&h, &t)) {
        assert_true(t.due_ms >= last);
        if (t.due_ms == last)
            assert_true(t.seq > last_seq);
        last = t.due_ms;
        last_seq = t.seq;
        n++;
        if (t.due_ms == 1000)
            assert_int_equal(t.id[0], "abc"[t.token - 1]);
    }
    assert_int_equal(n, 10003);
    assert_int_equal(auto_heap_push(&h, 5, "x", 9), 0);
    assert_int_equal(auto_heap_peek(&h)->token, 9);
    auto_heap_done(&h);
}

/* ---- memory contexts ---- */

static int hook_order[4], hooks_run;

static void
hook(void *arg)
{
    hook_order[hooks_run++] = (int) (intptr_t) arg;
}

static void
mctx_lifecycle(void **state)
{
    struct mctx *top = mctx_new(NULL, "top"), *step = mctx_new(top, "step"), *sub = mctx_new(step, "sub");
    char *s;
    void *big;
    int i;

    assert_non_null(top);
    s = mctx_printf(step, "%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    assert_string_equal(mctx_strndup(top, "abcdef", 3), "abc");
    assert_null(mctx_strdup(top, NULL));
    for (i = 0; i < 1000; i++)
        assert_non_null(mctx_alloc(sub, 24));
    big = mctx_alloc(sub, 100000);
    assert_non_null(big);
    assert_true(((uintptr_t) big & 15) == 0);
    assert_true(mctx_size(top) > 100000);
    assert_non_null(mctx_json(sub, json_string("decref'd with sub")));
    assert_int_equal(mctx_on_reset(step, hook, (void *) 1), 0);
    assert_int_equal(mctx_on_reset(step, hook, (void *) 2), 0);
    mctx_reset(step);                      /* hooks run, last first; the child goes too */
    assert_int_equal(hooks_run, 2);
    assert_int_equal(hook_order[0], 2);
    assert_int_equal(hook_order[1], 1);
    assert_true(mctx_size(top) < 100000);
    assert_non_null(mctx_alloc(step, 8));  /* a reset context is usable again */
    assert_int_equal(mctx_on_reset(step, hook, (void *) 3), 0);
    mctx_delete(top);                      /* deletes step with it */
    assert_int_equal(hooks_run, 3);
    mctx_delete(NULL);
}

/* ---- the string map ---- */

static void
map_basics(void **state)
{
    struct auto_map m = {0};
    char key[32];
    int i, vals[2000];

    for (i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        vals[i] = i;
        assert_int_equal(auto_map_put(&m, key, &vals[i]), 0);
    }
    assert_int_equal(auto_map_put(&m, "k5", &vals[0]), -EEXIST);
    for (i = 0; i < 2000; i += 2) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_ptr_equal(auto_map_del(&m, key), &vals[i]);
    }
    for (i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        if (i % 2)
            assert_ptr_equal(auto_map_get(&m, key), &vals[i]);
        else
            assert_null(auto_map_get(&m, key));
    }
    assert_int_equal(m.n, 1000);
    auto_map_done(&m);
    assert_null(auto_map_get(&m, "k1"));
}

/* ---- events ---- */

static void
events_shape_and_ring(void **state)
{
    struct auto_change c = {
        .account = "123456789012", .region = "us-east-2",
        .execution_id = "333ba70b-2333-48db-b17e-a5e69c6f4d1c", .definition = "runcommand1",
        .definition_version = "1", .status = "Success", .start = 1480448603.0, .end = 1480448605.63,
        .now = 1480448615.0, .step_name = "runFixedCmds", .action = "aws:runCommand",
    };
    struct auto_publisher *p = auto_publisher_new(3);
    json_t *ev = auto_event_build(&c), *d, *recent;
    int i;

    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "detail-type")),
                        "EC2 Automation Step Status-change Notification");
    assert_string_equal(json_string_value(json_object_get(ev, "source")), "aws.ssm");
    assert_string_equal(json_string_value(json_object_get(ev, "version")), "0");
    assert_string_equal(json_string_value(json_object_get(ev, "time")), "2016-11-29T19:43:35Z");
    assert_int_equal(strlen(json_string_value(json_object_get(ev, "id"))), 36);
    assert_json(json_object_get(ev, "resources"),
                "[\"arn:aws:ssm:us-east-2:123456789012:automation-execution/333ba70b-2333-48db-b17e-a5e69c6f4d1c\","
                " \"arn:aws:ssm:us-east-2:123456789012:automation-definition/runcommand1:1\"]");
    d = json_object_get(ev, "detail");
    assert_string_equal(json_string_value(json_object_get(d, "StartTime")), "Nov 29, 2016 7:43:23 PM");
    assert_string_equal(json_string_value(json_object_get(d, "EndTime")), "Nov 29, 2016 7:43:25 PM");
    assert_true(json_real_value(json_object_get(d, "DefinitionVersion")) == 1.0);
    assert_true(json_real_value(json_object_get(d, "Time")) > 2629.0 && json_real_value(json_object_get(d, "Time")) < 2631.0);
    assert_string_equal(json_string_value(json_object_get(d, "StepName")), "runFixedCmds");
    assert_string_equal(json_string_value(json_object_get(d, "Action")), "aws:runCommand");
    assert_null(json_object_get(d, "ExecutedBy"));
    json_decref(ev);
    /* an execution event: ExecutedBy, no step */
    c.step_name = NULL;
    c.executed_by = "arn:aws:iam::123456789012:user/ops";
    c.end = 0;
    c.status = "InProgress";
    ev = auto_event_build(&c);
    d = json_object_get(ev, "detail");
    assert_string_equal(json_string_value(json_object_get(ev, "detail-type")),
                        "EC2 Automation Execution Status-change Notification");
    assert_string_equal(json_string_value(json_object_get(d, "ExecutedBy")), "arn:aws:iam::123456789012:user/ops");
    assert_null(json_object_get(d, "EndTime"));
    assert_null(json_object_get(d, "StepName"));
    json_decref(ev);
    /* the ring keeps the last 3, oldest first */
    for (i = 0; i < 5; i++) {
        char st[8];
        snprintf(st, sizeof(st), "s%d", i);
        c.status = st;
        assert_int_equal(auto_publish(p, &c), 0);
    }
    assert_int_equal(auto_publisher_count(p), 5);
    recent = auto_publisher_recent(p, 10);
    assert_int_equal(json_array_size(recent), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(recent, 0), "detail"), "Status")), "s2");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(recent, 2), "detail"), "Status")), "s4");
    json_decref(recent);
    recent = auto_publisher_recent(p, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(recent, 0), "detail"), "Status")), "s4");
    json_decref(recent);
    auto_publisher_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(interp_values, setup_scope, teardown_scope),
        cmocka_unit_test_setup_teardown(interp_errors, setup_scope, teardown_scope),
        cmocka_unit_test_setup_teardown(params_resolve, setup_scope, teardown_scope),
        cmocka_unit_test_setup_teardown(params_errors, setup_scope, teardown_scope),
        cmocka_unit_test(param_convert),
        cmocka_unit_test_setup_teardown(branch_operators, setup_scope, teardown_scope),
        cmocka_unit_test_setup_teardown(branch_pick, setup_scope, teardown_scope),
        cmocka_unit_test(jsonpath_selectors),
        cmocka_unit_test(output_types),
        cmocka_unit_test(iso_durations_and_times),
        cmocka_unit_test(heap_order),
        cmocka_unit_test(mctx_lifecycle),
        cmocka_unit_test(map_basics),
        cmocka_unit_test(events_shape_and_ring),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
