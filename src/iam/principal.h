/* src/iam/principal.h - what authorization needs to know of a principal, compiled once: its
 * identity policies, permissions boundary and session policies as compiled policies (with the
 * simulator's names for them), its tags, and for a role session its role's ARN.
 * Used by: core/authz.c (every decision), iam/simulate.c, sts/. Uses: policy/, store/, the
 * IAM tables (access.c's iam_policies_for), core's access_key table (session records).
 *
 * Two caches keep the hot path free of parsing and allocation:
 *  - compiled policies, content-addressed (kind + document text): a policy is parsed once
 *    per distinct document, whichever entity or session uses it;
 *  - subjects (one per user, role, or role session with its own session policies), valid
 *    while store_generation() is unchanged since they were read, and past other commits
 *    while IAM's change counter (authz_generation, kept by triggers on the IAM tables that
 *    subjects are read from) is unchanged: one read of a one-row table.
 * Both are process-wide and thread-safe; entries are reference counted, so a request keeps
 * using what it took while another thread replaces it. */
#ifndef IAM_PRINCIPAL_H
#define IAM_PRINCIPAL_H

#include <stddef.h>
#include <stdint.h>
#include "../core/req.h"
#include "../policy/policy.h"

#define IAM_POLICY_CACHE_MAX   4096   /* distinct compiled documents kept; past it the cache
                                         is emptied (holders keep their references) */
#define IAM_SUBJECT_SLOTS      1024   /* subject cache: direct-mapped slots (power of 2) */
#define IAM_SESSION_MAX_ARNS   10     /* managed session policies of one role session */
#define IAM_SUBJECT_MAX_TAGS   100    /* principal tags kept (entity tags + session tags) */

/* One policy of a subject, with the names the simulator reports (MatchedStatements). */
struct iam_subject_policy {
    const char *id;            /* SourcePolicyId: inline policy name, managed policy name,
                                  "PolicyInputList.1" ... */
    const char *type;          /* SourcePolicyType: "user", "group", "role", "aws-managed",
                                  "user-managed", "none", "resource" */
};

struct iam_tag {
    const char *key, *value;
};

/* Everything authorization reads about one principal. Immutable once built; release with
 * iam_subject_unref. The arrays are laid out for struct policy_set. */
struct iam_subject {
    int                          refs;        /* atomic */
    const struct store          *store;       /* the store it was read from */
    uint64_t                     generation;  /* store_generation() it holds for as is (read
                                                 before the snapshot it was read in); 0 = none */
    int64_t                      changes;     /* the IAM change counter of that snapshot (-1:
                                                 none): it holds for any snapshot with the same */
    char                        *key;         /* cache key */
    int                          exists;      /* 0: the user or role is gone (no policies) */
    const struct policy        **identity;    /* user + groups, or role; inline then attached */
    size_t                       n_identity;
    const struct policy        **boundary;    /* 0 or 1 */
    size_t                       n_boundary;
    const struct policy        **session;     /* role session: inline + managed session policies */
    size_t                       n_session;
    struct iam_subject_policy   *identity_info, *boundary_info, *session_info;
    struct iam_tag              *tags;        /* aws:PrincipalTag: entity tags, session tags
                                                 override (keys compare case-insensitively) */
    size_t                       n_tags;
    const char                  *role_arn;    /* role session: arn:aws:iam::<acct>:role/<path><name> */
    const char                  *source_identity;   /* role session: SourceIdentity, or NULL */
};

/* The subject of who (a user, a role session; NULL-free). gen is the store generation read
 * before the caller's transaction began (so every commit it counts is visible to tx), or 0
 * when unknown: it only enables the fast path (no read at all while nothing is committed).
 * Root and service principals have no subject (-EINVAL). Returns 0 and *ret (a reference),
 * or <0 (-ENOMEM, store errors, -EINVAL for a stored document that no longer parses). A user
 * or role that no longer exists gives a subject with exists = 0 and no policies. */
int iam_subject_get(struct store_tx *tx, const struct principal *who, uint64_t gen,
                    struct iam_subject **ret);

/* The subject of the IAM user, group or role named by arn in account (the simulator's
 * PolicySourceArn). Never cached. Returns 0 and *ret; -ENOENT with err = NoSuchEntity
 * (AWS's words); -EINVAL with err = InvalidInput for an ARN that names no user, group or
 * role; other <0 with err set. */
int iam_subject_for_arn(struct store_tx *tx, const char *account, const char *arn,
                        struct iam_subject **ret, struct aerr *err);

/* An empty subject to fill by hand (SimulateCustomPolicy): arrays sized for up to
 * n_identity / n_boundary policies. Returns NULL on OOM. */
struct iam_subject *iam_subject_new(size_t n_identity, size_t n_boundary);
/* Append p (a reference is taken) with its names (copied) to s's identity or boundary list.
 * Returns 0 or -ENOMEM. Only for subjects from iam_subject_new/iam_subject_for_arn. */
int iam_subject_add(struct iam_subject *s, int boundary, struct policy *p, const char *id,
                    const char *type);

/* Forget s's permissions boundary (the simulator's PermissionsBoundaryPolicyInputList
 * replaces it). Only for subjects nobody else holds. */
void iam_subject_drop_boundary(struct iam_subject *s);

struct iam_subject *iam_subject_ref(struct iam_subject *s);
struct iam_subject *iam_subject_unref(struct iam_subject *s);   /* NULL-safe; returns NULL */

/* The migrations of the IAM change counter (module "iam-authz", after IAM's own). */
extern const char *const iam_authz_migrations[];

/* Drop every cached subject (tests; dev reset). Holders keep their references. */
void iam_subject_cache_flush(void);

/* A compiled policy for document text[0..len) of kind (content-addressed cache). flags are
 * POLICY_PARSE_* (stored documents use POLICY_PARSE_TRUSTED: IAM checked them when they were
 * written). Returns 0 and *ret (a new reference); <0 with err filled as policy_parse does. */
int iam_policy_compiled(const char *text, size_t len, enum policy_kind kind, unsigned flags,
                        struct policy **ret, struct aerr *err);

/* Call fn(ud, key, value) for each tag of the IAM user, role, customer managed policy or
 * instance profile named by arn (aws:ResourceTag). Returns 0 (also when arn names nothing
 * IAM tags), or <0 on store errors. */
int iam_resource_tags(struct store_tx *tx, const char *arn,
                      void (*fn)(void *ud, const char *key, const char *value), void *ud);

#endif
