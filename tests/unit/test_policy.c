/* tests/unit/test_policy.c - the policy engine: every .txt file under tests/policy-vectors as data
 * (one cmocka test per file), plus direct API tests. Runs from the repository root.
 *
 * Vector file format (line-oriented; docs/policy.md has the long form):
 *   # comment
 *   == name                       a new group: no policies, principal = user alice (111122223333)
 *   principal <type> <arn> [role=<role arn>] [account=<id>] [+keys]
 *                                 type: user session root federated-user service web anonymous
 *   @identity | @boundary | @session | @resource | @trust   then the JSON on following lines
 *   > <action> <resource> [key=value | key=[] | resacct=<id>]... => allow|deny|implicit
 *         [sid=<Sid>] [reason=identity|resource|boundary|session] [boundary=true|false]
 *         [missing=k1,k2]
 *   !identity | !resource | !trust [managed] [trusted]   then the JSON, then
 *   !error <message>  or  !ok  [size=<n>]
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include "base/err.h"
#include "policy/policy.h"

#define VECTOR_DIR  "tests/policy-vectors"
#define MAX_POLICIES 32
#define MAX_TEXT    65536
#define MAX_LINE    8192

static size_t cases_run;         /* over all files, for the summary line */

/* ---- vector runner ---- */

struct group {
    const char *file;
    char name[256];
    struct policy *identity[MAX_POLICIES], *boundary[MAX_POLICIES], *session[MAX_POLICIES];
    size_t n_identity, n_boundary, n_session;
    struct policy *resource;
    bool trust;
    /* principal */
    int ptype;
    char parn[512], prole[512], paccount[32];
    bool pkeys;
    /* pending JSON block */
    char block_kind[32];
    char block_opts[128];
    int block_line;
    char text[MAX_TEXT];
    size_t textlen;
    bool in_block;
    int failures;
};

static void __attribute__((format(printf, 3, 4)))
fail_at(struct group *g, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: [%s] ", g->file, line, g->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    g->failures++;
}

static void
group_clear(struct group *g)
{
    for (size_t i = 0; i < g->n_identity; i++)
        policy_unref(g->identity[i]);
    for (size_t i = 0; i < g->n_boundary; i++)
        policy_unref(g->boundary[i]);
    for (size_t i = 0; i < g->n_session; i++)
        policy_unref(g->session[i]);
    g->resource = policy_unref(g->resource);
    g->n_identity = g->n_boundary = g->n_session = 0;
    g->trust = false;
    g->ptype = POLICY_PRINCIPAL_USER;
    snprintf(g->parn, sizeof(g->parn), "arn:aws:iam::111122223333:user/alice");
    g->prole[0] = g->paccount[0] = '\0';
    g->pkeys = false;
}

static char *
trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Split s into tokens at spaces; "..." groups (quotes removed). Returns the count. */
static int
tokenize(char *s, char **tok, int max)
{
    int n = 0;

    while (*s && n < max) {
        char *o;

        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        tok[n++] = o = s;
        while (*s && *s != ' ' && *s != '\t') {
            if (*s == '"') {
                s++;
                while (*s && *s != '"')
                    *o++ = *s++;
                if (*s)
                    s++;
            } else {
                *o++ = *s++;
            }
        }
        if (*s)
            s++;
        *o = '\0';
    }
    return n;
}

static bool
has_word(const char *opts, const char *w)
{
    char buf[128], *tok[16];
    int n;

    snprintf(buf, sizeof(buf), "%s", opts);
    n = tokenize(buf, tok, 16);
    for (int i = 0; i < n; i++)
        if (strcmp(tok[i], w) == 0)
            return true;
    return false;
}

