/* src/ssm/parameters.h - Parameter Store as the automation engine sees it: read a parameter's
 * value for {{ssm:name}} references. Used by: the automation engine. Uses: store/.
 * Handlers for the API live in parameters.c. */
#ifndef SSM_PARAMETERS_H
#define SSM_PARAMETERS_H

#include <stdint.h>
#include "../base/err.h"
#include "../store/store.h"

#define SSM_PARAM_NAME_MAX   2048       /* PSParameterName (the API's bound) */
#define SSM_PARAM_TYPE_MAX   16         /* "SecureString" + NUL */

/* Read the value of parameter name ("name", "name:version" or "name:label") of account in
 * region. SecureString values are decrypted only when decrypt is set (otherwise *ret_value is
 * the ciphertext, base64). On success returns 0 and sets *ret_value (malloc'd; the caller
 * frees it, after wiping it for a SecureString), ret_type ("String", "StringList",
 * "SecureString") and *ret_version. Fails with -ENOENT and 400 ParameterNotFound, or
 * ParameterVersionNotFound for a version that does not exist. */
int ssm_parameter_read(struct store_tx *tx, const char *account, const char *region,
                       const char *name, int decrypt, char **ret_value,
                       char ret_type[SSM_PARAM_TYPE_MAX], int64_t *ret_version, struct aerr *err);

#endif
