/// Legal numbering of invoices and credit notes: patterns, counters and where a series resumes.
///
/// A pattern is literal text with tokens `{YYYY}`, `{YY}`, `{MM}` and `{SEQ:n}` (the counter,
/// zero-padded to n digits): `F{YYYY}-{SEQ:4}` gives `F2025-0042`; `F{YYYY}{MM}{SEQ:2}` gives
/// `F20250703`. The counter restarts whenever the date part of the number changes (each year, or
/// each month). With `sharedCounter`, invoices and credit notes draw from one counter (the
/// company's Oxygène scheme: `F20250703`, `A20250704`). Numbers are derived from the issued
/// documents alone, so a crash can neither reuse nor skip one.
package struct NumberingScheme: Sendable {
    package var invoicePattern: Pattern
    package var creditNotePattern: Pattern
    package var sharedCounter: Bool
    /// Where each series resumes when no document of its period exists yet (continuing an existing series).
    package var resumeInvoice: Parsed?
    package var resumeCreditNote: Parsed?

    package init(
        invoicePattern: Pattern, creditNotePattern: Pattern, sharedCounter: Bool,
        resumeInvoice: Parsed? = nil, resumeCreditNote: Parsed? = nil
    ) {
        self.invoicePattern = invoicePattern
        self.creditNotePattern = creditNotePattern
        self.sharedCounter = sharedCounter
        self.resumeInvoice = resumeInvoice
        self.resumeCreditNote = resumeCreditNote
    }

    package func pattern(for kind: InvoiceDocument.Kind) -> Pattern {
        kind == .invoice ? invoicePattern : creditNotePattern
    }

    /// The number the next document of `kind` dated `date` gets, given every number already issued.
    package func next(
        kind: InvoiceDocument.Kind, date: CivilDate, issued: [(kind: InvoiceDocument.Kind, number: String)]
    ) -> String {
        let counters = Counters(scheme: self, issued: issued)
        return counters.next(kind: kind, date: date)
    }

    /// The highest counter of every series and period, kept up to date while a batch is issued
    /// (so a batch of n documents costs O(n), not O(n²)).
    package struct Counters: Sendable {
        package let scheme: NumberingScheme
        /// `kind|period` (or `*|period` with a shared counter) → highest counter issued.
        private var highest: [String: Int] = [:]

        package init(scheme: NumberingScheme, issued: [(kind: InvoiceDocument.Kind, number: String)]) {
            self.scheme = scheme
            for document in issued { record(kind: document.kind, number: document.number) }
        }

        private func key(_ kind: InvoiceDocument.Kind, _ period: String) -> String {
            (scheme.sharedCounter ? "*" : kind.rawValue) + "|" + period
        }

        /// Takes note of an issued number (ignored when it does not follow its pattern).
        package mutating func record(kind: InvoiceDocument.Kind, number: String) {
            guard let parsed = scheme.pattern(for: kind).parse(number) else { return }
            let slot = key(kind, parsed.period)
            highest[slot] = max(highest[slot] ?? 0, parsed.sequence)
        }

        /// The number the next document of `kind` dated `date` gets (not recorded: call ``record``).
        package func next(kind: InvoiceDocument.Kind, date: CivilDate) -> String {
            let pattern = scheme.pattern(for: kind)
            let period = pattern.period(of: date)
            if let last = highest[key(kind, period)] { return pattern.render(period: period, sequence: last + 1) }
            var start = 1
            let own = kind == .invoice ? scheme.resumeInvoice : scheme.resumeCreditNote
            let other = scheme.sharedCounter ? (kind == .invoice ? scheme.resumeCreditNote : scheme.resumeInvoice) : nil
            for resume in [own, other] {
                if let resume, resume.period == period { start = max(start, resume.sequence) }
            }
            return pattern.render(period: period, sequence: start)
        }
    }

    /// A number split into its period (the date tokens' values) and counter.
    package struct Parsed: Sendable, Equatable {
        /// Values of the date tokens in pattern order, e.g. `"2025|07"`; empty for a pattern without date tokens.
        package var period: String
        package var sequence: Int
    }

    /// A parsed number pattern.
    package struct Pattern: Sendable, Equatable, CustomStringConvertible {
        enum Piece: Sendable, Equatable {
            case literal(String)
            case year4, year2, month
            case sequence(width: Int)
        }

        let pieces: [Piece]
        package let description: String

        /// Parses a pattern; the error says what is wrong.
        package init(_ text: String) throws(PatternError) {
            var pieces: [Piece] = []
            var literal = ""
            var rest = Substring(text)
            var sequenceCount = 0
            while let first = rest.first {
                if first == "{" {
                    guard let close = rest.firstIndex(of: "}") else {
                        throw PatternError(message: "a '{' is never closed")
                    }
                    let token = rest[rest.index(after: rest.startIndex)..<close]
                    if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                    let piece = try Self.piece(for: token)
                    if case .sequence = piece { sequenceCount += 1 }
                    pieces.append(piece)
                    rest = rest[rest.index(after: close)...]
                } else {
                    try Self.checkLiteralCharacter(first)
                    literal.append(first)
                    rest = rest.dropFirst()
                }
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            guard sequenceCount == 1 else {
                throw PatternError(message: "the pattern needs exactly one counter {SEQ:n}, e.g. F{YYYY}-{SEQ:4}")
            }
            self.pieces = pieces
            description = text
        }

        /// The piece for the text between braces: a date token or the counter.
        private static func piece(for token: Substring) throws(PatternError) -> Piece {
            switch token {
            case "YYYY": return .year4
            case "YY": return .year2
            case "MM": return .month
            default:
                if token.hasPrefix("SEQ:"), let width = Int(token.dropFirst(4)), (1...9).contains(width) {
                    return .sequence(width: width)
                } else if token == "SEQ" {
                    return .sequence(width: 1)
                } else {
                    throw PatternError(message: "unknown token {\(token)} (use {YYYY}, {YY}, {MM} or {SEQ:n})")
                }
            }
        }

        /// A character outside braces must be allowed in an invoice number.
        private static func checkLiteralCharacter(_ character: Character) throws(PatternError) {
            // BR-FR-02 also allows '/', but a number names files (outbox/invoices/<number>.xml):
            // a slash would make folders of it and stop every run.
            if character == "/" {
                throw PatternError(
                    message: "'/' is not allowed in an invoice number here: the number names "
                        + "its files (outbox/invoices/<number>.xml); use - or _ instead")
            }
            guard character.isASCII, character.isLetter || character.isNumber || "-_+".contains(character) else {
                throw PatternError(
                    message: "'\(character)' is not allowed in an invoice number (only letters, "
                        + "digits and - _ +, within what French e-invoicing rule BR-FR-02 allows)")
            }
        }

        /// The date tokens' values for `date`, joined by `|`.
        package func period(of date: CivilDate) -> String {
            pieces.compactMap { piece -> String? in
                switch piece {
                case .year4: CivilDate.pad(date.year, 4)
                case .year2: CivilDate.pad(date.year % 100, 2)
                case .month: CivilDate.pad(date.month, 2)
                default: nil
                }
            }.joined(separator: "|")
        }

        /// The number for a period and counter.
        package func render(period: String, sequence: Int) -> String {
            var values = period.split(separator: "|", omittingEmptySubsequences: false).makeIterator()
            var text = ""
            for piece in pieces {
                switch piece {
                case .literal(let literal): text += literal
                case .year4, .year2, .month: text += values.next().map(String.init) ?? ""
                case .sequence(let width):
                    let digits = String(sequence)
                    text += String(repeating: "0", count: max(0, width - digits.count)) + digits
                }
            }
            return text
        }

        /// Splits a number written with this pattern, nil when it does not match.
        package func parse(_ number: String) -> Parsed? {
            var rest = Substring(number)
            var values: [String] = []
            var sequence: Int?
            for (index, piece) in pieces.enumerated() {
                switch piece {
                case .literal(let literal):
                    guard rest.hasPrefix(literal) else { return nil }
                    rest = rest.dropFirst(literal.count)
                case .year4, .year2, .month:
                    let width = piece == .year4 ? 4 : 2
                    let digits = rest.prefix(width)
                    guard digits.count == width, digits.allSatisfy(\.isASCIIDigit) else { return nil }
                    values.append(String(digits))
                    rest = rest.dropFirst(width)
                case .sequence(let width):
                    // The counter takes every digit up to the next literal (or the end); at least `width`.
                    let isLast = index == pieces.count - 1
                    let digits = isLast ? rest[...] : rest.prefix(while: \.isASCIIDigit)
                    guard digits.count >= width, digits.allSatisfy(\.isASCIIDigit), let value = Int(digits) else {
                        return nil
                    }
                    sequence = value
                    rest = rest.dropFirst(digits.count)
                }
            }
            guard rest.isEmpty, let sequence else { return nil }
            return Parsed(period: values.joined(separator: "|"), sequence: sequence)
        }

        /// The date tokens of the pattern, to check that two shared-counter patterns agree.
        package var dateTokens: String { period(of: CivilDate(year: 2001, month: 2, day: 3)!) }
    }

    /// A pattern is malformed.
    package struct PatternError: Error, Sendable {
        package var message: String
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
