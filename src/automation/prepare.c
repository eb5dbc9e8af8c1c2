/* src/automation/prepare.c - a StartAutomationExecution input, checked and resolved into what
 * the engine creates (automation.h auto_prepare): the runbook version, parameters, the assume
 * role and iam:PassRole, targets and rate control, the idempotency hash. Runs in the caller's
 * transaction (an API handler's, or the engine's for child executions).
 * Used by: ssm/automation.c, engine (children). Uses: ssm/documents.h, ssm/parameters.h,
 * core/authz.h, lang.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/authz.h"
#include "../crypto/digest.h"
#include "../ssm/documents.h"
#include "../ssm/parameters.h"
#include "internal.h"

#define PARAMS_CODE "InvalidAutomationExecutionParametersException"

void
auto_spec_done(struct auto_spec *s)
{
    if (!s)
        return;
    json_decref(s->doc);
    free(s->doc_text);
    json_decref(s->params);
    json_decref(s->params_api);
    json_decref(s->given);
    json_decref(s->vars);
    json_decref(s->who);
    free(s->role);
    json_decref(s->tags);
    free(s->target);
    free(s->target_param);
    json_decref(s->targets);
    json_decref(s->target_maps);
    json_decref(s->target_values);
    memset(s, 0, sizeof(*s));
}

json_t *
auto_principal_json(const struct principal *p)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "kind", (int) p->kind, "account", p->account,
                     "arn", p->arn, "user_id", p->user_id, "name", p->name, "entity_id", p->entity_id,
                     "flags", (int) p->flags, "issued", (json_int_t) p->issued);
}

int
auto_principal_from_json(const json_t *j, struct principal *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (!json_is_object(j))
        return -EINVAL;
    ret->kind = (enum principal_kind) json_integer_value(json_object_get(j, "kind"));
    snprintf(ret->account, sizeof(ret->account), "%s", json_string_value(json_object_get(j, "account")) ?: "");
    snprintf(ret->arn, sizeof(ret->arn), "%s", json_string_value(json_object_get(j, "arn")) ?: "");
    snprintf(ret->user_id, sizeof(ret->user_id), "%s", json_string_value(json_object_get(j, "user_id")) ?: "");
    snprintf(ret->name, sizeof(ret->name), "%s", json_string_value(json_object_get(j, "name")) ?: "");
    snprintf(ret->entity_id, sizeof(ret->entity_id), "%s", json_string_value(json_object_get(j, "entity_id")) ?: "");
    ret->flags = (unsigned) json_integer_value(json_object_get(j, "flags"));
    ret->issued = json_integer_value(json_object_get(j, "issued"));
    return 0;
}

/* {{ssm:name}}: read as the caller, who must be allowed ssm:GetParameter. */
struct ssm_ctx {
    struct store_tx        *tx;
    const struct principal *who;
    const char             *account, *region;
};

static int
ssm_lookup(void *arg, const char *name, char **ret_value, char *errbuf, size_t cap)
{
    struct ssm_ctx *c = arg;
    char type[SSM_PARAM_TYPE_MAX], arn[2300];
    struct aerr err = {0};
    int64_t version;
    int r;

    snprintf(arn, sizeof(arn), "arn:aws:ssm:%s:%s:parameter/%s", c->region, c->account,
             name[0] == '/' ? name + 1 : name);
    r = authz_check(c->tx, c->who, "ssm:GetParameter", arn, NULL, 1, &err);
    if (r == 0)
        r = ssm_parameter_read(c->tx, c->account, c->region, name, 0, ret_value, type, &version, &err);
    if (r < 0) {
        snprintf(errbuf, cap, "{{ssm:%.256s}} cannot be read: %s", name, err.msg[0] ? err.msg : "not found");
        return r;
    }
    if (!strcmp(type, "SecureString")) {
        digest_cleanse(*ret_value, strlen(*ret_value));
        free(*ret_value);
        *ret_value = NULL;
        snprintf(errbuf, cap, "{{ssm:%.256s}} is a SecureString parameter, which cannot be referenced here", name);
        return -EINVAL;
    }
    return 0;
}

static int
role_arn_ok(const char *s)
{
    const char *p = s;
    int i;

    if (strncmp(p, "arn:aws", 7))
        return 0;
    p += 7;
    while (*p == '-' || islower((unsigned char) *p))
        p++;
    if (strncmp(p, ":iam::", 6))
        return 0;
    p += 6;
    for (i = 0; i < 12; i++, p++)
        if (!isdigit((unsigned char) *p))
            return 0;
    if (strncmp(p, ":role/", 6))
        return 0;
    return p[6] != '\0' && strlen(s) <= 2048;
}

static int
request_hash(const json_t *in, char ret[65])
{
    unsigned char md[DIGEST_SHA256_LEN];
    json_t *copy = json_copy((json_t *) in);
    char *text;
    int r;

    if (!copy)
        return -ENOMEM;
    json_object_del(copy, "ClientToken");
    text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    if (!text)
        return -ENOMEM;
    r = digest_sha256(text, strlen(text), md);
    free(text);
    if (r < 0)
        return r;
    digest_hex(md, sizeof(md), ret);
    return 0;
}

