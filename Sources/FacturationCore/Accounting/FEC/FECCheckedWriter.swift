/// Writes a FEC and checks it in the same pass: lines are encoded into a 1 MiB buffer, and each
/// full buffer is fed to ``FECChecker`` and appended to the output file, then reused.
///
/// Why: a yearly FEC of a million lines is ~330 MB as `FECLine` values and ~165 MB as bytes;
/// built in memory before being checked and written, the export peaked at about 1 GB beyond its
/// entries. Streamed, it holds one buffer and the checker's per-entry state, whatever the size
/// (measured by the bench's `fec` scenario). The bytes are those of ``FECWriter/bytes(_:format:)``
/// (the same encoder; a test compares them), and the report that of ``FECChecker/check(bytes:options:)``.
package enum FECCheckedWriter {
    /// What a streamed export produced.
    package struct Result {
        package var report: FECCheckReport
        /// Bytes of the file, header included.
        package var byteCount: Int64
    }

    static let chunkSize = 1 << 20

    /// Encodes the plan's lines (after the header) in `format`, feeding every byte to a checker
    /// with `options` and, when given, to `output` (left open: the caller commits it only if the
    /// report is valid, else it is discarded with the object).
    ///
    /// - Throws: ``FECWriter/UnencodableCharacter`` (nothing is committed), or `StorageError`.
    package static func write<Entries: AccountingEntryTable>(
        _ plan: FECBuilder.Plan<Entries>, format: FECFormat, options: FECChecker.Options,
        to output: OutputFile?
    ) throws -> Result {
        let checker = FECChecker(options: options)
        let byteCount = try encode(plan, format: format) { chunk in
            checker.feed(chunk)
            try output?.write(chunk)
        }
        return Result(report: checker.finish(), byteCount: byteCount)
    }

    /// Encodes the plan's lines into `output` without checking them (``check(_:options:)`` reads
    /// them back): the caller can then free the entries before the checker builds its tables.
    /// Returns the bytes written.
    package static func writeUnchecked<Entries: AccountingEntryTable>(
        _ plan: FECBuilder.Plan<Entries>, format: FECFormat, to output: OutputFile
    ) throws -> Int64 {
        let byteCount = try encode(plan, format: format) { try output.write($0) }
        try output.flushBuffer()
        return byteCount
    }

    /// Encodes the header and the plan's lines in chunks of about ``chunkSize`` bytes, each handed
    /// to `chunk` (valid only during the call); returns the bytes encoded.
    private static func encode<Entries: AccountingEntryTable>(
        _ plan: FECBuilder.Plan<Entries>, format: FECFormat, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int64 {
        let buffer = ByteBuffer(capacity: chunkSize + 4096)
        let encoder = FECLineEncoder(format: format, buffer: buffer)
        var byteCount: Int64 = 0
        func flush() throws {
            try chunk(buffer.bytes)
            byteCount += Int64(buffer.count)
            buffer.removeAll()
        }
        encoder.appendHeader()
        var number = 1
        try plan.forEachLine { line in
            number += 1
            try encoder.append(line, number: number)
            if buffer.count >= chunkSize { try flush() }
        }
        try flush()
        return byteCount
    }

    /// The checker's report on the file written so far to `output` (read back in 1 MiB chunks):
    /// the report ``write(_:format:options:to:)`` gives for the same bytes.
    package static func check(_ output: OutputFile, options: FECChecker.Options) throws -> FECCheckReport {
        let file = try InputFile(path: output.temporaryPath)
        let checker = FECChecker(options: options)
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = try file.read(into: &chunk)
            if count == 0 { return checker.finish() }
            chunk.withUnsafeBytes { checker.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }
}
