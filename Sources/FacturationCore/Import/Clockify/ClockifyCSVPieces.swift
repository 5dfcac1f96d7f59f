import Foundation

/// The conversion of one large Clockify CSV on every core: the file is cut into pieces at record
/// boundaries (``CSVChunkPlan``), each piece is parsed and converted on its own core, and the rows
/// are handed on to the normalized output **in file order**, with the totals, problems and
/// date-order evidence of each piece added in that order. Everything downstream (fingerprints,
/// duplicate detection, per-month sorters, rejection reasons with their line numbers, counts)
/// sees exactly what the one-core pass gives (ClockifyCSVPiecesTests compare them on generated
/// and mutated files).
///
/// Why: the conversion was the one-core step of a whole `run` (issue #9: 105–125 MB/s alone).
///
/// The one-core pass is taken instead, and decides alone, for:
/// - files under ``PieceSettings/minimumBytes``, or a machine with one core;
/// - any encoding but UTF-8 (with or without a byte-order mark): the others are transcoded;
/// - a file with an odd number of double quotes (a quote never closed), or where no cut is found
///   (a file with CR line ends only, a record longer than the search window of every block);
/// - a header row that is not in the first piece;
/// - anything that fails in a piece: a syntax error, a field longer than the reader accepts, a
///   rejection of the header, a read error. The rows written so far are discarded and the
///   one-core pass reads the file again, so a broken file is rejected with the same reason.
///
/// Before it hands on each window of pieces (at most two more are converted meanwhile), a file
/// whose digest is computed beside the conversion asks whether it is imported already
/// (``ConversionContext/alreadyImported``; past half of the pieces it finishes the digest to
/// know), and stops then (``ConversionStopped``: a duplicate of a large export is not converted
/// whole); so does the one-core pass before it starts.
extension ClockifyCSVConverter {
    /// When and how a file is cut.
    struct PieceSettings {
        /// Smaller files are converted on one core (cutting them is not worth a thread).
        var minimumBytes: Int64 = 32 << 20
        /// The usual size of a piece (``CSVChunkPlan/blockBytes``).
        var blockBytes = 4 << 20
        /// Pieces between two checks of a duplicate (``ConversionContext/alreadyImported``); at most
        /// twice this many are taken and not yet handed on (the one being handed on included),
        /// which bounds memory.
        var window = 2 * Parallel.cores
        /// Tests: what the passes did (nil in production).
        var log: PieceLog?
        /// Tests: cut files on a machine with one core too.
        var forceCores = false
        /// Tests through the binary: say on stderr how each file was cut (`csv-pieces …` lines).
        var trace = false

        /// The settings of a run. `FACTURATION_CSV_PIECES=n` (a test seam, like
        /// `FACTURATION_INVOICE_BATCH`) cuts files from `n` bytes into pieces of about `n` bytes,
        /// even on one core, and traces it: end-to-end tests take this path with small files.
        static var production: PieceSettings {
            guard let text = ProcessInfo.processInfo.environment["FACTURATION_CSV_PIECES"], let bytes = Int(text),
                bytes > 0
            else { return PieceSettings() }
            var settings = PieceSettings()
            settings.minimumBytes = Int64(bytes)
            settings.blockBytes = bytes
            settings.forceCores = true
            settings.trace = true
            return settings
        }
    }

    /// What the pieces passes of a conversion did (for tests: a path that silently fell back would
    /// make the comparison with the one-core pass prove nothing).
    final class PieceLog {
        /// Passes started in pieces (a restart with the other date order is a second one).
        var piecesPasses = 0
        /// Why passes in pieces gave up (each then ran on one core).
        var fallbacks: [String] = []
        /// The most pieces of one plan.
        var largestPieceCount = 0
    }

    /// A piece could not be converted apart: the one-core pass takes the file.
    struct PiecesFailed: Error {
        let cause: any Error
    }

    /// The first piece holds no header row.
    struct NoHeader: Error {}

    /// A piece starts with rows without a Type after a row with one (see ``PassState/startsWithEmptyType``).
    struct EntryTypeAfterType: Error {}

    /// The header found in the first piece: what every piece needs before its first row.
    struct HeaderFacts {
        let header: [String]
        let columns: [Int]
        let currency: Currency?
        /// Rows of the first piece up to and including the header.
        let rowsThrough: Int
    }

    /// One piece converted: its rows and what its pass found.
    struct PieceOutcome {
        let rows: PieceRows
        let state: PassState
        let end: Int64
    }