static void
finish_block(struct group *g, const char *verdict, int line)
{
    struct policy_parse_opts o = { 0 };
    struct aerr err = { 0 };
    struct policy *p = NULL;
    const char *k = g->block_kind;
    bool parse_case = k[0] == '!';
    int r;

    g->in_block = false;
    g->text[g->textlen] = '\0';
    if (parse_case)
        k++;
    if (strcmp(k, "identity") == 0 || strcmp(k, "boundary") == 0 || strcmp(k, "session") == 0)
        o.kind = POLICY_KIND_IDENTITY;
    else if (strcmp(k, "resource") == 0)
        o.kind = POLICY_KIND_RESOURCE;
    else if (strcmp(k, "trust") == 0)
        o.kind = POLICY_KIND_TRUST;
    else {
        fail_at(g, g->block_line, "unknown block kind '%s'", g->block_kind);
        return;
    }
    if (has_word(g->block_opts, "managed"))
        o.flags |= POLICY_PARSE_MANAGED;
    if (has_word(g->block_opts, "trusted"))
        o.flags |= POLICY_PARSE_TRUSTED;
    o.id = g->block_opts[0] ? g->block_opts : k;
    r = policy_parse(g->text, g->textlen, &o, &p, &err);
    if (!parse_case) {
        if (r < 0) {
            fail_at(g, g->block_line, "policy does not parse: %s", err.msg);
            return;
        }
        if (strcmp(k, "identity") == 0 && g->n_identity < MAX_POLICIES)
            g->identity[g->n_identity++] = p;
        else if (strcmp(k, "boundary") == 0 && g->n_boundary < MAX_POLICIES)
            g->boundary[g->n_boundary++] = p;
        else if (strcmp(k, "session") == 0 && g->n_session < MAX_POLICIES)
            g->session[g->n_session++] = p;
        else {
            policy_unref(g->resource);
            g->resource = p;
            g->trust = strcmp(k, "trust") == 0;
        }
        return;
    }
    /* a parse case: verdict is "error <msg>" or "ok [size=N]" */
    cases_run++;
    if (strncmp(verdict, "error ", 6) == 0) {
        const char *want = verdict + 6;

        if (r >= 0)
            fail_at(g, line, "parsed, want error '%s'", want);
        else if (strcmp(err.msg, want) != 0 || err.status != 400 ||
                 strcmp(err.code, "MalformedPolicyDocument") != 0)
            fail_at(g, line, "error '%s' (%d %s), want '%s'", err.msg, err.status, err.code, want);
    } else if (strncmp(verdict, "ok", 2) == 0) {
        const char *sz = strstr(verdict, "size=");

        if (r < 0)
            fail_at(g, line, "error '%s', want ok", err.msg);
        if (sz && policy_size(g->text, g->textlen) != (size_t) atol(sz + 5))
            fail_at(g, line, "size %zu, want %s", policy_size(g->text, g->textlen), sz + 5);
    } else {
        fail_at(g, line, "bad verdict '%s'", verdict);
    }
    policy_unref(p);
}

static int
ptype_of(const char *s)
{
    static const struct { const char *n; int t; } map[] = {
        { "user", POLICY_PRINCIPAL_USER }, { "session", POLICY_PRINCIPAL_ASSUMED_ROLE },
        { "root", POLICY_PRINCIPAL_ROOT }, { "federated-user", POLICY_PRINCIPAL_FEDERATED_USER },
        { "service", POLICY_PRINCIPAL_SERVICE }, { "web", POLICY_PRINCIPAL_WEB_IDENTITY },
        { "anonymous", POLICY_PRINCIPAL_ANONYMOUS }, { NULL, 0 },
    };

    for (int i = 0; map[i].n; i++)
        if (strcmp(map[i].n, s) == 0)
            return map[i].t;
    return -1;
}

static void
principal_line(struct group *g, char *rest, int line)
{
    char *tok[8];
    int n = tokenize(rest, tok, 8);

    if (n < 1 || ptype_of(tok[0]) < 0) {
        fail_at(g, line, "bad principal line");
        return;
    }
    g->ptype = ptype_of(tok[0]);
    g->parn[0] = g->prole[0] = g->paccount[0] = '\0';
    g->pkeys = false;
    if (n > 1) {
        if (g->ptype == POLICY_PRINCIPAL_ROOT && !strchr(tok[1], ':'))
            snprintf(g->parn, sizeof(g->parn), "arn:aws:iam::%s:root", tok[1]);
        else
            snprintf(g->parn, sizeof(g->parn), "%s", tok[1]);
    }
    for (int i = 2; i < n; i++) {
        if (strncmp(tok[i], "role=", 5) == 0)
            snprintf(g->prole, sizeof(g->prole), "%s", tok[i] + 5);
        else if (strncmp(tok[i], "account=", 8) == 0)
            snprintf(g->paccount, sizeof(g->paccount), "%s", tok[i] + 8);
        else if (strcmp(tok[i], "+keys") == 0)
            g->pkeys = true;
        else
            fail_at(g, line, "bad principal option '%s'", tok[i]);
    }
}

static bool
missing_equal(const struct policy_result *r, const char *want)
{
    char buf[1024], *save = NULL, *k;
    size_t n = 0;

    snprintf(buf, sizeof(buf), "%s", want);
    for (k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        bool found = false;

        for (size_t i = 0; i < r->n_missing; i++)
            found |= strcasecmp(r->missing[i], k) == 0;
        if (!found)
            return false;
        n++;
    }
    return n == r->n_missing;
}

