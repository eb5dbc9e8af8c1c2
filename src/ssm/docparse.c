/* src/ssm/docparse.c - parse, render, validate and summarize SSM document content.
 * Used by: ssm/documents.c, tests, fuzz. Uses: ssmyaml.c, jansson, pcre2.
 *
 * Validation follows the document schemas: Automation 0.3 (parameters, mainSteps with
 * their actions' required inputs, flow targets, outputs, {{ }} references), Command 2.x
 * (mainSteps of plugins, preconditions) and Command 1.2 (runtimeConfig). The first problem
 * found is reported, as AWS does, with a message that names it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "docparse.h"
#include "internal.h"

#define PATTERN_MATCH_LIMIT 100000   /* pcre2 match limit for allowedPattern checks */

/* ---- formats ---- */

int
ssmdoc_format_parse(const char *s, enum ssmdoc_format *ret)
{
    if (!s || !strcmp(s, "JSON"))
        *ret = SSMDOC_JSON;
    else if (!strcmp(s, "YAML"))
        *ret = SSMDOC_YAML;
    else if (!strcmp(s, "TEXT"))
        *ret = SSMDOC_TEXT;
    else
        return -EINVAL;
    return 0;
}

const char *
ssmdoc_format_name(enum ssmdoc_format f)
{
    return f == SSMDOC_YAML ? "YAML" : f == SSMDOC_TEXT ? "TEXT" : "JSON";
}

/* ---- errors ---- */

static int __attribute__((format(printf, 2, 3)))
invalid(struct aerr *err, const char *fmt, ...)
{
    char msg[AERR_MAX_MSG];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return aerr_set(err, -EINVAL, 400, "InvalidDocumentContent", "%s", msg);
}

/* ---- parsing ---- */

/* Count values and depth of a tree, stopping early once a limit is passed. */
static int
measure(const json_t *v, int depth, size_t *nodes)
{
    const char *k;
    json_t *e;
    size_t i;

    if (++*nodes > SSMDOC_MAX_NODES || depth > SSMDOC_MAX_DEPTH)
        return -1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *) v, k, e)
            if (measure(e, depth + 1, nodes) < 0)
                return -1;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e)
            if (measure(e, depth + 1, nodes) < 0)
                return -1;
    }
    return 0;
}

int
ssmdoc_parse(const char *content, size_t len, enum ssmdoc_format fmt, json_t **ret,
             struct aerr *err)
{
    json_error_t je;
    json_t *doc = NULL, *sv;
    size_t nodes = 0;
    char buf[64];
    int r;

    if (fmt == SSMDOC_TEXT)
        return invalid(err, "TEXT content has no structure to parse.");
    if (len == 0)
        return invalid(err, "The document content is empty.");
    if (fmt == SSMDOC_JSON) {
        doc = json_loadb(content, len, JSON_REJECT_DUPLICATES, &je);
        if (!doc)
            return invalid(err, "JSON not well-formed. at Line: %d, Column: %d", je.line, je.column);
    } else {
        r = ssm_yaml_load(content, len, &doc, err);
        if (r < 0)
            return r;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return invalid(err, "The document content must be a map (a JSON object).");
    }
    if (measure(doc, 0, &nodes) < 0) {
        json_decref(doc);
        return invalid(err, "The document is nested too deeply or holds too many values.");
    }
    /* schemaVersion: 0.3 written as a bare number means the string "0.3" */
    sv = json_object_get(doc, "schemaVersion");
    if (json_is_real(sv) || json_is_integer(sv)) {
        if (json_is_real(sv))
            ssm_real_text(json_real_value(sv), buf, sizeof(buf));
        else
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT ".0", json_integer_value(sv));
        if (json_object_set_new(doc, "schemaVersion", json_string(buf))) {
            json_decref(doc);
            return -ENOMEM;
        }
    }
    *ret = doc;
    return 0;
}

int
ssmdoc_render(const json_t *doc, enum ssmdoc_format fmt, char **ret)
{
    char *s;

    if (fmt == SSMDOC_YAML)
        return ssm_yaml_dump(doc, ret);
    if (fmt != SSMDOC_JSON)
        return -EINVAL;
    s = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (!s)
        return -ENOMEM;
    *ret = s;
    return 0;
}

/* ---- small predicates ---- */

static int
name_ok(const char *s, const char *extra)
{
    size_t n = strlen(s);
    const char *p;

    if (n == 0 || n > SSMDOC_MAX_NAME)
        return 0;
    for (p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || (extra && strchr(extra, *p))))
            return 0;
    return 1;
}

static int
in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

/* A string that is one whole "{{ ... }}" reference (runtime-typed value). */
static int
is_reference(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n;

    if (!s)
        return 0;
    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    return n >= 4 && !strncmp(s, "{{", 2) && !strncmp(s + n - 2, "}}", 2);
}

static int
is_bool_like(const json_t *v)
{
    const char *s = json_string_value(v);

    return json_is_boolean(v) || (s && (!strcmp(s, "true") || !strcmp(s, "false"))) || is_reference(v);
}

static int
is_int_like(const json_t *v, long long min)
{
    const char *s = json_string_value(v);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v) >= min;
    if (is_reference(v))
        return 1;
    if (!s || !*s)
        return 0;
    n = strtoll(s, &end, 10);
    return !*end && n >= min;
}

static int
is_string_list(const json_t *v)
{
    json_t *e;
    size_t i;

    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, e)
        if (!json_is_string(e))
            return 0;
    return 1;
}

static int
check_keys(const json_t *obj, const char *const *allowed, const char **ret_bad)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *) obj, k, v)
        if (!in_list(k, allowed)) {
            *ret_bad = k;
            return -1;
        }
    return 0;
}

