#pragma once
// Only OpenSSL's SHA-256 is used (content identity of inbox files and record keys).
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stddef.h>

/// SHA-256 fetched once from the default provider. OpenSSL 3 looks the algorithm up again (under a
/// lock) on every SHA256() or EVP_sha256() initialisation; a fetched EVP_MD skips that.
static inline const EVP_MD *fct_sha256(void) {
    static _Atomic(EVP_MD *) fetched = NULL;
    EVP_MD *md = atomic_load_explicit(&fetched, memory_order_acquire);
    if (md) return md;
    EVP_MD *mine = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&fetched, &expected, mine, memory_order_acq_rel, memory_order_acquire)) {
        EVP_MD_free(mine);
        return expected;
    }
    return mine;
}

/// One-shot SHA-256 for millions of small inputs (record keys): the low-level functions, with the
/// context on the stack, skip the EVP dispatch that costs more than hashing 100 bytes. They are
/// deprecated in OpenSSL 3 but still the same SHA-256; 1 on success.
static inline int fct_sha256_digest(const void *data, size_t count, unsigned char *out) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    SHA256_CTX context;
    return SHA256_Init(&context) && SHA256_Update(&context, data, count) && SHA256_Final(out, &context);
#pragma clang diagnostic pop
}