static const char *
source_name(enum policy_source s)
{
    switch (s) {
    case POLICY_SRC_IDENTITY: return "identity";
    case POLICY_SRC_RESOURCE: return "resource";
    case POLICY_SRC_BOUNDARY: return "boundary";
    case POLICY_SRC_SESSION:  return "session";
    default:                  return "none";
    }
}

static void
request_line(struct group *g, struct policy_ctx *c, char *rest, int line)
{
    char *tok[64], *arrow = strstr(rest, "=>");
    const char *resacct = NULL, *want_sid = NULL, *want_reason = NULL, *want_missing = NULL;
    const char *want_boundary = NULL;
    const struct policy *ids[MAX_POLICIES], *bds[MAX_POLICIES], *sss[MAX_POLICIES];
    struct policy_set set = { ids, g->n_identity, bds, g->n_boundary, sss, g->n_session,
                              g->resource };
    struct policy_result r, rt;
    enum policy_decision want;
    unsigned flags = g->trust ? POLICY_DECIDE_TRUST : 0;
    int n, ne;
    char *etok[16];

    cases_run++;
    if (!arrow) {
        fail_at(g, line, "request without =>");
        return;
    }
    *arrow = '\0';
    n = tokenize(rest, tok, 64);
    ne = tokenize(arrow + 2, etok, 16);
    if (n < 2 || ne < 1) {
        fail_at(g, line, "request needs action, resource and an expectation");
        return;
    }
    if (strcmp(etok[0], "allow") == 0)
        want = POLICY_ALLOWED;
    else if (strcmp(etok[0], "deny") == 0)
        want = POLICY_EXPLICIT_DENY;
    else if (strcmp(etok[0], "implicit") == 0)
        want = POLICY_IMPLICIT_DENY;
    else {
        fail_at(g, line, "bad expectation '%s'", etok[0]);
        return;
    }
    for (int i = 1; i < ne; i++) {
        if (strncmp(etok[i], "sid=", 4) == 0)
            want_sid = etok[i] + 4;
        else if (strncmp(etok[i], "reason=", 7) == 0)
            want_reason = etok[i] + 7;
        else if (strncmp(etok[i], "missing=", 8) == 0)
            want_missing = etok[i] + 8;
        else if (strncmp(etok[i], "boundary=", 9) == 0)
            want_boundary = etok[i] + 9;
        else
            fail_at(g, line, "bad expectation option '%s'", etok[i]);
    }
    policy_ctx_reset(c);
    if (policy_ctx_set_principal(c, g->ptype, g->parn[0] ? g->parn : NULL,
                                 g->paccount[0] ? g->paccount : NULL,
                                 g->prole[0] ? g->prole : NULL) < 0 ||
        policy_ctx_set_action(c, tok[0]) < 0) {
        fail_at(g, line, "cannot set principal/action");
        return;
    }
    if (g->pkeys)
        assert_int_equal(policy_ctx_add_principal_keys(c), 0);
    for (int i = 2; i < n; i++) {
        char *eq = strchr(tok[i], '=');

        if (!eq) {
            fail_at(g, line, "bad key token '%s'", tok[i]);
            return;
        }
        *eq = '\0';
        if (strcmp(tok[i], "resacct") == 0)
            resacct = eq + 1;
        else if (strcmp(eq + 1, "[]") == 0)
            assert_int_equal(policy_ctx_key_set(c, tok[i], NULL, 0), 0);
        else
            assert_int_equal(policy_ctx_key_add(c, tok[i], eq + 1), 0);
    }
    assert_int_equal(policy_ctx_set_resource(c, tok[1], resacct), 0);
    for (size_t i = 0; i < g->n_identity; i++)
        ids[i] = g->identity[i];
    for (size_t i = 0; i < g->n_boundary; i++)
        bds[i] = g->boundary[i];
    for (size_t i = 0; i < g->n_session; i++)
        sss[i] = g->session[i];

    policy_decide(&set, c, flags, &r);
    policy_decide(&set, c, flags | POLICY_DECIDE_TRACE, &rt);
    if (r.decision != want) {
        fail_at(g, line, "%s %s: %s (reason %s), want %s", tok[0], tok[1],
                policy_decision_name(r.decision), source_name(r.reason), policy_decision_name(want));
        return;
    }
    if (rt.decision != r.decision || rt.reason != r.reason)
        fail_at(g, line, "traced decision %s/%s differs from %s/%s",
                policy_decision_name(rt.decision), source_name(rt.reason),
                policy_decision_name(r.decision), source_name(r.reason));
    if (want_reason && strcmp(source_name(r.reason), want_reason) != 0)
        fail_at(g, line, "reason %s, want %s", source_name(r.reason), want_reason);
    if (want_boundary && strcmp(r.boundary_allowed ? "true" : "false", want_boundary) != 0)
        fail_at(g, line, "boundary_allowed %d, want %s", r.boundary_allowed, want_boundary);
    if (want_sid) {
        bool found = false;

        for (size_t i = 0; i < rt.n_matches; i++)
            if (rt.matches[i].deny == (want == POLICY_EXPLICIT_DENY) && rt.matches[i].sid &&
                strcmp(rt.matches[i].sid, want_sid) == 0)
                found = true;
        if (!found)
            fail_at(g, line, "no matched statement with Sid %s", want_sid);
    }
    if (want_missing && !missing_equal(&rt, want_missing)) {
        char got[512] = "";

        for (size_t i = 0; i < rt.n_missing; i++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
                     rt.missing[i]);
        fail_at(g, line, "missing {%s}, want {%s}", got, want_missing);
    }
}

