/* src/crypto/ids.h - AWS-shaped identifiers and secrets from the OS's CSPRNG.
 * Used by: core/ (accounts, keys), iam/, sts/, ssm/. Uses: OpenSSL RAND_bytes. */
#ifndef CRYPTO_IDS_H
#define CRYPTO_IDS_H

#include <stddef.h>

#define IDS_UNIQUE_LEN   21    /* "AIDA" + 17: IAM unique ids (AIDA, AGPA, AROA, ANPA, AIPA) */
#define IDS_KEY_LEN      20    /* "AKIA"/"ASIA" + 16: access key ids */
#define IDS_SECRET_LEN   40    /* secret access keys */

/* Write prefix followed by random characters from [A-Z2-7] (AWS's alphabet for these ids)
 * so that the whole is len characters, NUL-terminated; buf must hold len + 1.
 * Returns 0, or -EIO when the CSPRNG fails. */
int ids_random(char *buf, size_t len, const char *prefix);
/* A 40-character secret access key from [A-Za-z0-9+/]. Returns 0 or -EIO. */
int ids_secret(char buf[IDS_SECRET_LEN + 1]);
/* A random RFC 4122 version 4 UUID, lowercase, 36 characters. Returns 0 or -EIO. */
int ids_uuid(char buf[37]);
/* Fill buf with n random bytes. Returns 0 or -EIO. */
int ids_bytes(void *buf, size_t n);

#endif
