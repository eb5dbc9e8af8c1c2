/* tests/unit/test_proto.c - proto/: the generated model, Query decode/encode, JSON
 * decode/encode, validation wording, errors, limits, and pattern matching from many threads.
 * Uses real operations from the generated model, plus a few hand-made shapes for what the
 * models in use do not have (flattened lists and maps, Query input maps, blobs). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "proto/proto.h"
#include "proto/internal.h"

#define IAM_NS "https://iam.amazonaws.com/doc/2010-05-08/"
#define REQ_ID "4d1a7ab2-0000-4000-8000-000000000001"
#define MD "<ResponseMetadata><RequestId>" REQ_ID "</RequestId></ResponseMetadata>"
#define NAME_PATTERN "[\\w+=,.@-]+"
#define TS_2026 1795887795             /* 2026-11-28T17:43:15Z */

/* ---- helpers ---- */

static const struct model_op *
op_of(const char *svc, const char *name)
{
    const struct model_service *s = model_service_by_signing_name(svc);
    const struct model_op *op;

    assert_non_null(s);
    op = model_op_find(s, name);
    assert_non_null(op);
    return op;
}

static void
assert_json_eq(json_t *v, const char *expected)
{
    json_error_t je;
    json_t *want = json_loads(expected, 0, &je);
    char *got;

    assert_non_null(want);
    if (!json_equal(v, want)) {
        got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
        print_error("got:  %s\nwant: %s\n", got ? got : "(null)", expected);
        free(got);
        fail();
    }
    json_decref(want);
}

/* Decode a Query body for svc/op; expect success and the tree `expected`. */
static void
query_ok(const char *svc, const char *op, const char *body, const char *expected)
{
    struct aerr err = {0};
    json_t *in = NULL;
    int r = awsquery_decode(op_of(svc, op), body, strlen(body), &in, &err);

    if (r < 0)
        print_error("unexpected error %d %s: %s\n", err.status, err.code, err.msg);
    assert_int_equal(r, 0);
    assert_json_eq(in, expected);
    json_decref(in);
}

static void
query_fails_op(const struct model_op *op, const char *body, size_t len, int status,
               const char *code, const char *msg)
{
    struct aerr err = {0};
    json_t *in = NULL;
    int r = awsquery_decode(op, body, len, &in, &err);

    assert_true(r < 0);
    assert_null(in);
    assert_int_equal(err.status, status);
    assert_string_equal(err.code, code);
    if (msg)
        assert_string_equal(err.msg, msg);
}

static void
query_fails(const char *svc, const char *op, const char *body, int status, const char *code,
            const char *msg)
{
    query_fails_op(op_of(svc, op), body, strlen(body), status, code, msg);
}

static void
json_ok(const char *op, const char *body, const char *expected)
{
    struct aerr err = {0};
    json_t *in = NULL;
    int r = awsjson_decode(op_of("ssm", op), body, strlen(body), &in, &err);

    if (r < 0)
        print_error("unexpected error %d %s: %s\n", err.status, err.code, err.msg);
    assert_int_equal(r, 0);
    assert_json_eq(in, expected);
    json_decref(in);
}

static void
json_fails_op(const struct model_op *op, const char *body, const char *code, const char *msg)
{
    struct aerr err = {0};
    json_t *in = NULL;
    int r = awsjson_decode(op, body, strlen(body), &in, &err);

    assert_true(r < 0);
    assert_null(in);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, code);
    if (msg)
        assert_string_equal(err.msg, msg);
}

static void
json_fails(const char *op, const char *body, const char *code, const char *msg)
{
    json_fails_op(op_of("ssm", op), body, code, msg);
}

/* Encode out (a JSON text, or NULL) as op's Query answer and compare with want. */
static void
query_encodes(const char *svc, const char *op, const char *out, const char *want)
{
    json_t *v = out ? json_loads(out, 0, NULL) : NULL;
    struct pbuf b = {0};

    if (out)
        assert_non_null(v);
    assert_int_equal(awsquery_encode(model_service_by_signing_name(svc), op_of(svc, op), v,
                                     REQ_ID, &b), 0);
    assert_string_equal(b.buf, want);
    pbuf_done(&b);
    json_decref(v);
}

static void
json_encodes_op(const struct model_op *op, json_t *v, const char *want)
{
    struct pbuf b = {0};

    assert_int_equal(awsjson_encode(op, v, &b), 0);
    assert_string_equal(b.buf, want);
    pbuf_done(&b);
}

/* ---- hand-made shapes ---- */

static const struct shape t_string = { .name = "String", .type = SHAPE_STRING, .index = -1 };
static const struct shape t_int = { .name = "Int", .type = SHAPE_INTEGER, .index = -1 };
static const struct shape t_bool = { .name = "Bool", .type = SHAPE_BOOLEAN, .index = -1 };
static const struct shape t_double = { .name = "Double", .type = SHAPE_DOUBLE, .index = -1 };
static const struct shape t_time = { .name = "Time", .type = SHAPE_TIMESTAMP, .index = -1 };
static const struct shape t_time_iso = { .name = "TimeIso", .type = SHAPE_TIMESTAMP,
                                         .timestamp_format = "iso8601", .index = -1 };
static const struct shape t_time_unix = { .name = "TimeUnix", .type = SHAPE_TIMESTAMP,
                                          .timestamp_format = "unixTimestamp", .index = -1 };
static const struct shape t_blob = { .name = "Blob", .type = SHAPE_BLOB, .has_max = 1, .max = 4,
                                     .index = -1 };
static const struct shape t_secret = { .name = "Secret", .type = SHAPE_STRING, .has_min = 1,
                                       .min = 8, .sensitive = 1, .index = -1 };
static const struct shape t_badpat = { .name = "BadPattern", .type = SHAPE_STRING,
                                       .pattern = "[unclosed", .index = -1 };
static const struct shape t_key = { .name = "Key", .type = SHAPE_STRING, .has_min = 1, .min = 1,
                                    .has_max = 1, .max = 3, .pattern = "[a-z]+", .index = -1 };
static const struct shape t_val = { .name = "Val", .type = SHAPE_STRING, .has_max = 2,
                                    .max = 5, .has_min = 1, .min = 0, .index = -1 };
static const struct shape t_map = { .name = "Map", .type = SHAPE_MAP, .key = &t_key,
                                    .value = &t_val, .key_location_name = "key",
                                    .value_location_name = "value", .index = -1 };
static const struct shape t_flatmap = { .name = "FlatMap", .type = SHAPE_MAP, .key = &t_string,
                                        .value = &t_string, .key_location_name = "Name",
                                        .value_location_name = "Val", .flattened = 1,
                                        .index = -1 };
static const struct shape t_flatlist = { .name = "FlatList", .type = SHAPE_LIST,
                                         .member = &t_string, .member_location_name = "member",
                                         .flattened = 1, .index = -1 };
static const struct shape t_itemlist = { .name = "ItemList", .type = SHAPE_LIST,
                                         .member = &t_string, .member_location_name = "Item",
                                         .index = -1 };
static const struct shape t_flatitems = { .name = "FlatItems", .type = SHAPE_LIST,
                                          .member = &t_string, .member_location_name = "Item",
                                          .flattened = 1, .index = -1 };
static const struct shape t_intlist = { .name = "IntList", .type = SHAPE_LIST,
                                        .member = &t_int, .member_location_name = "member",
                                        .index = -1 };
extern const struct shape t_node;
static const struct shape_member node_members[] = {
    { "Name", NULL, &t_string, 0 },
    { "Child", NULL, &t_node, 0 },
};
const struct shape t_node = { .name = "Node", .type = SHAPE_STRUCTURE, .members = node_members,
                              .n_members = 2, .index = -1 };
static const struct shape_member synth_members[] = {
    { "Attrs", NULL, &t_map, 0 },
    { "Flat", NULL, &t_flatmap, 0 },
    { "Letters", NULL, &t_flatlist, 0 },
    { "Things", NULL, &t_itemlist, 0 },
    { "Stuff", NULL, &t_flatitems, 0 },
    { "Count", NULL, &t_int, 0 },
    { "Enabled", NULL, &t_bool, 0 },
    { "Ratio", NULL, &t_double, 0 },
    { "When", NULL, &t_time, 0 },
    { "Data", NULL, &t_blob, 0 },
    { "Secret", NULL, &t_secret, 0 },
    { "Loose", NULL, &t_badpat, 0 },
    { "Renamed", "WireName", &t_string, 0 },
    { "Numbers", NULL, &t_intlist, 0 },
    { "Tree", NULL, &t_node, 0 },
    { "WhenIso", NULL, &t_time_iso, 0 },
    { "WhenUnix", NULL, &t_time_unix, 0 },
};
static const struct shape t_synth = { .name = "Synthetic", .type = SHAPE_STRUCTURE,
                                      .members = synth_members,
                                      .n_members = sizeof(synth_members) / sizeof(synth_members[0]),
                                      .index = -1 };
