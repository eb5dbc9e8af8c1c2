/* src/iam/iam.c - the IAM service's operation table: handler, write flag, and the resource each
 * action is authorized on (AWS's service authorization reference for IAM).
 * Used by: core/dispatch.c. Uses: the handlers in users.c, groups.c, roles.c, policies.c,
 * attach.c, inline.c, profiles.c, keys.c, summary.c. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

/* ---- resources ---- */

static int
put(char *buf, size_t cap, const char *s, struct aerr *err)
{
    int n = snprintf(buf, cap, "%s", s);

    return n < 0 || (size_t) n >= cap ? iam_err_invalid(err, "ARN %.200s is not valid.", s) : 0;
}

/* The ARN of the entity named by member (its stored path when it exists; the input's Path,
 * or "/", for one being created). */
static int
entity_arn(const struct req *rq, enum iam_kind kind, const char *member, char *buf, size_t cap,
           struct aerr *err)
{
    const char *name = iam_in_str(rq, member);
    const char *path = iam_in_str(rq, "Path");
    struct iam_entity e;

    if (name && iam_entity_lookup(rq->tx, rq->caller->account, kind, name, &e) == 0)
        return put(buf, cap, e.arn, err);
    if (iam_arn(buf, cap, rq->caller->account, kind, path ? path : "/", name ? name : "") < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    return 0;
}

static int
res_user(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    if (!iam_in_str(rq, "UserName")) {
        if (rq->caller->kind == PRINCIPAL_ROOT) {
            snprintf(buf, cap, "arn:aws:iam::%s:root", rq->caller->account);
            return 0;
        }
        return put(buf, cap, rq->caller->arn, err);
    }
    return entity_arn(rq, IAM_USER, "UserName", buf, cap, err);
}

static int
res_group(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    return entity_arn(rq, IAM_GROUP, "GroupName", buf, cap, err);
}

static int
res_role(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    return entity_arn(rq, IAM_ROLE, "RoleName", buf, cap, err);
}

static int
res_profile(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    return entity_arn(rq, IAM_PROFILE, "InstanceProfileName", buf, cap, err);
}

static int
res_policy(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    const char *arn = iam_in_str(rq, "PolicyArn");

    if (arn)
        return put(buf, cap, arn, err);
    if (iam_arn(buf, cap, rq->caller->account, IAM_POLICY, iam_in_str(rq, "Path"),
                iam_in_str(rq, "PolicyName") ? iam_in_str(rq, "PolicyName") : "") < 0)
        return iam_err_invalid(err, "The specified value for path is invalid.");
    return 0;
}

static int
res_slr(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    int n = snprintf(buf, cap, "arn:aws:iam::%s:role/aws-service-role/%s/*", rq->caller->account,
                     iam_in_str(rq, "AWSServiceName") ? iam_in_str(rq, "AWSServiceName") : "");

    return n < 0 || (size_t) n >= cap ? iam_err_invalid(err, "The service name is too long.") : 0;
}

/* GetAccessKeyLastUsed: the user that owns the key. */
static int
res_key_owner(const struct req *rq, char *buf, size_t cap, struct aerr *err)
{
    struct store_rows *q = NULL;
    int r = -ENOENT;

    if (rq->tx)
        r = store_query(rq->tx, &q, "SELECT u.name, u.path FROM access_key k JOIN iam_user u ON u.id = k.owner_id "
                        "WHERE k.id = ?1 AND k.account = ?2", "ss", iam_in_str(rq, "AccessKeyId"),
                        rq->caller->account);
    if (r > 0)
        r = iam_arn(buf, cap, rq->caller->account, IAM_USER, store_col_text(q, 1), store_col_text(q, 0));
    store_rows_done(q);
    if (r <= 0 && r != -ENAMETOOLONG)
        return r == 0 ? 0 : put(buf, cap, "*", err);
    return r < 0 ? iam_err_invalid(err, "The access key owner's ARN is too long.") : 0;
}

/* ---- handlers that are one call to a shared implementation ---- */

#define ATTACH_OPS(Kind, KIND)                                                             \
    static int op_Attach##Kind##Policy(struct req *rq, struct aerr *err)                   \
    { return iam_attach(rq, KIND, err); }                                                  \
    static int op_Detach##Kind##Policy(struct req *rq, struct aerr *err)                   \
    { return iam_detach(rq, KIND, err); }                                                  \
    static int op_ListAttached##Kind##Policies(struct req *rq, struct aerr *err)           \
    { return iam_list_attached(rq, KIND, err); }                                           \
    static int op_Put##Kind##Policy(struct req *rq, struct aerr *err)                      \
    { return iam_inline_put(rq, KIND, err); }                                              \
    static int op_Get##Kind##Policy(struct req *rq, struct aerr *err)                      \
    { return iam_inline_get(rq, KIND, err); }                                              \
    static int op_List##Kind##Policies(struct req *rq, struct aerr *err)                   \
    { return iam_inline_list(rq, KIND, err); }                                             \
    static int op_Delete##Kind##Policy(struct req *rq, struct aerr *err)                   \
    { return iam_inline_delete(rq, KIND, err); }

ATTACH_OPS(User, IAM_USER)
ATTACH_OPS(Group, IAM_GROUP)
ATTACH_OPS(Role, IAM_ROLE)

#define W OP_WRITE
#define OP(name, flags, res) { #name, iam_op_##name, flags, res }
#define OPL(name, flags, res) { #name, op_##name, flags, res }

/* Sorted by name. */
static const struct op_impl ops[] = {
    OP(AddRoleToInstanceProfile, W, res_profile),
    OP(AddUserToGroup, W, res_group),
    OPL(AttachGroupPolicy, W, res_group),
    OPL(AttachRolePolicy, W, res_role),
    OPL(AttachUserPolicy, W, res_user),
    OP(CreateAccessKey, W, res_user),
    OP(CreateGroup, W, res_group),
    OP(CreateInstanceProfile, W, res_profile),
    OP(CreateLoginProfile, W, res_user),
    OP(CreatePolicy, W, res_policy),
    OP(CreatePolicyVersion, W, res_policy),
    OP(CreateRole, W, res_role),
    OP(CreateServiceLinkedRole, W, res_slr),
    OP(CreateUser, W, res_user),
    OP(DeleteAccessKey, W, res_user),
    OP(DeleteGroup, W, res_group),
    OPL(DeleteGroupPolicy, W, res_group),
    OP(DeleteInstanceProfile, W, res_profile),
    OP(DeleteLoginProfile, W, res_user),
    OP(DeletePolicy, W, res_policy),
    OP(DeletePolicyVersion, W, res_policy),
    OP(DeleteRole, W, res_role),
    OP(DeleteRolePermissionsBoundary, W, res_role),
    OPL(DeleteRolePolicy, W, res_role),
    OP(DeleteServiceLinkedRole, W, res_role),
    OP(DeleteUser, W, res_user),
    OP(DeleteUserPermissionsBoundary, W, res_user),
    OPL(DeleteUserPolicy, W, res_user),
    OPL(DetachGroupPolicy, W, res_group),
    OPL(DetachRolePolicy, W, res_role),
    OPL(DetachUserPolicy, W, res_user),
    OP(GetAccessKeyLastUsed, 0, res_key_owner),
    OP(GetAccountAuthorizationDetails, 0, NULL),
    OP(GetAccountSummary, 0, NULL),
    OP(GetGroup, 0, res_group),
    OPL(GetGroupPolicy, 0, res_group),
    OP(GetInstanceProfile, 0, res_profile),
    OP(GetLoginProfile, 0, res_user),
    OP(GetPolicy, 0, res_policy),
    OP(GetPolicyVersion, 0, res_policy),
    OP(GetRole, 0, res_role),
    OPL(GetRolePolicy, 0, res_role),
    OP(GetServiceLinkedRoleDeletionStatus, 0, NULL),
    OP(GetUser, 0, res_user),
    OPL(GetUserPolicy, 0, res_user),
    OP(ListAccessKeys, 0, res_user),
    OPL(ListAttachedGroupPolicies, 0, res_group),
    OPL(ListAttachedRolePolicies, 0, res_role),
    OPL(ListAttachedUserPolicies, 0, res_user),
    OP(ListEntitiesForPolicy, 0, res_policy),
    OPL(ListGroupPolicies, 0, res_group),
    OP(ListGroups, 0, NULL),
    OP(ListGroupsForUser, 0, res_user),
    OP(ListInstanceProfileTags, 0, res_profile),
    OP(ListInstanceProfiles, 0, NULL),
    OP(ListInstanceProfilesForRole, 0, res_role),
    OP(ListPolicies, 0, NULL),
    OP(ListPolicyTags, 0, res_policy),
    OP(ListPolicyVersions, 0, res_policy),
    OPL(ListRolePolicies, 0, res_role),
    OP(ListRoleTags, 0, res_role),
    OP(ListRoles, 0, NULL),
    OPL(ListUserPolicies, 0, res_user),
    OP(ListUserTags, 0, res_user),
    OP(ListUsers, 0, NULL),
    OPL(PutGroupPolicy, W, res_group),
    OP(PutRolePermissionsBoundary, W, res_role),
    OPL(PutRolePolicy, W, res_role),
    OP(PutUserPermissionsBoundary, W, res_user),
    OPL(PutUserPolicy, W, res_user),
    OP(RemoveRoleFromInstanceProfile, W, res_profile),
    OP(RemoveUserFromGroup, W, res_group),
    OP(SetDefaultPolicyVersion, W, res_policy),
    OP(TagInstanceProfile, W, res_profile),
    OP(TagPolicy, W, res_policy),
    OP(TagRole, W, res_role),
    OP(TagUser, W, res_user),
    OP(UntagInstanceProfile, W, res_profile),
    OP(UntagPolicy, W, res_policy),
    OP(UntagRole, W, res_role),
    OP(UntagUser, W, res_user),
    OP(UpdateAccessKey, W, res_user),
    OP(UpdateAssumeRolePolicy, W, res_role),
    OP(UpdateGroup, W, res_group),
    OP(UpdateLoginProfile, W, res_user),
    OP(UpdateRole, W, res_role),
    OP(UpdateRoleDescription, W, res_role),
    OP(UpdateUser, W, res_user),
    { NULL, NULL, 0, NULL },
};

const struct service_impl iam_service = { "iam", ops, iam_migrations };
