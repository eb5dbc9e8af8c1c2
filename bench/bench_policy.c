/* bench/bench_policy.c - decision latency of the IAM policy engine for a reference principal:
 * a user in 2 groups with 10 attached policies (~100 statements: wildcards, NotAction,
 * IpAddress, StringLike with a policy variable, DateLessThan, Bool...) and a permissions
 * boundary. Prints "policy_decision_ns_median: N", "policy_decision_ns_p99: N" and
 * "policy_decision_allocs: N" (heap allocations during the timed decisions; must be 0).
 * Built by src/policy/meson.build; run by bench/run.sh (make bench). Uses: policy/. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/err.h"
#include "policy/policy.h"

#define ROUNDS    20000          /* passes over the request mix */
#define WARMUP    2000
#define ACCT      "111122223333"

/* ---- counting allocations (not under sanitizers, which own malloc) ---- */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif

#if COUNT_ALLOCS
static volatile bool counting;
static size_t allocs;


extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);

void *
malloc(size_t n)
{
    if (counting)
        allocs++;
    return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
    if (counting)
        allocs++;
    return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
    if (counting)
        allocs++;
    return __libc_realloc(p, n);
}
#endif

/* ---- the reference principal's policies ---- */

struct buf {
    char   s[65536];
    size_t n;
};

static void __attribute__((format(printf, 2, 3)))
put(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    b->n += (size_t) vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
    va_end(ap);
}

