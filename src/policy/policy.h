/* src/policy/policy.h - the IAM policy engine: parse + validate policy documents once into an
 * immutable compiled form, then decide requests against sets of them the way AWS does.
 * Used by: iam/, sts/, core/ (authorization), the simulator APIs. Uses: base/err.h, jansson.
 * Pure: no I/O, no store, no logging. A decision allocates nothing.
 *
 * Typical use:
 *
 *     struct policy_parse_opts o = { .kind = POLICY_KIND_IDENTITY, .id = "arn:...:policy/P" };
 *     struct policy *p;
 *     if (policy_parse(doc, strlen(doc), &o, &p, err) < 0)
 *         return -EINVAL;                        // err: 400 MalformedPolicyDocument, AWS's text
 *
 *     struct policy_ctx *c = policy_ctx_new();   // one per worker; reset per request
 *     policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, user_arn, NULL, NULL);
 *     policy_ctx_set_action(c, "iam:CreateRole");
 *     policy_ctx_set_resource(c, role_arn, NULL);
 *     policy_ctx_key_add(c, "aws:username", "alice");
 *
 *     const struct policy *ids[] = { p };
 *     struct policy_set set = { .identity = ids, .n_identity = 1 };
 *     struct policy_result r;
 *     if (policy_decide(&set, c, 0, &r) != POLICY_ALLOWED)
 *         policy_denial_message(user_arn, "iam:CreateRole", role_arn, &r, buf, sizeof(buf));
 *
 * Threads: a struct policy is immutable once parsed and may be shared by any number of
 * threads (its reference count is atomic). A struct policy_ctx belongs to one thread at a
 * time. policy_decide() only reads both. */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aerr;
struct policy;
struct policy_ctx;

/* ---- Limits (IAM quotas; the IAM service enforces them with policy_size()) ---- */
#define POLICY_MAX_USER_INLINE   2048    /* sum of a user's inline policies */
#define POLICY_MAX_GROUP_INLINE  5120    /* sum of a group's inline policies */
#define POLICY_MAX_ROLE_INLINE   10240   /* sum of a role's inline policies */
#define POLICY_MAX_MANAGED       6144    /* one managed policy version */
#define POLICY_MAX_TRUST         2048    /* a role's trust policy (ACLSizePerRole default) */
#define POLICY_MAX_SESSION       2048    /* inline + managed session policies (STS) */
#define POLICY_MAX_DOCUMENT      131072  /* bytes; the PolicyDocument parameter's constraint */
#define POLICY_MAX_STATEMENTS    4096    /* statements in one document (sanity cap) */
#define POLICY_MAX_VALUE         2048    /* longest value after substituting policy variables;
                                            longer ones never match */
#define POLICY_MAX_MATCHES       16      /* matched statements reported in a result */
#define POLICY_MAX_MISSING       16      /* missing context keys reported in a result */

/* ---- Parsing ---- */

enum policy_kind {
    POLICY_KIND_IDENTITY,    /* attached to a user, group or role; also boundaries and session
                                policies: no Principal allowed, Resource required */
    POLICY_KIND_RESOURCE,    /* resource-based: Principal (or NotPrincipal) required */
    POLICY_KIND_TRUST,       /* a role's assume-role policy: Principal required, no Resource,
                                only sts: actions */
};

#define POLICY_PARSE_MANAGED 0x1u  /* a managed policy version: Version must be 2012-10-17 */
#define POLICY_PARSE_TRUSTED 0x2u  /* reference data (AWS managed policies): skip the checks
                                      that do not affect evaluation (ARN formats, Sid charset,
                                      action vendors); structure is still required */

/* Optional existence check for principals named in resource and trust policies (AWS turns
 * user and role ARNs into unique ids and refuses ARNs that name nothing). type is "AWS",
 * "Service" or "Federated"; value is the entry as written. Return 0 to accept, <0 to reject
 * (the parse then fails with: Invalid principal in policy: "AWS":"<value>"). */
typedef int policy_principal_check(void *ud, const char *type, const char *value);

struct policy_parse_opts {
    enum policy_kind        kind;
    unsigned                flags;         /* POLICY_PARSE_* */
    const char             *id;            /* copied; reported in matches (SourcePolicyId);
                                              NULL = "" */
    policy_principal_check *principal_check; /* NULL = shape checks only */
    void                   *principal_check_ud;
};

/* Parse and validate the JSON document text[0..len) and compile it. On success store a new
 * policy (reference count 1) in *ret and return 0. On a document AWS would refuse return
 * -EINVAL and fill *err (400, "MalformedPolicyDocument", AWS's message, e.g. "Syntax errors in
 * policy.", "Policy document should not specify a principal.", "Has prohibited field
 * Resource"); on OOM return -ENOMEM (err: 500). *ret is untouched on failure. */
int policy_parse(const char *text, size_t len, const struct policy_parse_opts *opts,
                 struct policy **ret, struct aerr *err);