/* ---- parameters ---- */

static const char *const param_attrs[] = {
    "type", "description", "default", "allowedValues", "allowedPattern", "displayType",
    "minItems", "maxItems", "minChars", "maxChars", NULL,
};

enum ptype { P_STRING, P_STRING_LIST, P_INTEGER, P_BOOLEAN, P_MAP_LIST, P_STRING_MAP };

static int
ptype_of(const char *t, enum ptype *ret)
{
    size_t n = strlen(t);

    if (!strcmp(t, "String")) *ret = P_STRING;
    else if (!strcmp(t, "StringList")) *ret = P_STRING_LIST;
    else if (!strcmp(t, "Integer")) *ret = P_INTEGER;
    else if (!strcmp(t, "Boolean")) *ret = P_BOOLEAN;
    else if (!strcmp(t, "MapList")) *ret = P_MAP_LIST;
    else if (!strcmp(t, "StringMap")) *ret = P_STRING_MAP;
    else if (!strncmp(t, "AWS::", 5) && n > 5 && n <= 128) *ret = P_STRING;
    else if (!strncmp(t, "List<AWS::", 10) && n > 11 && t[n - 1] == '>' && n <= 128) *ret = P_STRING_LIST;
    else return -1;
    return 0;
}

/* Does one value fit a parameter type? */
static int
value_fits(const json_t *v, enum ptype t)
{
    json_t *e;
    size_t i;

    if (is_reference(v))
        return 1;
    switch (t) {
    case P_STRING:
        return json_is_string(v);
    case P_STRING_LIST:
        return is_string_list(v);
    case P_INTEGER:
        return json_is_integer(v);
    case P_BOOLEAN:
        return json_is_boolean(v);
    case P_MAP_LIST:
        if (!json_is_array(v))
            return 0;
        json_array_foreach(v, i, e)
            if (!json_is_object(e))
                return 0;
        return 1;
    case P_STRING_MAP:
        return json_is_object(v);
    }
    return 0;
}

static int
value_equal_any(const json_t *v, const json_t *allowed)
{
    json_t *e;
    size_t i;

    json_array_foreach(allowed, i, e)
        if (json_equal((json_t *) v, e))
            return 1;
    return 0;
}

/* Compile an allowedPattern; NULL when it is not a valid expression. */
static pcre2_code *
pattern_compile(const char *pat)
{
    int ec;
    PCRE2_SIZE eo;

    return pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
}

/* 1 when the whole of s matches (Java's matches()), 0 when not, <0 on a matching error. */
static int
pattern_matches(pcre2_code *re, const char *s, size_t len)
{
    pcre2_match_data *md;
    pcre2_match_context *mc;
    int rc;

    md = pcre2_match_data_create_from_pattern(re, NULL);
    mc = pcre2_match_context_create(NULL);
    if (!md || !mc) {
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        return -ENOMEM;
    }
    pcre2_set_match_limit(mc, PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, 1000);
    rc = pcre2_match(re, (PCRE2_SPTR) s, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, mc);
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -EINVAL;
}

static int
check_default_pattern(const char *pname, const json_t *def, const char *pat, struct aerr *err)
{
    pcre2_code *re = pattern_compile(pat);
    json_t *e;
    size_t i;
    int r = 0, m;

    if (!re)
        return invalid(err, "Parameter '%s': allowedPattern is not a valid regular expression.", pname);
    if (json_is_string(def) && !is_reference(def)) {
        m = pattern_matches(re, json_string_value(def), json_string_length(def));
        if (m == 0)
            r = invalid(err, "Parameter '%s': default value does not match allowedPattern %.200s.",
                        pname, pat);
    } else if (json_is_array(def)) {
        json_array_foreach(def, i, e) {
            if (!json_is_string(e) || is_reference(e))
                continue;
            m = pattern_matches(re, json_string_value(e), json_string_length(e));
            if (m == 0) {
                r = invalid(err, "Parameter '%s': default value does not match allowedPattern %.200s.",
                            pname, pat);
                break;
            }
        }
    }
    pcre2_code_free(re);
    return r;
}

static int
check_bound(const json_t *p, const char *pname, const char *attr)
{
    json_t *v = json_object_get(p, attr);

    (void) pname;
    return !v || (json_is_integer(v) && json_integer_value(v) >= 0);
}

