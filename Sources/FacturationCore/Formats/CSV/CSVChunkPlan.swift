import CSupport

#if canImport(Glibc)
import Glibc
#endif

/// Where a large CSV file can be cut into pieces that each start with a record, and the line
/// each piece starts on, so that the pieces can be parsed on several cores at once.
///
/// Why: the conversion of a large Clockify export is the longest single-threaded step of a run
/// (issue #9, `run` scenario). A cut must never fall inside a quoted field (Clockify descriptions
/// can hold line breaks), so a cut is an LF with an even number of double quotes before it in the
/// file. For a file that is valid CSV up to that point this is exactly where libcsv (strict
/// quoting) ends a record: every quote opens a field, closes it, or is half of a doubled `""`.
/// For an invalid file the cuts may be wrong after the first misplaced quote; the first piece that
/// holds that quote starts at a true record boundary and fails to parse like the whole file would,
/// and the caller then takes its one-core path (see ``ClockifyCSVConverter``).
///
/// How: the file is read once in blocks of ``blockBytes`` on every core (``Parallel``); each block
/// counts its quotes and line breaks (LF, CR, CRLF once: the rule of ``CSVRowLines``) and finds, near
/// its start, its first LF after an even and after an odd number of its own quotes. The prefix sums
/// then say which of the two is a record boundary in the whole file, and its line number.
///
/// Invariants (CSVChunkPlanTests): pieces are contiguous, cover `start..<size`, each but the first
/// starts right after an LF outside quotes, and `firstLine` is 1 + the line breaks before the piece.
package struct CSVChunkPlan: Sendable {
    /// One piece: bytes `start..<end` of the file; its first record starts on line `firstLine`.
    package struct Piece: Sendable, Equatable {
        package var start: Int64
        package var end: Int64
        package var firstLine: Int
    }

    package var pieces: [Piece]

    /// Bytes per block (and so the usual size of a piece).
    package static let blockBytes = 8 << 20
    /// How far into a block its cut is looked for: a record longer than this merges two pieces.
    static let searchBytes = 256 << 10

    /// What one block tells about itself.
    struct BlockFacts {
        var quotes = 0
        /// LF + CR − CRLF inside the block.
        var lineBreaks = 0
        var startsWithLF = false
        var endsWithCR = false
        /// Per parity of the quotes before the block (0 even, 1 odd): the offset just past the first
        /// LF outside quotes, and the line breaks before that offset within the block.
        var cut: [(offset: Int, lineBreaks: Int)?] = [nil, nil]
    }

    /// The plan of the file at `path` from byte `start` (past a byte-order mark); nil when the
    /// file cannot be cut (its quotes are unbalanced, or no cut was found) or cannot be read.
    package static func make(path: String, start: Int64 = 0, blockBytes: Int = blockBytes) -> CSVChunkPlan? {
        guard let file = try? InputFile(path: path), file.size > start else { return nil }
        let size = file.size
        let blocks = Int((size - start + Int64(blockBytes) - 1) / Int64(blockBytes))
        let descriptor = UncheckedBox(file)
        let facts = Parallel.map(blocks) { index -> BlockFacts? in
            let from = start + Int64(index) * Int64(blockBytes)
            return scan(descriptor.value, from: from, to: min(size, from + Int64(blockBytes)))
        }
        guard facts.allSatisfy({ $0 != nil }) else { return nil }
        return plan(facts.map { $0! }, start: start, size: size, blockBytes: blockBytes)
    }

    /// Joins the blocks' facts into pieces (a block without a cut for its parity joins the piece
    /// before it). Nil when the file's quotes are unbalanced or there is a single piece.
    static func plan(_ facts: [BlockFacts], start: Int64, size: Int64, blockBytes: Int) -> CSVChunkPlan? {
        var pieces = [Piece(start: start, end: size, firstLine: 1)]
        var quotes = 0
        var lineBreaks = 0
        for (index, block) in facts.enumerated() {
            // A CRLF split between two blocks is one line break, counted in the block before.
            let joined = index > 0 && facts[index - 1].endsWithCR && block.startsWithLF ? 1 : 0
            if index > 0, let cut = block.cut[quotes & 1] {
                let offset = start + Int64(index) * Int64(blockBytes) + Int64(cut.offset)
                pieces[pieces.count - 1].end = offset
                pieces.append(Piece(start: offset, end: size, firstLine: 1 + lineBreaks + cut.lineBreaks - joined))
            }
            quotes += block.quotes
            lineBreaks += block.lineBreaks - joined
        }
        guard quotes & 1 == 0, pieces.count > 1 else { return nil }
        // A cut at the very end of the file leaves an empty last piece: it has no record.
        if let last = pieces.last, last.start == last.end { pieces.removeLast() }
        return pieces.count > 1 ? CSVChunkPlan(pieces: pieces) : nil
    }

    /// Reads bytes `from..<to` once, 1 MiB at a time.
    static func scan(_ file: InputFile, from: Int64, to: Int64) -> BlockFacts? {
        var facts = BlockFacts()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = from
        var previousCR = false
        var search = CutSearch()
        while position < to {
            let wanted = Int(min(Int64(buffer.count), to - position))
            guard let count = try? file.read(into: &buffer, at: position, count: wanted), count == wanted else {
                return nil
            }
            buffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                if position == from {
                    facts.startsWithLF = bytes.first == 0x0A
                    search.run(bytes.prefix(searchBytes))
                }
                let counts = ByteCounts(bytes, previousCR: previousCR)
                facts.quotes += counts.quotes
                facts.lineBreaks += counts.lineBreaks
                previousCR = bytes.last == 0x0D
            }
            position += Int64(count)
        }
        facts.endsWithCR = previousCR
        facts.cut = search.found
        return facts
    }

    /// The first LF outside quotes near a block's start, for either parity of the quotes before it.
    struct CutSearch {
        var found: [(offset: Int, lineBreaks: Int)?] = [nil, nil]

        mutating func run(_ bytes: UnsafeRawBufferPointer.SubSequence) {
            let bytes = UnsafeRawBufferPointer(rebasing: bytes)
            var quotes = 0
            var lineBreaks = 0
            var index = 0
            while index < bytes.count, found[0] == nil || found[1] == nil {
                let byte = bytes[index]
                if byte == 0x22 {
                    quotes += 1
                } else if byte == 0x0A {
                    // Quotes before the block of parity p and `quotes` here: outside quotes when they add up even.
                    let parity = quotes & 1
                    if found[parity] == nil { found[parity] = (index + 1, lineBreaks + 1) }
                    lineBreaks += 1
                } else if byte == 0x0D {
                    lineBreaks += 1
                    if index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                        // CRLF: one line break, and its LF is the cut.
                        let parity = quotes & 1
                        if found[parity] == nil { found[parity] = (index + 2, lineBreaks) }
                        index += 1
                    }
                }
                index += 1
            }
        }
    }

    /// Quotes and line breaks of some bytes (`previousCR`: the byte before them, in the same block,
    /// was a CR, so a first LF is the second half of that CRLF).
    ///
    /// Why this shape: the byte-at-a-time loop in Swift was not vectorized by the compiler (a branch
    /// per byte: 1.4 s of CPU per GB, issue #9), and Swift's `SIMD32` compiled to a scalar loop
    /// slower still; the counting is a small C function (`fct_count_csv_bytes`, SSE2: 16 bytes
    /// compared at a time, matches summed in 8-bit lanes). CRLF pairs are counted only when the
    /// bytes hold a CR at all. CSVChunkPlanTests compare it with a plain count
    /// (``counted(_:previousCR:)``) on every length and alignment.
    struct ByteCounts {
        var quotes = 0
        var lineBreaks = 0

        init(_ bytes: UnsafeRawBufferPointer, previousCR: Bool) {
            var quotes = 0, feeds = 0, returns = 0
            if let base = bytes.baseAddress {
                fct_count_csv_bytes(base.assumingMemoryBound(to: UInt8.self), bytes.count, &quotes, &feeds, &returns)
            }
            let pairs = returns > 0 ? Self.crlfPairs(bytes) : 0
            self.quotes = quotes
            lineBreaks = feeds + returns - pairs - (previousCR && bytes.first == 0x0A ? 1 : 0)
        }

        /// CR immediately followed by LF.
        private static func crlfPairs(_ bytes: UnsafeRawBufferPointer) -> Int {
            var pairs = 0
            for index in 0..<max(0, bytes.count - 1) {
                pairs &+= bytes[index] == 0x0D && bytes[index + 1] == 0x0A ? 1 : 0
            }
            return pairs
        }

        /// The same counts, one byte at a time (the reference of the tests).
        static func counted(_ bytes: UnsafeRawBufferPointer, previousCR: Bool) -> (quotes: Int, lineBreaks: Int) {
            var quotes = 0, breaks = 0
            for index in bytes.indices {
                switch bytes[index] {
                case 0x22: quotes += 1
                case 0x0A: breaks += index > 0 && bytes[index - 1] == 0x0D || index == 0 && previousCR ? 0 : 1
                case 0x0D: breaks += 1
                default: break
                }
            }
            return (quotes, breaks)
        }
    }
}
