/// Finds, in an Oxygène register export, the legal number of each document awaiting its number
/// (`numbering = "oxygene"`).
///
/// The register has no `WEB_ID`, so our provisional reference cannot be looked up: a piece is
/// found by what Oxygène keeps of it, its client code, date, kind and total incl. VAT (the key).
/// - A `[confirmation]` request pairs a reference with a register number: accepted when that entry
///   has the piece's key and no other document holds the number.
/// - Else, when exactly one awaiting piece and one free register entry share a key, they are paired.
/// - Several awaiting pieces or several free entries with one key are **ambiguous**: nothing is
///   guessed, a request must name the pair (one request then leaves one piece and one entry, paired).
/// - Entries with the key whose numbers are all held by other documents: **refused**, with who holds them.
/// - No entry with the key: **awaiting** (not imported into Oxygène yet, or changed there).
package enum ProvisionalMatcher {
    package enum Outcome: Sendable, Equatable {
        case confirmed(reference: String, entry: OxygeneRegisterEntry, match: NumberConfirmation.Match)
        /// The free register numbers this piece could be (one or more), or the other identical pieces.
        case ambiguous(reference: String, candidates: [String], others: [String])
        case refused(reference: String, reason: String)
        case awaiting(reference: String)

        package var reference: String {
            switch self {
            case .confirmed(let reference, _, _), .ambiguous(let reference, _, _), .refused(let reference, _),
                .awaiting(let reference):
                reference
            }
        }
    }

    /// One outcome per piece, in the order given. `taken` maps the legal numbers already held
    /// (by documents facturation numbered, or confirmed before) to their holder; `requests` maps
    /// a reference to the register number a person named for it.
    package static func match(
        _ pieces: [OxygeneConfirmation.Piece], register: [OxygeneRegisterEntry], taken: [String: String],
        requests: [String: String] = [:]
    ) -> [Outcome] {
        let byNumber = Dictionary(register.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        var holders = taken
        var outcomes: [String: Outcome] = [:]
        // Requests first: they pair what the rules cannot.
        for piece in pieces {
            guard let number = requests[piece.number] else { continue }
            let outcome = requested(number, for: piece, entry: byNumber[number], holders: holders)
            if case .confirmed = outcome { holders[number] = piece.number }
            outcomes[piece.number] = outcome
        }
        var entriesByKey: [Key: [OxygeneRegisterEntry]] = [:]
        for entry in register.sorted(by: { $0.number < $1.number }) {
            entriesByKey[Key(entry), default: []].append(entry)
        }
        var piecesByKey: [Key: [OxygeneConfirmation.Piece]] = [:]
        for piece in pieces where outcomes[piece.number] == nil { piecesByKey[Key(piece), default: []].append(piece) }
        for (key, group) in piecesByKey {
            let candidates = entriesByKey[key] ?? []
            let free = candidates.filter { holders[$0.number] == nil }
            for piece in group {
                outcomes[piece.number] = automatic(
                    piece, group: group, candidates: candidates, free: free, holders: holders)
            }
        }
        return pieces.compactMap { outcomes[$0.number] }
    }

    /// The free register entries that have an awaiting piece's date, kind and total but another
    /// client code: probably the piece, entered under the wrong client in Oxygène. Never paired (the
    /// client is part of what identifies a piece), only named, since until the register is
    /// corrected that entry counts as the other client's invoice (``OxygeneHistory``).
    package static func nearMisses(
        of awaiting: [OxygeneConfirmation.Piece], register: [OxygeneRegisterEntry], taken: [String: String]
    ) -> [(reference: String, entry: OxygeneRegisterEntry)] {
        awaiting.flatMap { piece in
            register.filter { entry in
                entry.clientCode != piece.clientCode && entry.date == piece.date && entry.kind == piece.kind
                    && entry.totalInclVATMinor == piece.totalInclVATMinor && taken[entry.number] == nil
            }.map { (piece.number, $0) }
        }
    }

    /// The outcome of a request naming `number` for `piece`.
    private static func requested(
        _ number: String, for piece: OxygeneConfirmation.Piece, entry: OxygeneRegisterEntry?,
        holders: [String: String]
    ) -> Outcome {
        guard let entry else {
            return .refused(
                reference: piece.number,
                reason: "the request names \(number), which the register imported has no entry for "
                    + "(drop a newer register export, or correct the request)")
        }
        if let holder = holders[number] {
            return .refused(
                reference: piece.number,
                reason: "the request names \(number), already the number of \(holder) (correct the request)")
        }
        guard Key(entry) == Key(piece) else {
            return .refused(
                reference: piece.number,
                reason: "the request names \(number) (register line \(entry.line): \(describe(Key(entry)))), "
                    + "but \(piece.number) is \(describe(Key(piece))) (correct the request)")
        }
        return .confirmed(reference: piece.number, entry: entry, match: .request)
    }

    /// The outcome of a piece without a request, among the `group` of pieces with its key.
    private static func automatic(
        _ piece: OxygeneConfirmation.Piece, group: [OxygeneConfirmation.Piece], candidates: [OxygeneRegisterEntry],
        free: [OxygeneRegisterEntry], holders: [String: String]
    ) -> Outcome {
        if free.isEmpty {
            guard let held = candidates.first else { return .awaiting(reference: piece.number) }
            return .refused(
                reference: piece.number,
                reason: "the register's only match, \(held.number) (line \(held.line)), is already the number of "
                    + "\(holders[held.number] ?? "another document") (check both pieces in Oxygène)")
        }
        if group.count == 1, free.count == 1 {
            return .confirmed(reference: piece.number, entry: free[0], match: .automatic)
        }
        return .ambiguous(
            reference: piece.number, candidates: free.map(\.number),
            others: group.map(\.number).filter { $0 != piece.number })
    }

    /// What Oxygène keeps of a piece: client code, date, kind and total incl. VAT.
    struct Key: Hashable {
        let client: String
        let date: CivilDate
        let kind: OxygeneRegisterEntry.Kind
        let totalInclVATMinor: Int64

        init(_ entry: OxygeneRegisterEntry) {
            client = entry.clientCode
            date = entry.date
            kind = entry.kind
            totalInclVATMinor = entry.totalInclVATMinor
        }

        init(_ piece: OxygeneConfirmation.Piece) {
            client = piece.clientCode
            date = piece.date
            kind = piece.kind
            totalInclVATMinor = piece.totalInclVATMinor
        }
    }

    private static func describe(_ key: Key) -> String {
        "\(key.kind == .invoice ? "invoice" : "credit note") of \(key.client) dated \(key.date.description), "
            + FrenchDates.euros(key.totalInclVATMinor) + " TTC"
    }
}