static const struct model_op synth_op = { "Synthetic", &t_synth, &t_synth, "SyntheticResult", -1 };
static const struct model_service synth_svc = { "synth", "Synth", PROTO_QUERY, "2000-01-01",
                                                "urn:synth", NULL, NULL, &synth_op, 1 };

static void
synth_ok(const char *body, const char *expected)
{
    struct aerr err = {0};
    json_t *in = NULL;
    int r = awsquery_decode(&synth_op, body, strlen(body), &in, &err);

    if (r < 0)
        print_error("unexpected error %d %s: %s\n", err.status, err.code, err.msg);
    assert_int_equal(r, 0);
    assert_json_eq(in, expected);
    json_decref(in);
}

static void
synth_fails(const char *body, const char *code, const char *msg)
{
    query_fails_op(&synth_op, body, strlen(body), 400, code, msg);
}

static void
synth_encodes(const char *out, const char *want_result)
{
    json_t *v = json_loads(out, 0, NULL);
    struct pbuf b = {0};
    char want[4096];

    assert_non_null(v);
    assert_int_equal(awsquery_encode(&synth_svc, &synth_op, v, REQ_ID, &b), 0);
    snprintf(want, sizeof(want), "<SyntheticResponse xmlns=\"urn:synth\"><SyntheticResult>%s"
             "</SyntheticResult>" MD "</SyntheticResponse>", want_result);
    assert_string_equal(b.buf, want);
    pbuf_done(&b);
    json_decref(v);
}

/* ---- the model ---- */

static void
model_tables(void **state)
{
    const struct model_service *iam = model_service_by_signing_name("iam");
    const struct model_service *ssm = model_service_by_signing_name("ssm");
    const struct model_service *sts = model_service_by_signing_name("sts");
    const struct model_op *op;
    char *seen;
    size_t i, j;

    assert_non_null(iam);
    assert_non_null(ssm);
    assert_non_null(sts);
    assert_null(model_service_by_signing_name("nope"));
    assert_null(model_service_by_signing_name(NULL));
    assert_int_equal(iam->protocol, PROTO_QUERY);
    assert_string_equal(iam->api_version, "2010-05-08");
    assert_string_equal(iam->xml_namespace, IAM_NS);
    assert_string_equal(iam->service_id, "IAM");
    assert_int_equal(ssm->protocol, PROTO_JSON);
    assert_string_equal(ssm->target_prefix, "AmazonSSM");
    assert_string_equal(ssm->json_version, "1.1");
    assert_ptr_equal(model_service_by_target_prefix("AmazonSSM.GetParameters", 9), ssm);
    assert_null(model_service_by_target_prefix("AmazonSSMX", 10));
    assert_null(model_service_by_target_prefix("AmazonSS", 8));
    assert_ptr_equal(model_service_by_api_version("2011-06-15"), sts);
    assert_ptr_equal(model_service_by_api_version("2010-05-08"), iam);
    assert_null(model_service_by_api_version("2014-11-06"));     /* JSON: no Version */

    op = model_op_find(sts, "GetCallerIdentity");
    assert_non_null(op);
    assert_string_equal(op->result_wrapper, "GetCallerIdentityResult");
    assert_non_null(op->input);
    assert_int_equal(op->input->n_members, 0);
    assert_null(model_op_find(sts, "getcalleridentity"));         /* case-sensitive */
    assert_null(model_op_find(sts, "Nope"));
    assert_null(model_op_find(NULL, "GetCallerIdentity"));
    op = model_op_find(iam, "GetAccountSummary");
    assert_non_null(op);
    assert_null(op->input);
    assert_null(model_op_find(iam, "TagUser")->output);

    /* ops sorted per service; global indexes 0..n-1, each once */
    seen = calloc(model_n_ops, 1);
    assert_non_null(seen);
    for (i = 0; i < model_n_services; i++) {
        const struct model_service *s = &model_services[i];

        for (j = 0; j < s->n_ops; j++) {
            if (j)
                assert_true(strcmp(s->ops[j - 1].name, s->ops[j].name) < 0);
            assert_true(s->ops[j].index >= 0 && (size_t) s->ops[j].index < model_n_ops);
            assert_false(seen[s->ops[j].index]);
            seen[s->ops[j].index] = 1;
            assert_ptr_equal(model_op_find(s, s->ops[j].name), &s->ops[j]);
        }
    }
    for (i = 0; i < model_n_ops; i++)
        assert_true(seen[i]);
    free(seen);
    for (i = 0; i < model_n_shapes; i++)
        assert_int_equal(model_shapes[i].index, (int) i);

    /* shapes carry their constraints */
    op = model_op_find(iam, "CreateUser");
    {
        const struct shape_member *m = model_member_find(op->input, "UserName");

        assert_non_null(m);
        assert_true(m->flags & MEMBER_REQUIRED);
        assert_string_equal(m->shape->name, "userNameType");
        assert_string_equal(m->shape->pattern, NAME_PATTERN);
        assert_true(m->shape->has_min && m->shape->min == 1);
        assert_true(m->shape->has_max && m->shape->max == 64);
        m = model_member_find(op->input, "Tags");
        assert_int_equal(m->shape->type, SHAPE_LIST);
        assert_string_equal(m->shape->member_location_name, "member");
        assert_null(model_member_find(op->input, "userName"));
        assert_null(model_member_find(m->shape, "Key"));            /* not a structure */
    }
    {
        const struct shape_member *m =
            model_member_find(model_op_find(ssm, "PutParameter")->input, "Value");

        assert_true(m->shape->sensitive);
        m = model_member_find(model_op_find(ssm, "PutParameter")->input, "Type");
        assert_string_equal(m->shape->enum_values[0], "String");
        assert_null(m->shape->enum_values[3]);
    }
}

/* ---- Query: peek ---- */

static void
query_peek(void **state)
{
    char action[64], version[32];
    struct aerr err = {0};
    const char *body;

    body = "Action=GetCallerIdentity&Version=2011-06-15";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), 0);
    assert_string_equal(action, "GetCallerIdentity");
    assert_string_equal(version, "2011-06-15");

    body = "Version=2010-05-08&UserName=a%20b&%41ction=Get%55ser&Action=Second";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), 0);
    assert_string_equal(action, "GetUser");                     /* the first one wins */
    assert_string_equal(version, "2010-05-08");

    body = "&&UserName=x&";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), 0);
    assert_string_equal(action, "");
    assert_string_equal(version, "");
    assert_int_equal(awsquery_peek(NULL, 0, action, sizeof(action), version, sizeof(version),
                                   &err), 0);
    assert_string_equal(action, "");

    body = "Action=GetUser&UserName=%ZZ";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), -EINVAL);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "MalformedQueryString");
    body = "Action=GetUser&UserName=%4";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), -EINVAL);
    body = "Action=GetUser%";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), -EINVAL);
    body = "Action=0123456789012345678901234567890123456789012345678901234567890123456789";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), -EINVAL);
    assert_string_equal(err.code, "MalformedQueryString");
    assert_string_equal(action, "");
    body = "Action=Get%00User";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), -EINVAL);
    /* the exact fit: 63 characters and the NUL */
    body = "Action=012345678901234567890123456789012345678901234567890123456789012";
    assert_int_equal(awsquery_peek(body, strlen(body), action, sizeof(action), version,
                                   sizeof(version), &err), 0);
    assert_int_equal(strlen(action), 63);
}

/* ---- Query: decode ---- */