static int
check_parameter(const char *pname, const json_t *p, struct aerr *err)
{
    const json_t *type, *def, *allowed, *pat, *desc, *e;
    const char *badkey = NULL;
    enum ptype t;
    size_t i, n;
    long long lo, hi;

    if (!name_ok(pname, NULL))
        return invalid(err, "Parameter name '%.128s' is not valid: use letters, digits and "
                            "underscores, at most %d characters.", pname, SSMDOC_MAX_NAME);
    if (!json_is_object(p))
        return invalid(err, "Parameter '%s' must be a map.", pname);
    if (check_keys(p, param_attrs, &badkey) < 0)
        return invalid(err, "Parameter '%s': unknown attribute '%.128s'.", pname, badkey);
    type = json_object_get(p, "type");
    if (!type)
        return invalid(err, "Parameter '%s': type is required.", pname);
    if (!json_is_string(type) || ptype_of(json_string_value(type), &t) < 0)
        return invalid(err, "Parameter '%s': type '%.128s' is not supported. Supported types: "
                            "String, StringList, Integer, Boolean, MapList, StringMap and AWS "
                            "resource types.", pname,
                       json_is_string(type) ? json_string_value(type) : "?");
    desc = json_object_get(p, "description");
    if (desc && !json_is_string(desc))
        return invalid(err, "Parameter '%s': description must be a string.", pname);
    if ((e = json_object_get(p, "displayType")) && !json_is_string(e))
        return invalid(err, "Parameter '%s': displayType must be a string.", pname);
    def = json_object_get(p, "default");
    if (def && !value_fits(def, t))
        return invalid(err, "Parameter '%s': default value does not match type %s.", pname,
                       json_string_value(type));
    allowed = json_object_get(p, "allowedValues");
    if (allowed) {
        if (!json_is_array(allowed) || json_array_size(allowed) == 0)
            return invalid(err, "Parameter '%s': allowedValues must be a non-empty list.", pname);
        json_array_foreach(allowed, i, e) {
            enum ptype et = t == P_STRING_LIST ? P_STRING : t == P_MAP_LIST ? P_STRING_MAP : t;
            if (!value_fits(e, et))
                return invalid(err, "Parameter '%s': allowedValues entry %zu does not match type %s.",
                               pname, i + 1, json_string_value(type));
        }
        if (def && !is_reference(def)) {
            if (t == P_STRING_LIST || t == P_MAP_LIST) {
                json_array_foreach(def, i, e)
                    if (!is_reference(e) && !value_equal_any(e, allowed))
                        return invalid(err, "Parameter '%s': default value is not one of allowedValues.",
                                       pname);
            } else if (!value_equal_any(def, allowed)) {
                return invalid(err, "Parameter '%s': default value is not one of allowedValues.", pname);
            }
        }
    }
    pat = json_object_get(p, "allowedPattern");
    if (pat) {
        if (!json_is_string(pat))
            return invalid(err, "Parameter '%s': allowedPattern must be a string.", pname);
        if (t != P_STRING && t != P_STRING_LIST)
            return invalid(err, "Parameter '%s': allowedPattern applies only to String and "
                                "StringList parameters.", pname);
        if (check_default_pattern(pname, def, json_string_value(pat), err) < 0)
            return -EINVAL;
    }
    if (!check_bound(p, pname, "minItems") || !check_bound(p, pname, "maxItems") ||
        !check_bound(p, pname, "minChars") || !check_bound(p, pname, "maxChars"))
        return invalid(err, "Parameter '%s': minItems, maxItems, minChars and maxChars must be "
                            "non-negative integers.", pname);
    if ((json_object_get(p, "minItems") || json_object_get(p, "maxItems")) &&
        t != P_STRING_LIST && t != P_MAP_LIST)
        return invalid(err, "Parameter '%s': minItems and maxItems apply only to list types.", pname);
    lo = json_integer_value(json_object_get(p, "minItems"));
    hi = json_object_get(p, "maxItems") ? json_integer_value(json_object_get(p, "maxItems")) : -1;
    if (hi >= 0 && lo > hi)
        return invalid(err, "Parameter '%s': minItems is greater than maxItems.", pname);
    if (def && json_is_array(def)) {
        n = json_array_size(def);
        if ((long long) n < lo || (hi >= 0 && (long long) n > hi))
            return invalid(err, "Parameter '%s': default value has %zu items, outside minItems..maxItems.",
                           pname, n);
    }
    lo = json_integer_value(json_object_get(p, "minChars"));
    hi = json_object_get(p, "maxChars") ? json_integer_value(json_object_get(p, "maxChars")) : -1;
    if (hi >= 0 && lo > hi)
        return invalid(err, "Parameter '%s': minChars is greater than maxChars.", pname);
    if (def && json_is_string(def) && !is_reference(def)) {
        n = json_string_length(def);
        if ((long long) n < lo || (hi >= 0 && (long long) n > hi))
            return invalid(err, "Parameter '%s': default value has %zu characters, outside "
                                "minChars..maxChars.", pname, n);
    }
    return 0;
}

static int
check_parameters(const json_t *params, struct aerr *err)
{
    const char *k;
    json_t *p;

    if (!params)
        return 0;
    if (!json_is_object(params))
        return invalid(err, "parameters must be a map of parameter names to definitions.");
    if (json_object_size(params) > SSMDOC_MAX_PARAMS)
        return invalid(err, "The document declares more than %d parameters.", SSMDOC_MAX_PARAMS);
    json_object_foreach((json_t *) params, k, p)
        if (check_parameter(k, p, err) < 0)
            return -EINVAL;
    return 0;
}

/* ---- {{ }} references (Automation) ---- */

struct refctx {
    const json_t *params;        /* declared parameters (object) or NULL */
    const json_t *steps;         /* mainSteps (array) */
    const char   *where;         /* "Step 'x'" / "assumeRole" ... for messages */
    int           allow_ssm;     /* {{ssm:...}} allowed here (parameter defaults) */
};

static int
step_exists(const json_t *steps, const char *name, size_t len)
{
    json_t *s, *n;
    size_t i;

    json_array_foreach(steps, i, s) {
        n = json_object_get(s, "name");
        if (json_is_string(n) && json_string_length(n) == len && !strncmp(json_string_value(n), name, len))
            return 1;
    }
    return 0;
}

static int
ident_span(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return n > 0;
}

static int
check_ref(const struct refctx *c, const char *s, size_t n, struct aerr *err)
{
    const char *colon = memchr(s, ':', n), *dot = memchr(s, '.', n);

    if (colon) {
        size_t plen = (size_t) (colon - s);
        if (plen == 3 && !strncmp(s, "ssm", 3) && !c->allow_ssm)
            return invalid(err, "%s: Parameter Store references ({{ssm:%.*s}}) are not allowed in "
                                "step inputs; use them in parameter defaults or at run time.",
                           c->where, (int) (n - 4 < 256 ? n - 4 : 256), colon + 1);
        return 0;                          /* global:, automation:, variable:, ssm: */
    }
    if (dot) {
        size_t slen = (size_t) (dot - s);
        if (ident_span(s, slen) && !step_exists(c->steps, s, slen))
            return invalid(err, "%s: '{{%.*s}}' refers to step '%.*s', which does not exist.",
                           c->where, (int) (n < 256 ? n : 256), s, (int) (slen < 128 ? slen : 128), s);
        return 0;
    }
    if (ident_span(s, n) && !json_object_getn(c->params, s, n))
        return invalid(err, "%s: '{{%.*s}}' refers to parameter '%.*s', which is not declared.",
                       c->where, (int) (n < 128 ? n : 128), s, (int) (n < 128 ? n : 128), s);
    return 0;
}

