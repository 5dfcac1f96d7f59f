#pragma once
// Only OpenSSL's SHA-256 is used (content identity of inbox files and record keys).
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
