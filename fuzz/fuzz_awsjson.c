/* fuzz/fuzz_awsjson.c - libFuzzer target for proto/ awsJson (run under ASan/UBSan).
 * Each input is a JSON body, decoded (and validated) as the input of a few SSM operations;
 * whatever decodes is encoded back as JSON and as Query XML through an operation whose
 * output shape is that input shape, and the JSON answer must decode again. Failures are
 * rendered as JSON errors. Seeds: fuzz/corpus/awsjson/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static const char *const ops[] = {
    "PutParameter", "GetParameters", "StartAutomationExecution",
    "DescribeAutomationExecutions", "CreateDocument",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    const struct model_service *ssm = model_service_by_signing_name("ssm");
    struct pbuf b = {0};
    struct aerr err;
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const struct model_op *op = model_op_find(ssm, ops[i]);
        json_t *in = NULL, *again = NULL;

        if (!op)
            continue;
        memset(&err, 0, sizeof(err));
        if (awsjson_decode(op, (const char *) data, n, &in, &err) < 0) {
            if (in || err.status != 400)
                __builtin_trap();
            if (awsjson_encode_error(&err, &b) < 0)
                __builtin_trap();
            pbuf_done(&b);
            continue;
        }
        {
            struct model_op back = { op->name, op->input, op->input, NULL, op->index };

            if (awsjson_encode(&back, in, &b) < 0)
                __builtin_trap();
            /* a decoded (valid) tree, written and read again, is valid again */
            if (awsjson_decode(&back, b.buf, b.len, &again, &err) < 0)
                __builtin_trap();
            json_decref(again);
            pbuf_done(&b);
            if (awsquery_encode(ssm, &back, in, "req-1", &b) < 0)
                __builtin_trap();
            pbuf_done(&b);
        }
        json_decref(in);
    }
    return 0;
}