static void
query_decode_plain(void **state)
{
    query_ok("sts", "GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15", "{}");
    query_ok("sts", "GetCallerIdentity", "", "{}");
    query_ok("sts", "GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15&Extra=1",
             "{}");
    query_fails("sts", "GetCallerIdentity", "Action=GetCallerIdentity&X=%G0", 400,
                "MalformedQueryString", NULL);
    query_ok("iam", "GetAccountSummary", "Action=GetAccountSummary&Version=2010-05-08", "{}");
    query_ok("iam", "GetUser", "Action=GetUser&Version=2010-05-08", "{}");
    query_ok("iam", "GetUser", "Action=GetUser&Version=2010-05-08&UserName=bob", "{\"UserName\":\"bob\"}");
    /* + is a space, %2B a plus; unknown parameters ignored */
    query_ok("iam", "CreatePolicy",
             "Action=CreatePolicy&PolicyName=p%2B1&PolicyDocument=%7B%22a%22+%3A+1%7D&Bogus=1"
             "&Description=two+words%21",
             "{\"PolicyName\":\"p+1\",\"PolicyDocument\":\"{\\\"a\\\" : 1}\","
             "\"Description\":\"two words!\"}");
    query_ok("iam", "ListUsers", "Action=ListUsers&MaxItems=10&PathPrefix=%2Fdiv%2F",
             "{\"MaxItems\":10,\"PathPrefix\":\"/div/\"}");
    /* UTF-8 text */
    query_ok("iam", "CreatePolicy", "PolicyName=p&PolicyDocument=%C3%A9",
             "{\"PolicyName\":\"p\",\"PolicyDocument\":\"\xc3\xa9\"}");
}

static void
query_decode_nested(void **state)
{
    query_ok("iam", "CreateUser",
             "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F"
             "&Tags.member.1.Key=dept&Tags.member.1.Value=ops"
             "&Tags.member.2.Key=env&Tags.member.2.Value=",
             "{\"UserName\":\"alice\",\"Path\":\"/team/\",\"Tags\":["
             "{\"Key\":\"dept\",\"Value\":\"ops\"},{\"Key\":\"env\",\"Value\":\"\"}]}");
    /* list of structures holding lists; indexes out of order come back sorted */
    query_ok("iam", "SimulatePrincipalPolicy",
             "Action=SimulatePrincipalPolicy&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fa"
             "&ActionNames.member.2=s3%3APutObject&ActionNames.member.1=s3%3AGetObject"
             "&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp"
             "&ContextEntries.member.1.ContextKeyType=ipList"
             "&ContextEntries.member.1.ContextKeyValues.member.2=10.0.0.2"
             "&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1",
             "{\"PolicySourceArn\":\"arn:aws:iam::123456789012:user/a\","
             "\"ActionNames\":[\"s3:GetObject\",\"s3:PutObject\"],"
             "\"ContextEntries\":[{\"ContextKeyName\":\"aws:SourceIp\",\"ContextKeyType\":\"ipList\","
             "\"ContextKeyValues\":[\"10.0.0.1\",\"10.0.0.2\"]}]}");
    /* gaps close up */
    query_ok("iam", "SimulatePrincipalPolicy",
             "PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fa"
             "&ActionNames.member.7=bbb&ActionNames.member.3=aaa",
             "{\"PolicySourceArn\":\"arn:aws:iam::123456789012:user/a\",\"ActionNames\":[\"aaa\",\"bbb\"]}");
    /* botocore sends an empty list as "Name=" */
    query_ok("iam", "TagUser", "Action=TagUser&UserName=bob&Tags=",
             "{\"UserName\":\"bob\",\"Tags\":[]}");
    query_ok("iam", "TagUser", "Action=TagUser&UserName=bob&Tags=&Tags.member.1.Key=k&Tags.member.1.Value=v",
             "{\"UserName\":\"bob\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}");
    /* a sub-key under a scalar, or a list without "member": not parameters of this op */
    query_ok("iam", "TagUser", "UserName=bob&UserName.x=1&Tags=&Tags.1.Key=k&Tags.member=z",
             "{\"UserName\":\"bob\",\"Tags\":[]}");
}

static void
query_decode_maps_and_flattened(void **state)
{
    synth_ok("Attrs.entry.1.key=ab&Attrs.entry.1.value=x&Attrs.entry.2.key=c&Attrs.entry.2.value=",
             "{\"Attrs\":{\"ab\":\"x\",\"c\":\"\"}}");
    synth_ok("Flat.2.Name=b&Flat.2.Val=2&Flat.1.Name=a&Flat.1.Val=1",
             "{\"Flat\":{\"a\":\"1\",\"b\":\"2\"}}");
    synth_ok("Letters.2=b&Letters.1=a", "{\"Letters\":[\"a\",\"b\"]}");
    synth_ok("Things.Item.1=x&Things.member.2=ignored", "{\"Things\":[\"x\"]}");
    /* a flattened list whose member has a locationName is sent under that name */
    synth_ok("Item.1=p&Item.2=q&Stuff.1=ignored", "{\"Stuff\":[\"p\",\"q\"]}");
    synth_ok("WireName=w&Renamed=ignored", "{\"Renamed\":\"w\"}");
    synth_ok("Attrs=", "{\"Attrs\":{}}");
    synth_ok("Tree.Name=a&Tree.Child.Name=b&Tree.Child.Child.Name=c",
             "{\"Tree\":{\"Name\":\"a\",\"Child\":{\"Name\":\"b\",\"Child\":{\"Name\":\"c\"}}}}");
    synth_fails("Attrs.entry.1.key=a&Attrs.entry.1.value=x&Attrs.entry.2.key=a&Attrs.entry.2.value=y",
                "MalformedQueryString", "Duplicate map key 'a' in the query string");
    synth_fails("Attrs.entry.1.key=a", "ValidationError",
                "1 validation error detected: Value null at 'attrs.1.value' failed to satisfy "
                "constraint: Member must not be null");
    synth_fails("Attrs.entry.1.value=a", "ValidationError",
                "1 validation error detected: Value null at 'attrs.1.key' failed to satisfy "
                "constraint: Member must not be null");
}

static void
query_decode_scalars(void **state)
{
    synth_ok("Count=-2147483648&Enabled=TRUE&Ratio=1.5e3&When=2026-11-28T17%3A43%3A15Z",
             "{\"Count\":-2147483648,\"Enabled\":true,\"Ratio\":1500.0,\"When\":1795887795}");
    synth_ok("When=2026-11-28T17%3A43%3A15.250Z", "{\"When\":1795887795.25}");
    synth_ok("When=2026-11-28T18%3A43%3A15%2B01%3A00", "{\"When\":1795887795}");
    synth_ok("When=1795887795", "{\"When\":1795887795}");
    synth_ok("When=2000-02-29", "{\"When\":951782400}");
    synth_ok("Data=AAEC%2Fw%3D%3D&Enabled=false", "{\"Data\":\"AAEC/w==\",\"Enabled\":false}");
    synth_ok("Numbers.member.1=1&Numbers.member.2=%2B2", "{\"Numbers\":[1,2]}");
    synth_ok("Loose=anything+goes", "{\"Loose\":\"anything goes\"}");   /* bad pattern: skipped */
}