    /// The plan of the context's file, or nil when it takes the one-core pass.
    func piecePlan() -> CSVChunkPlan? {
        guard let settings = pieces, Self.cuts(context.scan, settings: settings) else { return nil }
        let start: Int64 =
            context.scan.encoding == .utf8WithBOM ? Int64(TextEncoding.utf8WithBOM.byteOrderMarkLength) : 0
        return CSVChunkPlan.make(path: context.path, start: start, blockBytes: settings.blockBytes)
    }

    /// Whether a Clockify CSV of this scan is cut into pieces in a run (``PieceSettings/production``),
    /// the one conversion that can stop once its file is found imported
    /// (``ConversionContext/alreadyImported``). It may still fall back to the one-core pass.
    static func convertsInPieces(_ scan: FileScan) -> Bool { cuts(scan, settings: .production) }

    private static func cuts(_ scan: FileScan, settings: PieceSettings) -> Bool {
        guard Parallel.cores > 1 || settings.forceCores, scan.size >= settings.minimumBytes else { return false }
        return scan.encoding == .utf8 || scan.encoding == .utf8WithBOM
    }

    func runPiecesPass(
        plan: CSVChunkPlan, order: PipelineConfig.DateOrder, orderIsFixed: Bool
    ) throws
        -> ConversionReport
    {
        let settings = pieces ?? PieceSettings()
        settings.log?.piecesPasses += 1
        settings.log.map { $0.largestPieceCount = max($0.largestPieceCount, plan.pieces.count) }
        if settings.trace { FileHandle.standardError.write(Data("csv-pieces \(plan.pieces.count)\n".utf8)) }
        do {
            return try runPieces(plan: plan, settings: settings, order: order, orderIsFixed: orderIsFixed)
        } catch let failed as PiecesFailed {
            settings.log?.fallbacks.append("\(failed.cause)")
            if settings.trace { FileHandle.standardError.write(Data("csv-pieces fallback\n".utf8)) }
            throw failed
        }
    }

    private func runPieces(
        plan: CSVChunkPlan, settings: PieceSettings, order: PipelineConfig.DateOrder, orderIsFixed: Bool
    ) throws -> ConversionReport {
        let facts: HeaderFacts
        do {
            guard let found = try findHeader(in: plan.pieces[0]) else { throw NoHeader() }
            facts = found
        } catch {
            throw PiecesFailed(cause: error)
        }
        let state = PassState()
        state.header = facts.header
        state.columns = facts.columns
        state.currency = facts.currency
        try convertInOrder(plan: plan, settings: settings, facts: facts, order: order, into: state)
        let driver = ConversionDriver(context: context, format: .clockifyDetailedCSV)
        return try finishPass(state: state, driver: driver, order: order, orderIsFixed: orderIsFixed)
    }

    /// Converts the pieces on every core (``OrderedWork``: each core takes the next piece as soon
    /// as it is free, at most two windows ahead of the one handed on) and hands each one on, in
    /// order, on this thread (``hand(_:to:pool:)``).
    private func convertInOrder(
        plan: CSVChunkPlan, settings: PieceSettings, facts: HeaderFacts, order: PipelineConfig.DateOrder,
        into state: PassState
    ) throws {
        let pool = PieceRowsPool(context: context)
        let count = plan.pieces.count
        // A duplicate is asked for before any piece is converted, then before each window is
        // handed on (the pieces converted ahead are dropped); past half of them, with a wait.
        func isDuplicate(before index: Int) -> Bool {
            context.alreadyImported?(2 * index >= count) == true
        }
        let done =
            try !isDuplicate(before: 0)
            && OrderedWork.run(
                count: count, threads: Parallel.cores, ahead: 2 * settings.window,
                produce: { index in
                    Result {
                        try convert(
                            piece: plan.pieces[index], skip: index == 0 ? facts.rowsThrough : 0, facts: facts,
                            order: order, pool: pool)
                    }
                },
                consume: { index, result in
                    if index > 0, index % settings.window == 0, isDuplicate(before: index) { return false }
                    switch result {
                    case .success(let outcome): try hand(outcome, to: state, pool: pool)
                    case .failure(let error): throw PiecesFailed(cause: error)
                    }
                    return true
                })
        guard done else {
            if settings.trace { FileHandle.standardError.write(Data("csv-pieces stopped\n".utf8)) }
            throw ConversionStopped()
        }
    }

