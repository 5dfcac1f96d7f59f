import Foundation

/// Writes a FEC and checks it in the same pass: lines are encoded into a 1 MiB buffer, and each
/// full buffer is appended to the output file and fed to ``FECChecker``.
///
/// Why: a yearly FEC of a million lines is ~330 MB as `FECLine` values and ~165 MB as bytes;
/// built in memory before being checked and written, the export peaked at about 1 GB beyond its
/// entries. Streamed, it holds a few buffers and the checker's per-entry state, whatever the size
/// (measured by the bench's `fec` scenario). The encoding (and writing) runs on a thread of its
/// own and the checker on the caller's, overlapped through ``FECChunkPipe``: on two cores the
/// export takes about the longer of the two instead of their sum; the plan's entries are freed as
/// they are written (``FECBuilder/Plan/drainEncoded(into:lineDone:)``), so the checker's tables, which grow
/// meanwhile, reuse their memory. The bytes are those of ``FECWriter/bytes(_:format:)`` (the same
/// encoder; a test compares them), and the report that of ``FECChecker/check(bytes:options:)``.
package enum FECCheckedWriter {
    /// What a streamed export produced.
    package struct Result {
        package var report: FECCheckReport
        /// Bytes of the file, header included.
        package var byteCount: Int64
    }

    static let chunkSize = 1 << 20
    /// Chunks between the encoding thread and the checker: enough that neither waits on the other
    /// for a slow chunk, few enough to be nothing beside the checker's tables.
    static let chunksInFlight = 4

    /// Encodes the plan's lines (after the header) in `format`, feeding every byte to a checker
    /// with `options` and, when given, to `output` (left open: the caller commits it only if the
    /// report is valid, else it is discarded with the object). The plan's entries are freed as
    /// they are written where the plan is their only owner.
    ///
    /// - Throws: ``FECWriter/UnencodableCharacter`` (nothing is committed), or `StorageError`.
    package static func write<Entries: AccountingEntryTable>(
        _ plan: consuming FECBuilder.Plan<Entries>, format: FECFormat, options: FECChecker.Options,
        to output: OutputFile?
    ) throws -> Result {
        let checker = FECChecker(options: options)
        let pipe = FECChunkPipe(buffers: chunksInFlight, capacity: chunkSize + 4096)
        let producer = Producer(plan: consume plan, output: output)
        // The closure is not generic (the thread sees no `Entries`); the producer is used by that
        // thread alone until it closes the pipe.
        let work = UncheckedBox({ _ = try producer.run(format: format, into: pipe) })
        let thread = Thread {
            do {
                try work.value()
                pipe.close(failure: nil)
            } catch {
                pipe.close(failure: error)
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
        while let chunk = pipe.next() {
            checker.feed(chunk.bytes)
            pipe.recycle(chunk)
        }
        let byteCount = try pipe.outcome()
        return Result(report: checker.finish(), byteCount: byteCount)
    }

    /// The encoding side of ``write(_:format:options:to:)``: owns the plan (so that its entries
    /// can be freed as they are written) and the output while its thread runs.
    private final class Producer<Entries: AccountingEntryTable>: @unchecked Sendable {
        private var plan: FECBuilder.Plan<Entries>?
        private let output: OutputFile?

        init(plan: consuming FECBuilder.Plan<Entries>, output: OutputFile?) {
            self.plan = plan
            self.output = output
        }

        /// Encodes every line; each chunk goes to the file first, then to the pipe.
        func run(format: FECFormat, into pipe: FECChunkPipe) throws -> Int64 {
            guard var plan = plan.take() else { preconditionFailure("a FEC producer run twice") }
            return try encode(&plan, format: format) { chunk in
                try output?.write(chunk)
                pipe.push(chunk)
            }
        }
    }

    /// Encodes the header and the plan's lines (freeing its entries as they are written) in chunks of about ``chunkSize`` bytes, each handed
    /// to `chunk` (valid only during the call); returns the bytes encoded.
    private static func encode<Entries: AccountingEntryTable>(
        _ plan: inout FECBuilder.Plan<Entries>, format: FECFormat,
        chunk: (UnsafeRawBufferPointer) throws -> Void
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
        try plan.drainEncoded(into: encoder) {
            if buffer.count >= chunkSize { try flush() }
        }
        try flush()
        return byteCount
    }
}