static void
run_file(void **state)
{
    const char *path = *state;
    FILE *f = fopen(path, "r");
    struct group *g = calloc(1, sizeof(*g));
    struct policy_ctx *c = policy_ctx_new();
    char line[MAX_LINE];
    int lineno = 0;

    assert_non_null(f);
    assert_non_null(g);
    assert_non_null(c);
    g->file = path;
    snprintf(g->name, sizeof(g->name), "(top)");
    group_clear(g);
    while (fgets(line, sizeof(line), f)) {
        char *t;

        lineno++;
        t = trim(line);
        if (g->in_block && !(t[0] == '=' && t[1] == '=') && t[0] != '@' && t[0] != '>' &&
            t[0] != '!' && t[0] != '#' && strncmp(t, "principal ", 10) != 0) {
            size_t n = strlen(line);

            if (g->textlen + n + 1 < sizeof(g->text)) {
                memcpy(g->text + g->textlen, line, n);
                g->textlen += n;
                g->text[g->textlen++] = '\n';
            }
            continue;
        }
        if (t[0] == '#' || (t[0] == '\0' && !g->in_block))
            continue;
        if (g->in_block) {
            if (g->block_kind[0] == '!') {
                if (t[0] != '!' || (strncmp(t, "!error ", 7) != 0 && strncmp(t, "!ok", 3) != 0)) {
                    fail_at(g, lineno, "parse case without !error / !ok");
                    g->in_block = false;
                } else {
                    finish_block(g, t + 1, lineno);
                    continue;
                }
            } else {
                finish_block(g, NULL, lineno);
            }
        }
        if (t[0] == '=' && t[1] == '=') {
            group_clear(g);
            snprintf(g->name, sizeof(g->name), "%s", trim(t + 2));
        } else if (strncmp(t, "principal ", 10) == 0) {
            principal_line(g, t + 10, lineno);
        } else if (t[0] == '@' || t[0] == '!') {
            char *sp = strchr(t, ' ');

            if (sp)
                *sp = '\0';
            snprintf(g->block_kind, sizeof(g->block_kind), "%s", t[0] == '@' ? t + 1 : t);
            snprintf(g->block_opts, sizeof(g->block_opts), "%s", sp ? trim(sp + 1) : "");
            g->block_line = lineno;
            g->textlen = 0;
            g->in_block = true;
        } else if (t[0] == '>') {
            request_line(g, c, t + 1, lineno);
        } else {
            fail_at(g, lineno, "unexpected line '%s'", t);
        }
    }
    if (g->in_block) {
        if (g->block_kind[0] == '!')
            fail_at(g, lineno, "parse case at end of file without !error / !ok");
        else
            finish_block(g, NULL, lineno);
    }
    fclose(f);
    group_clear(g);
    policy_ctx_free(c);
    if (g->failures) {
        int n = g->failures;

        free(g);
        fail_msg("%d failing case(s) in %s", n, path);
    }
    free(g);
}

/* ---- direct API tests ---- */

static struct policy *
parse_ok(enum policy_kind kind, const char *doc)
{
    struct policy_parse_opts o = { .kind = kind, .id = "test" };
    struct aerr err = { 0 };
    struct policy *p = NULL;
    int r = policy_parse(doc, strlen(doc), &o, &p, &err);

    if (r < 0)
        fprintf(stderr, "parse: %s\n", err.msg);
    assert_int_equal(r, 0);
    assert_non_null(p);
    return p;
}