/* Reference counting (atomic). unref accepts NULL and returns NULL; the last unref frees. */
struct policy *policy_ref(struct policy *p);
struct policy *policy_unref(struct policy *p);

/* The size AWS counts against the IAM quotas: characters (UTF-8 code points) that are not
 * white space (space, tab, CR, LF). Works on any text, valid JSON or not. */
size_t policy_size(const char *text, size_t len);

/* Introspection, for the simulator and the console. Strings are owned by the policy. */
const char      *policy_id(const struct policy *p);
enum policy_kind policy_kind(const struct policy *p);
bool             policy_is_v2012(const struct policy *p);    /* Version "2012-10-17" */
size_t           policy_statement_count(const struct policy *p);
const char      *policy_statement_sid(const struct policy *p, size_t i);  /* NULL: no Sid */

struct policy_position {
    unsigned line, column;     /* 1-based, in the document text as parsed */
};
/* Where statement i starts ('{') and ends (just after '}'): the simulator's
 * StartPosition/EndPosition. Returns 0, or -ENOENT if i is out of range. */
int policy_statement_position(const struct policy *p, size_t i, struct policy_position *start,
                              struct policy_position *end);

/* Call fn once per distinct condition key and policy-variable key the policy uses, spelled as
 * in the policy (GetContextKeysForCustomPolicy). Keys compare case-insensitively. */
void policy_context_keys(const struct policy *p, void (*fn)(void *ud, const char *key),
                         void *ud);

/* ---- The request context ---- */

enum policy_principal_type {
    POLICY_PRINCIPAL_ANONYMOUS,      /* unsigned request */
    POLICY_PRINCIPAL_ROOT,           /* arn:aws:iam::<acct>:root */
    POLICY_PRINCIPAL_USER,           /* arn:aws:iam::<acct>:user/<path><name> */
    POLICY_PRINCIPAL_ASSUMED_ROLE,   /* arn:aws:sts::<acct>:assumed-role/<role>/<session>;
                                        role_arn = arn:aws:iam::<acct>:role/<path><role> */
    POLICY_PRINCIPAL_FEDERATED_USER, /* arn:aws:sts::<acct>:federated-user/<name> */
    POLICY_PRINCIPAL_SERVICE,        /* "ssm.amazonaws.com": only the server acts as one */
    POLICY_PRINCIPAL_WEB_IDENTITY,   /* a federated provider (saml-provider/oidc-provider ARN,
                                        or e.g. "cognito-identity.amazonaws.com") */
};

/* A new empty context; NULL on OOM. Free with policy_ctx_free (accepts NULL, returns NULL). */
struct policy_ctx *policy_ctx_new(void);
struct policy_ctx *policy_ctx_free(struct policy_ctx *c);

/* Forget everything set, keep the memory: a worker reuses one context for every request, so
 * steady-state requests allocate nothing. */
void policy_ctx_reset(struct policy_ctx *c);

/* Who is asking. arn as in the comments above (for SERVICE: the service principal name; for
 * ANONYMOUS: NULL). account NULL = taken from the ARN. role_arn: the role of an assumed-role
 * session (matches Principal entries naming the role), else NULL. Strings are copied.
 * Returns 0, -EINVAL (an ARN without an account where one is needed), -ENOMEM. */
int policy_ctx_set_principal(struct policy_ctx *c, enum policy_principal_type type,
                             const char *arn, const char *account, const char *role_arn);

/* The action, "service:Name" (matched case-insensitively). 0, -EINVAL (empty), -ENOMEM. */
int policy_ctx_set_action(struct policy_ctx *c, const char *action);

/* The resource ARN, or "*" for actions without a resource type. account: the account that
 * owns the resource (decides same- vs cross-account); NULL = the ARN's account field when it
 * is a 12-digit id, else (S3-style ARNs with none, "aws" in AWS managed policy ARNs, "*")
 * the principal's account. 0 or -ENOMEM. */
int policy_ctx_set_resource(struct policy_ctx *c, const char *arn, const char *account);

/* Condition keys. Keys are case-insensitive; values are kept as given. key_add appends one
 * value (a key set several times is multi-valued, e.g. aws:TagKeys); key_set replaces the
 * key's values with values[0..n) - n = 0 makes the key present with no values (an empty
 * set). Typed forms (numbers, dates, IP addresses, ARNs) are parsed here, once.
 * 0, -EINVAL (empty key), -E2BIG (a value over POLICY_MAX_DOCUMENT bytes), -ENOMEM. */
int policy_ctx_key_add(struct policy_ctx *c, const char *key, const char *value);
int policy_ctx_key_set(struct policy_ctx *c, const char *key, const char *const *values,
                       size_t n);

/* The i-th value of key, or NULL when absent / out of range (tests, variable rendering). */
const char *policy_ctx_key_get(const struct policy_ctx *c, const char *key, size_t i);