    /// Reads the first piece until the header row (each row before it is offered as the header,
    /// as in the one-core pass). Nil when the piece holds no header.
    private func findHeader(in piece: CSVChunkPlan.Piece) throws -> HeaderFacts? {
        struct Found: Error {}
        let state = PassState()
        let source = try DecodingReader(path: context.path, range: piece.start..<piece.end)
        let csv = CSVReader(delimiter: context.detection.delimiter, firstLine: piece.firstLine)
        var rows = 0
        do {
            try csv.read(source, threaded: false) { batch in
                for index in 0..<batch.rowCount {
                    rows += 1
                    try detectHeader(row: index, of: batch, state: state)
                    if state.header != nil { throw Found() }
                }
            }
        } catch is Found {
            guard let header = state.header else { return nil }
            return HeaderFacts(header: header, columns: state.columns, currency: state.currency, rowsThrough: rows)
        }
        return nil
    }

    /// Parses and converts one piece on the calling thread; its rows wait in a ``PieceRows``.
    private func convert(
        piece: CSVChunkPlan.Piece, skip: Int, facts: HeaderFacts, order: PipelineConfig.DateOrder,
        pool: PieceRowsPool
    ) throws -> PieceOutcome {
        let state = PassState()
        // Copies of the piece's own: a row's reader retains them (``RowReader``), and the two
        // workers retaining one shared buffer made its reference count bounce between the cores.
        state.header = Unshared.copy(of: facts.header)
        state.columns = Unshared.copy(of: facts.columns)
        state.currency = facts.currency
        let rows = pool.take()
        state.pieceRows = rows
        // The zone converter and the classifier cache as they go: each piece has its own.
        let converter = ClockifyCSVConverter(context: rows.context, pieces: nil)
        let source = try DecodingReader(path: context.path, range: piece.start..<piece.end)
        let csv = CSVReader(delimiter: context.detection.delimiter, firstLine: piece.firstLine)
        var seen = 0
        do {
            try csv.read(source, threaded: false) { batch in
                try batch.withRows { csvRows in
                    for index in 0..<batch.rowCount {
                        if seen >= skip {
                            try converter.handle(row: index, rows: csvRows, batch: batch, state: state, order: order)
                        }
                        seen += 1
                    }
                }
            }
        } catch {
            pool.give(rows)
            throw error
        }
        state.pieceRows = nil
        return PieceOutcome(rows: rows, state: state, end: piece.end)
    }

    /// Hands one piece's rows to the output and adds what its pass found, in file order (on the
    /// conversion's own thread, the only one that touches `state` and the output meanwhile).
    private func hand(_ outcome: PieceOutcome, to state: PassState, pool: PieceRowsPool) throws {
        let rows = outcome.rows
        defer { pool.give(rows) }
        let piece = outcome.state
        if piece.startsWithEmptyType, state.sawTypeText {
            // Its first rows were written "regular"; after an earlier Type the one-core pass writes "".
            throw PiecesFailed(cause: EntryTypeAfterType())
        }
        state.sawTypeText = state.sawTypeText || piece.sawTypeText
        let output = context.output
        let prefetch = { (row: PieceRows.Row) in
            output.prefetchKey(year: Int(row.year), month: Int(row.month), hash: row.hash)
        }
        try rows.visit(ahead: prefetch) { row, line, key in
            state.addToTotals(seconds: row.seconds, amount: row.amount)
            try output.append(year: Int(row.year), month: Int(row.month), line: line, key: key)
        }
        state.records += piece.records
        state.problems.append(contentsOf: piece.problems)
        state.datesInvalidMonthFirst += piece.datesInvalidMonthFirst
        state.datesInvalidDayFirst += piece.datesInvalidDayFirst
        state.ambiguousDates += piece.ambiguousDates
        state.sawTwelveHour = state.sawTwelveHour || piece.sawTwelveHour
        if piece.sawFooter {
            state.sawFooter = true
            state.footerAmount = piece.footerAmount
            state.footerDuration = piece.footerDuration
        }
        context.progress?(outcome.end, context.scan.size)
    }

    /// The normalized lines of one piece, in order, with what the output and the totals need.
    ///
    /// Why: a piece is converted before the pieces ahead of it are handed on, so its lines wait
    /// here (one buffer, no allocation per row) until its turn; buffers are reused (``PieceRowsPool``).
    /// Each line's ledger order key and key hash are prepared here too, on the worker
    /// (``LedgerOrderKey``), so the thread that hands rows on in order does not locate them.
    final class PieceRows {
        // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
        struct Row {
            var end: Int
            var year: Int32
            var month: Int32
            var seconds: Int64
            var amount: Int64
            /// The end of its order key in ``orders``, or -1 when the line has none (it cannot
            /// go to a sorter: ``DirectLedgerRows`` sends its month to the general merge).
            var orderEnd: Int
            var hash: UInt64
        }

