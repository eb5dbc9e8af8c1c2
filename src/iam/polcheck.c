/* src/iam/polcheck.c - the checks IAM runs on a policy document before it stores one
 * (inline, managed or trust), with AWS's MalformedPolicyDocument wording: the policy engine's
 * parser is the validator, so what IAM stores and what authorization evaluates share one
 * grammar. Used by: roles.c, policies.c, inline.c, tests/unit/test_iam.c. Uses: policy/. */
#include <errno.h>
#include <string.h>
#include "../policy/policy.h"
#include "internal.h"

int
iam_doc_check(const char *doc, enum iam_doc_kind kind, size_t *ret_size, struct aerr *err)
{
    struct policy_parse_opts o = {
        .kind = kind == IAM_DOC_TRUST ? POLICY_KIND_TRUST : POLICY_KIND_IDENTITY,
        .flags = kind == IAM_DOC_MANAGED ? POLICY_PARSE_MANAGED
               : kind == IAM_DOC_AWS_MANAGED ? POLICY_PARSE_MANAGED | POLICY_PARSE_TRUSTED : 0,
    };
    struct policy *p = NULL;
    int r;

    if (!doc || strlen(doc) > IAM_DOC_MAX)
        return iam_err_malformed(err, "Syntax errors in policy.");
    r = policy_parse(doc, strlen(doc), &o, &p, err);
    if (r < 0)
        return r;
    policy_unref(p);
    if (ret_size)
        *ret_size = policy_size(doc, strlen(doc));
    return 0;
}

