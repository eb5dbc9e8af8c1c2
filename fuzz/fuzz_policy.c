/* fuzz/fuzz_policy.c - libFuzzer target for the policy engine (run under ASan/UBSan).
 * Input: a policy document, optionally followed by a NUL byte and a request, one field per
 * line: action, resource, then key=value context entries (a key may repeat). The document is
 * parsed as an identity, a resource and a trust policy (and again as trusted reference data);
 * whatever compiles is decided against the request, traced and untraced, and introspected.
 * Seeds: fuzz/corpus/policy/ (documents, some with requests). Uses: policy/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/err.h"
#include "policy/policy.h"

#define FUZZ_MAX_INPUT 65536      /* longer inputs are cut: policies stop at IAM's limits */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void
count_key(void *ud, const char *key)
{
    (void) key;
    (*(size_t *) ud)++;
}

/* Fill the context from the request text (NUL-terminated, may be empty). */
static void
build_request(struct policy_ctx *c, char *req)
{
    char *save = NULL, *line;
    int field = 0;

    policy_ctx_set_principal(c, POLICY_PRINCIPAL_ASSUMED_ROLE,
                             "arn:aws:sts::111122223333:assumed-role/app/s1", NULL,
                             "arn:aws:iam::111122223333:role/app");
    policy_ctx_set_action(c, "s3:GetObject");
    policy_ctx_set_resource(c, "arn:aws:s3:::b/home/alice/k", NULL);
    policy_ctx_key_add(c, "aws:username", "alice");
    policy_ctx_key_add(c, "aws:SourceIp", "10.1.2.3");
    policy_ctx_key_add(c, "aws:CurrentTime", "2026-01-01T00:00:00Z");
    policy_ctx_key_add(c, "aws:TagKeys", "team");
    policy_ctx_key_add(c, "aws:TagKeys", "cost");
    policy_ctx_add_principal_keys(c);
    for (line = strtok_r(req, "\n", &save); line; line = strtok_r(NULL, "\n", &save), field++) {
        char *eq;

        if (field == 0)
            policy_ctx_set_action(c, line);
        else if (field == 1)
            policy_ctx_set_resource(c, line, NULL);
        else if ((eq = strchr(line, '=')) != NULL) {
            *eq = '\0';
            if (strcmp(eq + 1, "[]") == 0)
                policy_ctx_key_set(c, line, NULL, 0);
            else
                policy_ctx_key_add(c, line, eq + 1);
        }
    }
}

static void
exercise(const struct policy *p, const struct policy_ctx *c)
{
    const struct policy *one[] = { p };
    struct policy_set as_identity = { one, 1, NULL, 0, NULL, 0, NULL };
    struct policy_set as_all = { one, 1, one, 1, one, 1, p };
    struct policy_result r;
    struct policy_position a, b;
    char msg[512];
    size_t nkeys = 0;

    (void) policy_decide(&as_identity, c, 0, &r);
    (void) policy_decide(&as_all, c, POLICY_DECIDE_TRACE, &r);
    (void) policy_decide(&as_all, c, POLICY_DECIDE_TRUST, &r);
    (void) policy_result_decisive(&r);
    (void) policy_denial_message("arn:aws:iam::111122223333:user/alice", "s3:GetObject",
                                 "arn:aws:s3:::b", &r, msg, sizeof(msg));
    policy_context_keys(p, count_key, &nkeys);
    for (size_t i = 0; i < policy_statement_count(p); i++) {
        (void) policy_statement_sid(p, i);
        (void) policy_statement_position(p, i, &a, &b);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static const enum policy_kind kinds[] = { POLICY_KIND_IDENTITY, POLICY_KIND_RESOURCE,
                                              POLICY_KIND_TRUST };
    const uint8_t *nul;
    size_t doclen;
    char *req;
    struct policy_ctx *c;

    if (n > FUZZ_MAX_INPUT)
        n = FUZZ_MAX_INPUT;
    nul = memchr(data, '\0', n);
    doclen = nul ? (size_t) (nul - data) : n;
    req = malloc(n - doclen + 1);
    c = policy_ctx_new();
    if (!req || !c)
        goto out;
    memcpy(req, nul ? nul + 1 : data + n, nul ? n - doclen - 1 : 0);
    req[nul ? n - doclen - 1 : 0] = '\0';
    build_request(c, req);
    (void) policy_size((const char *) data, doclen);
    for (size_t k = 0; k < 3; k++) {
        for (unsigned flags = 0; flags <= POLICY_PARSE_TRUSTED; flags += POLICY_PARSE_TRUSTED) {
            struct policy_parse_opts o = { .kind = kinds[k], .flags = flags, .id = "fuzz" };
            struct aerr err;
            struct policy *p = NULL;

            if (policy_parse((const char *) data, doclen, &o, &p, &err) == 0) {
                exercise(p, c);
                policy_unref(p);
            }
        }
    }
out:
    policy_ctx_free(c);
    free(req);
    return 0;
}
