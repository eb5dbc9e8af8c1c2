/* src/iam/internal.h - declarations shared by the IAM service's files; private to src/iam/.
 * Uses: core/req.h (requests), store/ (SQL), jansson (value trees). */
#ifndef IAM_INTERNAL_H
#define IAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "iam.h"

/* AWS's default IAM quotas (the ones GetAccountSummary reports and the API enforces). */
#define IAM_MAX_ATTACHED          10     /* managed policies attached to one user, group or role */
#define IAM_MAX_VERSIONS          5      /* versions of one customer managed policy */
#define IAM_MAX_KEYS              2      /* access keys of one user (or of the root) */
#define IAM_MAX_GROUPS_PER_USER   10
#define IAM_MAX_TAGS              50     /* tags on one entity */
#define IAM_MAX_PROFILE_ROLES     1      /* roles in one instance profile */
#define IAM_USER_INLINE_QUOTA     2048   /* all inline policies of a user, non-whitespace chars */
#define IAM_GROUP_INLINE_QUOTA    5120
#define IAM_ROLE_INLINE_QUOTA     10240
#define IAM_MANAGED_QUOTA         6144   /* one managed policy version */
#define IAM_TRUST_QUOTA           2048   /* a role's trust policy */
#define IAM_USERS_QUOTA           5000
#define IAM_GROUPS_QUOTA          300
#define IAM_ROLES_QUOTA           1000
#define IAM_POLICIES_QUOTA        1500
#define IAM_PROFILES_QUOTA        1000
#define IAM_DEFAULT_MAX_ITEMS     100    /* Marker/MaxItems paging: AWS's default page */
#define IAM_DEFAULT_SESSION       3600   /* a role's MaxSessionDuration by default */

#define IAM_ID_LEN                21     /* AIDA..., AGPA..., AROA..., ANPA..., AIPA... */
#define IAM_NAME_MAX              128    /* longest entity or policy name the model admits */
#define IAM_PATH_MAX              512
#define IAM_ARN_MAX               2048
#define IAM_DOC_MAX               131072 /* policyDocumentType max length (the model's) */
#define IAM_PASSWORD_ITERATIONS   210000 /* PBKDF2-HMAC-SHA256 rounds for console passwords */

/* ---- requests ---- */

/* Members of rq->in; NULL / def when absent. */
const char *iam_in_str(const struct req *rq, const char *member);
int64_t     iam_in_int(const struct req *rq, const char *member, int64_t def);
int         iam_in_bool(const struct req *rq, const char *member, int def);