static void
query_decode_errors(void **state)
{
    const char *prefix = "1 validation error detected: ";
    char msg[512];

    query_fails("iam", "GetUser", "UserName=%ZZ", 400, "MalformedQueryString", NULL);
    query_fails("iam", "GetUser", "UserName=ab%", 400, "MalformedQueryString", NULL);
    query_fails("iam", "GetUser", "UserName%G=1", 400, "MalformedQueryString", NULL);
    query_fails("iam", "GetUser", "UserName=%FF%FE", 400, "MalformedQueryString", NULL);
    query_fails("iam", "GetUser", "UserName=a%00b", 400, "MalformedQueryString", NULL);
    query_fails("iam", "GetUser", "UserName=%C0%80", 400, "MalformedQueryString", NULL); /* overlong */
    query_fails("iam", "GetUser", "UserName=a&UserName=b", 400, "MalformedQueryString",
                "Duplicate parameter 'UserName'");
    query_fails("iam", "TagUser", "UserName=a&Tags.member.0.Key=k", 400, "MalformedQueryString",
                NULL);
    query_fails("iam", "TagUser", "UserName=a&Tags.member.01.Key=k", 400, "MalformedQueryString",
                NULL);
    query_fails("iam", "TagUser", "UserName=a&Tags.member.x.Key=k", 400, "MalformedQueryString",
                NULL);
    query_fails("iam", "TagUser", "UserName=a&Tags.member.10001.Key=k", 400,
                "MalformedQueryString", "Invalid list index in parameter 'Tags.member.10001.Key' (1 to 10000)");
    query_fails("iam", "TagUser", "UserName=a&Tags.member.99999999999999999999.Key=k", 400,
                "MalformedQueryString", NULL);
    /* types */
    snprintf(msg, sizeof(msg), "%sValue 'abc' at 'maxItems' failed to satisfy constraint: "
             "Member must be an integer", prefix);
    query_fails("iam", "ListUsers", "MaxItems=abc", 400, "ValidationError", msg);
    query_fails("iam", "ListUsers", "MaxItems=2147483648", 400, "ValidationError", NULL);
    query_fails("iam", "ListUsers", "MaxItems=", 400, "ValidationError", NULL);
    query_fails("iam", "ListUsers", "MaxItems=1.0", 400, "ValidationError", NULL);
    synth_fails("Enabled=yes", "ValidationError",
                "1 validation error detected: Value 'yes' at 'enabled' failed to satisfy "
                "constraint: Member must be a boolean");
    synth_fails("Ratio=0x10", "ValidationError", NULL);
    synth_fails("Ratio=nan", "ValidationError", NULL);
    synth_fails("When=2026-13-01T00%3A00%3A00Z", "ValidationError",
                "1 validation error detected: Value '2026-13-01T00:00:00Z' at 'when' failed to "
                "satisfy constraint: Member must be a timestamp");
    synth_fails("When=2026-02-29T00%3A00%3A00Z", "ValidationError", NULL);
    synth_fails("Data=abc", "ValidationError", NULL);
    synth_fails("Numbers.member.1=1&Numbers.member.2=x", "ValidationError",
                "1 validation error detected: Value 'x' at 'numbers.2.member' failed to satisfy "
                "constraint: Member must be an integer");
    synth_fails("Attrs=x%21", "ValidationError",
                "1 validation error detected: Value 'x!' at 'attrs' failed to satisfy constraint: "
                "Member must be a map");
    /* the value of a sensitive member is never echoed */
    synth_fails("Secret=short", "ValidationError",
                "1 validation error detected: Value at 'secret' failed to satisfy constraint: "
                "Member must have length greater than or equal to 8");
    /* type errors are collected too, in parameter order */
    synth_fails("Count=x&Enabled=y", "ValidationError",
                "2 validation errors detected: Value 'x' at 'count' failed to satisfy constraint: "
                "Member must be an integer; Value 'y' at 'enabled' failed to satisfy constraint: "
                "Member must be a boolean");
}

static void
query_limits(void **state)
{
    struct pbuf b = {0};
    size_t i;
    int r = 0;

    /* too many parameters */
    for (i = 0; i <= PROTO_MAX_QUERY_PARAMS; i++)
        r |= pbuf_printf(&b, "&X%zu=1", i);
    assert_int_equal(r, 0);
    query_fails("iam", "GetUser", b.buf, 400, "MalformedQueryString",
                "Too many parameters in the query string");
    query_fails("sts", "GetCallerIdentity", b.buf, 400, "MalformedQueryString", NULL);
    pbuf_done(&b);

    /* a parameter name too long */
    r = pbuf_puts(&b, "UserName=a&");
    for (i = 0; i <= PROTO_MAX_QUERY_KEY; i++)
        r |= pbuf_putc(&b, 'k');
    r |= pbuf_puts(&b, "=1");
    assert_int_equal(r, 0);
    query_fails("iam", "GetUser", b.buf, 400, "MalformedQueryString", NULL);
    pbuf_done(&b);

    /* deep nesting of a recursive shape */
    r = pbuf_puts(&b, "Tree");
    for (i = 0; i < PROTO_MAX_DEPTH + 2; i++)
        r |= pbuf_puts(&b, ".Child");
    r |= pbuf_puts(&b, ".Name=x");
    assert_int_equal(r, 0);
    synth_fails(b.buf, "MalformedQueryString", "The query string nests too deeply");
    pbuf_done(&b);

    /* bytes after a NUL and binary junk: no crash, a 400 or a tree */
    {
        static const char junk[] = "UserName=a\0b&\xff\xfe=\x01&UserName.member.1=%";
        json_t *in = NULL;
        struct aerr err = {0};

        r = awsquery_decode(op_of("iam", "GetUser"), junk, sizeof(junk) - 1, &in, &err);
        assert_true(r < 0);
        assert_int_equal(err.status, 400);
    }

    /* the highest index and the most parameters fit */
    r = pbuf_puts(&b, "PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fa");
    for (i = PROTO_MAX_LIST_INDEX; i >= 2; i--)
        r |= pbuf_printf(&b, "&ActionNames.member.%zu=act%zu", i, i);
    assert_int_equal(r, 0);
    {
        json_t *in = NULL;
        struct aerr err = {0};

        assert_int_equal(awsquery_decode(op_of("iam", "SimulatePrincipalPolicy"), b.buf, b.len,
                                         &in, &err), 0);
        assert_int_equal(json_array_size(json_object_get(in, "ActionNames")),
                         PROTO_MAX_LIST_INDEX - 1);
        assert_string_equal(json_string_value(json_array_get(json_object_get(in, "ActionNames"), 0)),
                            "act2");
        json_decref(in);
    }
    pbuf_done(&b);
}

/* ---- validation wording ---- */