/* Set aws:PrincipalArn (the role ARN for a role session), aws:PrincipalAccount and
 * aws:PrincipalType (Account, User, AssumedRole, FederatedUser, Anonymous) from the principal
 * set above. The server sets the rest (aws:username, aws:userid, aws:SourceIp, ...). */
int policy_ctx_add_principal_keys(struct policy_ctx *c);

/* ---- Deciding ---- */

/* The policies that apply to one request. Arrays may be NULL when their count is 0.
 * identity: the user's inline + attached policies and those of its groups, or the role's.
 * boundary: the entity's permissions boundary (count > 0 means the entity has one).
 * session: the session policies a role session was created with (count > 0 means it had
 * some; then they must also allow). resource: the resource-based policy of the resource, or
 * the role's trust policy with POLICY_DECIDE_TRUST; NULL if none. */
struct policy_set {
    const struct policy *const *identity;
    size_t                      n_identity;
    const struct policy *const *boundary;
    size_t                      n_boundary;
    const struct policy *const *session;
    size_t                      n_session;
    const struct policy        *resource;
};

#define POLICY_DECIDE_TRUST 0x1u  /* set.resource is a role trust policy (sts:AssumeRole...):
                                     it must allow, even within one account */
#define POLICY_DECIDE_TRACE 0x2u  /* evaluate every statement: report all matched statements
                                     and the missing context keys (the simulator); otherwise
                                     evaluation stops at the first Allow of each policy type */

enum policy_decision {
    POLICY_IMPLICIT_DENY = 0,   /* "implicitDeny" */
    POLICY_ALLOWED       = 1,   /* "allowed" */
    POLICY_EXPLICIT_DENY = 2,   /* "explicitDeny" */
};

enum policy_source {            /* which kind of policy decided (or was missing an Allow) */
    POLICY_SRC_NONE,
    POLICY_SRC_IDENTITY,
    POLICY_SRC_RESOURCE,        /* resource-based or trust policy */
    POLICY_SRC_BOUNDARY,
    POLICY_SRC_SESSION,
};

struct policy_match {
    const struct policy *policy;
    enum policy_source   source;
    unsigned             index;    /* index of the policy in its policy_set array */
    unsigned             stmt;     /* 0-based statement index in the policy */
    const char          *sid;      /* NULL: none; owned by the policy */
    bool                 deny;     /* Effect Deny */
};

struct policy_result {
    enum policy_decision decision;
    enum policy_source   reason;   /* explicit deny: where it was found; implicit deny: the
                                      policy type that lacked an Allow; allowed: NONE */
    bool identity_allowed;         /* an identity policy allowed (always true for root) */
    bool boundary_allowed;         /* PermissionsBoundaryDecisionDetail (true: no boundary) */
    bool session_allowed;          /* true when there are no session policies */
    bool resource_allowed;         /* the resource/trust policy allowed this principal */
    size_t n_matches;              /* statements that matched, in evaluation order */
    struct policy_match matches[POLICY_MAX_MATCHES];
    bool   matches_truncated;
    size_t n_missing;              /* POLICY_DECIDE_TRACE: context keys conditions (and
                                      policy variables) needed but the context lacked;
                                      spelled as in the policy, owned by the policies */
    const char *missing[POLICY_MAX_MISSING];
    bool   missing_truncated;
};

/* Decide ctx's request against set, AWS's way: an explicit Deny in any applicable policy
 * denies; otherwise the request is allowed by an identity policy (within the boundary and
 * the session policies) or by a resource-based policy (same account: alone; cross-account:
 * together with the identity side); otherwise it is implicitly denied. The account root is
 * allowed everything in its account. Fills *ret and returns ret->decision. Allocates
 * nothing; reads set and ctx only. */
enum policy_decision policy_decide(const struct policy_set *set, const struct policy_ctx *ctx,
                                   unsigned flags, struct policy_result *ret);

/* The first matched statement of the deciding kind (Deny for explicit deny, Allow for
 * allowed), or NULL. */
const struct policy_match *policy_result_decisive(const struct policy_result *r);

/* Render AWS's denial text into buf (always NUL-terminated when cap > 0):
 *   "User: <principal_arn> is not authorized to perform: <action>[ on resource: <resource>]
 *    because no identity-based policy allows the <action> action"
 * (or "... with an explicit deny in a permissions boundary", "... because no session policy
 * allows ...", "... because no resource-based policy allows ..."). resource NULL or "*"
 * omits the "on resource" part. Returns the length the full text needs (snprintf-style). */
int policy_denial_message(const char *principal_arn, const char *action, const char *resource,
                          const struct policy_result *r, char *buf, size_t cap);

/* "allowed", "explicitDeny", "implicitDeny" (the simulator's EvalDecision). */
const char *policy_decision_name(enum policy_decision d);

#endif