static void
size_counts_non_whitespace_characters(void **state)
{
    const char *doc = "{ \"a\" :\n\t\"b c\" }\r\n";

    assert_int_equal(policy_size(doc, strlen(doc)), 10);
    assert_int_equal(policy_size("\xc3\xa9t\xc3\xa9", 5), 3);     /* UTF-8: été */
    assert_int_equal(policy_size("", 0), 0);
}

static void
refcount_and_introspection(void **state)
{
    struct policy *p = parse_ok(POLICY_KIND_IDENTITY,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
        "\"Action\":\"s3:*\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"iam:*\","
        "\"Resource\":\"*\"}]}");

    assert_ptr_equal(policy_ref(p), p);
    assert_null(policy_unref(p));
    assert_string_equal(policy_id(p), "test");
    assert_int_equal(policy_kind(p), POLICY_KIND_IDENTITY);
    assert_true(policy_is_v2012(p));
    assert_int_equal(policy_statement_count(p), 2);
    assert_string_equal(policy_statement_sid(p, 0), "A");
    assert_null(policy_statement_sid(p, 1));
    assert_null(policy_statement_sid(p, 2));
    assert_null(policy_unref(p));
    assert_null(policy_unref(NULL));
}

static void
statement_positions(void **state)
{
    const char *doc =
        "{\n"
        "  \"Version\": \"2012-10-17\",\n"
        "  \"Statement\": [\n"
        "    {\n"
        "      \"Effect\": \"Allow\",\n"
        "      \"Action\": \"s3:GetObject\",\n"
        "      \"Resource\": \"*\"\n"
        "    },\n"
        "    {\"Effect\": \"Deny\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\"}\n"
        "  ]\n"
        "}\n";
    struct policy *p = parse_ok(POLICY_KIND_IDENTITY, doc);
    struct policy_position a, b;

    assert_int_equal(policy_statement_position(p, 0, &a, &b), 0);
    assert_int_equal(a.line, 4);
    assert_int_equal(a.column, 5);
    assert_int_equal(b.line, 8);
    assert_int_equal(b.column, 6);
    assert_int_equal(policy_statement_position(p, 1, &a, &b), 0);
    assert_int_equal(a.line, 9);
    assert_int_equal(a.column, 5);
    assert_int_equal(b.line, 9);
    assert_int_equal(b.column, 66);
    assert_int_equal(policy_statement_position(p, 2, &a, &b), -ENOENT);
    policy_unref(p);
}

static void
collect_key(void *ud, const char *key)
{
    char *buf = ud;

    strcat(buf, key);
    strcat(buf, ";");
}

static void
context_keys_are_listed_once(void **state)
{
    struct policy *p = parse_ok(POLICY_KIND_IDENTITY,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
        "\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\",\"Condition\":{"
        "\"StringEquals\":{\"aws:PrincipalTag/team\":\"${aws:PrincipalTag/team}\"},"
        "\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"},"
        "\"Bool\":{\"AWS:SourceIP\":\"true\"}}}]}");
    char buf[512] = "";

    policy_context_keys(p, collect_key, buf);
    assert_string_equal(buf, "aws:PrincipalTag/team;aws:SourceIp;aws:username;");
    policy_unref(p);
}

