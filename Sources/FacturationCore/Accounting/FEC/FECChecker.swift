#if canImport(Glibc)
import Glibc
#endif

/// Checks any FEC flat file (ours or a third party's) against the rules of ``FECRule`` (the validator
/// checklist of `shared/reference/fec.md` §10) and produces a ``FECCheckReport``.
///
/// Reading is a single pass over the bytes, fed in chunks of any size (``feed(_:)`` then ``finish()``,
/// or ``check(path:options:)``). Memory stays bounded except for what the rules need: one small
/// accumulator per entry (balance, dates, numbering), one label per journal, account and auxiliary
/// account, one sum per lettering group.
///
/// What is auto-detected:
/// - the encoding: UTF-8 (a byte-order mark is tolerated with a warning), else ISO-8859-15 from the
///   first line that is not UTF-8 on; a file that mixes both is an error;
/// - the separator, on the header: a tab when splitting by tab gives at least 9 fields, else `|`
///   likewise (as Test Compta Demat does); `,` and `;` are refused, and nothing else is checked then;
/// - the header: names compared without case (a case difference is a warning), the Montant/Sens
///   variant, the regime columns 19–22 and extra columns; fields are then found by name, so a file
///   with misplaced columns is still checked line by line;
/// - the numbering scheme: per journal when the same EcritureNum appears in two journals, else global;
///   continuity is checked on the trailing digits of EcritureNum within each prefix (`VT2024-0001`).
///
/// Line numbers count every physical line, the header being line 1.
public final class FECChecker {
    /// What the file is checked against, beyond its own content.
    public struct Options: Sendable {
        /// The file's name (a path is fine): the name rules FEC-01 to FEC-03 apply to it, and its closing
        /// date bounds EcritureDate (FEC-30). nil: not checked.
        public var fileName: String?
        /// How many examples to keep per rule.
        public var maxExamples: Int
        /// The first day of the fiscal year. nil: the 12 months ending on the closing date are assumed,
        /// and an earlier EcritureDate is only a warning (FEC-30b).
        public var fiscalYearStart: CivilDate?
        /// The closing date of the fiscal year, when it is known: the date in the file name must be this one
        /// (FEC-03), and it bounds EcritureDate (FEC-30). nil: the name's date is taken as the closing date,
        /// and only its plausibility is checked (FEC-03b).
        public var closingDate: CivilDate?
        /// The days the file covers when it is an extract of the fiscal year (a monthly FEC): EcritureDate
        /// must lie within them (FEC-30); the name still carries the fiscal year's closing date, so the
        /// period must lie within the fiscal year ending then (FEC-03); lettering groups may continue
        /// outside the extract, so FEC-43 is not checked. nil: the file is the whole fiscal year.
        public var period: ClosedRange<CivilDate>?
        /// The day of the check: a later ValidDate is an error (FEC-31b). nil: not checked.
        public var today: CivilDate?
        /// The file is one of our own exports: lines out of ValidDate order are an error, not a warning
        /// (FEC-39).
        public var ownExport: Bool

        public init(
            fileName: String? = nil, maxExamples: Int = 10, fiscalYearStart: CivilDate? = nil,
            closingDate: CivilDate? = nil, period: ClosedRange<CivilDate>? = nil, today: CivilDate? = nil,
            ownExport: Bool = false
        ) {
            self.fileName = fileName
            self.maxExamples = maxExamples
            self.fiscalYearStart = fiscalYearStart
            self.closingDate = closingDate
            self.period = period
            self.today = today
            self.ownExport = ownExport
        }
    }

