/* src/automation/actions/update_variable.c - aws:updateVariable: set a runbook variable
 * (declared under the top-level "variables") to Value; {{ variable:NAME }} reads it. */
#include <string.h>
#include "common.h"

static enum auto_result
start(struct auto_step_ctx *sc)
{
    const char *name = json_string_value(json_object_get(sc->inputs, "Name"));
    const json_t *value = json_object_get(sc->inputs, "Value");
    const json_t *decl = json_object_get(sc->e->doc->doc, "variables"), *d;
    const char *type;
    json_t *v;
    char errbuf[256];

    if (!name || !value)
        return auto_fail(sc, "InputValidation", "Verification", "aws:updateVariable needs Name and Value.");
    if (!strncmp(name, "variable:", 9))
        name += 9;
    d = json_object_get(decl, name);
    if (!d)
        return auto_fail(sc, "InputValidation", "Verification", "Variable '%.128s' is not declared in "
                         "the runbook's variables.", name);
    type = json_string_value(json_object_get(d, "type"));
    if (type && json_is_string(value) && strcmp(type, "String") && strcmp(type, "StringList")) {
        json_t *strings = json_pack("[O]", value);
        int r = strings ? auto_param_convert(type, strings, &v, errbuf, sizeof(errbuf)) : -1;
        json_decref(strings);
        if (r < 0)
            return auto_fail(sc, "InputValidation", "Verification", "Value does not fit variable "
                             "'%.128s' of type %s.", name, type);
    } else {
        v = json_deep_copy(value);
    }
    json_object_set_new(sc->e->vars, name, v);
    return AUTO_SUCCESS;
}

const struct auto_action auto_action_update_variable = {
    "aws:updateVariable", 0, start, NULL, NULL, NULL, NULL,
};