static void
ctx_keys_are_case_insensitive_and_multi_valued(void **state)
{
    struct policy_ctx *c = policy_ctx_new();
    const char *vals[] = { "a", "b", "c" };

    assert_non_null(c);
    assert_int_equal(policy_ctx_key_add(c, "aws:TagKeys", "x"), 0);
    assert_int_equal(policy_ctx_key_add(c, "AWS:username", "alice"), 0);
    assert_int_equal(policy_ctx_key_add(c, "aws:tagkeys", "y"), 0);   /* moves the run */
    assert_string_equal(policy_ctx_key_get(c, "AWS:TAGKEYS", 0), "x");
    assert_string_equal(policy_ctx_key_get(c, "aws:TagKeys", 1), "y");
    assert_null(policy_ctx_key_get(c, "aws:TagKeys", 2));
    assert_string_equal(policy_ctx_key_get(c, "aws:UserName", 0), "alice");
    assert_int_equal(policy_ctx_key_set(c, "aws:TagKeys", vals, 3), 0);
    assert_string_equal(policy_ctx_key_get(c, "aws:tagkeys", 2), "c");
    assert_int_equal(policy_ctx_key_add(c, "", "x"), -EINVAL);
    /* many keys: the index grows */
    for (int i = 0; i < 500; i++) {
        char k[32], v[32];

        snprintf(k, sizeof(k), "aws:RequestTag/k%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        assert_int_equal(policy_ctx_key_add(c, k, v), 0);
    }
    assert_string_equal(policy_ctx_key_get(c, "AWS:REQUESTTAG/K377", 0), "v377");
    assert_string_equal(policy_ctx_key_get(c, "aws:username", 0), "alice");
    policy_ctx_reset(c);
    assert_null(policy_ctx_key_get(c, "aws:username", 0));
    assert_int_equal(policy_ctx_key_add(c, "aws:username", "bob"), 0);
    assert_string_equal(policy_ctx_key_get(c, "aws:username", 0), "bob");
    assert_null(policy_ctx_free(c));
    assert_null(policy_ctx_free(NULL));
}

static void
principal_keys_are_filled(void **state)
{
    struct policy_ctx *c = policy_ctx_new();

    assert_int_equal(policy_ctx_set_principal(c, POLICY_PRINCIPAL_ASSUMED_ROLE,
        "arn:aws:sts::111122223333:assumed-role/R/s", NULL, "arn:aws:iam::111122223333:role/p/R"), 0);
    assert_int_equal(policy_ctx_add_principal_keys(c), 0);
    assert_string_equal(policy_ctx_key_get(c, "aws:PrincipalArn", 0), "arn:aws:iam::111122223333:role/p/R");
    assert_string_equal(policy_ctx_key_get(c, "aws:PrincipalAccount", 0), "111122223333");
    assert_string_equal(policy_ctx_key_get(c, "aws:PrincipalType", 0), "AssumedRole");
    assert_int_equal(policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, "not-an-arn", NULL, NULL),
                     -EINVAL);
    assert_int_equal(policy_ctx_set_action(c, ""), -EINVAL);
    policy_ctx_free(c);
}

static void
denial_messages(void **state)
{
    struct policy_result r = { 0 };
    char buf[512];

    r.decision = POLICY_IMPLICIT_DENY;
    r.reason = POLICY_SRC_IDENTITY;
    policy_denial_message("arn:aws:iam::111122223333:user/bob", "iam:CreateRole",
                          "arn:aws:iam::111122223333:role/x", &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: arn:aws:iam::111122223333:user/bob is not authorized to "
        "perform: iam:CreateRole on resource: arn:aws:iam::111122223333:role/x because no "
        "identity-based policy allows the iam:CreateRole action");
    r.reason = POLICY_SRC_BOUNDARY;
    policy_denial_message("arn:aws:iam::1:user/b", "s3:GetObject", "*", &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: arn:aws:iam::1:user/b is not authorized to perform: "
        "s3:GetObject because no permissions boundary allows the s3:GetObject action");
    r.reason = POLICY_SRC_SESSION;
    policy_denial_message("u", "a:b", NULL, &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: u is not authorized to perform: a:b because no session "
        "policy allows the a:b action");
    r.reason = POLICY_SRC_RESOURCE;
    policy_denial_message("u", "a:b", NULL, &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: u is not authorized to perform: a:b because no "
        "resource-based policy allows the a:b action");
    r.decision = POLICY_EXPLICIT_DENY;
    r.reason = POLICY_SRC_IDENTITY;
    policy_denial_message("u", "a:b", "arn:x", &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: u is not authorized to perform: a:b on resource: arn:x "
        "with an explicit deny in an identity-based policy");
    r.reason = POLICY_SRC_BOUNDARY;
    policy_denial_message("u", "a:b", NULL, &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: u is not authorized to perform: a:b with an explicit deny "
        "in a permissions boundary");
    r.reason = POLICY_SRC_RESOURCE;
    policy_denial_message("u", "a:b", NULL, &r, buf, sizeof(buf));
    assert_string_equal(buf, "User: u is not authorized to perform: a:b with an explicit deny "
        "in a resource-based policy");
    r.reason = POLICY_SRC_SESSION;
    assert_int_equal(policy_denial_message("u", "a:b", NULL, &r, buf, 8), 83);
    assert_string_equal(buf, "User: u");
    assert_string_equal(policy_decision_name(POLICY_ALLOWED), "allowed");
    assert_string_equal(policy_decision_name(POLICY_EXPLICIT_DENY), "explicitDeny");
    assert_string_equal(policy_decision_name(POLICY_IMPLICIT_DENY), "implicitDeny");
}