    /// Checks the file at `path`, read in chunks of 1 MiB. The name rules apply to `options.fileName`,
    /// or to the path's last component when it is nil.
    public static func check(path: String, options: Options = Options()) throws(StorageError) -> FECCheckReport {
        var options = options
        if options.fileName == nil { options.fileName = Path.name(of: path) }
        let checker = FECChecker(options: options)
        let file = try InputFile(path: path)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try file.read(into: &chunk)
            if count == 0 { break }
            chunk.withUnsafeBytes { checker.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return checker.finish()
    }

    /// Checks a file held in memory.
    public static func check(bytes: [UInt8], options: Options = Options()) -> FECCheckReport {
        let checker = FECChecker(options: options)
        bytes.withUnsafeBytes { checker.feed($0) }
        return checker.finish()
    }

    // MARK: - State

    private enum Mode { case ascii, utf8, latin9 }
    private enum LineEnding: String { case crlf = "CRLF", lf = "LF", cr = "CR" }

    /// Logical fields, in the order of the law (Debit/Credit are Montant/Sens in that variant).
    private enum F {
        static let journalCode = 0, journalLabel = 1, entryNumber = 2, entryDate = 3, account = 4, accountLabel = 5
        static let auxNumber = 6, auxLabel = 7, pieceRef = 8, pieceDate = 9, label = 10, debit = 11, credit = 12
        static let lettering = 13, letteringDate = 14, validDate = 15, foreignAmount = 16, currency = 17
        static let required = [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15]
        static let text = [0, 1, 2, 4, 5, 8, 10]
    }

    private struct Tally {
        var count = 0
        var examples: [FECCheckReport.Example] = []
    }

    private struct Entry {
        var firstLine: Int
        var lines: Int32 = 0
        var debit: Int64 = 0
        var credit: Int64 = 0
        var entryDate: Int32 = 0
        var validDate: Int32 = 0
        var journal: Int32
        /// 1: a line on 120/129; 2: a line on class 6 or 7.
        var flags: UInt8 = 0
    }

    private struct Named {
        var label: [UInt8]
        var firstLine: Int
        var lines = 0
        var entries = 0
        var debit: Int64 = 0
        var credit: Int64 = 0
        var opening = false
    }

    private let options: Options
    private var tallies: [Tally]
    private let pending = ByteBuffer(capacity: (1 << 20) + 4096)
    private var scanFrom = 0
    private var done = false
    private var report: FECCheckReport?

    private var lineNumber = 0
    private var mode = Mode.ascii
    private var byteOrderMark = false
    private var firstMultibyteLine = 0
    private var latin9Line = 0
    private var firstEnding: LineEnding?

    private var headerDone = false
    private var unusable = false
    private var separator: UInt8 = 0x7C
    private var otherSeparator: UInt8 = 0x09
    private var columns: [String] = []
    private var columnCount = 0
    private var trailingSeparator = false
    private var montantSens = false
    private var column = [Int](repeating: -1, count: 18)
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var fieldCapacity = 0

    private let closing: Int32
    /// The closing date the file name gives, when only the name gives it (FEC-03b is then checked).
    private let closingFromNameOnly: CivilDate?
    private let start: Int32
    private let periodStart: Int32
    private let periodEnd: Int32
    /// The earliest EcritureDate (FEC-03b: a file whose entries all fall in the closing month).
    private var earliestEntryDate: Int32 = 0
    private let assumedStart: Int32
    private let today: Int32
    private let openingJournals: Set<String> = ["AN", "ANO", "RAN", "OUV", "AO", "OUVERTURE"]

    private var lineCount = 0
    private var totalDebit: Int64 = 0
    private var totalCredit: Int64 = 0
    /// Σ |debit| + |credit| over the file: every sum the checker keeps (file, journal, account,
    /// entry, lettering) is at most this in magnitude, so when it does not overflow, none does.
    /// The sums themselves wrap (`&+`, one instruction on the hot path); a file whose amounts add
    /// up beyond 64-bit cents gets one finding instead of wrong balances, and never a crash.
    private var amountMagnitude: Int64 = 0
    private var amountsOverflow = false
    private var previousValid: Int32 = 0
    private var firstNonOpeningLine = 0

    private let journalTable = FECKeyTable(capacity: 16)
    private var journals: [Named] = []
    private let accountTable = FECKeyTable(capacity: 256)
    private var accounts: [Named] = []
    private let auxTable = FECKeyTable(capacity: 256)
    private var auxiliaries: [Named] = []
    private let entryTable = FECKeyTable(capacity: 4096)
    private var entries: [Entry] = []
    private var currentEntry = -1
    private var perJournalNumbering = false
    private let currentKey = ByteBuffer(capacity: 64)
    private let letteringTable = FECKeyTable(capacity: 256)
    private var letteringSums: [Int64] = []
    private var letteringFirstLines: [Int] = []
    private let scratch = ByteBuffer(capacity: 256)

    public init(options: Options = Options()) {
        self.options = options
        tallies = [Tally](repeating: Tally(), count: FECRule.allCases.count)
        fieldCapacity = 32
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
        var closingDate = options.closingDate
        var nameFindings: [(FECRule, String, String)] = []
        var nameDate: CivilDate?
        if let path = options.fileName {
            let (date, findings) = FECChecker.checkName(Path.name(of: path))
            nameFindings = findings
            nameDate = date
            if closingDate == nil { closingDate = date }
        }
        nameFindings += FECChecker.checkClosingDate(nameDate, options: options)
        closingFromNameOnly = options.closingDate == nil && options.period == nil ? nameDate : nil
        closing = closingDate.map(FECValueParser.compact) ?? 0
        start = options.fiscalYearStart.map(FECValueParser.compact) ?? 0
        periodStart = options.period.map { FECValueParser.compact($0.lowerBound) } ?? 0
        periodEnd = options.period.map { FECValueParser.compact($0.upperBound) } ?? 0
        if let closingDate, options.fiscalYearStart == nil {
            let day = min(closingDate.day, CivilDate.daysInMonth(year: closingDate.year - 1, month: closingDate.month))
            let yearBefore = CivilDate(year: closingDate.year - 1, month: closingDate.month, day: day) ?? closingDate
            assumedStart = FECValueParser.compact(yearBefore.adding(days: 1))
        } else {
            assumedStart = 0
        }
        today = options.today.map(FECValueParser.compact) ?? 0
        for (rule, value, message) in nameFindings { flag(rule, line: nil, value, message) }
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
    }

    // MARK: - Input

    /// Reads the next bytes of the file (any chunk size; lines may straddle chunks).
    public func feed(_ bytes: UnsafeRawBufferPointer) {
        precondition(!done, "FECChecker fed after finish()")
        pending.append(bytes)
        consumeLines(final: false)
    }

    /// Ends the file: checks the last line, the entries, the numbering and the totals.
    public func finish() -> FECCheckReport {
        if let report { return report }
        done = true
        consumeLines(final: true)
        if !headerDone {
            flag(.header, line: nil, "", "the file is empty: its first line must be the header "
                + FECFormat.columnNames.joined(separator: "|"))
        }
        if lineCount == 0 {
            flag(.noEntries, line: nil, "", "the file has no entry line")
        }
        checkEntries()
        checkNumbering()
        checkTotals()
        checkClosingDatePlausibility()
        let built = buildReport()
        report = built
        return built
    }

    private func consumeLines(final: Bool) {
        let base = UnsafePointer(pending.base)
        let count = pending.count
        var lineStart = 0
        var index = scanFrom
        var waitingForLF = false
        while index < count {
            let byte = base[index]
            if byte > 0x0D || (byte != 0x0A && byte != 0x0D) {
                index += 1
                continue
            }
            let ending: LineEnding
            var next = index + 1
            if byte == 0x0A {
                ending = .lf
            } else if index + 1 < count {
                if base[index + 1] == 0x0A {
                    ending = .crlf
                    next = index + 2
                } else {
                    ending = .cr
                }
            } else if final {
                ending = .cr
            } else {
                waitingForLF = true
                break
            }
            processLine(base + lineStart, index - lineStart, ending)
            lineStart = next
            index = next
        }
        if final, !waitingForLF, lineStart < count {
            processLine(base + lineStart, count - lineStart, nil)
            lineStart = count
        }
        pending.removeFirst(lineStart)
        scanFrom = waitingForLF ? index - lineStart : pending.count
    }

    // MARK: - Lines

    private func processLine(_ base: UnsafePointer<UInt8>, _ length: Int, _ ending: LineEnding?) {
        lineNumber += 1
        var start = base
        var count = length
        if lineNumber == 1, count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            byteOrderMark = true
            start += 3
            count -= 3
            flag(.byteOrderMark, line: 1, "", "the file starts with a UTF-8 byte-order mark (EF BB BF): tolerated, better without")
        }
        let line = UnsafeRawBufferPointer(start: start, count: count)
        if let ending {
            if let firstEnding {
                if ending != firstEnding {
                    flag(.lineEnding, line: lineNumber, ending.rawValue,
                         "this line ends with \(ending.rawValue) while line 1 ends with \(firstEnding.rawValue)")
                }
            } else {
                firstEnding = ending
            }
        }
        if !headerDone {
            if (count >= 2 && (start[0] == 0xFF && start[1] == 0xFE || start[0] == 0xFE && start[1] == 0xFF))
                || line.contains(0) {
                // UTF-16 (every other byte is NUL for Latin text): nothing can be read field by field.
                headerDone = true
                unusable = true
                flag(.encoding, line: 1, "", "the file is UTF-16 (or another 16-bit encoding): the law allows only "
                    + "ASCII, ISO-8859-15 or UTF-8; re-export it in UTF-8 (nothing else was checked)")
                return
            }
            checkEncoding(line)
            parseHeader(line)
            return
        }
        if unusable {
            // Without a legal separator nothing is checked; lines are only counted.
            if !line.isEmpty { lineCount += 1 }
            return
        }
        checkEncoding(line)
        var blank = true
        for byte in line where byte != 0x20 && byte != 0x09 {
            blank = false
            break
        }
        if blank {
            flag(.blankLine, line: lineNumber, "", "blank line: remove it (only the last line may end with a line break)")
            return
        }
        lineCount += 1
        checkRecord(line)
    }