static int
check_refs_in_string(const struct refctx *c, const char *s, struct aerr *err)
{
    const char *open, *close, *a, *b;

    while ((open = strstr(s, "{{"))) {
        close = strstr(open + 2, "}}");
        if (!close)
            return 0;
        a = open + 2;
        b = close;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a && check_ref(c, a, (size_t) (b - a), err) < 0)
            return -EINVAL;
        s = close + 2;
    }
    return 0;
}

static int
check_refs(const struct refctx *c, const json_t *v, struct aerr *err)
{
    const char *k;
    json_t *e;
    size_t i;

    if (json_is_string(v))
        return check_refs_in_string(c, json_string_value(v), err);
    if (json_is_object(v)) {
        json_object_foreach((json_t *) v, k, e)
            if (check_refs(c, e, err) < 0)
                return -EINVAL;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e)
            if (check_refs(c, e, err) < 0)
                return -EINVAL;
    }
    return 0;
}

/* ---- Automation 0.3 ---- */

struct action {
    const char        *name;
    const char *const *required;    /* inputs that must be present */
};

#define REQ(...) ((const char *const[]) { __VA_ARGS__, NULL })
static const struct action automation_actions[] = {
    { "aws:approve",                  REQ("Approvers") },
    { "aws:assertAwsResourceProperty", REQ("Service", "Api", "PropertySelector", "DesiredValues") },
    { "aws:branch",                   REQ("Choices") },
    { "aws:changeInstanceState",      REQ("InstanceIds", "DesiredState") },
    { "aws:copyImage",                REQ("SourceRegion", "SourceImageId", "ImageName") },
    { "aws:createImage",              REQ("InstanceId", "ImageName") },
    { "aws:createStack",              REQ("StackName") },
    { "aws:createTags",               REQ("ResourceIds", "Tags") },
    { "aws:deleteImage",              REQ("ImageId") },
    { "aws:deleteStack",              REQ("StackName") },
    { "aws:executeAutomation",        REQ("DocumentName") },
    { "aws:executeAwsApi",            REQ("Service", "Api") },
    { "aws:executeScript",            REQ("Runtime") },
    { "aws:executeStateMachine",      REQ("stateMachineArn") },
    { "aws:invokeLambdaFunction",     REQ("FunctionName") },
    { "aws:loop",                     REQ("Iterators", "Steps") },
    { "aws:pause",                    NULL },
    { "aws:runCommand",               REQ("DocumentName") },
    { "aws:runInstances",             REQ("ImageId") },
    { "aws:sleep",                    NULL },
    { "aws:updateVariable",           REQ("Name", "Value") },
    { "aws:waitForAwsResourceProperty", REQ("Service", "Api", "PropertySelector", "DesiredValues") },
    { NULL, NULL },
};

static const char *const automation_top[] = {
    "schemaVersion", "description", "assumeRole", "parameters", "mainSteps", "outputs",
    "files", "variables", "templateVersion", NULL,
};

static const char *const automation_step_keys[] = {
    "name", "action", "inputs", "description", "maxAttempts", "timeoutSeconds", "onFailure",
    "onCancel", "isEnd", "nextStep", "isCritical", "outputs", NULL,
};

static const char *const output_types[] = {
    "String", "Integer", "Boolean", "StringList", "StringMap", "MapList", NULL,
};