static void
decisive_match_and_trace(void **state)
{
    struct policy *p = parse_ok(POLICY_KIND_IDENTITY,
        "{\"Version\":\"2012-10-17\",\"Statement\":["
        "{\"Sid\":\"A1\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
        "{\"Sid\":\"A2\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\","
        " \"Condition\":{\"StringEquals\":{\"s3:prefix\":\"x\"},\"Bool\":{\"aws:SecureTransport\":\"true\"}}},"
        "{\"Sid\":\"D1\",\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\"}]}");
    const struct policy *ids[] = { p };
    struct policy_set set = { .identity = ids, .n_identity = 1 };
    struct policy_ctx *c = policy_ctx_new();
    struct policy_result r;
    const struct policy_match *m;

    policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, "arn:aws:iam::111122223333:user/a", NULL, NULL);
    policy_ctx_set_action(c, "s3:GetObject");
    policy_ctx_set_resource(c, "arn:aws:s3:::b/k", NULL);
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_ALLOWED);
    assert_int_equal(r.n_matches, 1);                  /* stops at the first Allow */
    m = policy_result_decisive(&r);
    assert_non_null(m);
    assert_string_equal(m->sid, "A1");
    assert_ptr_equal(m->policy, p);
    assert_int_equal(m->source, POLICY_SRC_IDENTITY);
    assert_int_equal(policy_decide(&set, c, POLICY_DECIDE_TRACE, &r), POLICY_ALLOWED);
    assert_int_equal(r.n_matches, 1);                  /* A2's conditions do not hold */
    assert_int_equal(r.n_missing, 2);
    assert_string_equal(r.missing[0], "s3:prefix");
    assert_string_equal(r.missing[1], "aws:SecureTransport");
    policy_ctx_set_action(c, "s3:DeleteObject");
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_EXPLICIT_DENY);
    m = policy_result_decisive(&r);
    assert_string_equal(m->sid, "D1");
    assert_int_equal(m->stmt, 2);
    assert_true(m->deny);
    policy_ctx_set_action(c, "iam:GetUser");
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_IMPLICIT_DENY);
    assert_null(policy_result_decisive(&r));
    assert_int_equal(r.reason, POLICY_SRC_IDENTITY);
    policy_ctx_free(c);
    policy_unref(p);
}

static int
only_known(void *ud, const char *type, const char *value)
{
    (void) ud;
    if (strcmp(type, "AWS") == 0 && strstr(value, ":role/ghost"))
        return -ENOENT;
    return 0;
}

static void
principal_check_callback(void **state)
{
    const char *doc =
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
        "\"Principal\":{\"AWS\":[\"arn:aws:iam::111122223333:role/real\",\"arn:aws:iam::111122223333:role/ghost\"]}}}";
    struct policy_parse_opts o = { .kind = POLICY_KIND_TRUST, .principal_check = only_known };
    struct aerr err = { 0 };
    struct policy *p = NULL;

    assert_int_equal(policy_parse(doc, strlen(doc), &o, &p, &err), -EINVAL);
    assert_string_equal(err.msg, "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111122223333:role/ghost\"");
    assert_null(p);
    o.principal_check = NULL;
    assert_int_equal(policy_parse(doc, strlen(doc), &o, &p, &err), 0);
    policy_unref(p);
}

static void
empty_set_and_null_arrays(void **state)
{
    struct policy_set set = { 0 };
    struct policy_ctx *c = policy_ctx_new();
    struct policy_result r;

    policy_ctx_set_principal(c, POLICY_PRINCIPAL_USER, "arn:aws:iam::111122223333:user/a", NULL, NULL);
    policy_ctx_set_action(c, "s3:GetObject");
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_IMPLICIT_DENY);
    policy_ctx_set_principal(c, POLICY_PRINCIPAL_ROOT, "arn:aws:iam::111122223333:root", NULL, NULL);
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_ALLOWED);
    policy_ctx_set_resource(c, "arn:aws:iam::222233334444:role/x", NULL);
    assert_int_equal(policy_decide(&set, c, 0, &r), POLICY_IMPLICIT_DENY);
    assert_int_equal(r.reason, POLICY_SRC_RESOURCE);
    policy_ctx_free(c);
}