static int
not_found(struct aerr *err, const char *name, const char *version, int version_missing)
{
    if (version_missing)
        return aerr_set(err, -ENOENT, 400, "AutomationDefinitionVersionNotFoundException",
                        "Document %.128s with version %.32s does not exist.", name, version);
    return aerr_set(err, -ENOENT, 400, "AutomationDefinitionNotFoundException",
                    "Document %.128s does not exist.", name);
}

/* Targets of a rate-controlled execution: the parameter values (Targets with the key
 * ParameterValues) or one map of parameters per target (TargetMaps). */
static int
resolve_targets(const json_t *in, const json_t *decl, struct auto_spec *s, struct aerr *err)
{
    const json_t *targets = json_object_get(in, "Targets"), *maps = json_object_get(in, "TargetMaps");
    const char *param = json_string_value(json_object_get(in, "TargetParameterName"));
    const json_t *t, *v;
    json_t *values = json_array();
    size_t i, j;

    if (!values)
        return aerr_internal(err, -ENOMEM);
    if (json_array_size(targets) && json_array_size(maps)) {
        json_decref(values);
        return aerr_set(err, -EINVAL, 400, "InvalidTarget", "Targets and TargetMaps can't be specified together.");
    }
    if (json_array_size(maps)) {
        json_array_foreach(maps, i, t) {
            const char *k;
            json_object_foreach((json_t *) t, k, v)
                if (!json_object_get(decl, k)) {
                    json_decref(values);
                    return aerr_set(err, -EINVAL, 400, PARAMS_CODE,
                                    "TargetMaps refer to parameter \"%.64s\", which is not defined in the document.", k);
                }
            json_array_append(values, (json_t *) t);
        }
    } else {
        if (!param) {
            json_decref(values);
            return aerr_set(err, -EINVAL, 400, PARAMS_CODE,
                            "TargetParameterName is required when Targets are specified.");
        }
        json_array_foreach(targets, i, t) {
            const char *key = json_string_value(json_object_get(t, "Key"));
            if (!key || strcmp(key, "ParameterValues")) {
                json_decref(values);
                return aerr_set(err, -EINVAL, 400, "InvalidTarget",
                                "Target key '%.64s' is not supported: use ParameterValues (instance "
                                "tags and resource groups need managed instances).", key ? key : "");
            }
            json_array_foreach(json_object_get(t, "Values"), j, v)
                json_array_append(values, (json_t *) v);
        }
        if (!json_array_size(values)) {
            json_decref(values);
            return aerr_set(err, -EINVAL, 400, "InvalidTarget", "The targets resolve to no value.");
        }
    }
    if (param && !json_object_get(decl, param)) {
        json_decref(values);
        return aerr_set(err, -EINVAL, 400, PARAMS_CODE,
                        "TargetParameterName \"%.64s\" is not a parameter of the document.", param);
    }
    if (json_array_size(values) > AUTO_TARGETS_MAX) {
        json_decref(values);
        return aerr_set(err, -EINVAL, 400, "InvalidTarget", "More than %d targets.", AUTO_TARGETS_MAX);
    }
    s->target_param = strdup(param ? param : "");
    s->targets = json_incref((json_t *) targets);
    s->target_maps = json_incref((json_t *) maps);
    s->target_values = values;
    snprintf(s->max_concurrency, sizeof(s->max_concurrency), "%s",
             json_string_value(json_object_get(in, "MaxConcurrency")) ?: "10");
    snprintf(s->max_errors, sizeof(s->max_errors), "%s",
             json_string_value(json_object_get(in, "MaxErrors")) ?: "0");
    return s->target_param ? 0 : aerr_internal(err, -ENOMEM);
}

int
auto_prepare(struct store_tx *tx, const struct auto_config *cfg, const struct principal *who,
             const json_t *who_json, const char *region, const json_t *in,
             struct auto_spec *ret, struct aerr *err)
{
    const char *name = json_string_value(json_object_get(in, "DocumentName"));
    const char *version = json_string_value(json_object_get(in, "DocumentVersion"));
    const char *mode = json_string_value(json_object_get(in, "Mode"));
    const char *token = json_string_value(json_object_get(in, "ClientToken"));
    const json_t *given = json_object_get(in, "Parameters"), *decl, *role, *vars, *v;
    struct ssm_document doc = {0};
    struct auto_spec s;
    struct auto_scope scope = {0};
    struct ssm_ctx sc = { tx, who, who->account, region };
    struct aerr derr = {0};
    unsigned char md[DIGEST_SHA256_LEN];
    json_t *rv = NULL;
    char errbuf[512];
    const char *k;
    int r, rate;

