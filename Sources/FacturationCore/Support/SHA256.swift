import CCrypto

/// Incremental SHA-256 (OpenSSL's implementation), used for file identity and record keys.
package final class SHA256Hasher {
    private let context: OpaquePointer

    package init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        EVP_DigestInit_ex2(context, fct_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds bytes to the hash.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Feeds the first `count` bytes of an array to the hash.
    package func update(_ bytes: [UInt8], count: Int? = nil) {
        bytes.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0.prefix(count ?? bytes.count))) }
    }

    /// Takes the state of `other` (the bytes it was fed so far), so both can go on apart.
    package func copy(from other: SHA256Hasher) {
        guard EVP_MD_CTX_copy_ex(context, other.context) == 1 else {
            fatalError("OpenSSL could not copy a digest context")
        }
    }

    /// Returns the digest and resets the hasher for reuse.
    package func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        EVP_DigestInit_ex2(context, fct_sha256(), nil)
        return digest
    }

    /// Returns the hexadecimal digest and resets the hasher for reuse.
    package func finishHex() -> String { Hex.encode(finish()) }

    /// One-shot SHA-256 of a byte buffer (32 bytes, returned by value: no allocation).
    package static func digest(_ bytes: UnsafeRawBufferPointer) -> SIMD32<UInt8> {
        var digest = SIMD32<UInt8>()
        withUnsafeMutableBytes(of: &digest) { out in
            let done = fct_sha256_digest(
                bytes.baseAddress, bytes.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self))
            precondition(done == 1, "OpenSSL could not compute a SHA-256 digest")
        }
        return digest
    }

    /// One-shot SHA-256 of a byte buffer, as lowercase hexadecimal.
    package static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { out in
            let done = fct_sha256_digest(bytes.baseAddress, bytes.count, out.baseAddress)
            precondition(done == 1, "OpenSSL could not compute a SHA-256 digest")
        }
        return Hex.encode(digest)
    }

    /// One-shot SHA-256 of the UTF-8 bytes of a string, as lowercase hexadecimal.
    package static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(UnsafeRawBufferPointer($0)) }
    }
}

/// Lowercase hexadecimal encoding.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Writes the first `count` bytes of `digest` as `2 × count` hexadecimal digits into `out`.
    package static func write(_ digest: SIMD32<UInt8>, count: Int, into out: UnsafeMutableRawBufferPointer) {
        for index in 0..<min(count, 32, out.count / 2) {
            out[2 * index] = digits[Int(digest[index] >> 4)]
            out[2 * index + 1] = digits[Int(digest[index] & 0x0F)]
        }
    }

    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