    private func checkEncoding(_ line: UnsafeRawBufferPointer) {
        var index = 0
        let count = line.count
        while index + 8 <= count {
            if line.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < count, line[index] < 0x80 { index += 1 }
        if index == count { return }
        let (valid, c1) = FECChecker.validateUTF8(line, from: index)
        switch mode {
        case .ascii, .utf8:
            if valid {
                mode = .utf8
                if firstMultibyteLine == 0 { firstMultibyteLine = lineNumber }
                if c1 {
                    flag(.controlCharacter, line: lineNumber, text(line, 0, min(count, 120)),
                         "a C1 control character (U+0080 to U+009F) in the text")
                }
                return
            }
            if mode == .utf8 {
                flag(.encoding, line: lineNumber, text(line, 0, min(count, 120)),
                     "this line is not UTF-8 while line \(firstMultibyteLine) is: the file mixes encodings; "
                        + "re-export it in one encoding (UTF-8 or ISO-8859-15)")
            }
            mode = .latin9
            latin9Line = lineNumber
        case .latin9:
            if valid, !c1 {
                flag(.encoding, line: lineNumber, text(line, 0, min(count, 120)),
                     "this line reads as UTF-8 while line \(latin9Line) is ISO-8859-15: the file mixes encodings")
                return
            }
        }
        for position in index..<count where line[position] >= 0x80 && line[position] <= 0x9F {
            flag(.encoding, line: lineNumber, "0x" + String(line[position], radix: 16, uppercase: true),
                 "byte 0x\(String(line[position], radix: 16, uppercase: true)) at column \(position + 1) is not a character "
                    + "in ISO-8859-15 (a Windows-1252 file?): re-export in UTF-8 or ISO-8859-15")
            break
        }
    }

    /// Whether `line[from...]` is valid UTF-8, and whether it contains C1 controls (U+0080–U+009F).
    private static func validateUTF8(_ line: UnsafeRawBufferPointer, from: Int) -> (Bool, Bool) {
        var validator = UTF8Validator()
        validator.feed(UnsafeRawBufferPointer(rebasing: line[from...]))
        validator.finish()
        guard validator.isValidSoFar else { return (false, false) }
        var c1 = false
        var index = from
        while index + 1 < line.count {
            if line[index] == 0xC2, line[index + 1] < 0xA0 { c1 = true; break }
            index += 1
        }
        return (true, c1)
    }

    // MARK: - Header

    private func parseHeader(_ line: UnsafeRawBufferPointer) {
        headerDone = true
        var tabs = 0, pipes = 0, semicolons = 0, commas = 0
        for byte in line {
            switch byte {
            case 0x09: tabs += 1
            case 0x7C: pipes += 1
            case 0x3B: semicolons += 1
            case 0x2C: commas += 1
            default: break
            }
        }
        if tabs >= 8 {
            separator = 0x09
            otherSeparator = 0x7C
        } else if pipes >= 8 {
            separator = 0x7C
            otherSeparator = 0x09
        } else {
            unusable = true
            let found: String? = semicolons >= 8 ? ";" : commas >= 8 ? "," : nil
            let shown = text(line, 0, min(line.count, 120))
            if let found {
                columns = text(line, 0, line.count).split(separator: Character(found), omittingEmptySubsequences: false)
                    .map { $0.trimming(" ") }
                flag(.separator, line: 1, found, "the fields are separated by '\(found)': the law allows only a tab or '|' "
                    + "(A47 A-1 §VI); re-export with '|' (nothing else was checked)")
            } else {
                columns = [shown]
                flag(.separator, line: 1, shown, "no tab or '|' separator in the first line: not a FEC flat file, or its "
                    + "header line is missing (nothing else was checked)")
            }
            return
        }
        var names: [String] = []
        var fieldStart = 0
        for index in 0...line.count where index == line.count || line[index] == separator {
            names.append(text(line, fieldStart, index).trimming(" "))
            fieldStart = index + 1
        }
        if names.count > 1, names.last == "" {
            trailingSeparator = true
            names.removeLast()
        }
        columns = names
        columnCount = names.count
        if columnCount + 2 > fieldCapacity {
            starts.deallocate()
            ends.deallocate()
            fieldCapacity = columnCount + 2
            starts = .allocate(capacity: fieldCapacity)
            ends = .allocate(capacity: fieldCapacity)
        }
        let lower = names.map { $0.lowercased() }
        montantSens = names.count > 12 && lower[11] == "montant" && lower[12] == "sens"
        var expected = FECFormat.columnNames
        if montantSens { expected[11] = "Montant"; expected[12] = "Sens" }
        let expectedLower = expected.map { $0.lowercased() }
        for index in 0..<18 { column[index] = lower.firstIndex(of: expectedLower[index]) ?? -1 }

        if column.allSatisfy({ $0 < 0 }) {
            flag(.header, line: 1, text(line, 0, min(line.count, 120)),
                 "the first line is not the header: it must name the fields " + FECFormat.columnNames.joined(separator: "|"))
            // Assume the legal order so that the following lines are still checked.
            for index in 0..<min(18, columnCount) { column[index] = index }
            return
        }
        for index in 0..<18 {
            guard index < names.count else {
                flag(.header, line: 1, "", "column \(index + 1) \(expected[index]) is missing")
                continue
            }
            if names[index] == expected[index] { continue }
            if lower[index] == expectedLower[index] {
                flag(.headerCase, line: 1, names[index],
                     "column \(index + 1) is written '\(names[index])', the law writes '\(expected[index])' (accepted)")
            } else {
                let place = column[index] >= 0 ? " (found as column \(column[index] + 1))" : " (not found)"
                flag(.header, line: 1, names[index], "column \(index + 1) must be \(expected[index])\(place)")
            }
        }
        for (index, name) in lower.enumerated() where name == "montant" || name == "sens" {
            if montantSens, index == 11 || index == 12 { continue }
            flag(.amountSignColumns, line: 1, names[index],
                 "column \(index + 1): Montant and Sens may only replace Debit and Credit, as columns 12 and 13")
        }
        let regime = FECFormat.regimeColumnNames.map { $0.lowercased() }
        var seen: Set<String> = []
        for (index, name) in lower.enumerated() {
            defer { seen.insert(name) }
            if let position = regime.firstIndex(of: name) {
                let inPlace = index == 18 + position && (0..<position).allSatisfy { lower[18 + $0] == regime[$0] }
                if !inPlace {
                    flag(.regimeColumns, line: 1, names[index], "\(names[index]) must be column \(19 + position), after "
                        + (["the 18 mandatory columns"] + FECFormat.regimeColumnNames.prefix(position)).joined(separator: ", "))
                }
                continue
            }
            guard index >= 18 else { continue }
            if name.isEmpty {
                flag(.extraColumns, line: 1, "", "column \(index + 1) has no name")
            } else if seen.contains(name) {
                flag(.extraColumns, line: 1, names[index], "column \(index + 1) repeats the name \(names[index])")
            }
        }
    }

    // MARK: - Records

    private func checkRecord(_ line: UnsafeRawBufferPointer) {
        let count = line.count
        var fieldCount = 0
        var fieldStart = 0
        var controlAt = -1
        var otherField = -1
        var index = 0
        while index < count {
            let byte = line[index]
            if byte >= 0x20, byte != 0x7C, byte != 0x7F {
                index += 1
                continue
            }
            if byte == separator {
                if fieldCount < fieldCapacity {
                    starts[fieldCount] = fieldStart
                    ends[fieldCount] = index
                }
                fieldCount += 1
                fieldStart = index + 1
            } else if byte == otherSeparator {
                if otherField < 0 { otherField = fieldCount }
            } else if controlAt < 0 {
                controlAt = index
            }
            index += 1
        }
        if fieldCount < fieldCapacity {
            starts[fieldCount] = fieldStart
            ends[fieldCount] = count
        }
        fieldCount += 1
        if trailingSeparator, fieldCount == columnCount + 1, starts[columnCount] == count { fieldCount -= 1 }

        if controlAt >= 0 {
            let byte = line[controlAt]
            flag(.controlCharacter, line: lineNumber, "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true),
                 "control character 0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true)) at column "
                    + "\(controlAt + 1)\(byte == 0 ? " (NUL)" : ""): remove it from the source data")
        }
        if fieldCount != columnCount {
            var others = 0
            for byte in line where byte == otherSeparator { others += 1 }
            if others + 1 == columnCount {
                flag(.separator, line: lineNumber, text(line, 0, min(count, 120)),
                     "this line is separated by '\(name(otherSeparator))' while the header uses '\(name(separator))'")
            } else {
                flag(.fieldCount, line: lineNumber, text(line, 0, min(count, 120)),
                     "\(fieldCount) fields instead of \(columnCount) (a '\(name(separator))' inside a value, or a missing field?)")
            }
            return
        }
        if otherField >= 0 {
            flag(.separatorInValue, line: lineNumber, text(line, starts[otherField], ends[otherField]),
                 "\(columns[otherField]) contains a '\(name(otherSeparator))': values must contain neither tab nor '|'")
        }
        var spacedField = -1
        for field in 0..<columnCount {
            var first = starts[field]
            var last = ends[field]
            guard first < last, line[first] == 0x20 || line[last - 1] == 0x20 else { continue }
            if spacedField < 0 { spacedField = field }
            while first < last, line[first] == 0x20 { first += 1 }
            while last > first, line[last - 1] == 0x20 { last -= 1 }
            starts[field] = first
            ends[field] = last
        }
        if spacedField >= 0 {
            flag(.outerSpaces, line: lineNumber, columns[spacedField],
                 "\(columns[spacedField]) has leading or trailing spaces")
        }
        checkFields(line)
    }

    @inline(__always)
    private func range(_ field: Int) -> (Int, Int) {
        let index = column[field]
        return index >= 0 ? (starts[index], ends[index]) : (0, 0)
    }

    @inline(__always)
    private func isEmpty(_ field: Int) -> Bool {
        let (first, last) = range(field)
        return first >= last
    }

    private func checkFields(_ line: UnsafeRawBufferPointer) {
        let number = lineNumber
        for field in F.required where column[field] >= 0 && isEmpty(field) {
            flag(.requiredField, line: number, "", "\(columns[column[field]]) is empty (mandatory)")
        }
        for field in F.text where column[field] >= 0 {
            let (first, last) = range(field)
            if last - first == 1, line[first] == 0x2D || line[first] == 0x2F || line[first] == 0x2E {
                flag(.placeholder, line: number, text(line, first, last),
                     "\(columns[column[field]]) holds a placeholder instead of a real value")
            }
        }

        // Dates.
        let entryDate = date(line, F.entryDate)
        _ = date(line, F.pieceDate)
        _ = date(line, F.letteringDate)
        let validDate = date(line, F.validDate)

        // Account number.
        let (accountStart, accountEnd) = range(F.account)
        if accountStart < accountEnd {
            var ok = accountEnd - accountStart >= 3
            if ok {
                for index in accountStart..<(accountStart + 3) where line[index] < 0x30 || line[index] > 0x39 { ok = false }
                if line[accountStart] == 0x30 || line[accountStart] == 0x39 { ok = false }
            }
            if !ok {
                flag(.accountNumber, line: number, text(line, accountStart, accountEnd),
                     "CompteNum must start with 3 digits, the first from 1 to 8 (the classes of the plan comptable général, "
                        + "A47 A-1 §VII)")
            }
        }

        // Amounts.
        var debit: Int64 = 0
        var credit: Int64 = 0
        var amountsValid = true
        if montantSens {
            let (amountStart, amountEnd) = range(F.debit)
            let amount = FECValueParser.amount(line, amountStart, amountEnd)
            amountsValid = checkAmount(amount, line, F.debit)
            let (sensStart, sensEnd) = range(F.credit)
            var isDebit: Bool?
            switch sensEnd - sensStart {
            case 1:
                switch line[sensStart] {
                case 0x44: isDebit = true
                case 0x43: isDebit = false
                case 0x64, 0x63:
                    isDebit = line[sensStart] == 0x64
                    flag(.sensCase, line: number, text(line, sensStart, sensEnd), "Sens is written in lower case")
                default: break
                }
            case 2:
                if line[sensStart + 1] == 0x31, line[sensStart] == 0x2B || line[sensStart] == 0x2D {
                    isDebit = line[sensStart] == 0x2B
                }
            default: break
            }
            if isDebit == nil {
                amountsValid = false
                if sensStart < sensEnd {
                    flag(.sens, line: number, text(line, sensStart, sensEnd), "Sens must be D, C, +1 or -1")
                }
            }
            if isDebit == true { debit = amount.minor } else if isDebit == false { credit = amount.minor }
            if amountsValid, amount.minor == 0 {
                flag(.zeroLine, line: number, text(line, amountStart, amountEnd), "Montant is zero")
            }
        } else {
            let (debitStart, debitEnd) = range(F.debit)
            let (creditStart, creditEnd) = range(F.credit)
            let debitAmount = FECValueParser.amount(line, debitStart, debitEnd)
            let creditAmount = FECValueParser.amount(line, creditStart, creditEnd)
            let debitValid = checkAmount(debitAmount, line, F.debit)
            let creditValid = checkAmount(creditAmount, line, F.credit)
            amountsValid = debitValid && creditValid
            debit = debitAmount.minor
            credit = creditAmount.minor
            if amountsValid {
                if debit != 0, credit != 0 {
                    flag(.bothSides, line: number, text(line, debitStart, debitEnd) + " / " + text(line, creditStart, creditEnd),
                         "both Debit and Credit are set: split the line in two, or keep only the difference")
                } else if debit == 0, credit == 0 {
                    flag(.zeroLine, line: number, text(line, debitStart, debitEnd) + " / " + text(line, creditStart, creditEnd),
                         "Debit and Credit are both zero")
                }
            }
        }
        let (foreignStart, foreignEnd) = range(F.foreignAmount)
        if foreignStart < foreignEnd {
            _ = checkAmount(FECValueParser.amount(line, foreignStart, foreignEnd), line, F.foreignAmount)
        }

        // Pairs.
        let (auxStart, auxEnd) = range(F.auxNumber)
        let (auxLabelStart, auxLabelEnd) = range(F.auxLabel)
        if (auxStart < auxEnd) != (auxLabelStart < auxLabelEnd) {
            flag(.auxiliaryPair, line: number, auxStart < auxEnd ? text(line, auxStart, auxEnd) : text(line, auxLabelStart, auxLabelEnd),
                 auxStart < auxEnd ? "CompAuxNum is set but CompAuxLib is empty" : "CompAuxLib is set but CompAuxNum is empty")
        }
        if auxStart < auxEnd, accountStart < accountEnd, line[accountStart] != 0x34 {
            flag(.auxiliaryAccount, line: number, text(line, accountStart, accountEnd),
                 "CompAuxNum \(text(line, auxStart, auxEnd)) on a non-third-party account (not class 4)")
        }
        let (letStart, letEnd) = range(F.lettering)
        let hasLetteringDate = !isEmpty(F.letteringDate)
        if letStart >= letEnd, hasLetteringDate {
            let (first, last) = range(F.letteringDate)
            flag(.letteringDateAlone, line: number, text(line, first, last), "DateLet is set but EcritureLet is empty")
        } else if letStart < letEnd, !hasLetteringDate, column[F.letteringDate] >= 0 {
            flag(.letteringWithoutDate, line: number, text(line, letStart, letEnd), "EcritureLet is set but DateLet is empty")
        }
        let (currencyStart, currencyEnd) = range(F.currency)
        if (foreignStart < foreignEnd) != (currencyStart < currencyEnd) {
            flag(.currency, line: number, foreignStart < foreignEnd ? text(line, foreignStart, foreignEnd) : text(line, currencyStart, currencyEnd),
                 foreignStart < foreignEnd ? "Montantdevise is set but Idevise is empty" : "Idevise is set but Montantdevise is empty")
        }
        if currencyStart < currencyEnd {
            var ok = currencyEnd - currencyStart == 3
            if ok { for index in currencyStart..<currencyEnd where line[index] < 0x41 || line[index] > 0x5A { ok = false } }
            if !ok {
                flag(.currency, line: number, text(line, currencyStart, currencyEnd),
                     "Idevise must be an ISO 4217 code of 3 capital letters (USD, GBP…)")
            }
        }

        // Dates against the year, the entry and the order of the file.
        if entryDate != 0, closing != 0 {
            if entryDate > closing {
                flag(.dateOutsideYear, line: number, String(entryDate), "EcritureDate is after the closing date \(closing)")
            } else if start != 0, entryDate < start {
                flag(.dateOutsideYear, line: number, String(entryDate), "EcritureDate is before the fiscal year start \(start)")
            } else if assumedStart != 0, entryDate < assumedStart {
                flag(.dateBeforeAssumedStart, line: number, String(entryDate),
                     "EcritureDate is more than 12 months before the closing date \(closing) (give the fiscal year start "
                        + "if the year is longer)")
            }
        }
        if entryDate != 0, periodStart != 0, entryDate < periodStart || entryDate > periodEnd {
            flag(.dateOutsideYear, line: number, String(entryDate),
                 "EcritureDate is outside the period the file covers (\(periodStart) to \(periodEnd))")
        }
        if entryDate != 0, earliestEntryDate == 0 || entryDate < earliestEntryDate { earliestEntryDate = entryDate }
        if validDate != 0 {
            if entryDate != 0, validDate < entryDate {
                flag(.validationBeforeEntry, line: number, String(validDate), "ValidDate is before EcritureDate \(entryDate)")
            }
            if today != 0, validDate > today {
                flag(.validationInFuture, line: number, String(validDate), "ValidDate is after today (\(today))")
            }
            if previousValid != 0, validDate < previousValid {
                flag(.lineOrder, line: number, String(validDate),
                     "ValidDate \(validDate) comes after \(previousValid) on the line before: sort the lines by validation date")
            }
            previousValid = validDate
        }

        totalDebit &+= debit
        totalCredit &+= credit
        // Each amount has at most 16 digits before the mark (FEC-20), so the two magnitudes fit.
        let (magnitude, overflow) = amountMagnitude.addingReportingOverflow(
            Int64(debit.magnitude) &+ Int64(credit.magnitude))
        amountMagnitude = magnitude
        if overflow { amountsOverflow = true }

        // Journal, account, auxiliary account: one label each, totals.
        var journalIndex = -1
        let (journalStart, journalEnd) = range(F.journalCode)
        if journalStart < journalEnd {
            let (index, inserted) = journalTable.findOrInsert(UnsafeRawBufferPointer(rebasing: line[journalStart..<journalEnd]))
            let (labelStart, labelEnd) = range(F.journalLabel)
            if inserted {
                let code = text(line, journalStart, journalEnd).uppercased()
                journals.append(Named(label: Array(line[labelStart..<labelEnd]), firstLine: number,
                                      opening: openingJournals.contains(code)))
            } else {
                checkLabel(journals[index], line, labelStart, labelEnd, kind: "JournalCode", key: (journalStart, journalEnd))
            }
            journals[index].lines += 1
            journals[index].debit &+= debit
            journals[index].credit &+= credit
            journalIndex = index
        }
        if accountStart < accountEnd {
            let (index, inserted) = accountTable.findOrInsert(UnsafeRawBufferPointer(rebasing: line[accountStart..<accountEnd]))
            let (labelStart, labelEnd) = range(F.accountLabel)
            if inserted {
                accounts.append(Named(label: Array(line[labelStart..<labelEnd]), firstLine: number))
            } else {
                checkLabel(accounts[index], line, labelStart, labelEnd, kind: "CompteNum", key: (accountStart, accountEnd))
            }
            accounts[index].lines += 1
            accounts[index].debit &+= debit
            accounts[index].credit &+= credit
        }
        if auxStart < auxEnd {
            let (index, inserted) = auxTable.findOrInsert(UnsafeRawBufferPointer(rebasing: line[auxStart..<auxEnd]))
            if inserted {
                auxiliaries.append(Named(label: Array(line[auxLabelStart..<auxLabelEnd]), firstLine: number))
            } else {
                checkLabel(auxiliaries[index], line, auxLabelStart, auxLabelEnd, kind: "CompAuxNum", key: (auxStart, auxEnd))
            }
        }

        // The entry.
        let (numberStart, numberEnd) = range(F.entryNumber)
        scratch.removeAll()
        scratch.append(UnsafeRawBufferPointer(rebasing: line[journalStart..<journalEnd]))
        scratch.append(0x1F)
        scratch.append(UnsafeRawBufferPointer(rebasing: line[numberStart..<numberEnd]))
        let key = scratch.bytes
        var entryIndex = currentEntry
        if currentEntry < 0 || key.count != currentKey.count || memcmp(key.baseAddress!, currentKey.base, key.count) != 0 {
            let (index, inserted) = entryTable.findOrInsert(key)
            if inserted {
                entries.append(Entry(firstLine: number, journal: Int32(journalIndex)))
                if journalIndex >= 0 {
                    journals[journalIndex].entries += 1
                    if journals[journalIndex].opening {
                        if firstNonOpeningLine != 0 {
                            flag(.openingFirst, line: number, text(line, journalStart, journalEnd) + " " + text(line, numberStart, numberEnd),
                                 "opening entry after other entries (line \(firstNonOpeningLine)): opening entries come first")
                        }
                    } else if firstNonOpeningLine == 0 {
                        firstNonOpeningLine = number
                    }
                }
            } else {
                flag(.entryNotContiguous, line: number, text(line, journalStart, journalEnd) + " " + text(line, numberStart, numberEnd),
                     "this entry started on line \(entries[index].firstLine) and resumes here after other entries")
            }
            currentKey.removeAll()
            currentKey.append(key)
            currentEntry = index
            entryIndex = index
        }
        var entry = entries[entryIndex]
        if entry.lines == 0 {
            entry.entryDate = entryDate
            entry.validDate = validDate
        } else {
            if entryDate != 0, entry.entryDate != 0, entryDate != entry.entryDate {
                flag(.entryDates, line: number, String(entryDate),
                     "EcritureDate differs from the entry's first line (line \(entry.firstLine): \(entry.entryDate))")
            }
            if validDate != 0, entry.validDate != 0, validDate != entry.validDate {
                flag(.entryDates, line: number, String(validDate),
                     "ValidDate differs from the entry's first line (line \(entry.firstLine): \(entry.validDate))")
            }
            if entry.entryDate == 0 { entry.entryDate = entryDate }
            if entry.validDate == 0 { entry.validDate = validDate }
        }
        entry.lines += 1
        entry.debit &+= debit
        entry.credit &+= credit
        if accountEnd - accountStart >= 3, line[accountStart] == 0x31, line[accountStart + 1] == 0x32,
           line[accountStart + 2] == 0x30 || line[accountStart + 2] == 0x39 {
            entry.flags |= 1
        }
        if accountStart < accountEnd, line[accountStart] == 0x36 || line[accountStart] == 0x37 { entry.flags |= 2 }
        entries[entryIndex] = entry

        // Lettering group.
        if letStart < letEnd {
            scratch.removeAll()
            scratch.append(UnsafeRawBufferPointer(rebasing: line[accountStart..<accountEnd]))
            scratch.append(0x1F)
            scratch.append(UnsafeRawBufferPointer(rebasing: line[auxStart..<auxEnd]))
            scratch.append(0x1F)
            scratch.append(UnsafeRawBufferPointer(rebasing: line[letStart..<letEnd]))
            let (index, inserted) = letteringTable.findOrInsert(scratch.bytes)
            if inserted {
                letteringSums.append(0)
                letteringFirstLines.append(number)
            }
            letteringSums[index] &+= debit &- credit
        }
    }

    /// Parses a date field; reports a non-empty invalid one. Returns `AAAAMMJJ` or 0.
    private func date(_ line: UnsafeRawBufferPointer, _ field: Int) -> Int32 {
        let (first, last) = range(field)
        guard first < last else { return 0 }
        if let value = FECValueParser.date(line, first, last) { return value }
        flag(.date, line: lineNumber, text(line, first, last),
             "\(columns[column[field]]) is not a date written AAAAMMJJ (e.g. 20241231)")
        return 0
    }

    /// Reports an amount's problems; true when it is a valid number.
    private func checkAmount(_ amount: FECValueParser.Amount, _ line: UnsafeRawBufferPointer, _ field: Int) -> Bool {
        let (first, last) = range(field)
        let name = column[field] >= 0 ? columns[column[field]] : FECFormat.columnNames[field]
        if let problem = amount.problem {
            flag(.amountFormat, line: lineNumber, text(line, first, last), "\(name): \(problem)")
            return false
        }
        if amount.negative, amount.minor != 0, field != F.foreignAmount {
            flag(.negativeAmount, line: lineNumber, text(line, first, last),
                 "\(name) is negative: write a positive amount in the opposite column")
        }
        // Montantdevise is in the currency of Idevise, which may have 3 decimals (KWD, TND…).
        if amount.extraDecimals, field != F.foreignAmount {
            flag(.decimals, line: lineNumber, text(line, first, last),
                 "\(name) has more than 2 decimals: amounts in euros are written to the cent (counted rounded to the cent)")
        }
        return true
    }

    private func checkLabel(_ named: Named, _ line: UnsafeRawBufferPointer, _ first: Int, _ last: Int, kind: String,
                            key: (Int, Int)) {
        let label = UnsafeRawBufferPointer(rebasing: line[first..<last])
        let same = named.label.withUnsafeBytes { stored in
            stored.count == label.count && (label.isEmpty || memcmp(stored.baseAddress!, label.baseAddress!, label.count) == 0)
        }
        if !same {
            flag(.labelConsistency, line: lineNumber, text(line, first, last),
                 "\(kind) \(text(line, key.0, key.1)) was labelled '\(decode(named.label))' on line \(named.firstLine)")
        }
    }

    // MARK: - End of file

    private func checkEntries() {
        for (index, entry) in entries.enumerated() {
            let name = entryName(index)
            if entry.debit != entry.credit, !amountsOverflow {
                flag(.unbalancedEntry, line: entry.firstLine, name,
                     "debit \(FECFormat.amountText(entry.debit)) ≠ credit \(FECFormat.amountText(entry.credit)) "
                        + "(difference \(FECFormat.amountText(entry.debit &- entry.credit)))")
            }
            if entry.lines == 1 {
                flag(.singleLineEntry, line: entry.firstLine, name, "the entry has a single line")
            }
            if entry.flags == 3 {
                flag(.closingEntry, line: entry.firstLine, name,
                     "the entry moves class 6/7 amounts to 120/129: closing entries must not be in the FEC")
            }
        }
        // An extract (a monthly FEC) letters a payment whose invoice is in an earlier month's file.
        for (index, sum) in letteringSums.enumerated() where sum != 0 && options.period == nil && !amountsOverflow {
            let key = letteringTable.key(index)
            let parts = key.split(separator: 0x1F, omittingEmptySubsequences: false).map { decode(Array($0)) }
            let shown = parts.count == 3 ? "\(parts[0])\(parts[1].isEmpty ? "" : " / " + parts[1]) lettering \(parts[2])" : ""
            flag(.letteringBalance, line: letteringFirstLines[index], shown,
                 "the lettered lines net to \(FECFormat.amountText(sum)), not zero (partial lettering? or an "
                    + "extract of the year whose other lines are in an earlier period: give its --period)")
        }
    }

    private func checkNumbering() {
        guard !entries.isEmpty else { return }
        // The scheme: per journal as soon as one EcritureNum is used by two journals.
        let numbers = FECKeyTable(capacity: entries.count)
        var numberJournal: [Int32] = []
        for index in entries.indices {
            let (index2, inserted) = numbers.findOrInsert(entryNumber(index))
            if inserted {
                numberJournal.append(entries[index].journal)
            } else if numberJournal[index2] != entries[index].journal {
                perJournalNumbering = true
                break
            }
        }
        // Series: the text before the trailing digits (and the journal, per journal).
        let seriesTable = FECKeyTable(capacity: 16)
        var series: [[(value: Int64, entry: Int)]] = []
        for index in entries.indices {
            let number = entryNumber(index)
            var digitsStart = number.count
            while digitsStart > 0, number[digitsStart - 1] >= 0x30, number[digitsStart - 1] <= 0x39 { digitsStart -= 1 }
            let digits = number.count - digitsStart
            guard digits > 0, digits <= 18 else { continue }
            var value: Int64 = 0
            for position in digitsStart..<number.count { value = value * 10 + Int64(number[position] - 0x30) }
            scratch.removeAll()
            if perJournalNumbering {
                withUnsafeBytes(of: entries[index].journal) { scratch.append($0) }
            }
            scratch.append(UnsafeRawBufferPointer(rebasing: number[0..<digitsStart]))
            let (seriesIndex, inserted) = seriesTable.findOrInsert(scratch.bytes)
            if inserted { series.append([]) }
            series[seriesIndex].append((value, index))
        }
        var found: [(line: Int, rule: FECRule, value: String, message: String)] = []
        for var members in series {
            members.sort { $0.value < $1.value || ($0.value == $1.value && $0.entry < $1.entry) }
            var lastOpening: (value: Int64, entry: Int)?
            var firstOther: (value: Int64, entry: Int)?
            for (position, member) in members.enumerated() {
                let entry = entries[member.entry]
                if entry.journal >= 0, journals[Int(entry.journal)].opening {
                    lastOpening = member
                } else if firstOther == nil {
                    firstOther = member
                }
                guard position > 0 else { continue }
                let previous = members[position - 1]
                if member.value == previous.value {
                    found.append((entry.firstLine, .numberingGap, entryName(member.entry),
                                  "the number \(member.value) is also used by \(entryName(previous.entry)) "
                                    + "(line \(entries[previous.entry].firstLine))"))
                } else if member.value > previous.value + 1 {
                    let missing = member.value - previous.value - 1
                    found.append((entry.firstLine, .numberingGap, entryName(member.entry),
                                  "follows \(entryName(previous.entry)): \(missing) number\(missing == 1 ? "" : "s") missing"
                                    + (missing == 1 ? " (\(previous.value + 1))" : " (\(previous.value + 1) to \(member.value - 1))")))
                }
                let previousValid = entries[previous.entry].validDate
                if entry.validDate != 0, previousValid != 0, entry.validDate < previousValid {
                    found.append((entry.firstLine, .numberingOrder, entryName(member.entry),
                                  "validated on \(entry.validDate), before \(entryName(previous.entry)) (\(previousValid)) "
                                    + "which has a lower number"))
                }
            }
            if let lastOpening, let firstOther, lastOpening.value > firstOther.value {
                found.append((entries[lastOpening.entry].firstLine, .openingFirst, entryName(lastOpening.entry),
                              "the opening entry's number is higher than \(entryName(firstOther.entry)): "
                                + "opening entries carry the first numbers"))
            }
        }
        found.sort { $0.line < $1.line }
        for item in found { flag(item.rule, line: item.line, item.value, item.message) }
    }

    private func checkTotals() {
        if amountsOverflow {
            flag(.fileBalance, line: nil, "", "the amounts of this file add up beyond 92233720368547758,07, more than "
                + "64-bit cents hold: no balance could be checked exactly (are some amounts wrong?)")
            return
        }
        if totalDebit != totalCredit {
            flag(.fileBalance, line: nil, "", "the file does not balance: debit \(FECFormat.amountText(totalDebit)), "
                + "credit \(FECFormat.amountText(totalCredit)) (difference \(FECFormat.amountText(totalDebit &- totalCredit)))")
        }
        for (index, journal) in journals.enumerated() where journal.debit != journal.credit {
            flag(.fileBalance, line: nil, decode(Array(journalTable.key(index))),
                 "journal \(decode(Array(journalTable.key(index)))) does not balance: debit \(FECFormat.amountText(journal.debit)), "
                    + "credit \(FECFormat.amountText(journal.credit))")
        }
    }

    // MARK: - Report

    private func buildReport() -> FECCheckReport {
        var findings: [FECCheckReport.Finding] = []
        var errors = 0
        var warnings = 0
        for (index, rule) in FECRule.allCases.enumerated() where tallies[index].count > 0 {
            let severity: FECRule.Severity = rule == .lineOrder && options.ownExport ? .error : rule.severity
            findings.append(FECCheckReport.Finding(rule: rule.id, severity: severity, description: rule.summary,
                                                   count: tallies[index].count, examples: tallies[index].examples))
            if severity == .error { errors += tallies[index].count } else { warnings += tallies[index].count }
        }
        var accountTotals: [(key: [UInt8], total: FECCheckReport.AccountTotal)] = []
        var result: Int64 = 0
        var vat: Int64 = 0
        for (index, account) in accounts.enumerated() {
            let key = Array(accountTable.key(index))
            if let first = key.first, first == 0x36 || first == 0x37 { result &+= account.credit &- account.debit }
            if key.starts(with: [0x34, 0x34, 0x35, 0x37, 0x34]) { vat &+= account.credit &- account.debit }
            accountTotals.append((key, FECCheckReport.AccountTotal(
                number: decode(key), label: decode(account.label), lines: account.lines,
                debitMinor: account.debit, creditMinor: account.credit)))
        }
        accountTotals.sort { $0.key.lexicographicallyPrecedes($1.key) }
        let journalTotals = journals.enumerated().map { index, journal in
            FECCheckReport.JournalTotal(code: decode(Array(journalTable.key(index))), label: decode(journal.label),
                                        lines: journal.lines, entries: journal.entries,
                                        debitMinor: journal.debit, creditMinor: journal.credit)
        }
        let encoding: String = switch mode {
        case .latin9: "ISO-8859-15"
        case .utf8: byteOrderMark ? "UTF-8 with BOM" : "UTF-8"
        case .ascii: byteOrderMark ? "UTF-8 with BOM" : "ASCII"
        }
        return FECCheckReport(
            fileName: options.fileName.map { Path.name(of: $0) },
            period: options.period.map { "\($0.lowerBound) to \($0.upperBound)" }, encoding: encoding,
            separator: unusable || !headerDone ? nil : separator == 0x09 ? "tab" : "|",
            lineEnding: firstEnding?.rawValue, columns: columns,
            amountColumns: montantSens ? "Montant/Sens" : "Debit/Credit",
            numbering: entries.isEmpty ? nil : perJournalNumbering ? "per journal" : "global",
            lines: lineCount, entries: entries.count, debitMinor: totalDebit, creditMinor: totalCredit,
            resultMinor: result, vatOnReceiptsBalanceMinor: vat, journals: journalTotals,
            accounts: accountTotals.map(\.total), findings: findings, errorCount: errors, warningCount: warnings)
    }

    // MARK: - Helpers

    private func flag(_ rule: FECRule, line: Int?, _ value: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        let index = rule.ordinal
        tallies[index].count += 1
        if tallies[index].examples.count < options.maxExamples {
            var shown = value()
            if shown.count > 120 { shown = String(shown.prefix(120)) + "…" }
            tallies[index].examples.append(FECCheckReport.Example(line: line, value: shown, message: message()))
        }
    }

    private func text(_ line: UnsafeRawBufferPointer, _ first: Int, _ last: Int) -> String {
        guard first < last else { return "" }
        return decode(UnsafeRawBufferPointer(rebasing: line[first..<last]))
    }

    private func decode(_ bytes: some Collection<UInt8>) -> String {
        mode == .latin9 ? Latin9.decode(bytes) : String(decoding: bytes, as: UTF8.self)
    }

    private func entryNumber(_ index: Int) -> UnsafeRawBufferPointer {
        let key = entryTable.key(index)
        let separatorIndex = key.firstIndex(of: 0x1F) ?? -1
        return UnsafeRawBufferPointer(rebasing: key[(separatorIndex + 1)...])
    }

    private func entryName(_ index: Int) -> String {
        let key = entryTable.key(index)
        let separatorIndex = key.firstIndex(of: 0x1F) ?? 0
        return decode(UnsafeRawBufferPointer(rebasing: key[..<separatorIndex])) + " "
            + decode(UnsafeRawBufferPointer(rebasing: key[(separatorIndex + 1)...]))
    }

    private func name(_ separator: UInt8) -> String { separator == 0x09 ? "tab" : "|" }

    /// FEC-03 against what is known of the fiscal year: the name carries its closing date (§IX), so it
    /// must be the closing date given, come after a period extract's last day, and lie within 24 months
    /// of the fiscal year's start (a first fiscal year may be longer than 12 months, not more than 24).
    static func checkClosingDate(_ nameDate: CivilDate?, options: Options) -> [(FECRule, String, String)] {
        guard let nameDate else { return [] }
        let shown = FECFormat.compactDate(nameDate)
        if let closing = options.closingDate, closing != nameDate {
            let expected = FECFormat.compactDate(closing)
            return [(.closingDate, shown, "the date in the name is not the fiscal year's closing date \(expected): "
                + "the name of a FEC carries the closing date of its fiscal year (…FEC\(expected)), also for an extract")]
        }
        if let period = options.period, period.upperBound > nameDate {
            return [(.closingDate, shown, "the file covers \(period.lowerBound) to \(period.upperBound), after the date in its "
                + "name: the name carries the closing date of the fiscal year the period belongs to")]
        }
        let earliest = options.fiscalYearStart ?? options.period?.lowerBound
        if let earliest, nameDate < earliest || monthsLater(earliest, 24).map({ nameDate >= $0 }) == true {
            return [(.closingDate, shown, "a fiscal year starting on or before \(earliest) cannot close on \(nameDate) "
                + "(a fiscal year lasts at most 24 months): the name carries the closing date of the fiscal year")]
        }
        return []
    }

    /// The same day `months` later (the month's last day when it is shorter); nil past year 9999.
    private static func monthsLater(_ date: CivilDate, _ months: Int) -> CivilDate? {
        let total = date.year * 12 + (date.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        return CivilDate(year: year, month: month, day: min(date.day, CivilDate.daysInMonth(year: year, month: month)))
    }

    /// FEC-03b, when only the file name tells the closing date: fiscal years close at a month end in
    /// practice, and a file whose entries all fall in the closing month looks like a monthly extract
    /// named after its own last day rather than after the fiscal year's closing date.
    private func checkClosingDatePlausibility() {
        guard let name = closingFromNameOnly else { return }
        let shown = FECFormat.compactDate(name)
        if name.day != CivilDate.daysInMonth(year: name.year, month: name.month) {
            flag(.closingDateUnusual, line: nil, shown, "\(name) is not the last day of a month, where fiscal years close "
                + "in practice: is it the fiscal year's closing date? (give it with --year-end to check against it)")
        }
        let monthStart = FECValueParser.compact(CivilDate(year: name.year, month: name.month, day: 1)!)
        if earliestEntryDate != 0, earliestEntryDate >= monthStart {
            flag(.closingDateUnusual, line: nil, shown, "every entry is dated in the month the name closes "
                + "(\(name.monthKey)): a FEC covers its whole fiscal year; a monthly extract is named after the fiscal "
                + "year's closing date and kept in a folder named after its month (YYYY-MM/), or checked with --period")
        }
    }

    /// The name rules (FEC-01 to FEC-03); returns the closing date the name gives, if any.
    static func checkName(_ name: String) -> (CivilDate?, [(FECRule, String, String)]) {
        var findings: [(FECRule, String, String)] = []
        let bytes = Array(name.utf8)
        var stem = bytes[...]
        var ext: String?
        if let dot = bytes.lastIndex(of: 0x2E) {
            stem = bytes[..<dot]
            ext = String(decoding: bytes[(dot + 1)...], as: UTF8.self)
        }
        func digits(_ slice: ArraySlice<UInt8>) -> Bool { !slice.isEmpty && slice.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        let s = Array(stem)
        var closing: CivilDate?
        var matches = s.count >= 20 && digits(s[0..<9]) && s[9] == 0x46 && s[10] == 0x45 && s[11] == 0x43 && digits(s[12..<20])
        if matches, s.count > 20 { matches = s[20] == 0x5F && digits(s[21...]) }
        if matches {
            let siren = String(decoding: s[0..<9], as: UTF8.self)
            if let problem = Identifiers.sirenProblem(siren) {
                findings.append((.sirenKey, siren, problem))
            }
        } else {
            findings.append((.fileName, name, "the name must be <SIREN>FEC<closing date AAAAMMJJ>, e.g. 123456782FEC20241231.txt "
                + "(A47 A-1 §IX)"))
        }
        // The closing date: after "FEC" (also in a name that does not match, as Test Compta Demat reads it).
        if let position = (0..<max(0, s.count - 10)).first(where: { s[$0] == 0x46 && s[$0 + 1] == 0x45 && s[$0 + 2] == 0x43 }),
           s.count >= position + 11, digits(s[(position + 3)..<(position + 11)]) {
            let text = s[(position + 3)..<(position + 11)]
            let value = text.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            closing = CivilDate(year: value / 10000, month: value / 100 % 100, day: value % 100)
            if closing == nil {
                findings.append((.closingDate, String(decoding: text, as: UTF8.self),
                                 "the closing date in the name is not a real date AAAAMMJJ"))
            }
        } else if matches {
            findings.append((.closingDate, name, "no closing date after FEC in the name"))
        }
        if let ext, ["txt", "csv", "xml"].contains(ext.lowercased()) {
            // fine
        } else {
            findings.append((.fileExtension, ext.map { "." + $0 } ?? name, "the file name should end in .txt"))
        }
        return (closing, findings)
    }
}