static void
validation_messages(void **state)
{
    char msg[8448], body[8192];
    size_t i;

    query_fails("iam", "CreateUser", "Action=CreateUser&UserName=bad+name", 400, "ValidationError",
                "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: " NAME_PATTERN);
    query_fails("iam", "CreateUser", "Action=CreateUser", 400, "ValidationError",
                "1 validation error detected: Value null at 'userName' failed to satisfy "
                "constraint: Member must not be null");
    query_fails("iam", "CreateUser", "Action=CreateUser&UserName=", 400, "ValidationError",
                "2 validation errors detected: Value '' at 'userName' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1; Value '' at "
                "'userName' failed to satisfy constraint: Member must satisfy regular expression "
                "pattern: " NAME_PATTERN);
    memset(body, 0, sizeof(body));
    strcpy(body, "UserName=");
    memset(body + strlen(body), 'a', 65);
    snprintf(msg, sizeof(msg), "1 validation error detected: Value '%s' at 'userName' failed to "
             "satisfy constraint: Member must have length less than or equal to 64", body + 9);
    query_fails("iam", "CreateUser", body, 400, "ValidationError", msg);
    /* numbers: IAM leaves the value out */
    query_fails("iam", "ListUsers", "MaxItems=0", 400, "ValidationError",
                "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
                "Member must have value greater than or equal to 1");
    query_fails("iam", "ListUsers", "MaxItems=1001", 400, "ValidationError",
                "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
                "Member must have value less than or equal to 1000");
    /* several: member order, joined by "; " */
    query_fails("iam", "CreateUser", "Action=CreateUser&Path=bad", 400, "ValidationError",
                "2 validation errors detected: Value 'bad' at 'path' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: "
                "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value null at 'userName' failed to "
                "satisfy constraint: Member must not be null");
    /* nested paths */
    query_fails("iam", "TagUser", "UserName=bob&Tags.member.1.Key=ok&Tags.member.1.Value=v"
                "&Tags.member.2.Key=bad%23key&Tags.member.2.Value=v", 400, "ValidationError",
                "1 validation error detected: Value 'bad#key' at 'tags.2.member.key' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: "
                "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
    query_fails("iam", "TagUser", "UserName=bob&Tags.member.1.Key=k", 400, "ValidationError",
                "1 validation error detected: Value null at 'tags.1.member.value' failed to "
                "satisfy constraint: Member must not be null");
    query_fails("iam", "TagUser", "Tags=", 400, "ValidationError",
                "1 validation error detected: Value null at 'userName' failed to satisfy "
                "constraint: Member must not be null");
    /* list length */
    {
        struct pbuf b = {0};
        int r = pbuf_puts(&b, "UserName=bob");

        for (i = 1; i <= 51; i++)
            r |= pbuf_printf(&b, "&Tags.member.%zu.Key=k%zu&Tags.member.%zu.Value=v", i, i, i);
        assert_int_equal(r, 0);
        query_fails("iam", "TagUser", b.buf, 400, "ValidationError",
                    "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
                    "Member must have length less than or equal to 50");
        pbuf_done(&b);
    }
    /* \uXXXX patterns, whole-string matches */
    query_ok("iam", "ListUsers", "Marker=%C3%A9t%C3%A9", "{\"Marker\":\"\xc3\xa9t\xc3\xa9\"}");
    query_fails("iam", "ListUsers", "Marker=%C4%80", 400, "ValidationError",
                "1 validation error detected: Value '\xc4\x80' at 'marker' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]+");
    query_ok("iam", "CreateUser", "UserName=u&Path=%2F", "{\"UserName\":\"u\",\"Path\":\"/\"}");
    query_ok("iam", "CreateUser", "UserName=u&Path=%2Fa%2Fb%2F", "{\"UserName\":\"u\",\"Path\":\"/a/b/\"}");
    query_fails("iam", "CreateUser", "UserName=u&Path=%2Fa", 400, "ValidationError", NULL);
    query_fails("iam", "CreateUser", "UserName=u&Path=x%2F", 400, "ValidationError", NULL);
    query_fails("iam", "CreateUser", "UserName=u%0A", 400, "ValidationError", NULL); /* no $ slack */
    /* lengths count characters, not bytes */
    memset(body, 0, sizeof(body));
    strcpy(body, "UserName=u&Path=%2F");
    for (i = 0; i < 510; i++)
        strcat(body, "%C3%A9");   /* é is not in [\u0021-\u007E]: only the pattern fails */
    strcat(body, "%2F");
    query_fails("iam", "CreateUser", body, 400, "ValidationError", NULL);
}

static void
validation_long_value(void **state)
{
    struct pbuf b = {0};
    struct aerr err = {0};
    json_t *in = NULL;
    size_t i;
    int r = pbuf_puts(&b, "UserName=");

    for (i = 0; i < 3000; i++)
        r |= pbuf_puts(&b, "%C3%A9");
    assert_int_equal(r, 0);
    assert_true(awsquery_decode(op_of("iam", "CreateUser"), b.buf, b.len, &in, &err) < 0);
    assert_string_equal(err.code, "ValidationError");
    assert_true(strlen(err.msg) <= AERR_MAX_MSG - 1);
    assert_true(strlen(err.msg) > AERR_MAX_MSG - 8);
    assert_true(!strncmp(err.msg, "2 validation errors detected: Value '\xc3\xa9\xc3\xa9", 41));
    assert_true(utf8_valid(err.msg, strlen(err.msg), false));   /* cut on a boundary */
    pbuf_done(&b);
}

static void
validation_json_and_maps(void **state)
{
    json_t *v;
    struct aerr err = {0};

    json_fails("PutParameter", "{\"Name\":\"p\",\"Value\":\"v\",\"Type\":\"Bogus\"}",
               "ValidationException",
               "1 validation error detected: Value 'Bogus' at 'type' failed to satisfy constraint: "
               "Member must satisfy enum value set: [String, StringList, SecureString]");
    json_fails("DescribeAutomationExecutions", "{\"MaxResults\":0}", "ValidationException",
               "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
               "Member must have value greater than or equal to 1");
    json_fails("PutParameter", "", "ValidationException",
               "2 validation errors detected: Value null at 'name' failed to satisfy constraint: "
               "Member must not be null; Value null at 'value' failed to satisfy constraint: "
               "Member must not be null");
    json_fails("GetParameters", "{\"Names\":[]}", "ValidationException",
               "1 validation error detected: Value at 'names' failed to satisfy constraint: "
               "Member must have length greater than or equal to 1");
    json_fails("GetParameters", "{\"Names\":[\"a\",null]}", "ValidationException",
               "1 validation error detected: Value null at 'names.2.member' failed to satisfy "
               "constraint: Member must not be null");
    json_fails("DescribeAutomationExecutions",
               "{\"Filters\":[{\"Key\":\"ExecutionStatus\",\"Values\":[]}]}", "ValidationException",
               "1 validation error detected: Value at 'filters.1.member.values' failed to satisfy "
               "constraint: Member must have length greater than or equal to 1");
    /* maps: keys and values are reported once per map, with the constraints they break */
    json_fails("StartAutomationExecution",
               "{\"DocumentName\":\"AWS-UpdateLinuxAmi\",\"Parameters\":{\"" 
               "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijX\":[\"v\"],\"ok\":[\"\"]}}",
               "ValidationException",
               "2 validation errors detected: Value at 'parameters' failed to satisfy constraint: "
               "Map keys must satisfy constraint: [Member must have length less than or equal to 50, "
               "Member must have length greater than or equal to 1]; Value '' at "
               "'parameters.ok.1.member' failed to satisfy constraint: Member must have length "
               "greater than or equal to 1");
    json_fails("StartAutomationExecution",
               "{\"DocumentName\":\"AWS-UpdateLinuxAmi\",\"Parameters\":{}}", "ValidationException",
               "1 validation error detected: Value at 'parameters' failed to satisfy constraint: "
               "Member must have length greater than or equal to 1");

    /* a map of scalars, with proto_validate on a tree the server built */
    v = json_pack("{s:{s:s,s:s,s:s}}", "Attrs", "ab", "ok", "ABC", "x", "z", "toolong");
    assert_int_equal(proto_validate(&t_synth, v, "ValidationException", &err), -EINVAL);
    assert_string_equal(err.msg,
                        "2 validation errors detected: Value at 'attrs' failed to satisfy "
                        "constraint: Map keys must satisfy constraint: [Member must have length "
                        "less than or equal to 3, Member must have length greater than or equal "
                        "to 1, Member must satisfy regular expression pattern: [a-z]+]; Value at "
                        "'attrs' failed to satisfy constraint: Map value must satisfy constraint: "
                        "[Member must have length less than or equal to 5, Member must have length "
                        "greater than or equal to 0]");
    json_decref(v);
    v = json_pack("{s:{s:i}}", "Attrs", "ab", 5);
    assert_int_equal(proto_validate(&t_synth, v, "ValidationException", &err), -EINVAL);
    assert_string_equal(err.msg,
                        "1 validation error detected: Value at 'attrs' failed to satisfy "
                        "constraint: Map value must satisfy constraint: [Member must be a string, "
                        "Member must have length less than or equal to 5, Member must have length "
                        "greater than or equal to 0]");
    json_decref(v);
    /* types in a server-built tree */
    v = json_pack("{s:s,s:s,s:i,s:[i,s]}", "Count", "1", "Data", "!!", "Enabled", 1,
                  "Numbers", 1, "x");
    assert_int_equal(proto_validate(&t_synth, v, "ValidationException", &err), -EINVAL);
    assert_string_equal(err.msg,
                        "4 validation errors detected: Value '1' at 'count' failed to satisfy "
                        "constraint: Member must be an integer; Value '1' at 'enabled' failed to "
                        "satisfy constraint: Member must be a boolean; Value '!!' at 'data' failed "
                        "to satisfy constraint: Member must be base64-encoded binary data; Value "
                        "'x' at 'numbers.2.member' failed to satisfy constraint: Member must be an "
                        "integer");
    json_decref(v);
    /* blob length counts decoded bytes */
    v = json_pack("{s:s}", "Data", "AAECAwQ=");
    assert_int_equal(proto_validate(&t_synth, v, "ValidationError", &err), -EINVAL);
    assert_string_equal(err.msg,
                        "1 validation error detected: Value 'AAECAwQ=' at 'data' failed to satisfy "
                        "constraint: Member must have length less than or equal to 4");
    json_decref(v);
    v = json_pack("{s:s}", "Data", "AAECAw==");
    assert_int_equal(proto_validate(&t_synth, v, "ValidationError", &err), 0);
    json_decref(v);
    assert_int_equal(proto_validate(NULL, NULL, "ValidationError", &err), 0);
    /* a tree nested too deeply (a recursive shape) */
    {
        json_t *root = json_object(), *cur = root;
        int i;

        json_object_set_new(root, "Tree", json_object());
        cur = json_object_get(root, "Tree");
        for (i = 0; i < PROTO_MAX_DEPTH + 3; i++) {
            json_object_set_new(cur, "Child", json_object());
            cur = json_object_get(cur, "Child");
        }
        assert_int_equal(proto_validate(&t_synth, root, "ValidationError", &err), -EINVAL);
        assert_non_null(strstr(err.msg, "Member must not be nested deeper than 32 levels"));
        json_decref(root);
    }
}

/* ---- Query: encode ---- */

static void
query_encode_user(void **state)
{
    query_encodes("iam", "GetUser",
                  "{\"User\":{\"UserName\":\"alice\",\"Path\":\"/\",\"UserId\":\"AIDAEXAMPLE000000001\","
                  "\"Arn\":\"arn:aws:iam::123456789012:user/alice\",\"CreateDate\":1795887795,"
                  "\"Tags\":[{\"Key\":\"a<b>&\\\"'\",\"Value\":\"line1\\nline2\\t\\r\\u0001\\u001f\xef\xbf\xbe\"}],"
                  "\"NotInModel\":\"dropped\"}}",
                  "<GetUserResponse xmlns=\"" IAM_NS "\"><GetUserResult><User>"
                  "<Path>/</Path><UserName>alice</UserName><UserId>AIDAEXAMPLE000000001</UserId>"
                  "<Arn>arn:aws:iam::123456789012:user/alice</Arn>"
                  "<CreateDate>2026-11-28T17:43:15Z</CreateDate>"
                  "<Tags><member><Key>a&lt;b&gt;&amp;&quot;&apos;</Key>"
                  "<Value>line1&#10;line2&#9;&#13;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd</Value></member></Tags>"
                  "</User></GetUserResult>" MD "</GetUserResponse>");
    /* milliseconds when the time has a fraction */
    query_encodes("iam", "GetUser",
                  "{\"User\":{\"UserName\":\"a\",\"CreateDate\":1795887795.25,\"PasswordLastUsed\":-1.5}}",
                  "<GetUserResponse xmlns=\"" IAM_NS "\"><GetUserResult><User>"
                  "<UserName>a</UserName><CreateDate>2026-11-28T17:43:15.250Z</CreateDate>"
                  "<PasswordLastUsed>1969-12-31T23:59:58.500Z</PasswordLastUsed>"
                  "</User></GetUserResult>" MD "</GetUserResponse>");
    query_encodes("iam", "ListUsers",
                  "{\"Users\":[{\"UserName\":\"a\"},{\"UserName\":\"b\"}],\"IsTruncated\":true,"
                  "\"Marker\":\"m\"}",
                  "<ListUsersResponse xmlns=\"" IAM_NS "\"><ListUsersResult><Users>"
                  "<member><UserName>a</UserName></member><member><UserName>b</UserName></member>"
                  "</Users><IsTruncated>true</IsTruncated><Marker>m</Marker></ListUsersResult>" MD
                  "</ListUsersResponse>");
    query_encodes("iam", "ListUsers", "{\"Users\":[],\"IsTruncated\":false}",
                  "<ListUsersResponse xmlns=\"" IAM_NS "\"><ListUsersResult><Users></Users>"
                  "<IsTruncated>false</IsTruncated></ListUsersResult>" MD "</ListUsersResponse>");
    query_encodes("iam", "GetAccountSummary", "{\"SummaryMap\":{\"Users\":3,\"UsersQuota\":5000}}",
                  "<GetAccountSummaryResponse xmlns=\"" IAM_NS "\"><GetAccountSummaryResult>"
                  "<SummaryMap><entry><key>Users</key><value>3</value></entry>"
                  "<entry><key>UsersQuota</key><value>5000</value></entry></SummaryMap>"
                  "</GetAccountSummaryResult>" MD "</GetAccountSummaryResponse>");
    /* no output: no Result element */
    query_encodes("iam", "TagUser", NULL,
                  "<TagUserResponse xmlns=\"" IAM_NS "\">" MD "</TagUserResponse>");
    query_encodes("iam", "TagUser", "{\"x\":1}",
                  "<TagUserResponse xmlns=\"" IAM_NS "\">" MD "</TagUserResponse>");
    query_encodes("sts", "GetCallerIdentity",
                  "{\"UserId\":\"AIDAEXAMPLE\",\"Account\":\"123456789012\","
                  "\"Arn\":\"arn:aws:iam::123456789012:root\"}",
                  "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                  "<GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId><Account>123456789012"
                  "</Account><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult>"
                  MD "</GetCallerIdentityResponse>");
    /* values of the wrong type are left out rather than written wrong */
    query_encodes("iam", "ListUsers", "{\"Users\":[{\"UserName\":5},7],\"IsTruncated\":\"yes\"}",
                  "<ListUsersResponse xmlns=\"" IAM_NS "\"><ListUsersResult><Users>"
                  "<member></member></Users></ListUsersResult>" MD "</ListUsersResponse>");
}

static void
query_encode_flattened(void **state)
{
    synth_encodes("{\"Letters\":[\"a\",\"b\"],\"Stuff\":[\"p\"],\"Things\":[\"x\"]}",
                  "<Letters>a</Letters><Letters>b</Letters><Things><Item>x</Item></Things>"
                  "<Item>p</Item>");
    synth_encodes("{\"Flat\":{\"k\":\"v\",\"k2\":\"v2\"},\"Attrs\":{\"a\":\"1\"}}",
                  "<Attrs><entry><key>a</key><value>1</value></entry></Attrs>"
                  "<Flat><Name>k</Name><Val>v</Val></Flat><Flat><Name>k2</Name><Val>v2</Val></Flat>");
    synth_encodes("{\"Count\":5,\"Enabled\":false,\"Ratio\":0.1,\"Data\":\"AAE=\",\"Renamed\":\"r\","
                  "\"WhenUnix\":1795887795.5,\"WhenIso\":\"2026-11-28T17:43:15Z\",\"Numbers\":[1,2.0]}",
                  "<Count>5</Count><Enabled>false</Enabled><Ratio>0.1</Ratio><Data>AAE=</Data>"
                  "<WireName>r</WireName><Numbers><member>1</member><member>2</member></Numbers>"
                  "<WhenIso>2026-11-28T17:43:15Z</WhenIso><WhenUnix>1795887795.5</WhenUnix>");
}

static void
query_encode_errors(void **state)
{
    const struct model_service *iam = model_service_by_signing_name("iam");
    struct aerr err = {0};
    struct pbuf b = {0};

    aerr_set(&err, -ENOENT, 404, "NoSuchEntity", "The user with name %s cannot be found.", "<bob>");
    assert_int_equal(awsquery_encode_error(iam, &err, REQ_ID, &b), 0);
    assert_string_equal(b.buf,
                        "<ErrorResponse xmlns=\"" IAM_NS "\"><Error><Type>Sender</Type>"
                        "<Code>NoSuchEntity</Code><Message>The user with name &lt;bob&gt; cannot be "
                        "found.</Message></Error><RequestId>" REQ_ID "</RequestId></ErrorResponse>");
    pbuf_done(&b);
    aerr_set(&err, -EIO, 503, "ServiceUnavailable", "%s", "busy");
    assert_int_equal(awsquery_encode_error(NULL, &err, "r1", &b), 0);
    assert_string_equal(b.buf,
                        "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
                        "<Message>busy</Message></Error><RequestId>r1</RequestId></ErrorResponse>");
    pbuf_done(&b);
    memset(&err, 0, sizeof(err));
    strcpy(err.msg, "secret internal detail");
    assert_int_equal(awsquery_encode_error(iam, &err, NULL, &b), 0);
    assert_string_equal(b.buf,
                        "<ErrorResponse xmlns=\"" IAM_NS "\"><Error><Type>Receiver</Type>"
                        "<Code>InternalFailure</Code><Message>We encountered an internal error. "
                        "Please try again.</Message></Error><RequestId></RequestId></ErrorResponse>");
    pbuf_done(&b);
    assert_int_equal(awsquery_encode_error(iam, NULL, "r", &b), 0);
    assert_non_null(strstr(b.buf, "<Code>InternalFailure</Code>"));
    /* appends to what the buffer holds */
    assert_int_equal(pbuf_puts(&b, "|"), 0);
    aerr_set(&err, -EINVAL, 400, "ValidationError", "%s", "x");
    assert_int_equal(awsquery_encode_error(NULL, &err, "r", &b), 0);
    assert_non_null(strstr(b.buf, "|<ErrorResponse><Error><Type>Sender</Type>"));
    pbuf_done(&b);
}

/* ---- JSON ---- */

static void
json_decode_shapes(void **state)
{
    json_ok("PutParameter",
            "{\"Name\":\"/app/db\",\"Value\":\"v\",\"Type\":\"SecureString\",\"Overwrite\":true,"
            "\"Unknown\":{\"x\":[1]},\"Description\":null,"
            "\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\",\"Extra\":1}]}",
            "{\"Name\":\"/app/db\",\"Value\":\"v\",\"Type\":\"SecureString\",\"Overwrite\":true,"
            "\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}");
    json_ok("GetParameters", " \n{\"Names\":[\"a\",\"b\"],\"WithDecryption\":false}\n",
            "{\"Names\":[\"a\",\"b\"],\"WithDecryption\":false}");
    json_ok("DescribeAutomationExecutions", "", "{}");
    json_ok("DescribeAutomationExecutions", "  ", "{}");
    json_ok("DescribeAutomationExecutions", "{\"MaxResults\":5.0}", "{\"MaxResults\":5}");
    json_ok("StartAutomationExecution",
            "{\"DocumentName\":\"AWS-UpdateLinuxAmi\",\"Parameters\":{\"SourceAmiId\":[\"ami-1\"]},"
            "\"Mode\":\"Auto\",\"TargetMaps\":[{\"InstanceId\":[\"i-1\",\"i-2\"]}]}",
            "{\"DocumentName\":\"AWS-UpdateLinuxAmi\",\"Parameters\":{\"SourceAmiId\":[\"ami-1\"]},"
            "\"Mode\":\"Auto\",\"TargetMaps\":[{\"InstanceId\":[\"i-1\",\"i-2\"]}]}");
}

static void
json_decode_timestamps_blobs(void **state)
{
    static const struct shape_member members[] = {
        { "When", NULL, &t_time, 0 },
        { "Data", NULL, &t_blob, 0 },
        { "Ratio", NULL, &t_double, 0 },
    };
    static const struct shape in = { .name = "In", .type = SHAPE_STRUCTURE, .members = members,
                                     .n_members = 3, .index = -1 };
    static const struct model_op op = { "Op", &in, &in, NULL, -1 };
    struct aerr err = {0};
    json_t *v = NULL;
    const char *body = "{\"When\":1795887795.25,\"Data\":\"AAEC\",\"Ratio\":2}";

    assert_int_equal(awsjson_decode(&op, body, strlen(body), &v, &err), 0);
    assert_json_eq(v, "{\"When\":1795887795.25,\"Data\":\"AAEC\",\"Ratio\":2.0}");
    assert_true(json_is_real(json_object_get(v, "Ratio")));
    json_decref(v);
    body = "{\"When\":\"2026-11-28T17:43:15Z\"}";
    assert_int_equal(awsjson_decode(&op, body, strlen(body), &v, &err), 0);
    assert_json_eq(v, "{\"When\":1795887795}");
    json_decref(v);
    json_fails_op(&op, "{\"When\":\"yesterday\"}", "SerializationException",
                  "STRING_VALUE can not be converted to a Timestamp");
    json_fails_op(&op, "{\"When\":true}", "SerializationException",
                  "TRUE_VALUE can not be converted to a Timestamp");
    json_fails_op(&op, "{\"Data\":\"AAE\"}", "SerializationException",
                  "Base64 encoded value is not valid");
    json_fails_op(&op, "{\"Data\":\"AAECAwQ=\"}", "ValidationException",
                  "1 validation error detected: Value 'AAECAwQ=' at 'data' failed to satisfy "
                  "constraint: Member must have length less than or equal to 4");
    json_fails_op(&op, "{\"Ratio\":\"1\"}", "SerializationException",
                  "STRING_VALUE can not be converted to a Double");

    /* encode: epoch seconds, milliseconds when there are some; blobs as given */
    v = json_pack("{s:f,s:s,s:f}", "When", 1795887795.25, "Data", "AAEC", "Ratio", 0.1);
    json_encodes_op(&op, v, "{\"When\":1795887795.25,\"Data\":\"AAEC\",\"Ratio\":0.1}");
    json_decref(v);
    v = json_pack("{s:i,s:s}", "When", TS_2026, "Data", "");
    json_encodes_op(&op, v, "{\"When\":1795887795,\"Data\":\"\"}");
    json_decref(v);
    v = json_pack("{s:s}", "When", "2026-11-28T17:43:15.5Z");
    json_encodes_op(&op, v, "{\"When\":1795887795.5}");
    json_decref(v);
    v = json_pack("{s:{s:f}}", "Tree", "WhenIso", 1795887795.0);
    json_encodes_op(&synth_op, v, "{\"Tree\":{}}");
    json_decref(v);
    v = json_pack("{s:f,s:i}", "WhenIso", 1795887795.0, "WireName", 1);
    json_encodes_op(&synth_op, v, "{\"WhenIso\":\"2026-11-28T17:43:15Z\"}");
    json_decref(v);
}

static void
json_decode_errors(void **state)
{
    json_fails("PutParameter", "{\"Name\":5,\"Value\":\"v\"}", "SerializationException",
               "NUMBER_VALUE cannot be converted to String");
    json_fails("PutParameter", "{\"Name\":\"n\",\"Value\":\"v\",\"Overwrite\":\"yes\"}",
               "SerializationException", "STRING_VALUE can not be converted to a Boolean");
    json_fails("DescribeAutomationExecutions", "{\"MaxResults\":\"5\"}", "SerializationException",
               "STRING_VALUE can not be converted to an Integer");
    json_fails("DescribeAutomationExecutions", "{\"MaxResults\":5.5}", "SerializationException",
               "NUMBER_VALUE can not be converted to an Integer");
    json_fails("DescribeAutomationExecutions", "{\"MaxResults\":4294967296}",
               "SerializationException", "NUMBER_VALUE can not be converted to an Integer");
    json_fails("GetParameters", "{\"Names\":{\"a\":1}}", "SerializationException",
               "Start of structure or map found where not expected.");
    json_fails("GetParameters", "{\"Names\":\"a\"}", "SerializationException",
               "STRING_VALUE can not be converted to a list");
    json_fails("PutParameter", "{\"Name\":[\"a\"]}", "SerializationException",
               "Start of list found where not expected");
    json_fails("PutParameter", "[]", "SerializationException",
               "Start of list found where not expected");
    json_fails("PutParameter", "\"x\"", "SerializationException",
               "STRING_VALUE can not be converted to a structure");
    json_fails("PutParameter", "{\"Name\":", "SerializationException", NULL);
    json_fails("PutParameter", "{\"Name\":\"a\",\"Name\":\"b\"}", "SerializationException", NULL);
    json_fails("PutParameter", "{\"Name\":\"\xff\"}", "SerializationException", NULL);
    json_fails("PutParameter", "{\"Name\":\"a\\u0000b\"}", "SerializationException", NULL);
    json_fails("PutParameter", "{} {}", "SerializationException", NULL);
    json_fails("DescribeAutomationExecutions", "{\"MaxResults\":1e999}", "SerializationException", NULL);
    {
        struct pbuf b = {0};
        int i, r = 0;

        for (i = 0; i < 100000; i++)
            r |= pbuf_putc(&b, '[');
        assert_int_equal(r, 0);
        json_fails("PutParameter", b.buf, "SerializationException", "The request nests too deeply");
        pbuf_done(&b);
        /* brackets inside strings do not count */
        r = pbuf_puts(&b, "{\"Name\":\"");
        for (i = 0; i < 100; i++)
            r |= pbuf_puts(&b, "[{\\\"");
        r |= pbuf_puts(&b, "\",\"Value\":\"v\"}");
        assert_int_equal(r, 0);
        {
            struct aerr err = {0};
            json_t *in = NULL;

            assert_int_equal(awsjson_decode(op_of("ssm", "PutParameter"), b.buf, b.len, &in, &err), 0);
            json_decref(in);
        }
        pbuf_done(&b);
    }
}

static void
json_encode_answers(void **state)
{
    json_t *v;

    v = json_loads("{\"Parameters\":[{\"Name\":\"/a\",\"Type\":\"String\",\"Value\":\"x\\\"y\\n\","
                   "\"Version\":3,\"LastModifiedDate\":1795887795.123,\"Bogus\":1,"
                   "\"ARN\":\"arn:aws:ssm:us-east-1:123456789012:parameter/a\"}],"
                   "\"InvalidParameters\":[\"/b\"],\"Other\":true}", 0, NULL);
    assert_non_null(v);
    json_encodes_op(op_of("ssm", "GetParameters"), v,
                    "{\"Parameters\":[{\"Name\":\"/a\",\"Type\":\"String\",\"Value\":\"x\\\"y\\n\","
                    "\"Version\":3,\"LastModifiedDate\":1795887795.123,"
                    "\"ARN\":\"arn:aws:ssm:us-east-1:123456789012:parameter/a\"}],"
                    "\"InvalidParameters\":[\"/b\"]}");
    json_decref(v);
    json_encodes_op(op_of("ssm", "GetParameters"), NULL, "{}");
    v = json_pack("[]");
    json_encodes_op(op_of("ssm", "GetParameters"), v, "{}");
    json_decref(v);
    v = json_pack("{s:[]}", "Parameters");
    json_encodes_op(op_of("ssm", "GetParameters"), v, "{\"Parameters\":[]}");
    json_decref(v);
    /* maps, control characters and invalid UTF-8 (kept valid JSON) */
    v = json_pack("{s:{s:s,s:s}}", "Attrs", "k\x01", "\t", "q", "a\\b");
    json_encodes_op(&synth_op, v, "{\"Attrs\":{\"k\\u0001\":\"\\t\",\"q\":\"a\\\\b\"}}");
    json_decref(v);
    v = json_object();
    json_object_set_new(v, "Renamed", json_stringn_nocheck("a\xff" "b", 3));
    json_encodes_op(&synth_op, v, "{\"WireName\":\"a\xef\xbf\xbd" "b\"}");
    json_decref(v);
}

static void
json_encode_errors(void **state)
{
    static const struct {
        const char *in, *out;
    } names[] = {
        { "InvalidClientTokenId",       "UnrecognizedClientException" },
        { "SignatureDoesNotMatch",      "InvalidSignatureException" },
        { "MissingAuthenticationToken", "MissingAuthenticationTokenException" },
        { "InvalidAction",              "UnknownOperationException" },
        { "ValidationError",            "ValidationException" },
        { "ParameterNotFound",          "ParameterNotFound" },
    };
    struct aerr err = {0};
    struct pbuf b = {0};
    char want[256];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        aerr_set(&err, -EINVAL, 400, names[i].in, "%s", "m");
        assert_int_equal(awsjson_encode_error(&err, &b), 0);
        snprintf(want, sizeof(want), "{\"__type\":\"%s\",\"message\":\"m\"}", names[i].out);
        assert_string_equal(b.buf, want);
        pbuf_done(&b);
    }
    aerr_set(&err, -EINVAL, 400, "ValidationException", "%s", "say \"hi\"\n\\");
    assert_int_equal(awsjson_encode_error(&err, &b), 0);
    assert_string_equal(b.buf, "{\"__type\":\"ValidationException\",\"message\":\"say \\\"hi\\\"\\n\\\\\"}");
    pbuf_done(&b);
    memset(&err, 0, sizeof(err));
    assert_int_equal(awsjson_encode_error(&err, &b), 0);
    assert_string_equal(b.buf, "{\"__type\":\"InternalFailure\",\"message\":\"We encountered an "
                        "internal error. Please try again.\"}");
    pbuf_done(&b);
}