static void
begin(struct buf *b)
{
    b->n = 0;
    put(b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
}

static void
stmt(struct buf *b, const char *body)
{
    put(b, "%s{%s}", b->s[b->n - 1] == '[' ? "" : ",", body);
}

static void
end(struct buf *b)
{
    put(b, "]}");
}

static struct policy *
compile(struct buf *b, const char *id)
{
    struct policy_parse_opts o = { .kind = POLICY_KIND_IDENTITY, .id = id,
                                   .flags = POLICY_PARSE_MANAGED };
    struct aerr err = { 0 };
    struct policy *p = NULL;

    if (policy_parse(b->s, b->n, &o, &p, &err) < 0) {
        fprintf(stderr, "bench_policy: %s: %s\n", id, err.msg);
        exit(1);
    }
    return p;
}

static size_t nstatements;

static struct policy *
build(int which)
{
    struct buf *b = malloc(sizeof(*b));
    char s[1024];
    struct policy *p;
    const char *id = "";

    begin(b);
    switch (which) {
    case 0:     /* user: manage own credentials (variables), deny without MFA */
        id = "SelfService";
        stmt(b, "\"Sid\":\"ViewAccountInfo\",\"Effect\":\"Allow\",\"Action\":[\"iam:GetAccountPasswordPolicy\",\"iam:GetAccountSummary\",\"iam:ListVirtualMFADevices\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"OwnPassword\",\"Effect\":\"Allow\",\"Action\":[\"iam:ChangePassword\",\"iam:GetUser\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnKeys\",\"Effect\":\"Allow\",\"Action\":[\"iam:CreateAccessKey\",\"iam:DeleteAccessKey\",\"iam:ListAccessKeys\",\"iam:UpdateAccessKey\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnCerts\",\"Effect\":\"Allow\",\"Action\":[\"iam:DeleteSigningCertificate\",\"iam:ListSigningCertificates\",\"iam:UpdateSigningCertificate\",\"iam:UploadSigningCertificate\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnSSH\",\"Effect\":\"Allow\",\"Action\":[\"iam:DeleteSSHPublicKey\",\"iam:GetSSHPublicKey\",\"iam:ListSSHPublicKeys\",\"iam:UpdateSSHPublicKey\",\"iam:UploadSSHPublicKey\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnGit\",\"Effect\":\"Allow\",\"Action\":[\"iam:CreateServiceSpecificCredential\",\"iam:DeleteServiceSpecificCredential\",\"iam:ListServiceSpecificCredentials\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnVirtualMFA\",\"Effect\":\"Allow\",\"Action\":[\"iam:CreateVirtualMFADevice\",\"iam:DeleteVirtualMFADevice\"],\"Resource\":\"arn:aws:iam::*:mfa/${aws:username}\"");
        stmt(b, "\"Sid\":\"OwnUserMFA\",\"Effect\":\"Allow\",\"Action\":[\"iam:DeactivateMFADevice\",\"iam:EnableMFADevice\",\"iam:ListMFADevices\",\"iam:ResyncMFADevice\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"");
        stmt(b, "\"Sid\":\"DenyWithoutMFA\",\"Effect\":\"Deny\",\"NotAction\":[\"iam:CreateVirtualMFADevice\",\"iam:EnableMFADevice\",\"iam:GetUser\",\"iam:ListMFADevices\",\"iam:ListVirtualMFADevices\",\"iam:ResyncMFADevice\",\"sts:GetSessionToken\"],\"Resource\":\"*\",\"Condition\":{\"BoolIfExists\":{\"aws:MultiFactorAuthPresent\":\"false\"}}");
        stmt(b, "\"Sid\":\"TagSelf\",\"Effect\":\"Allow\",\"Action\":[\"iam:TagUser\",\"iam:UntagUser\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\",\"Condition\":{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"Team\",\"CostCenter\"]}}");
        break;
    case 1:     /* user: S3 home folders */
        id = "S3Home";
        stmt(b, "\"Sid\":\"Console\",\"Effect\":\"Allow\",\"Action\":[\"s3:ListAllMyBuckets\",\"s3:GetBucketLocation\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"ListHome\",\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::corp-data\",\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"\",\"home/\",\"home/${aws:username}/*\"]}}");
        stmt(b, "\"Sid\":\"RWHome\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\",\"s3:DeleteObject\"],\"Resource\":[\"arn:aws:s3:::corp-data/home/${aws:username}\",\"arn:aws:s3:::corp-data/home/${aws:username}/*\"]");
        stmt(b, "\"Sid\":\"ReadShared\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\"],\"Resource\":[\"arn:aws:s3:::corp-shared\",\"arn:aws:s3:::corp-shared/*\"]");
        stmt(b, "\"Sid\":\"DenyUnencrypted\",\"Effect\":\"Deny\",\"Action\":\"s3:PutObject\",\"Resource\":\"*\",\"Condition\":{\"StringNotEquals\":{\"s3:x-amz-server-side-encryption\":\"AES256\"}}");
        stmt(b, "\"Sid\":\"DenyInsecure\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}");
        for (int i = 0; i < 4; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Project%d\",\"Effect\":\"Allow\",\"Action\":\"s3:*Object*\",\"Resource\":\"arn:aws:s3:::proj-%d-?x?/*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/project\":\"p%d\"}}", i, i, i);
            stmt(b, s);
        }
        break;
    case 2:     /* user: SSM operations */
        id = "SSMOps";
        stmt(b, "\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":[\"ssm:Describe*\",\"ssm:Get*\",\"ssm:List*\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"Automation\",\"Effect\":\"Allow\",\"Action\":[\"ssm:StartAutomationExecution\",\"ssm:StopAutomationExecution\",\"ssm:SendAutomationSignal\"],\"Resource\":[\"arn:aws:ssm:*:*:automation-definition/AWS-*\",\"arn:aws:ssm:*:" ACCT ":automation-definition/Ops-*\",\"arn:aws:ssm:*:*:automation-execution/*\"]");
        stmt(b, "\"Sid\":\"RunCommand\",\"Effect\":\"Allow\",\"Action\":\"ssm:SendCommand\",\"Resource\":[\"arn:aws:ec2:*:*:instance/*\",\"arn:aws:ssm:*:*:document/AWS-RunShellScript\"],\"Condition\":{\"StringEquals\":{\"aws:ResourceTag/Env\":[\"dev\",\"test\"]}}");
        stmt(b, "\"Sid\":\"Params\",\"Effect\":\"Allow\",\"Action\":[\"ssm:PutParameter\",\"ssm:DeleteParameter\"],\"Resource\":\"arn:aws:ssm:*:" ACCT ":parameter/team/${aws:PrincipalTag/team}/*\"");
        stmt(b, "\"Sid\":\"NoProdParams\",\"Effect\":\"Deny\",\"Action\":\"ssm:*Parameter*\",\"Resource\":\"arn:aws:ssm:*:*:parameter/prod/*\"");
        stmt(b, "\"Sid\":\"Docs\",\"Effect\":\"Allow\",\"Action\":[\"ssm:CreateDocument\",\"ssm:UpdateDocument\",\"ssm:DeleteDocument\"],\"Resource\":\"arn:aws:ssm:*:" ACCT ":document/${aws:username}-*\"");
        stmt(b, "\"Sid\":\"Sessions\",\"Effect\":\"Allow\",\"Action\":[\"ssm:StartSession\",\"ssm:TerminateSession\",\"ssm:ResumeSession\"],\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"2031-01-01T00:00:00Z\"}}");
        stmt(b, "\"Sid\":\"Maint\",\"Effect\":\"Allow\",\"Action\":\"ssm:*MaintenanceWindow*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":\"3600\"}}");
        stmt(b, "\"Sid\":\"Inventory\",\"Effect\":\"Allow\",\"Action\":[\"ssm:PutInventory\",\"ssm:DeleteInventory\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"Activations\",\"Effect\":\"Allow\",\"Action\":[\"ssm:CreateActivation\",\"ssm:DeleteActivation\"],\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":\"us-east-1\"}}");
        break;
    case 3:     /* user: network and time restrictions */
        id = "Guardrails";
        stmt(b, "\"Sid\":\"DenyOutsideNetwork\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"192.168.0.0/16\",\"2001:db8::/32\"]},\"Bool\":{\"aws:ViaAWSService\":\"false\"}}");
        stmt(b, "\"Sid\":\"DenyAfterContract\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2035-12-31T23:59:59Z\"}}");
        stmt(b, "\"Sid\":\"DenyRootish\",\"Effect\":\"Deny\",\"Action\":[\"iam:CreateUser\",\"iam:DeleteUser\",\"iam:AttachUserPolicy\",\"iam:PutUserPolicy\",\"iam:CreateRole\",\"iam:DeleteRole\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"TempAccess\",\"Effect\":\"Allow\",\"Action\":[\"cloudformation:Describe*\",\"cloudformation:List*\"],\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:EpochTime\":\"2000000000\"}}");
        stmt(b, "\"Sid\":\"OwnTags\",\"Effect\":\"Allow\",\"Action\":\"ec2:CreateTags\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"ec2:CreateAction\":\"RunInstances\"}}");
        break;
    case 4:     /* group developers: EC2 */
        id = "EC2Dev";
        stmt(b, "\"Sid\":\"Describe\",\"Effect\":\"Allow\",\"Action\":\"ec2:Describe*\",\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"OwnInstances\",\"Effect\":\"Allow\",\"Action\":[\"ec2:StartInstances\",\"ec2:StopInstances\",\"ec2:RebootInstances\"],\"Resource\":\"arn:aws:ec2:*:" ACCT ":instance/*\",\"Condition\":{\"StringEquals\":{\"ec2:ResourceTag/Owner\":\"${aws:username}\"}}");
        stmt(b, "\"Sid\":\"Run\",\"Effect\":\"Allow\",\"Action\":\"ec2:RunInstances\",\"Resource\":[\"arn:aws:ec2:*::image/ami-*\",\"arn:aws:ec2:*:" ACCT ":subnet/*\",\"arn:aws:ec2:*:" ACCT ":network-interface/*\",\"arn:aws:ec2:*:" ACCT ":volume/*\",\"arn:aws:ec2:*:" ACCT ":security-group/*\"]");
        stmt(b, "\"Sid\":\"RunSmall\",\"Effect\":\"Allow\",\"Action\":\"ec2:RunInstances\",\"Resource\":\"arn:aws:ec2:*:" ACCT ":instance/*\",\"Condition\":{\"StringLike\":{\"ec2:InstanceType\":[\"t3.*\",\"t4g.*\"]}}");
        stmt(b, "\"Sid\":\"NoTerminateProd\",\"Effect\":\"Deny\",\"Action\":\"ec2:TerminateInstances\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"ec2:ResourceTag/Env\":\"prod\"}}");
        stmt(b, "\"Sid\":\"Volumes\",\"Effect\":\"Allow\",\"Action\":[\"ec2:AttachVolume\",\"ec2:DetachVolume\"],\"Resource\":[\"arn:aws:ec2:*:*:volume/*\",\"arn:aws:ec2:*:*:instance/*\"],\"Condition\":{\"ArnLike\":{\"ec2:SourceInstanceARN\":\"arn:aws:ec2:*:" ACCT ":instance/*\"}}");
        for (int i = 0; i < 6; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Sg%d\",\"Effect\":\"Allow\",\"Action\":[\"ec2:AuthorizeSecurityGroupIngress\",\"ec2:RevokeSecurityGroupIngress\"],\"Resource\":\"arn:aws:ec2:us-east-1:" ACCT ":security-group/sg-%04d*\"", i, i);
            stmt(b, s);
        }
        break;
    case 5:     /* group developers: Lambda */
        id = "LambdaDev";
        stmt(b, "\"Sid\":\"List\",\"Effect\":\"Allow\",\"Action\":[\"lambda:List*\",\"lambda:Get*\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"DevFunctions\",\"Effect\":\"Allow\",\"Action\":\"lambda:*\",\"Resource\":\"arn:aws:lambda:*:" ACCT ":function:dev-*\"");
        stmt(b, "\"Sid\":\"Invoke\",\"Effect\":\"Allow\",\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:us-east-1:" ACCT ":function:Automation*\"");
        stmt(b, "\"Sid\":\"NoPublic\",\"Effect\":\"Deny\",\"Action\":\"lambda:AddPermission\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"lambda:Principal\":\"*\"}}");
        for (int i = 0; i < 6; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Layer%d\",\"Effect\":\"Allow\",\"Action\":[\"lambda:GetLayerVersion\",\"lambda:PublishLayerVersion\"],\"Resource\":\"arn:aws:lambda:*:" ACCT ":layer:team%d-*\"", i, i);
            stmt(b, s);
        }
        break;
    case 6:     /* group developers: logs and metrics */
        id = "Observability";
        stmt(b, "\"Sid\":\"Metrics\",\"Effect\":\"Allow\",\"Action\":[\"cloudwatch:Get*\",\"cloudwatch:List*\",\"cloudwatch:Describe*\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"PutMetrics\",\"Effect\":\"Allow\",\"Action\":\"cloudwatch:PutMetricData\",\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"cloudwatch:namespace\":\"Dev/*\"}}");
        for (int i = 0; i < 8; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Logs%d\",\"Effect\":\"Allow\",\"Action\":[\"logs:Describe*\",\"logs:Get*\",\"logs:FilterLogEvents\",\"logs:StartQuery\"],\"Resource\":\"arn:aws:logs:*:" ACCT ":log-group:/app/svc%d*\"", i, i);
            stmt(b, s);
        }
        break;
    case 7:     /* group ops: IAM read-only */
        id = "IamRead";
        stmt(b, "\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":[\"iam:Get*\",\"iam:List*\",\"iam:GenerateCredentialReport\",\"iam:GenerateServiceLastAccessedDetails\",\"iam:SimulatePrincipalPolicy\",\"iam:SimulateCustomPolicy\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"NoOthersKeys\",\"Effect\":\"Deny\",\"Action\":\"iam:*AccessKey*\",\"NotResource\":\"arn:aws:iam::" ACCT ":user/${aws:username}\"");
        stmt(b, "\"Sid\":\"Sts\",\"Effect\":\"Allow\",\"Action\":[\"sts:GetCallerIdentity\",\"sts:GetSessionToken\",\"sts:DecodeAuthorizationMessage\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"AssumeOps\",\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::*:role/ops-*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"ops\"}}");
        for (int i = 0; i < 6; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Groups%d\",\"Effect\":\"Allow\",\"Action\":[\"iam:AddUserToGroup\",\"iam:RemoveUserFromGroup\"],\"Resource\":\"arn:aws:iam::" ACCT ":group/team%d-*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/lead\":\"true\"}}", i, i);
            stmt(b, s);
        }
        break;
    case 8:     /* group ops: events and PassRole */
        id = "EventsOps";
        stmt(b, "\"Sid\":\"Events\",\"Effect\":\"Allow\",\"Action\":[\"events:*Rule*\",\"events:*Targets\",\"events:Describe*\",\"events:List*\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"PassToSsm\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"arn:aws:iam::" ACCT ":role/Automation*\",\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"ssm.amazonaws.com\"}}");
        stmt(b, "\"Sid\":\"PassToEc2\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"arn:aws:iam::" ACCT ":role/ec2-*\",\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"ec2.amazonaws.com\"}}");
        stmt(b, "\"Sid\":\"PassToEvents\",\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"arn:aws:iam::" ACCT ":role/events-*\",\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"events.amazonaws.com\"}}");
        stmt(b, "\"Sid\":\"Profiles\",\"Effect\":\"Allow\",\"Action\":[\"iam:AddRoleToInstanceProfile\",\"iam:RemoveRoleFromInstanceProfile\"],\"Resource\":\"arn:aws:iam::" ACCT ":instance-profile/*\"");
        for (int i = 0; i < 5; i++) {
            snprintf(s, sizeof(s), "\"Sid\":\"Bus%d\",\"Effect\":\"Allow\",\"Action\":\"events:PutEvents\",\"Resource\":\"arn:aws:events:*:" ACCT ":event-bus/bus%d\",\"Condition\":{\"ForAnyValue:StringEquals\":{\"events:source\":[\"app.svc%d\",\"app.shared\"]}}", i, i, i);
            stmt(b, s);
        }
        break;
    default:    /* group ops: regions */
        id = "Regions";
        stmt(b, "\"Sid\":\"DenyOtherRegions\",\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\",\"sts:*\",\"cloudfront:*\",\"route53:*\",\"support:*\",\"organizations:*\"],\"Resource\":\"*\",\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":[\"us-east-1\",\"eu-west-1\"]}}");
        stmt(b, "\"Sid\":\"Support\",\"Effect\":\"Allow\",\"Action\":\"support:*\",\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"Health\",\"Effect\":\"Allow\",\"Action\":\"health:Describe*\",\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"Tagging\",\"Effect\":\"Allow\",\"Action\":[\"tag:GetResources\",\"tag:GetTagKeys\",\"tag:GetTagValues\"],\"Resource\":\"*\"");
        stmt(b, "\"Sid\":\"Budgets\",\"Effect\":\"Allow\",\"Action\":\"budgets:View*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualsIgnoreCase\":{\"aws:PrincipalTag/team\":\"OPS\"}}");
        stmt(b, "\"Sid\":\"Ce\",\"Effect\":\"Allow\",\"Action\":\"ce:Get*\",\"Resource\":\"*\",\"Condition\":{\"NumericGreaterThanEquals\":{\"aws:MultiFactorAuthAge\":\"0\"}}");
        stmt(b, "\"Sid\":\"KmsUse\",\"Effect\":\"Allow\",\"Action\":[\"kms:Decrypt\",\"kms:Encrypt\",\"kms:GenerateDataKey*\"],\"Resource\":\"arn:aws:kms:*:" ACCT ":key/*\",\"Condition\":{\"StringLike\":{\"kms:ViaService\":\"*.amazonaws.com\"}}");
        stmt(b, "\"Sid\":\"Secrets\",\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"arn:aws:secretsmanager:*:" ACCT ":secret:team/${aws:PrincipalTag/team}/*\"");
        break;
    }
    end(b);
    p = compile(b, id);
    nstatements += policy_statement_count(p);
    free(b);
    return p;
}

static struct policy *
build_boundary(void)
{
    struct buf *b = malloc(sizeof(*b));
    struct policy *p;

    begin(b);
    stmt(b, "\"Sid\":\"Ceiling\",\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"ssm:*\",\"ec2:*\",\"lambda:*\",\"logs:*\",\"cloudwatch:*\",\"events:*\",\"sts:*\",\"iam:Get*\",\"iam:List*\",\"iam:PassRole\",\"iam:ChangePassword\",\"iam:*AccessKey*\",\"iam:*MFADevice\",\"iam:Simulate*\",\"support:*\",\"health:*\",\"kms:*\",\"cloudformation:*\"],\"Resource\":\"*\"");
    stmt(b, "\"Sid\":\"NoBoundaryEdits\",\"Effect\":\"Deny\",\"Action\":[\"iam:DeleteUserPermissionsBoundary\",\"iam:PutUserPermissionsBoundary\",\"iam:DeleteRolePermissionsBoundary\",\"iam:PutRolePermissionsBoundary\"],\"Resource\":\"*\"");
    stmt(b, "\"Sid\":\"NoOrgLeave\",\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"");
    end(b);
    p = compile(b, "Boundary");
    nstatements += policy_statement_count(p);
    free(b);
    return p;
}

/* ---- the request mix ---- */

struct req {
    const char *action, *resource, *keys[8][2];
    enum policy_decision want;
};

static const struct req mix[] = {
    { "s3:GetObject", "arn:aws:s3:::corp-data/home/alice/notes.txt", { { 0 } }, POLICY_ALLOWED },
    { "s3:ListBucket", "arn:aws:s3:::corp-data", { { "s3:prefix", "home/alice/" } }, POLICY_ALLOWED },
    { "s3:GetObject", "arn:aws:s3:::corp-data/home/bob/notes.txt", { { 0 } }, POLICY_IMPLICIT_DENY },
    { "s3:PutObject", "arn:aws:s3:::corp-data/home/alice/x", { { 0 } }, POLICY_EXPLICIT_DENY },
    { "iam:ChangePassword", "arn:aws:iam::" ACCT ":user/alice", { { 0 } }, POLICY_ALLOWED },
    { "iam:CreateUser", "arn:aws:iam::" ACCT ":user/eve", { { 0 } }, POLICY_EXPLICIT_DENY },
    { "iam:CreateAccessKey", "arn:aws:iam::" ACCT ":user/bob", { { 0 } }, POLICY_EXPLICIT_DENY },
    { "ec2:StartInstances", "arn:aws:ec2:us-east-1:" ACCT ":instance/i-0123456789", { { "ec2:ResourceTag/Owner", "alice" } }, POLICY_ALLOWED },
    { "ec2:TerminateInstances", "arn:aws:ec2:us-east-1:" ACCT ":instance/i-0123456789", { { "ec2:ResourceTag/Env", "dev" } }, POLICY_IMPLICIT_DENY },
    { "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:" ACCT ":function:dev-api", { { 0 } }, POLICY_ALLOWED },
    { "ssm:StartAutomationExecution", "arn:aws:ssm:us-east-1:" ACCT ":automation-definition/AWS-UpdateLinuxAmi:$DEFAULT", { { 0 } }, POLICY_ALLOWED },
    { "ssm:GetParameter", "arn:aws:ssm:us-east-1:" ACCT ":parameter/app/db-host", { { 0 } }, POLICY_ALLOWED },
    { "ssm:PutParameter", "arn:aws:ssm:us-east-1:" ACCT ":parameter/team/dev/x", { { 0 } }, POLICY_ALLOWED },
    { "iam:PassRole", "arn:aws:iam::" ACCT ":role/AutomationServiceRole", { { "iam:PassedToService", "ssm.amazonaws.com" } }, POLICY_ALLOWED },
    { "logs:GetLogEvents", "arn:aws:logs:us-east-1:" ACCT ":log-group:/app/svc3:log-stream:x", { { 0 } }, POLICY_ALLOWED },
    { "events:PutRule", "arn:aws:events:us-east-1:" ACCT ":rule/nightly", { { 0 } }, POLICY_ALLOWED },
    { "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:" ACCT ":table/t", { { 0 } }, POLICY_IMPLICIT_DENY },
    { "iam:ListUsers", "*", { { 0 } }, POLICY_ALLOWED },
    { "iam:CreateRole", "arn:aws:iam::" ACCT ":role/x", { { 0 } }, POLICY_EXPLICIT_DENY },
    { "sts:GetCallerIdentity", "*", { { 0 } }, POLICY_ALLOWED },
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static struct policy_ctx *
make_ctx(const struct req *q)
{
    struct policy_ctx *c = policy_ctx_new();
    static const char *const common[][2] = {
        { "aws:username", "alice" }, { "aws:userid", "AIDAEXAMPLEALICE0001" },
        { "aws:SourceIp", "10.1.2.3" }, { "aws:CurrentTime", "2026-03-01T12:00:00Z" },
        { "aws:EpochTime", "1772366400" }, { "aws:SecureTransport", "true" },
        { "aws:MultiFactorAuthPresent", "true" }, { "aws:MultiFactorAuthAge", "120" },
        { "aws:RequestedRegion", "us-east-1" }, { "aws:PrincipalTag/team", "dev" },
        { "aws:ViaAWSService", "false" },
    };

    if (!c || policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, "arn:aws:iam::" ACCT ":user/alice",
                                       NULL, NULL) < 0 ||
        policy_ctx_set_action(c, q->action) < 0 || policy_ctx_set_resource(c, q->resource, NULL) < 0 ||
        policy_ctx_add_principal_keys(c) < 0) {
        fprintf(stderr, "bench_policy: context setup failed\n");
        exit(1);
    }
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        policy_ctx_key_add(c, common[i][0], common[i][1]);
    for (size_t i = 0; i < 8 && q->keys[i][0]; i++)
        policy_ctx_key_add(c, q->keys[i][0], q->keys[i][1]);
    return c;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

int
main(void)
{
    struct policy *pol[10], *boundary;
    const struct policy *ids[10], *bds[1];
    struct policy_ctx *ctx[NMIX];
    struct policy_set set;
    struct policy_result r;
    size_t nsamples = (size_t) ROUNDS * NMIX, k = 0;
    uint64_t *samples = malloc(nsamples * sizeof(*samples)), overhead, *cal;

    for (int i = 0; i < 10; i++)
        ids[i] = pol[i] = build(i);
    bds[0] = boundary = build_boundary();
    set = (struct policy_set){ ids, 10, bds, 1, NULL, 0, NULL };
    for (size_t i = 0; i < NMIX; i++) {
        ctx[i] = make_ctx(&mix[i]);
        if (policy_decide(&set, ctx[i], 0, &r) != mix[i].want) {
            fprintf(stderr, "bench_policy: %s on %s: %s, expected %s\n", mix[i].action,
                    mix[i].resource, policy_decision_name(r.decision),
                    policy_decision_name(mix[i].want));
            return 1;
        }
    }
    /* the clock's own cost, subtracted from each sample */
    cal = malloc(10000 * sizeof(*cal));
    for (int i = 0; i < 10000; i++) {
        uint64_t t0 = now_ns();

        cal[i] = now_ns() - t0;
    }
    qsort(cal, 10000, sizeof(*cal), cmp_u64);
    overhead = cal[5000];
    free(cal);

    for (int w = 0; w < WARMUP; w++)
        for (size_t i = 0; i < NMIX; i++)
            policy_decide(&set, ctx[i], 0, &r);
#if COUNT_ALLOCS
    counting = true;
#endif
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < NMIX; i++) {
            uint64_t t0 = now_ns(), t1;

            policy_decide(&set, ctx[i], 0, &r);
            t1 = now_ns();
            samples[k++] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
        }
    }
#if COUNT_ALLOCS
    counting = false;
#endif
    qsort(samples, nsamples, sizeof(*samples), cmp_u64);
    fprintf(stderr, "bench_policy: %zu policies + boundary, %zu statements, %zu requests x %d "
            "rounds, clock overhead %llu ns\n", (size_t) 10, nstatements, NMIX, ROUNDS,
            (unsigned long long) overhead);
    printf("policy_decision_ns_median: %llu\n", (unsigned long long) samples[nsamples / 2]);
    printf("policy_decision_ns_p99: %llu\n", (unsigned long long) samples[nsamples * 99 / 100]);
#if COUNT_ALLOCS
    printf("policy_decision_allocs: %zu\n", allocs);
#endif
    for (size_t i = 0; i < NMIX; i++)
        policy_ctx_free(ctx[i]);
    for (int i = 0; i < 10; i++)
        policy_unref(pol[i]);
    policy_unref(boundary);
    free(samples);
    return 0;
}
