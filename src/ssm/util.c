/* src/ssm/util.c - helpers shared by the SSM handlers: ARNs, paging tokens, hashing,
 * input access, the AWS-owned document lookup. Used by: every file in ssm/. Uses: OpenSSL (SHA-256). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "internal.h"

int
ssm_document_arn(const char *region, const char *account, const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "arn:aws:ssm:%s:%s:document/%s", region, account, name);

    return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

int
ssm_parameter_arn(const char *region, const char *account, const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "arn:aws:ssm:%s:%s:parameter/%s", region, account,
                     name[0] == '/' ? name + 1 : name);

    return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

int
ssm_sha256_hex(const void *data, size_t len, char ret[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return -EIO;
    for (i = 0; i < n; i++) {
        ret[2 * i] = hex[md[i] >> 4];
        ret[2 * i + 1] = hex[md[i] & 15];
    }
    ret[64] = '\0';
    return 0;
}

#define TOKEN_TAG "c1"

json_t *
ssm_token_make(const char *key)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(key), i;
    char buf[SSM_MAX_TOKEN + 1];

    if (2 * n + sizeof(TOKEN_TAG) > sizeof(buf))
        return NULL;
    memcpy(buf, TOKEN_TAG, 2);
    for (i = 0; i < n; i++) {
        buf[2 + 2 * i] = hex[(unsigned char) key[i] >> 4];
        buf[3 + 2 * i] = hex[(unsigned char) key[i] & 15];
    }
    buf[2 + 2 * n] = '\0';
    return json_string(buf);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
ssm_token_read(const char *token, char *buf, size_t cap, struct aerr *err)
{
    size_t n, i;
    int hi, lo;

    buf[0] = '\0';
    if (!token)
        return 0;
    n = strlen(token);
    if (n < 2 || n > SSM_MAX_TOKEN || strncmp(token, TOKEN_TAG, 2) || (n - 2) % 2 ||
        (n - 2) / 2 + 1 > cap)
        goto bad;
    for (i = 0; i < (n - 2) / 2; i++) {
        hi = hexval(token[2 + 2 * i]);
        lo = hexval(token[3 + 2 * i]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            goto bad;
        buf[i] = (char) (hi << 4 | lo);
    }
    buf[i] = '\0';
    return 0;
bad:
    buf[0] = '\0';
    return aerr_set(err, -EINVAL, 400, "InvalidNextToken", "The specified token isn't valid.");
}

int
ssm_max_results(const json_t *in, int def)
{
    json_t *v = json_object_get(in, "MaxResults");

    return json_is_integer(v) && json_integer_value(v) > 0 ? (int) json_integer_value(v) : def;
}

const char *
ssm_in_str(const json_t *in, const char *name)
{
    return json_string_value(json_object_get(in, name));
}

int
ssm_in_bool(const json_t *in, const char *name)
{
    return json_is_true(json_object_get(in, name));
}

const char *
ssm_row_str(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));

    return s && *s ? s : NULL;
}

json_int_t
ssm_row_int(const json_t *row, const char *key)
{
    return json_integer_value(json_object_get(row, key));
}

json_t *
ssm_first_row(json_t *arr)
{
    json_t *r = json_incref(json_array_get(arr, 0));

    json_decref(arr);
    return r;
}

int
ssm_set_str(json_t *o, const char *key, const char *v)
{
    return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

int
ssm_page_answer(struct req *rq, const char *member, json_t *list, int more, const char *last)
{
    if (!(rq->out = json_pack("{s:O}", member, list)) ||
        (more && json_object_set_new(rq->out, "NextToken", ssm_token_make(last))))
        return -ENOMEM;
    return 0;
}

const struct ssm_aws_doc *
ssm_aws_doc_find(const char *name)
{
    size_t i;

    for (i = 0; i < ssm_n_aws_docs; i++)
        if (!strcmp(ssm_aws_docs[i].name, name))
            return &ssm_aws_docs[i];
    return NULL;
}
