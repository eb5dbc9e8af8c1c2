/* tests/unit/test_iam.c - the IAM service's pure parts: the policy document validator driven by
 * the cases in the .txt files of tests/data/iam-policies (one cmocka test per file; format in the README
 * there), the size IAM counts, and the URL encoding of documents in answers.
 * Runs from the repository root. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "iam/internal.h"

#define CASE_DIR "tests/data/iam-policies"
#define MAX_FILE (1 << 20)

static size_t cases_run;

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (!f)
        return NULL;
    buf = malloc(MAX_FILE + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, MAX_FILE, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Run one case: header is "<kind> <expectation>", doc the document text. */
static void
run_case(const char *file, int line, const char *header, const char *doc)
{
    enum iam_doc_kind kind = IAM_DOC_INLINE;
    struct aerr err = {0};
    const char *expect;
    size_t size = 0;
    int r;

    if (strncmp(header, "inline ", 7) == 0)
        kind = IAM_DOC_INLINE;
    else if (strncmp(header, "managed ", 8) == 0)
        kind = IAM_DOC_MANAGED;
    else if (strncmp(header, "trust ", 6) == 0)
        kind = IAM_DOC_TRUST;
    else
        fail_msg("%s:%d: unknown kind in '%s'", file, line, header);
    expect = strchr(header, ' ') + 1;
    r = iam_doc_check(doc, kind, &size, &err);
    if (strncmp(expect, "ok", 2) == 0 && (expect[2] == '\0' || expect[2] == ' ')) {
        if (r != 0)
            fail_msg("%s:%d: expected ok, got %s: %s", file, line, err.code ? err.code : "?", err.msg);
        if (expect[2] == ' ' && size != strtoul(expect + 3, NULL, 10))
            fail_msg("%s:%d: size %zu, expected %s", file, line, size, expect + 3);
    } else {
        if (r == 0)
            fail_msg("%s:%d: expected '%s', got ok", file, line, expect);
        if (err.status != 400 || !err.code || strcmp(err.code, "MalformedPolicyDocument") != 0)
            fail_msg("%s:%d: expected 400 MalformedPolicyDocument, got %d %s", file, line, err.status,
                     err.code ? err.code : "(none)");
        if (strcmp(err.msg, expect) != 0)
            fail_msg("%s:%d: expected '%s', got '%s'", file, line, expect, err.msg);
    }
    cases_run++;
}

static void
run_file(void **state)
{
    const char *path = *state;
    char *text = slurp(path), *p, *header = NULL;
    int line = 1, header_line = 0;
    char *doc = NULL;
    size_t doc_len = 0;

    assert_non_null(text);
    doc = malloc(strlen(text) + 1);
    assert_non_null(doc);
    for (p = text; *p;) {
        char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t) (eol - p) : strlen(p);
        if (len >= 4 && strncmp(p, "### ", 4) == 0) {
            if (header) {
                if (doc_len && doc[doc_len - 1] == '\n')
                    doc_len--;
                doc[doc_len] = '\0';
                run_case(path, header_line, header, doc);
            }
            p[len] = '\0';
            header = p + 4;
            header_line = line;
            doc_len = 0;
        } else if (header) {
            memcpy(doc + doc_len, p, len);
            doc_len += len;
            doc[doc_len++] = '\n';
        }
        if (!eol)
            break;
        p = eol + 1;
        line++;
    }
    if (header) {
        if (doc_len && doc[doc_len - 1] == '\n')
            doc_len--;
        doc[doc_len] = '\0';
        run_case(path, header_line, header, doc);
    }
    free(doc);
    free(text);
}

static void
doc_size_ignores_whitespace(void **state)
{
    (void) state;
    assert_int_equal(iam_doc_size(""), 0);
    assert_int_equal(iam_doc_size(" \t\r\n"), 0);
    assert_int_equal(iam_doc_size("{ \"a\" : 1 }"), 7);
}

static void
urlencode_like_iam(void **state)
{
    char *s;

    (void) state;
    s = iam_urlencode("{\"Version\": \"2012-10-17\", \"Action\": \"sts:AssumeRole\"}\n");
    assert_non_null(s);
    assert_string_equal(s, "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D%0A");
    free(s);
    s = iam_urlencode("a*b~c_d.e-f/g");
    assert_string_equal(s, "a*b~c_d.e-f%2Fg");
    free(s);
}

static void
managed_policies_are_sorted_and_valid(void **state)
{
    size_t i;

    (void) state;
    assert_true(iam_n_aws_policies >= 20);
    for (i = 0; i < iam_n_aws_policies; i++) {
        const struct iam_aws_policy *p = &iam_aws_policies[i];
        struct aerr err = {0};
        char arn[512];
        assert_int_equal(strncmp(p->id, "ANPA", 4), 0);
        snprintf(arn, sizeof(arn), "arn:aws:iam::aws:policy%s%s", p->path, p->name);
        assert_string_equal(arn, p->arn);
        assert_ptr_equal(iam_aws_policy_find(p->arn), p);
        if (i > 0)
            assert_true(strcasecmp(iam_aws_policies[i - 1].name, p->name) < 0);
        if (iam_doc_check(p->document, IAM_DOC_AWS_MANAGED, NULL, &err) != 0)
            fail_msg("%s: %s", p->name, err.msg);
    }
    assert_non_null(iam_aws_policy_find("arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"));
    assert_null(iam_aws_policy_find("arn:aws:iam::aws:policy/AmazonSSMAutomationRole"));
}

int
main(void)
{
    static char paths[64][512];
    struct CMUnitTest tests[64 + 3];
    size_t n = 0, i;
    struct dirent *de;
    DIR *d = opendir(CASE_DIR);
    int r;

    if (!d) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", CASE_DIR);
        return 1;
    }
    while ((de = readdir(d)) && n < 64) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
            continue;
        snprintf(paths[n], sizeof(paths[n]), "%s/%s", CASE_DIR, de->d_name);
        n++;
    }
    closedir(d);
    for (i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest) { paths[i], run_file, NULL, NULL, paths[i] };
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(doc_size_ignores_whitespace);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(urlencode_like_iam);
    tests[n++] = (struct CMUnitTest) cmocka_unit_test(managed_policies_are_sorted_and_valid);
    r = _cmocka_run_group_tests("iam", tests, n, NULL, NULL);
    printf("iam: %zu policy document cases\n", cases_run);
    return r;
}
