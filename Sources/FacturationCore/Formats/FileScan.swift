#if canImport(Glibc)
import Glibc
#endif

/// What one pass over a file's raw bytes tells: its identity (SHA-256; for a large export, from
/// a second read beside the conversion: ``DeferredDigest``), its size, its text encoding and
/// whether it looks binary.
package struct FileScan: Sendable {
    /// The SHA-256 (hexadecimal). A scan that left its digest to a ``DeferredDigest`` has none
    /// until ``finishingDigest()``: reading it before is a programming error.
    package var sha256: String {
        guard let knownSHA256 else { preconditionFailure("FileScan.sha256 read before finishingDigest()") }
        return knownSHA256
    }
    private var knownSHA256: String?
    /// Computes the digest beside the run (``scan(path:deferringDigestFrom:progress:)``).
    private var deferred: DeferredDigest?
    package let size: Int64
    /// The text encoding, or nil when the file is not text (contains NUL bytes outside UTF-16).
    package let encoding: TextEncoding?
    /// The first bytes of the file (up to 64 KiB), for format sniffing.
    package let head: [UInt8]
    /// Where the first NUL (zero) byte is, when there is one: no text export holds one, so a
    /// rejection names it (a copy cut short or a disk error shows as a run of zero bytes).
    package var firstNUL: Int64? = nil
    /// Set when the file is UTF-8 with places that are not (``UTF8Damage`` says why that is not
    /// read as Windows-1252); `encoding` is then Windows-1252, as before that was told apart.
    package var utf8Damage: UTF8Damage? = nil

    package init(
        sha256: String, size: Int64, encoding: TextEncoding?, head: [UInt8], firstNUL: Int64? = nil,
        utf8Damage: UTF8Damage? = nil
    ) {
        knownSHA256 = sha256
        self.size = size
        self.encoding = encoding
        self.head = head
        self.firstNUL = firstNUL
        self.utf8Damage = utf8Damage
    }

    /// True while the digest is computed beside the run: ``sha256`` needs ``finishingDigest()`` first.
    package var digestIsDeferred: Bool { knownSHA256 == nil }

    /// The digest once its thread has hashed every byte, without waiting; nil before (and for a
    /// scan whose digest is not deferred, which has it in ``sha256``).
    package var finishedDeferredDigest: String? { deferred?.finishedDigest }

    /// This scan with its digest: a deferred one is finished on the calling thread.
    package func finishingDigest() throws(StorageError) -> FileScan {
        guard knownSHA256 == nil, let deferred else { return self }
        var finished = self
        let digest = try deferred.finish()
        finished.knownSHA256 = digest.hex
        finished.hashedBytes = digest.bytes
        return finished
    }

    /// The bytes a deferred digest covers, once finished: the file's second read, which the
    /// caller compares with ``size`` (a file that changed between the two reads is not the one
    /// the scan judged). Nil when the scan hashed what it read.
    package private(set) var hashedBytes: Int64?

    /// The deferred digest is no longer wanted (its thread stops at its next chunk).
    package func abandonDigest() { deferred?.abandon() }

    /// The deferred digest's thread goes on at the lowest priority (``DeferredDigest/yieldToTheRun()``).
    package func digestYieldsToTheRun() { deferred?.yieldToTheRun() }

    /// Reads the whole file once, hashing it (or leaving that to a ``DeferredDigest``) and
    /// deciding its encoding.
    ///
    /// - Parameters:
    ///   - deferringDigestFrom: from this size on, the digest is left to a ``DeferredDigest``
    ///     (which says why): the scan returns once the encoding is known, and the caller finishes
    ///     the digest (``finishingDigest()``) before it uses the file's identity.
    ///   - progress: called with the number of bytes read so far.
    package static func scan(
        path: String, deferringDigestFrom: Int64? = nil, progress: ((Int64) -> Void)? = nil
    ) throws(StorageError) -> FileScan {
        let file = try InputFile(path: path)
        let deferred = deferringDigestFrom.flatMap { file.size >= $0 ? DeferredDigest(file: file) : nil }
        let hasher = SHA256Hasher()
        // Large files are hashed on a second thread while this one validates the encoding (unless
        // the digest is deferred: that thread reads the file itself).
        let hashing =
            deferred == nil && file.size >= 8 << 20
            ? BackgroundWorker<([UInt8], Int)>(limit: 2, name: "scan-sha256") { chunk, count in
                chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            }
            : nil
        defer { try? hashing?.finish() }
        var validator = UTF8Validator()
        // From the first fault on, what tells UTF-8 with damage from Windows-1252 (``UTF8Damage``).
        var evidence = UTF8Evidence()
        var head: [UInt8] = []
        var total: Int64 = 0
        var firstNUL: Int64?
        // One buffer for the whole file, unless each chunk is handed to the hashing worker: a
        // fresh megabyte per read was zeroed and first touched a thousand times for 1 GB.
        var buffer: [UInt8] = []
        while true {
            if buffer.isEmpty || hashing != nil { buffer = [UInt8](repeating: 0, count: 1 << 20) }
            let count: Int
            do {
                count = try file.read(into: &buffer)
            } catch {
                deferred?.abandon()
                throw error
            }
            if count == 0 { break }
            if let hashing {
                // The worker never fails, so submit never throws.
                try? hashing.submit((buffer, count))
            }
            buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw.prefix(count))
                if hashing == nil, deferred == nil { hasher.update(chunk) }
                validator.feed(chunk)
                if let fault = validator.firstInvalidPartOffset, evidence.count == 0 {
                    let from = Int(max(0, fault - total))
                    evidence.feed(UnsafeRawBufferPointer(rebasing: chunk[from...]), at: total + Int64(from))
                }
                if firstNUL == nil, let offset = Self.offsetOfNUL(chunk) { firstNUL = total + Int64(offset) }
            }
            if head.count < 65_536 { head.append(contentsOf: buffer[0..<min(count, 65_536 - head.count)]) }
            total += Int64(count)
            progress?(total)
        }
        try? hashing?.finish()
        validator.finish()
        let encoding = decideEncoding(head: head, validator: validator, sawNUL: firstNUL != nil)
        var damage: UTF8Damage?
        if encoding == .windows1252 {
            do {
                damage = try UTF8Damage.find(
                    in: file, head: head, size: total, validator: validator, evidence: evidence)
            } catch {
                deferred?.abandon()
                throw error
            }
        }
        var scan = FileScan(
            sha256: "", size: total, encoding: encoding, head: head, firstNUL: firstNUL, utf8Damage: damage)
        scan.knownSHA256 = deferred == nil ? hasher.finishHex() : nil
        scan.deferred = deferred
        return scan
    }

    private static func offsetOfNUL(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base, 0, bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private static func decideEncoding(head: [UInt8], validator: UTF8Validator, sawNUL: Bool) -> TextEncoding? {
        if head.count >= 2, head[0] == 0xFF, head[1] == 0xFE { return .utf16LittleEndian }
        if head.count >= 2, head[0] == 0xFE, head[1] == 0xFF { return .utf16BigEndian }
        if sawNUL {
            // UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
            let sample = head.prefix(512)
            let evenNULs = stride(from: 0, to: sample.count, by: 2).filter { sample[$0] == 0 }.count
            let oddNULs = stride(from: 1, to: sample.count, by: 2).filter { sample[$0] == 0 }.count
            let half = sample.count / 2
            if half > 8, oddNULs > half * 9 / 10, evenNULs == 0 { return .utf16LittleEndian }
            if half > 8, evenNULs > half * 9 / 10, oddNULs == 0 { return .utf16BigEndian }
            return nil
        }
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF {
            return validator.isValidSoFar ? .utf8WithBOM : .windows1252
        }
        return validator.isValidSoFar ? .utf8 : .windows1252
    }
}