/* ---- errors: fill err with AWS's code and status and return -errno ---- */
int iam_err_nosuch(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_exists(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_conflict(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_limit(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_invalid(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_malformed(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int iam_err_unmodifiable(struct aerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A store failure (r < 0 from store_*): 500 without internal text. */
int iam_err_store(struct aerr *err, int r);

/* ---- entities ---- */

enum iam_kind { IAM_USER, IAM_GROUP, IAM_ROLE, IAM_PROFILE, IAM_POLICY };

struct iam_entity {
    enum iam_kind kind;
    char    id[IAM_ID_LEN + 11];
    char    name[IAM_NAME_MAX + 1];
    char    path[IAM_PATH_MAX + 1];
    char    arn[IAM_ARN_MAX + 1];
    int64_t created;
};

/* What differs between the entity kinds: one row per kind in util.c. */
struct iam_kind_info {
    const char *arn_type;        /* the ARN's resource type: "user" ... "instance-profile" */
    const char *word;            /* the word in entity_kind columns and messages */
    const char *id_prefix;       /* "AIDA", "AGPA", "AROA", "AIPA", "ANPA" */
    const char *member;          /* the input member naming one: "UserName" ... (NULL: policy) */
    const char *nosuch;          /* NoSuchEntity message, %s = name */
    const char *exists;          /* EntityAlreadyExists message, %s = name */
    const char *quota_name;      /* LimitExceeded "Cannot exceed quota for <quota_name>: <quota>" */
    int         quota;           /* entities of the kind per account */
    const char *attached_quota;  /* users, groups, roles: "PoliciesPerUser" ... */
    int         inline_quota;    /* users, groups, roles: all inline policies, IAM's size */
};

const struct iam_kind_info *iam_kind_info(enum iam_kind kind);
/* The kind's word in entity_kind columns and messages: "user", "group", "role" ... */
const char *iam_kind_word(enum iam_kind kind);

/* Write arn:aws:iam::<account>:<type><path><name>. Returns 0, or -ENAMETOOLONG. */
int iam_arn(char *buf, size_t cap, const char *account, enum iam_kind kind, const char *path,
            const char *name);

/* Look up a user, group, role or instance profile by name (case-insensitively, as IAM
 * does) in the caller's account. Returns 0 and *ret; -ENOENT with err = NoSuchEntity in
 * AWS's words; other <0 with err set. */
int iam_entity_find(const struct req *rq, enum iam_kind kind, const char *name,
                    struct iam_entity *ret, struct aerr *err);
/* The same, without filling err on -ENOENT (for resource ARNs and existence checks). */
int iam_entity_lookup(struct store_tx *tx, const char *account, enum iam_kind kind,
                      const char *name, struct iam_entity *ret);
/* iam_entity_find with the name from the kind's input member (UserName ...). */
int iam_entity_find_in(const struct req *rq, enum iam_kind kind, struct iam_entity *ret,
                       struct aerr *err);
/* Fill *ret from a row whose columns 0-3 are id, name, path, created (or a JSON row with
 * those members), its ARN in account. Returns 0, or -ENAMETOOLONG for the ARN. */
int  iam_entity_from_row(struct store_rows *q, const char *account, enum iam_kind kind,
                         struct iam_entity *ret);
void iam_entity_from_json(json_t *row, const char *account, enum iam_kind kind, struct iam_entity *ret);
/* Number of entities of kind in account (GetAccountSummary, quotas), or <0. */
int iam_entity_count(struct store_tx *tx, const char *account, enum iam_kind kind);

/* Creating one: EntityAlreadyExists when name is taken in the caller's account; LimitExceeded
 * when the account holds the kind's quota; *ret filled for a new entity (fresh id, ARN from
 * path and name, InvalidInput for an ARN too long, created now). Each returns 0 or <0 with err. */
int iam_entity_name_free(const struct req *rq, enum iam_kind kind, const char *name, struct aerr *err);
int iam_entity_quota(const struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_entity_init(const struct req *rq, enum iam_kind kind, const char *name, const char *path,
                    struct iam_entity *ret, struct aerr *err);
/* All three, then the row (id, account, name, path, created) in the kind's table. */
int iam_entity_create(const struct req *rq, enum iam_kind kind, const char *name, const char *path,
                      struct iam_entity *ret, struct aerr *err);
/* The error of a store_exec that inserts or renames an entity called name: r == -EEXIST is
 * EntityAlreadyExists, other r < 0 a store failure; 0 otherwise. */
int iam_entity_stored(int r, enum iam_kind kind, const char *name, struct aerr *err);
/* UpdateUser, UpdateGroup: rename (new_member) and/or move (NewPath) the entity named by the
 * kind's member. */
int iam_entity_update(struct req *rq, enum iam_kind kind, const char *new_member, struct aerr *err);

/* Deleting one: DeleteConflict "Cannot delete entity, must <what> first." when r > 0 (a count
 * or a row found), a store failure when r < 0; 0 when r == 0. */
int iam_entity_in_use(int r, const char *what, struct aerr *err);
/* The same for the rows of sql (?1 = id). */
int iam_entity_unused(struct store_tx *tx, const char *sql, const char *id, const char *what,
                      struct aerr *err);
/* DeleteConflict while the entity has attached or inline policies. */
int iam_entity_policies_gone(struct store_tx *tx, const char *id, struct aerr *err);
/* Drop the entity's tags and its row. Returns 0 or <0 with err. */
int iam_entity_drop(struct store_tx *tx, const struct iam_entity *e, struct aerr *err);

/* Tag, Untag, List...Tags of the user, role or profile named by the kind's member. */
int iam_entity_tag(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_entity_untag(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_entity_list_tags(struct req *rq, enum iam_kind kind, struct aerr *err);

/* A fresh unique id with prefix ("AIDA"...) that no IAM table holds yet. Returns 0 or <0. */
int iam_new_id(struct store_tx *tx, const char *prefix, char ret[IAM_ID_LEN + 1]);

/* The output trees of the entity kinds: the members every answer has. */
json_t *iam_user_json(const struct iam_entity *e);
json_t *iam_group_json(const struct iam_entity *e);

/* A user name for the operations whose UserName defaults to the caller (GetUser,
 * CreateAccessKey...): the input's, else the caller's user name; NULL for the root
 * (and *ret_root = 1); ValidationError for a role session. */
int iam_user_or_caller(const struct req *rq, const char **ret_name, int *ret_root,
                       struct aerr *err);

/* ---- paging (Marker / MaxItems / IsTruncated) ---- */

struct iam_page {
    int64_t max;          /* MaxItems, or the default */
    char   *after;        /* decoded Marker: the sort key of the last item already returned;
                             "" when there is no marker (malloc'd; iam_page_done frees) */
};

/* Read MaxItems and Marker from rq->in. Returns 0, or -EINVAL with err (bad marker). */
int  iam_page_begin(const struct req *rq, int64_t def_max, struct iam_page *pg, struct aerr *err);
void iam_page_done(struct iam_page *pg);
/* Set IsTruncated (always) and, when truncated, Marker = encoded next_key on out.
 * Returns 0 or -ENOMEM. */
int  iam_page_end(json_t *out, int truncated, const char *next_key);
/* One item of a paged list: append what the current row of q stands for to list; ud is the
 * list's. Returns 0 or <0 (a store failure). */
typedef int iam_row_fn(struct req *rq, struct store_rows *q, json_t *list, const void *ud);

/* A Marker/MaxItems page of the rows of a query. */
struct iam_rows {
    const char *member;      /* the list's member in the answer: "Users" ... */
    const char *sql;         /* a literal binding ?1-?3 args, ?4 the marker's sort key ("" for
                                none), ?5 the marker's offset, ?6 the limit (MaxItems + 1) */
    const char *args[3];     /* NULL for those sql does not use */
    int         key_col;     /* the column of the sort key (Marker = the last one returned);
                                -1: offset paging (Marker = the offset of the next row) */
    iam_row_fn *item;
    const void *ud;          /* passed to item */
};
/* The page as out[member] with IsTruncated and Marker. Returns 0, or <0 with err (out is the
 * caller's to free). */
int iam_page_rows(struct req *rq, json_t *out, const struct iam_rows *spec, struct aerr *err);
/* The same as the whole answer: rq->out = {member: [...], IsTruncated, Marker}. */
int iam_list_rows(struct req *rq, const struct iam_rows *spec, struct aerr *err);
/* The marker key of an offset-paged list: offset as a zero-padded decimal. */
int64_t iam_page_offset(const struct iam_page *pg);
void    iam_page_offset_key(int64_t offset, char buf[24]);

/* ---- tags ---- */

/* The tags of entity_id, oldest first, as [{Key, Value}]; NULL on error. */
json_t *iam_tags_json(struct store_tx *tx, const char *entity_id);
/* Set o's Tags to them when entity_id has any. Returns 0, or -EIO when they cannot be read. */
int iam_tags_member(struct store_tx *tx, const char *entity_id, json_t *o);
/* Add or replace (case-insensitive keys) tags from a Tags list. InvalidInput for duplicate
 * keys in the list, LimitExceeded past IAM_MAX_TAGS. Returns 0 or <0 with err. */
int iam_tags_put(struct store_tx *tx, const char *entity_id, json_t *tags, struct aerr *err);
/* Remove the keys of a TagKeys list (absent keys are ignored). Returns 0 or <0 with err. */
int iam_tags_remove(struct store_tx *tx, const char *entity_id, json_t *keys, struct aerr *err);
/* ListXTags: the page of tags of entity_id into rq->out. */
int iam_tags_list(struct req *rq, const char *entity_id, struct aerr *err);
int iam_tags_drop(struct store_tx *tx, const char *entity_id);

/* ---- policy documents ---- */

enum iam_doc_kind {
    IAM_DOC_INLINE,       /* identity policy put on a user, group or role */
    IAM_DOC_MANAGED,      /* a managed policy version: Version 2012-10-17 required */
    IAM_DOC_TRUST,        /* a role's trust (assume role) policy */
    IAM_DOC_AWS_MANAGED,  /* reference data (AWS managed policies): structure only, as AWS's own
                             documents use forms the API refuses (e.g. arn:*:ssm:...) */
};

/* Check a policy document as IAM does before storing it; on success write its size as IAM
 * counts it (characters that are not whitespace) to *ret_size. On failure return -EINVAL
 * with err = 400 MalformedPolicyDocument and AWS's message. */
int    iam_doc_check(const char *doc, enum iam_doc_kind kind, size_t *ret_size, struct aerr *err);
size_t iam_doc_size(const char *doc);
/* A policy document as IAM answers it: URL-encoded (RFC 3986), as a JSON string. */
json_t *iam_doc_out(const char *doc);
/* Percent-encode s; malloc'd, NULL on OOM. */
char   *iam_urlencode(const char *s);

/* ---- managed policies ---- */

/* An AWS managed policy, built in from the reference data (managed_gen.c). */
struct iam_aws_policy {
    const char *name;
    const char *path;
    const char *id;              /* ANPA... */
    const char *arn;             /* arn:aws:iam::aws:policy<path><name> */
    const char *version;         /* default version id, "v8" */
    const char *description;
    const char *document;        /* the default version's document */
    int64_t     created, updated, version_created;
};
extern const struct iam_aws_policy iam_aws_policies[];  /* sorted by lowercase name */
extern const size_t                iam_n_aws_policies;

const struct iam_aws_policy *iam_aws_policy_find(const char *arn);

/* A managed policy of either kind, as found by ARN. */
struct iam_policy_ref {
    const struct iam_aws_policy *aws;   /* non-NULL for an AWS managed policy */
    char    id[IAM_ID_LEN + 1];
    char    name[IAM_NAME_MAX + 1];
    char    path[IAM_PATH_MAX + 1];
    char    arn[IAM_ARN_MAX + 1];
    int64_t default_version;            /* local: n of "vN" */
};

/* Resolve a policy ARN in the caller's account (or AWS's). -EINVAL with InvalidInput
 * "ARN x is not valid." for a malformed ARN; -ENOENT (err not set) when there is no such
 * policy; 0 and *ret otherwise. */
int iam_policy_resolve(const struct req *rq, const char *arn, struct iam_policy_ref *ret,
                       struct aerr *err);
/* Attachment and boundary-use counts of a policy ARN in account. */
int iam_policy_counts(struct store_tx *tx, const char *account, const char *arn,
                      int64_t *ret_attached, int64_t *ret_boundary);

/* Check a permissions-boundary ARN (Put*PermissionsBoundary, CreateUser/CreateRole):
 * NoSuchEntity "Scope ARN: x does not exist or is not attachable." Returns 0 or <0. */
int iam_boundary_check(const struct req *rq, const char *arn, struct aerr *err);

/* UnmodifiableEntity for a service-linked role (only AWS may change those); 0 otherwise. */
int iam_entity_modifiable(struct req *rq, const struct iam_entity *e, struct aerr *err);
/* iam_entity_find_in, then iam_entity_modifiable. */
int iam_entity_find_modifiable(struct req *rq, enum iam_kind kind, struct iam_entity *e, struct aerr *err);
/* 1 when role id is service-linked, 0 when not, <0 on a store failure. */
int iam_role_service_linked(struct store_tx *tx, const char *id);
/* Check a trust policy document and its size (ACLSizePerRole). Returns 0 or <0 with err. */
int iam_role_check_trust(const struct req *rq, const char *doc, struct aerr *err);

/* The attached-policy operations shared by users, groups and roles. */
int iam_attach(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_detach(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_list_attached(struct req *rq, enum iam_kind kind, struct aerr *err);
/* [{PolicyName, PolicyArn}] of every policy attached to entity_id; NULL on error. */
json_t *iam_attached_json(struct store_tx *tx, const char *entity_id);
int     iam_attached_count(struct store_tx *tx, const char *entity_id);

/* The inline-policy operations shared by users, groups and roles. */
int iam_inline_put(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_inline_get(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_inline_list(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_inline_delete(struct req *rq, enum iam_kind kind, struct aerr *err);
int iam_inline_count(struct store_tx *tx, const char *entity_id);
/* [{PolicyName, PolicyDocument}] of entity_id (GetAccountAuthorizationDetails). */
json_t *iam_inline_json(struct store_tx *tx, const char *entity_id);

/* Roles: the full output tree of a role (GetRole: with tags, boundary, last use). */
json_t *iam_role_json(struct store_tx *tx, const struct iam_entity *e, int full);
/* Instance profile tree with its roles. */
json_t *iam_profile_json(struct store_tx *tx, const struct iam_entity *e, int with_tags);

/* ---- operation handlers (one file per entity kind) ---- */
#define IAM_HANDLER(n) int iam_op_##n(struct req *rq, struct aerr *err)
/* users.c */
IAM_HANDLER(CreateUser); IAM_HANDLER(GetUser); IAM_HANDLER(ListUsers); IAM_HANDLER(UpdateUser);
IAM_HANDLER(DeleteUser); IAM_HANDLER(TagUser); IAM_HANDLER(UntagUser); IAM_HANDLER(ListUserTags);
IAM_HANDLER(PutUserPermissionsBoundary); IAM_HANDLER(DeleteUserPermissionsBoundary);
/* groups.c */
IAM_HANDLER(CreateGroup); IAM_HANDLER(GetGroup); IAM_HANDLER(ListGroups); IAM_HANDLER(UpdateGroup);
IAM_HANDLER(DeleteGroup); IAM_HANDLER(AddUserToGroup); IAM_HANDLER(RemoveUserFromGroup);
IAM_HANDLER(ListGroupsForUser);
/* roles.c */
IAM_HANDLER(CreateRole); IAM_HANDLER(GetRole); IAM_HANDLER(ListRoles); IAM_HANDLER(UpdateRole);
IAM_HANDLER(UpdateRoleDescription); IAM_HANDLER(DeleteRole); IAM_HANDLER(UpdateAssumeRolePolicy);
IAM_HANDLER(TagRole); IAM_HANDLER(UntagRole); IAM_HANDLER(ListRoleTags);
IAM_HANDLER(PutRolePermissionsBoundary); IAM_HANDLER(DeleteRolePermissionsBoundary);
IAM_HANDLER(CreateServiceLinkedRole); IAM_HANDLER(DeleteServiceLinkedRole);
IAM_HANDLER(GetServiceLinkedRoleDeletionStatus);
/* policies.c */
IAM_HANDLER(CreatePolicy); IAM_HANDLER(GetPolicy); IAM_HANDLER(ListPolicies); IAM_HANDLER(DeletePolicy);
IAM_HANDLER(CreatePolicyVersion); IAM_HANDLER(GetPolicyVersion); IAM_HANDLER(ListPolicyVersions);
IAM_HANDLER(DeletePolicyVersion); IAM_HANDLER(SetDefaultPolicyVersion);
IAM_HANDLER(ListEntitiesForPolicy); IAM_HANDLER(TagPolicy); IAM_HANDLER(UntagPolicy);
IAM_HANDLER(ListPolicyTags);
/* profiles.c */
IAM_HANDLER(CreateInstanceProfile); IAM_HANDLER(GetInstanceProfile); IAM_HANDLER(ListInstanceProfiles);
IAM_HANDLER(DeleteInstanceProfile); IAM_HANDLER(AddRoleToInstanceProfile);
IAM_HANDLER(RemoveRoleFromInstanceProfile); IAM_HANDLER(ListInstanceProfilesForRole);
IAM_HANDLER(TagInstanceProfile); IAM_HANDLER(UntagInstanceProfile); IAM_HANDLER(ListInstanceProfileTags);
/* keys.c */
IAM_HANDLER(CreateAccessKey); IAM_HANDLER(ListAccessKeys); IAM_HANDLER(UpdateAccessKey);
IAM_HANDLER(DeleteAccessKey); IAM_HANDLER(GetAccessKeyLastUsed);
IAM_HANDLER(CreateLoginProfile); IAM_HANDLER(GetLoginProfile); IAM_HANDLER(UpdateLoginProfile);
IAM_HANDLER(DeleteLoginProfile);
/* summary.c */
IAM_HANDLER(GetAccountSummary); IAM_HANDLER(GetAccountAuthorizationDetails);

/* Key and password helpers (keys.c) used by deletion checks. */
int iam_user_key_count(struct store_tx *tx, const char *account, const char *user_id);
int iam_login_exists(struct store_tx *tx, const char *user_id);

/* schema.c */
extern const char *const iam_migrations[];

#endif