static const struct action *
automation_action(const char *name)
{
    const struct action *a;

    for (a = automation_actions; a->name; a++)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

/* "Abort", "Continue" (when allow_continue) or "step:<existing>". */
static int
check_flow(const json_t *steps, const char *where, const char *field, const json_t *v,
           int allow_continue, struct aerr *err)
{
    const char *s = json_string_value(v);

    if (s && (!strcmp(s, "Abort") || (allow_continue && !strcmp(s, "Continue"))))
        return 0;
    if (s && !strncmp(s, "step:", 5)) {
        if (step_exists(steps, s + 5, strlen(s + 5)))
            return 0;
        return invalid(err, "%s: %s target step '%.128s' does not exist.", where, field, s + 5);
    }
    return invalid(err, "%s: %s must be Abort%s or step:<step name>.", where, field,
                   allow_continue ? ", Continue" : "");
}

static int
check_step_outputs(const char *where, const json_t *outs, struct aerr *err)
{
    const json_t *o, *n, *sel, *t;
    size_t i;

    if (!json_is_array(outs))
        return invalid(err, "%s: outputs must be a list of {Name, Selector, Type}.", where);
    json_array_foreach(outs, i, o) {
        if (!json_is_object(o))
            return invalid(err, "%s: outputs entry %zu must be a map.", where, i + 1);
        n = json_object_get(o, "Name");
        sel = json_object_get(o, "Selector");
        t = json_object_get(o, "Type");
        if (!json_is_string(n) || !json_string_length(n))
            return invalid(err, "%s: outputs entry %zu has no Name.", where, i + 1);
        if (!json_is_string(sel) || !json_string_length(sel))
            return invalid(err, "%s: output '%.128s' has no Selector.", where, json_string_value(n));
        if (t && (!json_is_string(t) || !in_list(json_string_value(t), output_types)))
            return invalid(err, "%s: output '%.128s' has an unsupported Type; use String, Integer, "
                                "Boolean, StringList, StringMap or MapList.", where, json_string_value(n));
    }
    return 0;
}

static int
check_branch(const json_t *steps, const char *where, const json_t *inputs, struct aerr *err)
{
    const json_t *choices = json_object_get(inputs, "Choices"), *c, *next, *def;
    size_t i;

    if (!json_is_array(choices) || json_array_size(choices) == 0)
        return invalid(err, "%s: Choices must be a non-empty list.", where);
    json_array_foreach(choices, i, c) {
        if (!json_is_object(c))
            return invalid(err, "%s: Choices entry %zu must be a map.", where, i + 1);
        next = json_object_get(c, "NextStep");
        if (!json_is_string(next))
            return invalid(err, "%s: Choices entry %zu has no NextStep.", where, i + 1);
        if (!step_exists(steps, json_string_value(next), json_string_length(next)))
            return invalid(err, "%s: NextStep '%.128s' does not exist.", where, json_string_value(next));
    }
    def = json_object_get(inputs, "Default");
    if (def && (!json_is_string(def) || !step_exists(steps, json_string_value(def), json_string_length(def))))
        return invalid(err, "%s: Default step '%.128s' does not exist.", where,
                       json_is_string(def) ? json_string_value(def) : "?");
    return 0;
}

static int
check_automation_step(const json_t *doc, const json_t *steps, size_t idx, const json_t *st,
                      struct aerr *err)
{
    const json_t *name, *action, *inputs, *v;
    const struct action *a;
    const char *badkey = NULL, *const *req;
    char where[SSMDOC_MAX_NAME + 16];
    struct refctx rc;
    size_t j;

    if (!json_is_object(st))
        return invalid(err, "mainSteps entry %zu must be a map.", idx + 1);
    name = json_object_get(st, "name");
    if (!json_is_string(name))
        return invalid(err, "mainSteps entry %zu has no name.", idx + 1);
    if (!name_ok(json_string_value(name), NULL))
        return invalid(err, "Step name '%.128s' is not valid: use letters, digits and underscores, "
                            "at most %d characters.", json_string_value(name), SSMDOC_MAX_NAME);
    snprintf(where, sizeof(where), "Step '%s'", json_string_value(name));
    for (j = 0; j < idx; j++)
        if (json_equal(json_object_get(json_array_get(steps, j), "name"), (json_t *) name))
            return invalid(err, "Step name '%s' is not unique.", json_string_value(name));
    if (check_keys(st, automation_step_keys, &badkey) < 0)
        return invalid(err, "%s: unknown field '%.128s'.", where, badkey);
    action = json_object_get(st, "action");
    if (!json_is_string(action))
        return invalid(err, "%s: action is required.", where);
    a = automation_action(json_string_value(action));
    if (!a)
        return invalid(err, "%s: action '%.128s' is not a supported Automation action.", where,
                       json_string_value(action));
    inputs = json_object_get(st, "inputs");
    if (!inputs && a->required)
        return invalid(err, "%s: inputs are required for action %s.", where, a->name);
    if (inputs && !json_is_object(inputs))
        return invalid(err, "%s: inputs must be a map.", where);
    for (req = a->required; req && *req; req++)
        if (!json_object_get(inputs, *req))
            return invalid(err, "%s: input '%s' is required by action %s.", where, *req, a->name);
    if (!strcmp(a->name, "aws:sleep") &&
        !json_object_get(inputs, "Duration") && !json_object_get(inputs, "Timestamp"))
        return invalid(err, "%s: aws:sleep needs a Duration or a Timestamp input.", where);
    if (!strcmp(a->name, "aws:executeScript")) {
        const char *rt = json_string_value(json_object_get(inputs, "Runtime"));
        if (rt && !strncmp(rt, "python", 6) && !json_object_get(inputs, "Handler"))
            return invalid(err, "%s: input 'Handler' is required for a Python runtime.", where);
    }
    if (!strcmp(a->name, "aws:changeInstanceState")) {
        v = json_object_get(inputs, "DesiredState");
        if (!is_reference(v) && (!json_is_string(v) ||
            !in_list(json_string_value(v), (const char *const[]) { "running", "stopped", "terminated", NULL })))
            return invalid(err, "%s: DesiredState must be running, stopped or terminated.", where);
    }
    if (!strcmp(a->name, "aws:branch") && check_branch(steps, where, inputs, err) < 0)
        return -EINVAL;
    if ((v = json_object_get(st, "description")) && !json_is_string(v))
        return invalid(err, "%s: description must be a string.", where);
    if ((v = json_object_get(st, "maxAttempts")) && !is_int_like(v, 1))
        return invalid(err, "%s: maxAttempts must be a positive integer.", where);
    if ((v = json_object_get(st, "timeoutSeconds")) && !is_int_like(v, 1))
        return invalid(err, "%s: timeoutSeconds must be a positive integer.", where);
    if ((v = json_object_get(st, "isEnd")) && !is_bool_like(v))
        return invalid(err, "%s: isEnd must be true or false.", where);
    if ((v = json_object_get(st, "isCritical")) && !is_bool_like(v))
        return invalid(err, "%s: isCritical must be true or false.", where);
    if ((v = json_object_get(st, "onFailure")) && check_flow(steps, where, "onFailure", v, 1, err) < 0)
        return -EINVAL;
    if ((v = json_object_get(st, "onCancel")) && check_flow(steps, where, "onCancel", v, 0, err) < 0)
        return -EINVAL;
    if ((v = json_object_get(st, "nextStep"))) {
        if (!json_is_string(v))
            return invalid(err, "%s: nextStep must be a step name.", where);
        if (!step_exists(steps, json_string_value(v), json_string_length(v)))
            return invalid(err, "%s: nextStep '%.128s' does not exist.", where, json_string_value(v));
    }
    if ((v = json_object_get(st, "outputs")) && check_step_outputs(where, v, err) < 0)
        return -EINVAL;
    if (inputs) {
        rc.params = json_object_get(doc, "parameters");
        rc.steps = steps;
        rc.where = where;
        rc.allow_ssm = 0;
        if (!strcmp(a->name, "aws:executeScript")) {
            const char *k;
            json_object_foreach((json_t *) inputs, k, v)
                if (strcmp(k, "Script") && check_refs(&rc, v, err) < 0)
                    return -EINVAL;
        } else if (check_refs(&rc, inputs, err) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}

static int
check_automation(const json_t *doc, struct aerr *err)
{
    const json_t *steps, *st, *v, *params;
    const char *badkey = NULL;
    struct refctx rc;
    size_t i;

    if (check_keys(doc, automation_top, &badkey) < 0)
        return invalid(err, "Unknown top-level field '%.128s' in an Automation document.", badkey);
    if ((v = json_object_get(doc, "description")) && !json_is_string(v))
        return invalid(err, "description must be a string.");
    params = json_object_get(doc, "parameters");
    if (check_parameters(params, err) < 0)
        return -EINVAL;
    steps = json_object_get(doc, "mainSteps");
    if (!steps)
        return invalid(err, "mainSteps is required in an Automation document.");
    if (!json_is_array(steps) || json_array_size(steps) == 0)
        return invalid(err, "mainSteps must be a non-empty list of steps.");
    if (json_array_size(steps) > SSMDOC_MAX_STEPS)
        return invalid(err, "The document has more than %d steps.", SSMDOC_MAX_STEPS);
    json_array_foreach(steps, i, st)
        if (check_automation_step(doc, steps, i, st, err) < 0)
            return -EINVAL;
    rc.params = params;
    rc.steps = steps;
    rc.allow_ssm = 0;
    if ((v = json_object_get(doc, "assumeRole"))) {
        if (!json_is_string(v))
            return invalid(err, "assumeRole must be a string.");
        rc.where = "assumeRole";
        if (check_refs(&rc, v, err) < 0)
            return -EINVAL;
    }
    if ((v = json_object_get(doc, "outputs"))) {
        if (!is_string_list(v))
            return invalid(err, "outputs must be a list of \"stepName.outputName\" strings.");
        json_array_foreach(v, i, st) {
            const char *s = json_string_value(st), *dot = strchr(s, '.');
            if (!dot || dot == s || !dot[1])
                return invalid(err, "outputs entry '%.128s' must be written stepName.outputName.", s);
            if (!step_exists(steps, s, (size_t) (dot - s)))
                return invalid(err, "outputs entry '%.128s' refers to a step that does not exist.", s);
        }
    }
    if (params) {
        const char *k;
        json_t *p;
        char where[SSMDOC_MAX_NAME + 32];
        rc.allow_ssm = 1;
        json_object_foreach((json_t *) params, k, p) {
            snprintf(where, sizeof(where), "Parameter '%s' default", k);
            rc.where = where;
            if (check_refs(&rc, json_object_get(p, "default"), err) < 0)
                return -EINVAL;
        }
    }
    return 0;
}

/* ---- Command 1.2 / 2.x ---- */

static const struct action command_plugins[] = {
    { "aws:applications",        REQ("action", "source") },
    { "aws:cloudWatch",          NULL },
    { "aws:configureDocker",     REQ("action") },
    { "aws:configurePackage",    REQ("name", "action") },
    { "aws:domainJoin",          REQ("directoryId", "directoryName") },
    { "aws:downloadContent",     REQ("sourceType", "sourceInfo") },
    { "aws:psModule",            NULL },
    { "aws:refreshAssociation",  NULL },
    { "aws:runDockerAction",     REQ("action") },
    { "aws:runDocument",         REQ("documentType", "documentPath") },
    { "aws:runPowerShellScript", REQ("runCommand") },
    { "aws:runShellScript",      REQ("runCommand") },
    { "aws:softwareInventory",   NULL },
    { "aws:updateAgent",         NULL },
    { "aws:updateSsmAgent",      NULL },
    { NULL, NULL },
};

static const char *const command2_top[] = {
    "schemaVersion", "description", "parameters", "mainSteps", "files", NULL,
};

static const char *const command12_top[] = {
    "schemaVersion", "description", "parameters", "runtimeConfig", NULL,
};

static const char *const command_step_keys[] = {
    "action", "name", "inputs", "precondition", "description", "onFailure", "onSuccess",
    "finallyStep", "maxAttempts", "timeoutSeconds", NULL,
};

static const struct action *
command_plugin(const char *name)
{
    const struct action *a;

    for (a = command_plugins; a->name; a++)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

static int
check_plugin_inputs(const struct action *a, const char *where, const json_t *inputs,
                    struct aerr *err)
{
    const char *const *req;
    const json_t *rc;

    for (req = a->required; req && *req; req++)
        if (!json_object_get(inputs, *req))
            return invalid(err, "%s: input '%s' is required by plugin %s.", where, *req, a->name);
    rc = json_object_get(inputs, "runCommand");
    if (rc && !json_is_string(rc) && !is_string_list(rc))
        return invalid(err, "%s: runCommand must be a string or a list of strings.", where);
    return 0;
}

/* precondition: {"StringEquals": ["platformType", "Linux"]} */
static int
check_precondition(const char *where, const json_t *pre, struct aerr *err)
{
    const json_t *se = json_object_get(pre, "StringEquals");

    if (!json_is_object(pre) || json_object_size(pre) != 1 || !is_string_list(se) ||
        json_array_size(se) != 2)
        return invalid(err, "%s: precondition must be {\"StringEquals\": [\"platformType\", "
                            "\"<platform>\"]}.", where);
    if (strcmp(json_string_value(json_array_get(se, 0)), "platformType") ||
        !in_list(json_string_value(json_array_get(se, 1)),
                 (const char *const[]) { "Windows", "Linux", "MacOS", NULL }))
        return invalid(err, "%s: precondition compares platformType with Windows, Linux or MacOS.",
                       where);
    return 0;
}

static int
check_command2(const json_t *doc, struct aerr *err)
{
    const json_t *steps, *st, *name, *action, *inputs, *v;
    const struct action *a;
    const char *badkey = NULL;
    char where[SSMDOC_MAX_NAME + 16];
    size_t i, j;

    if (check_keys(doc, command2_top, &badkey) < 0)
        return invalid(err, "Unknown top-level field '%.128s' in a Command document.", badkey);
    if ((v = json_object_get(doc, "description")) && !json_is_string(v))
        return invalid(err, "description must be a string.");
    if (check_parameters(json_object_get(doc, "parameters"), err) < 0)
        return -EINVAL;
    steps = json_object_get(doc, "mainSteps");
    if (!steps)
        return invalid(err, "mainSteps is required in a Command document of schema version 2.x.");
    if (!json_is_array(steps) || json_array_size(steps) == 0)
        return invalid(err, "mainSteps must be a non-empty list of steps.");
    if (json_array_size(steps) > SSMDOC_MAX_STEPS)
        return invalid(err, "The document has more than %d steps.", SSMDOC_MAX_STEPS);
    json_array_foreach(steps, i, st) {
        if (!json_is_object(st))
            return invalid(err, "mainSteps entry %zu must be a map.", i + 1);
        name = json_object_get(st, "name");
        if (!json_is_string(name))
            return invalid(err, "mainSteps entry %zu has no name.", i + 1);
        if (!name_ok(json_string_value(name), ".-"))
            return invalid(err, "Step name '%.128s' is not valid: use letters, digits, '.', '-' "
                                "and '_', at most %d characters.", json_string_value(name), SSMDOC_MAX_NAME);
        snprintf(where, sizeof(where), "Step '%s'", json_string_value(name));
        for (j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(steps, j), "name"), (json_t *) name))
                return invalid(err, "Step name '%s' is not unique.", json_string_value(name));
        if (check_keys(st, command_step_keys, &badkey) < 0)
            return invalid(err, "%s: unknown field '%.128s'.", where, badkey);
        action = json_object_get(st, "action");
        if (!json_is_string(action))
            return invalid(err, "%s: action is required.", where);
        if (!(a = command_plugin(json_string_value(action))))
            return invalid(err, "%s: plugin '%.128s' is not supported in a Command document.", where,
                           json_string_value(action));
        inputs = json_object_get(st, "inputs");
        if (!json_is_object(inputs))
            return invalid(err, "%s: inputs must be a map.", where);
        if (check_plugin_inputs(a, where, inputs, err) < 0)
            return -EINVAL;
        if ((v = json_object_get(st, "precondition")) && check_precondition(where, v, err) < 0)
            return -EINVAL;
    }
    return 0;
}

static int
check_command12(const json_t *doc, struct aerr *err)
{
    const json_t *rc, *plugin, *props, *prop, *v;
    const struct action *a;
    const char *badkey = NULL, *k;
    char where[160];
    size_t i;

    if (check_keys(doc, command12_top, &badkey) < 0)
        return invalid(err, "Unknown top-level field '%.128s' in a Command document of schema "
                            "version 1.2.", badkey);
    if ((v = json_object_get(doc, "description")) && !json_is_string(v))
        return invalid(err, "description must be a string.");
    if (check_parameters(json_object_get(doc, "parameters"), err) < 0)
        return -EINVAL;
    rc = json_object_get(doc, "runtimeConfig");
    if (!rc)
        return invalid(err, "runtimeConfig is required in a Command document of schema version 1.2.");
    if (!json_is_object(rc) || json_object_size(rc) == 0)
        return invalid(err, "runtimeConfig must be a non-empty map of plugin names to settings.");
    json_object_foreach((json_t *) rc, k, plugin) {
        snprintf(where, sizeof(where), "Plugin '%.128s'", k);
        if (!(a = command_plugin(k)))
            return invalid(err, "%s is not supported in a Command document.", where);
        if (!json_is_object(plugin))
            return invalid(err, "%s: settings must be a map.", where);
        props = json_object_get(plugin, "properties");
        if (!props)
            return invalid(err, "%s: properties are required.", where);
        if (json_is_object(props)) {
            if (check_plugin_inputs(a, where, props, err) < 0)
                return -EINVAL;
        } else if (json_is_array(props) && json_array_size(props) > 0) {
            json_array_foreach(props, i, prop) {
                if (!json_is_object(prop))
                    return invalid(err, "%s: properties entry %zu must be a map.", where, i + 1);
                if (check_plugin_inputs(a, where, prop, err) < 0)
                    return -EINVAL;
            }
        } else {
            return invalid(err, "%s: properties must be a map or a non-empty list of maps.", where);
        }
    }
    return 0;
}

/* ---- entry points ---- */

static int
schema_supported(const char *type, const char *sv)
{
    if (!strcmp(type, "Automation") || !strcmp(type, "Automation.ChangeTemplate"))
        return !strcmp(sv, "0.3");
    if (!strcmp(type, "Command"))
        return !strcmp(sv, "1.2") || !strcmp(sv, "2.0") || !strcmp(sv, "2.2");
    if (!strcmp(type, "Session"))
        return !strcmp(sv, "1.0");
    if (!strcmp(type, "Policy") || !strcmp(type, "Package"))
        return !strcmp(sv, "2.0");
    return 1;
}

int
ssmdoc_validate(const json_t *doc, const char *doc_type, struct aerr *err)
{
    const json_t *sv;
    const char *s;
    const char *p;

    if (!json_is_object(doc))
        return invalid(err, "The document content must be a map (a JSON object).");
    sv = json_object_get(doc, "schemaVersion");
    if (!sv)
        return invalid(err, "schemaVersion is required.");
    if (!json_is_string(sv))
        return invalid(err, "schemaVersion must be a string such as \"0.3\" or \"2.2\".");
    s = json_string_value(sv);
    for (p = s; *p && ((*p >= '0' && *p <= '9') || *p == '.'); p++)
        ;
    if (*p || !strchr(s, '.') || s[0] == '.' || strlen(s) > 8 || !schema_supported(doc_type, s))
        return aerr_set(err, -EINVAL, 400, "InvalidDocumentSchemaVersion",
                        "Document schema version %.16s is not supported by document type %s.", s, doc_type);
    if (!strcmp(doc_type, "Automation") || !strcmp(doc_type, "Automation.ChangeTemplate"))
        return check_automation(doc, err);
    if (!strcmp(doc_type, "Command"))
        return !strcmp(s, "1.2") ? check_command12(doc, err) : check_command2(doc, err);
    return 0;
}

/* ---- summary ---- */

enum { PLAT_WINDOWS = 1, PLAT_LINUX = 2, PLAT_MACOS = 4, PLAT_ALL = 7 };

static unsigned
plugin_platforms(const char *plugin)
{
    if (!strcmp(plugin, "aws:runShellScript"))
        return PLAT_LINUX | PLAT_MACOS;
    if (!strcmp(plugin, "aws:runPowerShellScript"))
        return PLAT_WINDOWS | PLAT_LINUX;
    if (!strcmp(plugin, "aws:psModule") || !strcmp(plugin, "aws:applications") ||
        !strcmp(plugin, "aws:domainJoin") || !strcmp(plugin, "aws:cloudWatch"))
        return PLAT_WINDOWS;
    return PLAT_ALL;
}

static unsigned
command_platforms(const json_t *doc)
{
    const json_t *steps = json_object_get(doc, "mainSteps"), *rc, *st, *pre, *se;
    const char *k, *plat;
    unsigned mask = 0, m;
    json_t *v;
    size_t i;

    if ((rc = json_object_get(doc, "runtimeConfig"))) {
        json_object_foreach((json_t *) rc, k, v)
            mask |= plugin_platforms(k);
        return mask ? mask : PLAT_ALL;
    }
    json_array_foreach(steps, i, st) {
        m = plugin_platforms(json_string_value(json_object_get(st, "action")) ?
                             json_string_value(json_object_get(st, "action")) : "");
        pre = json_object_get(st, "precondition");
        se = json_object_get(pre, "StringEquals");
        plat = json_string_value(json_array_get(se, 1));
        if (plat)
            m = !strcmp(plat, "Windows") ? PLAT_WINDOWS : !strcmp(plat, "Linux") ? PLAT_LINUX : PLAT_MACOS;
        mask |= m;
    }
    return mask ? mask : PLAT_ALL;
}

static json_t *
default_text(const json_t *v)
{
    char buf[64];
    char *s;
    json_t *r;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_stringn(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(buf);
    case JSON_REAL:
        ssm_real_text(json_real_value(v), buf, sizeof(buf));
        return json_string(buf);
    case JSON_TRUE:
        return json_string("true");
    case JSON_FALSE:
        return json_string("false");
    case JSON_NULL:
        return NULL;
    default:
        s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s)
            return NULL;
        r = json_string(s);
        free(s);
        return r;
    }
}

int
ssmdoc_summary(const json_t *doc, const char *doc_type, char *ret_schema, size_t cap,
               json_t **ret_params, json_t **ret_platforms)
{
    const json_t *params = json_object_get(doc, "parameters"), *sv = json_object_get(doc, "schemaVersion");
    json_t *list, *plats, *e, *p, *t, *d, *def;
    const char *k;
    unsigned mask;

    snprintf(ret_schema, cap, "%s", json_is_string(sv) ? json_string_value(sv) : "");
    if (!(list = json_array()))
        return -ENOMEM;
    if (json_is_object(params)) {
        json_object_foreach((json_t *) params, k, p) {
            if (!(e = json_object()) || json_array_append_new(list, e))
                goto nomem;
            if (json_object_set_new(e, "Name", json_string(k)))
                goto nomem;
            t = json_object_get(p, "type");
            if (json_is_string(t) && json_object_set(e, "Type", t))
                goto nomem;
            d = json_object_get(p, "description");
            if (json_is_string(d) && json_object_set(e, "Description", d))
                goto nomem;
            def = json_object_get(p, "default");
            if (def && !json_is_null(def) && json_object_set_new(e, "DefaultValue", default_text(def)))
                goto nomem;
        }
    }
    if (!strcmp(doc_type, "Command"))
        mask = command_platforms(doc);
    else
        mask = PLAT_ALL;
    if (!(plats = json_array()))
        goto nomem;
    if (((mask & PLAT_WINDOWS) && json_array_append_new(plats, json_string("Windows"))) ||
        ((mask & PLAT_LINUX) && json_array_append_new(plats, json_string("Linux"))) ||
        ((mask & PLAT_MACOS) && json_array_append_new(plats, json_string("MacOS")))) {
        json_decref(plats);
        goto nomem;
    }
    *ret_params = list;
    *ret_platforms = plats;
    return 0;
nomem:
    json_decref(list);
    return -ENOMEM;
}
