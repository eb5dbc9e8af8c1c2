/* src/crypto/ids.c - see ids.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/rand.h>
#include "ids.h"

int
ids_bytes(void *buf, size_t n)
{
    return RAND_bytes(buf, (int) n) == 1 ? 0 : -EIO;
}

static int
random_from(char *buf, size_t n, const char *alphabet, size_t alen)
{
    unsigned char r[64];
    size_t i;

    while (n > 0) {
        size_t k = n < sizeof(r) ? n : sizeof(r);
        if (ids_bytes(r, k) < 0)
            return -EIO;
        /* alen divides 256 for both alphabets used here, so r % alen is unbiased */
        for (i = 0; i < k; i++)
            *buf++ = alphabet[r[i] % alen];
        n -= k;
    }
    return 0;
}

int
ids_random(char *buf, size_t len, const char *prefix)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t p = strlen(prefix);

    if (p > len)
        return -EINVAL;
    memcpy(buf, prefix, p);
    buf[len] = '\0';
    return random_from(buf + p, len - p, b32, 32);
}

int
ids_secret(char buf[IDS_SECRET_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    buf[IDS_SECRET_LEN] = '\0';
    return random_from(buf, IDS_SECRET_LEN, b64, 64);
}

int
ids_uuid(char buf[37])
{
    unsigned char u[16];

    if (ids_bytes(u, sizeof(u)) < 0)
        return -EIO;
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
    return 0;
}