/* ---- pieces ---- */

static void
wire_pieces(void **state)
{
    char buf[64];
    double t;
    size_t n;
    struct pbuf b = {0};

    assert_true(time_parse("1970-01-01T00:00:00Z", 20, &t) && t == 0);
    assert_true(time_parse("2026-11-28T17:43:15.123456Z", 27, &t) && t > 1795887795.1234 && t < 1795887795.1235);
    assert_true(time_parse("2026-11-28t17:43:15-0130", 24, &t) && t == TS_2026 + 5400);
    assert_true(time_parse("2026-11-28T17:43:15", 19, &t) && t == TS_2026);
    assert_false(time_parse("2026-11-28T17:43", 16, &t));
    assert_false(time_parse("2026-11-28T24:00:00Z", 20, &t));
    assert_false(time_parse("2026-11-28T17:43:15Zjunk", 24, &t));
    assert_false(time_parse("2026-11-28T17:43:15.Z", 21, &t));
    assert_false(time_parse("", 0, &t));
    assert_false(time_parse("-", 1, &t));
    time_format_iso(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    time_format_iso(951782400.999, buf);
    assert_string_equal(buf, "2000-02-29T00:00:00.999Z");
    time_format_iso(951782400.9996, buf);
    assert_string_equal(buf, "2000-02-29T00:00:01Z");
    time_format_iso(1e300, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
    time_format_epoch(-1.5, buf);
    assert_string_equal(buf, "-1.5");
    time_format_epoch(1795887795.1, buf);
    assert_string_equal(buf, "1795887795.1");
    time_format_rfc822(TS_2026, buf);
    assert_string_equal(buf, "Sat, 28 Nov 2026 17:43:15 GMT");
    double_format(0.1, buf);
    assert_string_equal(buf, "0.1");
    double_format(1.0 / 3, buf);
    assert_string_equal(buf, "0.33333333333333331");
    double_format(1e300, buf);
    assert_string_equal(buf, "1e+300");
    assert_true(base64_check("", 0, &n) && n == 0);
    assert_true(base64_check("AA==", 4, &n) && n == 1);
    assert_true(base64_check("AAA=", 4, &n) && n == 2);
    assert_false(base64_check("A===", 4, &n));
    assert_false(base64_check("AA=A", 4, &n));
    assert_false(base64_check("AA A", 4, &n));
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4, false));
    assert_false(utf8_valid("\xed\xa0\x80", 3, false));       /* surrogate */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4, false));   /* > U+10FFFF */
    assert_false(utf8_valid("a\0", 2, false));
    assert_true(utf8_valid("a\0", 2, true));
    assert_int_equal(utf8_count("\xc3\xa9x\xf0\x9f\x98\x80", 7), 3);
    assert_int_equal(utf8_trim("ab\xc3\xa9", 3), 2);
    assert_int_equal(utf8_trim("ab\xc3\xa9", 4), 4);
    assert_int_equal(utf8_trim("a\xf0\x9f\x98\x80", 4), 1);
    assert_int_equal(xml_escape(&b, "\xff<\xc3\xa9\x7f", 5), 0);
    assert_string_equal(b.buf, "\xef\xbf\xbd&lt;\xc3\xa9\x7f");
    pbuf_done(&b);
    assert_int_equal(pbuf_printf(&b, "%0300d|%s", 7, "x"), 0);
    assert_int_equal(b.len, 302);
    assert_string_equal(b.buf + 299, "7|x");
    pbuf_done(&b);
    pbuf_done(&b);
}