        private let lines: ByteBuffer
        private let orders: ByteBuffer
        /// One builder for every row (its date cache is worth keeping: rows share their days).
        @exclusivity(unchecked) private var builder: CSVLineBuilder
        @exclusivity(unchecked) private var orderKey = LedgerOrderKey()
        @exclusivity(unchecked) private var rows: [Row] = []
        /// The file's context with this buffer's own zone converter and classifier.
        let context: ConversionContext

        init(context: ConversionContext) {
            self.context = context
            lines = ByteBuffer(capacity: 1 << 20)
            orders = ByteBuffer(capacity: 1 << 18)
            builder = CSVLineBuilder(appendingTo: lines)
        }

        /// Appends one line (without its line end) built by `build`, which says where it wrote the
        /// key and the sort column, and prepares its order key.
        func append(
            year: Int, month: Int, seconds: Int64, amount: Int64, _ build: (inout CSVLineBuilder) -> LedgerLinePlaces
        ) {
            let start = lines.count
            let places = build(&builder).relative(to: start)
            builder.removeFieldCount()
            let line = UnsafeRawBufferPointer(rebasing: lines.bytes[start...])
            let key = orderKey.prepare(line, places: places, into: orders)
            rows.append(
                Row(
                    end: lines.count, year: Int32(year), month: Int32(month), seconds: seconds, amount: amount,
                    orderEnd: key == nil ? -1 : orders.count, hash: key?.hash ?? 0))
        }

        /// Rows between the one ``visit(ahead:_:)`` shows `ahead` and the one it hands `body`.
        static let lookAhead = 4

        /// Each row with its line and its prepared order key, in order; `ahead` first sees each
        /// row that has an order key ``lookAhead`` rows before `body` gets it (to prefetch).
        func visit(
            ahead: (Row) -> Void, _ body: (Row, UnsafeRawBufferPointer, LedgerOrderKey.Prepared?) throws -> Void
        ) rethrows {
            var start = 0
            var orderStart = 0
            for index in rows.indices.prefix(Self.lookAhead) where rows[index].orderEnd >= 0 { ahead(rows[index]) }
            for (index, row) in rows.enumerated() {
                let next = index + Self.lookAhead
                if next < rows.count, rows[next].orderEnd >= 0 { ahead(rows[next]) }
                var key: LedgerOrderKey.Prepared?
                if row.orderEnd >= 0 {
                    key = LedgerOrderKey.Prepared(
                        hash: row.hash, order: UnsafeRawBufferPointer(rebasing: orders.bytes[orderStart..<row.orderEnd])
                    )
                    orderStart = row.orderEnd
                }
                try body(row, UnsafeRawBufferPointer(rebasing: lines.bytes[start..<row.end]), key)
                start = row.end
            }
        }

        func removeAll() {
            lines.removeAll()
            orders.removeAll()
            rows.removeAll(keepingCapacity: true)
        }
    }

    /// Buffers of pieces handed on, for the next pieces (their pages are already mapped, their
    /// caches warm).
    final class PieceRowsPool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [PieceRows] = []
        private let context: ConversionContext

        init(context: ConversionContext) { self.context = context }

        func take() -> PieceRows {
            if let rows = lock.withLock({ free.popLast() }) { return rows }
            return PieceRows(
                context: ConversionContext(
                    path: context.path, sourceName: context.sourceName, scan: context.scan,
                    detection: context.detection, pipeline: context.pipeline,
                    zone: ZoneConverter(timeZone: context.zone.timeZone),
                    classifier: EntryClassifier(pipeline: context.pipeline), output: context.output, progress: nil))
        }

        func give(_ rows: PieceRows) {
            rows.removeAll()
            lock.withLock { free.append(rows) }
        }
    }
}

/// Copies that share no storage with the original, for values that rows retain on several
/// threads at once.
///
/// Why (fenced performance code, issue #9, `run` scenario): each converted row's reader retains
/// the header's arrays (``ClockifyCSVConverter/RowReader``). Shared by the two conversion workers,
/// one object's reference count went back and forth between the cores on every row: `swift_retain`
/// and `swift_release` were 8 % of the 1 GB run's CPU (with the file's name, then also retained
/// per row: now a ``PinnedText`` of each piece's converter). A piece's own copies are touched by
/// one thread.
enum Unshared {
    /// An array in a buffer of its own (the elements themselves are shared, and not retained per row).
    static func copy<Element>(of array: [Element]) -> [Element] {
        var copy: [Element] = []
        copy.reserveCapacity(array.count)
        copy.append(contentsOf: array)
        return copy
    }
}