static void
policies_are_shareable_across_contexts(void **state)
{
    struct policy *p = parse_ok(POLICY_KIND_IDENTITY,
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
        "\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}}");
    const struct policy *ids[] = { p };
    struct policy_set set = { .identity = ids, .n_identity = 1 };
    struct policy_ctx *a = policy_ctx_new(), *b = policy_ctx_new();
    struct policy_result r;

    policy_ctx_set_principal(a, POLICY_PRINCIPAL_USER, "arn:aws:iam::111122223333:user/a", NULL, NULL);
    policy_ctx_set_principal(b, POLICY_PRINCIPAL_USER, "arn:aws:iam::111122223333:user/b", NULL, NULL);
    policy_ctx_set_action(a, "s3:GetObject");
    policy_ctx_set_action(b, "s3:GetObject");
    policy_ctx_key_add(a, "aws:username", "a");
    policy_ctx_key_add(b, "aws:username", "b");
    policy_ctx_set_resource(a, "arn:aws:s3:::b/a/k", NULL);
    policy_ctx_set_resource(b, "arn:aws:s3:::b/a/k", NULL);
    assert_int_equal(policy_decide(&set, a, 0, &r), POLICY_ALLOWED);
    assert_int_equal(policy_decide(&set, b, 0, &r), POLICY_IMPLICIT_DENY);
    policy_ctx_free(a);
    policy_ctx_free(b);
    policy_unref(p);
}

static void
garbage_never_crashes(void **state)
{
    static const char *const docs[] = {
        "", "{", "[]", "null", "\"x\"", "{\"Statement\":{}}", "{\"Statement\":[[]]}",
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":[1],\"Resource\":\"*\"}}",
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"${\"}}",
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\","
        "\"Condition\":{\"StringLike\":{\"k\":[\"${a, 'b\",\"${}\",\"${ }\",\"${a,'b'}${c}x${\"]}}}}",
    };
    enum policy_kind kinds[] = { POLICY_KIND_IDENTITY, POLICY_KIND_RESOURCE, POLICY_KIND_TRUST };

    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        for (size_t k = 0; k < 3; k++) {
            struct policy_parse_opts o = { .kind = kinds[k] };
            struct aerr err = { 0 };
            struct policy *p = NULL;

            if (policy_parse(docs[i], strlen(docs[i]), &o, &p, &err) < 0)
                assert_int_equal(err.status, 400);
            policy_unref(p);
            o.flags = POLICY_PARSE_TRUSTED;
            p = NULL;
            (void) policy_parse(docs[i], strlen(docs[i]), &o, &p, &err);
            policy_unref(p);
        }
    }
}

/* ---- main ---- */

static int
vector_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(void)
{
    static const struct CMUnitTest api[] = {
        cmocka_unit_test(size_counts_non_whitespace_characters),
        cmocka_unit_test(refcount_and_introspection),
        cmocka_unit_test(statement_positions),
        cmocka_unit_test(context_keys_are_listed_once),
        cmocka_unit_test(ctx_keys_are_case_insensitive_and_multi_valued),
        cmocka_unit_test(principal_keys_are_filled),
        cmocka_unit_test(denial_messages),
        cmocka_unit_test(decisive_match_and_trace),
        cmocka_unit_test(principal_check_callback),
        cmocka_unit_test(empty_set_and_null_arrays),
        cmocka_unit_test(policies_are_shareable_across_contexts),
        cmocka_unit_test(garbage_never_crashes),
    };
    struct CMUnitTest *files = NULL;
    char **paths = NULL;
    size_t n = 0;
    DIR *d = opendir(VECTOR_DIR);
    struct dirent *e;
    int fails;

    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);

        if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
            paths = realloc(paths, (n + 1) * sizeof(*paths));
            assert_non_null(paths);
            paths[n] = malloc(strlen(VECTOR_DIR) + len + 2);
            assert_non_null(paths[n]);
            sprintf(paths[n], "%s/%s", VECTOR_DIR, e->d_name);
            n++;
        }
    }
    if (d)
        closedir(d);
    if (n == 0) {
        fprintf(stderr, "no vector files in %s (run from the repository root)\n", VECTOR_DIR);
        return 1;
    }
    qsort(paths, n, sizeof(*paths), vector_name_cmp);
    files = calloc(n, sizeof(*files));
    assert_non_null(files);
    for (size_t i = 0; i < n; i++) {
        files[i].name = paths[i];
        files[i].test_func = run_file;
        files[i].initial_state = paths[i];
    }
    fails = cmocka_run_group_tests_name("policy API", api, NULL, NULL);
    fails += _cmocka_run_group_tests("policy vectors", files, n, NULL, NULL);
    fprintf(stderr, "policy vectors: %zu cases in %zu files\n", cases_run, n);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(files);
    return fails ? 1 : 0;
}