/* ---- threads: the pattern cache is shared ---- */

static void *
validate_many(void *arg)
{
    const struct model_op *op = arg;
    int i, bad = 0;

    for (i = 0; i < 300; i++) {
        struct aerr err = {0};
        json_t *in = NULL;
        const char *body = i % 2 ? "UserName=ok_name&Path=%2Fa%2F&Tags.member.1.Key=k&Tags.member.1.Value=v"
                                 : "UserName=bad+name";
        int r = awsquery_decode(op, body, strlen(body), &in, &err);

        if ((i % 2) != (r == 0))
            bad++;
        json_decref(in);
    }
    return (void *) (intptr_t) bad;
}

static void
threads_share_patterns(void **state)
{
    pthread_t th[8];
    void *res;
    int i;

    for (i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, validate_many,
                                        (void *) op_of("iam", "CreateUser")), 0);
    for (i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], &res), 0);
        assert_int_equal((intptr_t) res, 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_tables),
        cmocka_unit_test(query_peek),
        cmocka_unit_test(query_decode_plain),
        cmocka_unit_test(query_decode_nested),
        cmocka_unit_test(query_decode_maps_and_flattened),
        cmocka_unit_test(query_decode_scalars),
        cmocka_unit_test(query_decode_errors),
        cmocka_unit_test(query_limits),
        cmocka_unit_test(validation_messages),
        cmocka_unit_test(validation_long_value),
        cmocka_unit_test(validation_json_and_maps),
        cmocka_unit_test(query_encode_user),
        cmocka_unit_test(query_encode_flattened),
        cmocka_unit_test(query_encode_errors),
        cmocka_unit_test(json_decode_shapes),
        cmocka_unit_test(json_decode_timestamps_blobs),
        cmocka_unit_test(json_decode_errors),
        cmocka_unit_test(json_encode_answers),
        cmocka_unit_test(json_encode_errors),
        cmocka_unit_test(wire_pieces),
        cmocka_unit_test(threads_share_patterns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
