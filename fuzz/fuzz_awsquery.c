/* fuzz/fuzz_awsquery.c - libFuzzer target for proto/ awsQuery (run under ASan/UBSan).
 * Each input is a form body: peeked for Action/Version, decoded (and validated) as the input
 * of a few IAM/STS operations, and whatever decodes is encoded back, as Query XML and as
 * JSON, through an operation whose output shape is that input shape; failures are rendered
 * as error XML. Seeds: fuzz/corpus/awsquery/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static const char *const ops[][2] = {
    { "sts", "GetCallerIdentity" },
    { "iam", "CreateUser" },
    { "iam", "TagUser" },
    { "iam", "ListUsers" },
    { "iam", "CreatePolicy" },
    { "iam", "SimulatePrincipalPolicy" },
};

static void
round_trip(const struct model_service *svc, const struct model_op *op, json_t *in)
{
    struct model_op back = { op->name, op->input, op->input, "FuzzResult", op->index };
    struct pbuf b = {0};
    struct aerr err;
    json_t *again = NULL;

    if (awsquery_encode(svc, &back, in, "req-1", &b) < 0)
        __builtin_trap();
    pbuf_done(&b);
    if (awsjson_encode(&back, in, &b) < 0)
        __builtin_trap();
    /* what the JSON encoder writes, the JSON decoder reads (a decoded tree is valid) */
    if (awsjson_decode(&back, b.buf, b.len, &again, &err) < 0)
        __builtin_trap();
    json_decref(again);
    pbuf_done(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    const char *body = (const char *) data;
    char action[128], version[64];
    struct aerr err;
    struct pbuf b = {0};
    size_t i;

    memset(&err, 0, sizeof(err));
    if (awsquery_peek(body, n, action, sizeof(action), version, sizeof(version), &err) < 0) {
        (void) awsquery_encode_error(NULL, &err, "req-1", &b);
        pbuf_done(&b);
    }
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const struct model_service *svc = model_service_by_signing_name(ops[i][0]);
        const struct model_op *op = model_op_find(svc, ops[i][1]);
        json_t *in = NULL;

        if (!op)
            continue;
        memset(&err, 0, sizeof(err));
        if (awsquery_decode(op, body, n, &in, &err) == 0) {
            round_trip(svc, op, in);
            json_decref(in);
        } else {
            if (in || err.status != 400)
                __builtin_trap();     /* failures leave no tree and are client errors */
            (void) awsquery_encode_error(svc, &err, "req-1", &b);
            pbuf_done(&b);
        }
    }
    return 0;
}
