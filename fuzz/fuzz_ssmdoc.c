/* fuzz/fuzz_ssmdoc.c - libFuzzer target for SSM document content (ssm/docparse.c,
 * ssm/ssmyaml.c), run under ASan/UBSan. Each input is parsed as JSON and as YAML; whatever
 * parses is validated as an Automation and as a Command document, summarized, and rendered
 * to YAML and JSON. The YAML rendering must parse back to the same tree (a mismatch traps).
 * Seeds: fuzz/corpus/ssmdoc/ (valid and broken runbooks and command documents). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ssm/docparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void
exercise(const json_t *doc)
{
    static const char *const types[] = { "Automation", "Command", "Session" };
    json_t *params = NULL, *plats = NULL, *back = NULL;
    struct aerr err;
    char schema[16], *text = NULL;
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        memset(&err, 0, sizeof(err));
        (void) ssmdoc_validate(doc, types[i], &err);
        if (ssmdoc_summary(doc, types[i], schema, sizeof(schema), &params, &plats) == 0) {
            json_decref(params);
            json_decref(plats);
        }
    }
    if (ssmdoc_render(doc, SSMDOC_YAML, &text) == 0) {
        memset(&err, 0, sizeof(err));
        if (ssmdoc_parse(text, strlen(text), SSMDOC_YAML, &back, &err) != 0 ||
            !json_equal((json_t *) doc, back))
            __builtin_trap();                /* a dump that does not load back to itself */
        json_decref(back);
        free(text);
    }
    if (ssmdoc_render(doc, SSMDOC_JSON, &text) == 0)
        free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    enum ssmdoc_format fmts[] = { SSMDOC_JSON, SSMDOC_YAML };
    struct aerr err;
    json_t *doc;
    size_t i;

    if (n > SSMDOC_MAX_CONTENT)
        return 0;
    for (i = 0; i < 2; i++) {
        doc = NULL;
        memset(&err, 0, sizeof(err));
        if (ssmdoc_parse((const char *) data, n, fmts[i], &doc, &err) == 0) {
            exercise(doc);
            json_decref(doc);
        }
    }
    return 0;
}
