/* tests/unit/test_digest.c - crypto/digest: SHA-256 (FIPS 180-2 vectors), HMAC-SHA256
 * (RFC 4231), hex, constant-time compare, base64 (RFC 4648), and use from many threads. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "crypto/digest.h"

static void
hex_of(const unsigned char *md, char out[DIGEST_SHA256_HEX + 1])
{
    digest_hex(md, DIGEST_SHA256_LEN, out);
}

static void
sha256_vectors(void **state)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    unsigned char md[DIGEST_SHA256_LEN];
    char hex[DIGEST_SHA256_HEX + 1];
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_int_equal(digest_sha256(v[i].in, strlen(v[i].in), md), 0);
        hex_of(md, hex);
        assert_string_equal(hex, v[i].hex);
    }
    assert_int_equal(digest_sha256(NULL, 0, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, v[0].hex);
}

static void
sha256_million_a_streamed(void **state)
{
    struct digest_sha256 h;
    unsigned char md[DIGEST_SHA256_LEN];
    char hex[DIGEST_SHA256_HEX + 1], chunk[1000];
    int i;

    (void) state;
    memset(chunk, 'a', sizeof(chunk));
    assert_int_equal(digest_sha256_init(&h), 0);
    for (i = 0; i < 1000; i++)
        digest_sha256_update(&h, chunk, sizeof(chunk));
    assert_int_equal(digest_sha256_final(&h, md), 0);
    assert_null(h.md);
    hex_of(md, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* a second streaming hash reuses the thread's spare context; _done abandons one */
    assert_int_equal(digest_sha256_init(&h), 0);
    digest_sha256_update(&h, "ab", 2);
    digest_sha256_update(&h, "c", 1);
    assert_int_equal(digest_sha256_final(&h, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(digest_sha256_init(&h), 0);
    digest_sha256_done(&h);
    digest_sha256_done(&h);
    digest_sha256_done(NULL);
    assert_int_equal(digest_sha256_final(&h, md), -EIO);
}

static void
nested_streams_and_oneshot(void **state)
{
    struct digest_sha256 a, b;
    unsigned char m1[DIGEST_SHA256_LEN], m2[DIGEST_SHA256_LEN], m3[DIGEST_SHA256_LEN];

    (void) state;
    assert_int_equal(digest_sha256_init(&a), 0);
    assert_int_equal(digest_sha256_init(&b), 0);
    digest_sha256_update(&a, "abc", 3);
    assert_int_equal(digest_sha256("xyz", 3, m3), 0);       /* one-shot in between */
    digest_sha256_update(&b, "abc", 3);
    assert_int_equal(digest_sha256_final(&b, m2), 0);
    assert_int_equal(digest_sha256_final(&a, m1), 0);
    assert_memory_equal(m1, m2, sizeof(m1));
    assert_memory_not_equal(m1, m3, sizeof(m1));
}

static size_t
unhex(const char *h, unsigned char *out)
{
    size_t n = strlen(h) / 2, i;
    unsigned int b;

    for (i = 0; i < n; i++) {
        sscanf(h + 2 * i, "%2x", &b);
        out[i] = (unsigned char) b;
    }
    return n;
}

static void
hmac_rfc4231(void **state)
{
    static const char *big =
        "This is a test using a larger than block-size key and a larger than block-size "
        "data. The key needs to be hashed before being used by the HMAC algorithm.";
    unsigned char key[200], data[200], md[DIGEST_SHA256_LEN];
    char hex[DIGEST_SHA256_HEX + 1];
    size_t kl, dl;

    (void) state;
    /* 1 */
    memset(key, 0x0b, 20);
    assert_int_equal(digest_hmac_sha256(key, 20, "Hi There", 8, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* 2 */
    assert_int_equal(digest_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* 3 */
    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    assert_int_equal(digest_hmac_sha256(key, 20, data, 50, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* 4 */
    kl = unhex("0102030405060708090a0b0c0d0e0f10111213141516171819", key);
    memset(data, 0xcd, 50);
    assert_int_equal(digest_hmac_sha256(key, kl, data, 50, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    /* 6, 7: keys longer than a block */
    memset(key, 0xaa, 131);
    dl = strlen("Test Using Larger Than Block-Size Key - Hash Key First");
    assert_int_equal(digest_hmac_sha256(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
                                        dl, md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    assert_int_equal(digest_hmac_sha256(key, 131, big, strlen(big), md), 0);
    hex_of(md, hex);
    assert_string_equal(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
hmac_matches_openssl(void **state)
{
    unsigned char key[300], data[300], ours[DIGEST_SHA256_LEN], theirs[EVP_MAX_MD_SIZE];
    unsigned int tl = 0;
    size_t kl, dl, i;

    (void) state;
    for (i = 0; i < sizeof(key); i++) {
        key[i] = (unsigned char) (i * 7 + 3);
        data[i] = (unsigned char) (i * 13 + 1);
    }
    for (kl = 0; kl <= 130; kl += 13) {
        for (dl = 0; dl <= 300; dl += 37) {
            assert_int_equal(digest_hmac_sha256(key, kl, data, dl, ours), 0);
            assert_non_null(HMAC(EVP_sha256(), key, (int) kl, data, dl, theirs, &tl));
            assert_int_equal(tl, DIGEST_SHA256_LEN);
            assert_memory_equal(ours, theirs, DIGEST_SHA256_LEN);
        }
    }
}

static void
hex_and_equal(void **state)
{
    const unsigned char b[] = { 0x00, 0x01, 0xab, 0xff, 0x10 };
    char out[11];

    (void) state;
    digest_hex(b, sizeof(b), out);
    assert_string_equal(out, "0001abff10");
    digest_hex(b, 0, out);
    assert_string_equal(out, "");
    assert_int_equal(digest_equal("abcd", "abcd", 4), 1);
    assert_int_equal(digest_equal("abcd", "abce", 4), 0);
    assert_int_equal(digest_equal("x", "y", 0), 1);
    memcpy(out, "secret", 7);
    digest_cleanse(out, 6);
    assert_memory_equal(out, "\0\0\0\0\0\0", 6);
    digest_cleanse(NULL, 5);
}

static void
base64_rfc4648(void **state)
{
    static const struct {
        const char *raw, *b64;
    } v[] = {
        { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
    };
    char enc[64];
    unsigned char dec[64];
    size_t i;
    long n;

    (void) state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t rl = strlen(v[i].raw);
        n = digest_base64_encode(v[i].raw, rl, enc, sizeof(enc));
        assert_int_equal(n, (long) strlen(v[i].b64));
        assert_string_equal(enc, v[i].b64);
        n = digest_base64_decode(v[i].b64, strlen(v[i].b64), dec, sizeof(dec));
        assert_int_equal(n, (long) rl);
        assert_memory_equal(dec, v[i].raw, rl);
    }
    /* binary round trip with '+' and '/' */
    {
        const unsigned char bin[] = { 0xfb, 0xff, 0xbf, 0x00, 0x3e };
        n = digest_base64_encode(bin, sizeof(bin), enc, sizeof(enc));
        assert_string_equal(enc, "+/+/AD4=");
        assert_int_equal(digest_base64_decode(enc, (size_t) n, dec, sizeof(dec)), 5);
        assert_memory_equal(dec, bin, 5);
    }
}

static void
base64_rejects(void **state)
{
    unsigned char dec[64];
    char enc[8];

    (void) state;
    assert_int_equal(digest_base64_decode("Zg=", 3, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("Z===", 4, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("====", 4, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("Zm=v", 4, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("Zm 9", 4, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("Zm9*", 4, dec, sizeof(dec)), -EINVAL);
    assert_int_equal(digest_base64_decode("Zm9vYmFy", 8, dec, 5), -ENOSPC);
    assert_int_equal(digest_base64_encode("foobar", 6, enc, 8), -ENOSPC);
    assert_int_equal(digest_base64_encode("foobar", 6, enc, 9), 8);
}

static void *
hash_worker(void *arg)
{
    unsigned char md[DIGEST_SHA256_LEN], mac[DIGEST_SHA256_LEN];
    char hex[DIGEST_SHA256_HEX + 1];
    int i, bad = 0;

    (void) arg;
    for (i = 0; i < 2000; i++) {
        struct digest_sha256 h;
        if (digest_sha256("abc", 3, md) < 0)
            bad++;
        hex_of(md, hex);
        bad += strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0;
        if (digest_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac) < 0)
            bad++;
        hex_of(mac, hex);
        bad += strcmp(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") != 0;
        if (digest_sha256_init(&h) < 0)
            bad++;
        digest_sha256_update(&h, "abc", 3);
        if (digest_sha256_final(&h, md) < 0)
            bad++;
    }
    return (void *) (intptr_t) bad;
}

static void
threads(void **state)
{
    pthread_t t[8];
    void *res;
    int i;

    (void) state;
    for (i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hash_worker, NULL), 0);
    for (i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_int_equal((intptr_t) res, 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_vectors),
        cmocka_unit_test(sha256_million_a_streamed),
        cmocka_unit_test(nested_streams_and_oneshot),
        cmocka_unit_test(hmac_rfc4231),
        cmocka_unit_test(hmac_matches_openssl),
        cmocka_unit_test(hex_and_equal),
        cmocka_unit_test(base64_rfc4648),
        cmocka_unit_test(base64_rejects),
        cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