    memset(&s, 0, sizeof(s));
    if (!name)
        return aerr_set(err, -EINVAL, 400, "ValidationException", "DocumentName is required.");
    r = ssm_document_fetch(tx, who->account, region, name, version, NULL, &doc, &derr);
    if (r == -ENOENT) {
        int missing = version && ssm_document_fetch(tx, who->account, region, name, NULL, NULL, &doc, &derr) == 0;
        ssm_document_done(&doc);
        return not_found(err, name, version, missing);
    }
    if (r < 0) {
        *err = derr;
        return r;
    }
    if (strcmp(doc.type, "Automation") && strcmp(doc.type, "Automation.ChangeTemplate")) {
        r = aerr_set(err, -EINVAL, 400, "AutomationDefinitionNotFoundException",
                     "Document %.128s is of type %.32s, not Automation.", name, doc.type);
        goto out;
    }
    snprintf(s.account, sizeof(s.account), "%s", who->account);
    snprintf(s.region, sizeof(s.region), "%s", region);
    snprintf(s.doc_name, sizeof(s.doc_name), "%s", doc.name);
    snprintf(s.doc_version, sizeof(s.doc_version), "%s", doc.version);
    s.doc = doc.content;
    doc.content = NULL;
    s.doc_text = json_dumps(s.doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s.doc_text || digest_sha256(s.doc_text, strlen(s.doc_text), md) < 0) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    digest_hex(md, sizeof(md), s.doc_hash);
    s.who = json_deep_copy(who_json);
    snprintf(s.executed_by, sizeof(s.executed_by), "%s", who->arn);
    s.interactive = mode && !strcmp(mode, "Interactive");
    if (token) {
        size_t i;
        for (i = 0; token[i] && i < sizeof(s.client_token) - 1; i++)
            s.client_token[i] = (char) tolower((unsigned char) token[i]);
        if (request_hash(in, s.request_hash) < 0) {
            r = aerr_internal(err, -ENOMEM);
            goto out;
        }
    }
    if ((v = json_object_get(in, "Tags")))
        s.tags = json_incref((json_t *) v);
    if (json_object_get(in, "TargetLocations") || json_object_get(in, "TargetLocationsURL")) {
        r = aerr_set(err, -EINVAL, 400, PARAMS_CODE,
                     "TargetLocations (multi-account and multi-Region automation) are not supported by this server.");
        goto out;
    }
    decl = json_object_get(s.doc, "parameters");
    rate = json_object_get(in, "TargetParameterName") || json_array_size(json_object_get(in, "Targets")) ||
           json_array_size(json_object_get(in, "TargetMaps"));
    s.given = given ? json_deep_copy(given) : json_object();
    if (rate) {
        r = resolve_targets(in, decl, &s, err);
        if (r < 0)
            goto out;
        json_object_foreach((json_t *) given, k, v)
            if (!json_object_get(decl, k)) {
                r = aerr_set(err, -EINVAL, 400, PARAMS_CODE,
                             "Parameter \"%.128s\" is not defined in the document.", k);
                goto out;
            }
        s.params = json_object();
        s.params_api = json_deep_copy(s.given);
        s.vars = json_object();
        ret[0] = s;
        return 0;
    }
    scope.account = who->account;
    scope.region = region;
    scope.partition = "aws";
    scope.now = time(NULL);
    scope.ssm = ssm_lookup;
    scope.ssm_arg = &sc;
    r = auto_params_resolve(decl, given, &scope, &s.params, &s.params_api, err);
    if (r < 0)
        goto out;
    /* The runbook's variables, with their initial values. */
    s.vars = json_object();
    vars = json_object_get(s.doc, "variables");
    json_object_foreach((json_t *) vars, k, v) {
        const json_t *def = json_object_get(v, "default");
        json_object_set_new(s.vars, k, def ? json_deep_copy(def) : json_string(""));
    }
    /* The assume role: the document's assumeRole, resolved with the parameters. */
    role = json_object_get(s.doc, "assumeRole");
    if (json_is_string(role)) {
        scope.params = s.params;
        scope.ssm = NULL;
        r = auto_interp(role, &scope, &rv, errbuf, sizeof(errbuf));
        if (r < 0) {
            r = aerr_set(err, -EINVAL, 400, PARAMS_CODE, "The assume role cannot be resolved: %s.", errbuf);
            goto out;
        }
        if (json_is_string(rv) && json_string_length(rv)) {
            if (!role_arn_ok(json_string_value(rv))) {
                r = aerr_set(err, -EINVAL, 400, PARAMS_CODE, "The format of the supplied assume role ARN is invalid.");
                goto out;
            }
            s.role = strdup(json_string_value(rv));
            if (!s.role) {
                r = aerr_internal(err, -ENOMEM);
                goto out;
            }
            r = authz_pass_role(tx, who, s.role, "ssm.amazonaws.com", 1, err);
            if (r < 0 && r != -ENOENT)
                goto out;
        }
    }
    if (!s.params || !s.params_api || !s.vars || !s.who) {
        r = aerr_internal(err, -ENOMEM);
        goto out;
    }
    *ret = s;
    memset(&s, 0, sizeof(s));
    r = 0;
out:
    json_decref(rv);
    ssm_document_done(&doc);
    auto_spec_done(&s);
    (void) cfg;
    return r;
}
