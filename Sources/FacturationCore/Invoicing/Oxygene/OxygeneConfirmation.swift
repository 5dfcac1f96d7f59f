/// Confirms the numbers Oxygène gave the pieces we exported, from its register export.
///
/// The register has no `WEB_ID` column, so a piece is found by what Oxygène keeps of it:
/// 1. the register holds our number with the same client code and total incl. VAT: **confirmed**
///    (Oxygène numbered it as we did);
/// 2. else one register entry not matched yet has the same client code, date (`DATE_CREATION`, our
///    issue date), kind and total incl. VAT: **different** (Oxygène's number is that entry's);
///    when several qualify, the lowest number is taken, so two identical pieces of one day get
///    Oxygène's numbers in the order of ours;
/// 3. else **missing** (not imported yet, or changed in Oxygène).
/// Our number found in the register for another client or amount is reported as **different**,
/// with what differs.
package enum OxygeneConfirmation {
    package enum Status: String, Sendable {
        case confirmed
        case different
        case missing
        /// `numbering = "oxygene"`: a provisional document not in the register yet.
        case awaiting
        /// `numbering = "oxygene"`: identical pieces; a `[confirmation]` request must pair them.
        case ambiguous
        /// `numbering = "oxygene"`: the register's match is another document's number, or a request is wrong.
        case refused
    }

    /// One exported piece and what the register says of it.
    package struct Row: Sendable, Equatable {
        package var ourNumber: String
        package var oxygeneNumber: String?
        package var status: Status
        package var detail: String
    }

    /// What Oxygène should hold of one of our documents.
    /// The Oxygène client code of every client of `pipeline` that has one (client code → Oxygène code).
    package static func clientCodes(of pipeline: PipelineConfig) -> [String: String] {
        Dictionary(
            pipeline.clients.compactMap { client in client.billing?.oxygeneCode.map { (client.code, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The piece Oxygène holds of `document`: under the Oxygène client code stored at issue, else its
    /// client's current one (`codes`, ``clientCodes(of:)``); nil when it has neither.
    package static func piece(of document: InvoiceDocument, codes: [String: String]) -> Piece? {
        let stored = (document.oxygeneClientCode ?? "").trimmed
        return (stored.isEmpty ? codes[document.clientCode] : stored).map { Piece(document, clientCode: $0) }
    }

    package struct Piece: Sendable, Equatable {
        package var number: String
        package var kind: OxygeneRegisterEntry.Kind
        package var clientCode: String
        package var date: CivilDate
        /// Signed as in the register: negative for a credit note.
        package var totalInclVATMinor: Int64

        package init(
            number: String, kind: OxygeneRegisterEntry.Kind, clientCode: String, date: CivilDate,
            totalInclVATMinor: Int64
        ) {
            self.number = number
            self.kind = kind
            self.clientCode = clientCode
            self.date = date
            self.totalInclVATMinor = totalInclVATMinor
        }

        /// The piece of an issued document exported with `clientCode`.
        package init(_ document: InvoiceDocument, clientCode: String) {
            let credit = document.kind == .creditNote
            self.init(
                number: document.number, kind: credit ? .creditNote : .invoice, clientCode: clientCode,
                date: document.issueDate,
                totalInclVATMinor: credit ? -document.totals.grandTotalMinor : document.totals.grandTotalMinor)
        }
    }

    /// One row per piece, in the order given.
    package static func confirm(_ pieces: [Piece], register: [OxygeneRegisterEntry]) -> [Row] {
        let byNumber = Dictionary(register.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        var used: Set<String> = []
        var rows: [Row?] = Array(repeating: nil, count: pieces.count)
        // Pass 1: our own number, so a later fingerprint match never takes it.
        for (index, piece) in pieces.enumerated() {
            guard let entry = byNumber[piece.number] else { continue }
            used.insert(entry.number)
            rows[index] = sameNumber(piece, entry)
        }
        // Pass 2: client, date, kind and amount.
        var candidates: [String: [OxygeneRegisterEntry]] = [:]
        for entry in register.sorted(by: { $0.number < $1.number }) {
            candidates[key(entry.clientCode, entry.date, entry.kind, entry.totalInclVATMinor), default: []].append(
                entry)
        }
        for (index, piece) in pieces.enumerated() where rows[index] == nil {
            let key = key(piece.clientCode, piece.date, piece.kind, piece.totalInclVATMinor)
            if let entry = candidates[key]?.first(where: { !used.contains($0.number) }) {
                used.insert(entry.number)
                rows[index] = Row(
                    ourNumber: piece.number, oxygeneNumber: entry.number, status: .different,
                    detail: "Oxygène numbered it \(entry.number) (register line \(entry.line))")
            } else {
                rows[index] = Row(
                    ourNumber: piece.number, oxygeneNumber: nil, status: .missing,
                    detail: "not in the register: no \(piece.clientCode) document of \(piece.date.description) for "
                        + FrenchDates.euros(piece.totalInclVATMinor)
                        + " TTC (import it into Oxygène, or check it there)")
            }
        }
        return rows.compactMap { $0 }
    }

    private static func sameNumber(_ piece: Piece, _ entry: OxygeneRegisterEntry) -> Row {
        var differences: [String] = []
        if entry.clientCode != piece.clientCode {
            differences.append("client \(entry.clientCode), ours \(piece.clientCode)")
        }
        if entry.totalInclVATMinor != piece.totalInclVATMinor {
            differences.append(
                "TTC \(FrenchDates.euros(entry.totalInclVATMinor)), ours \(FrenchDates.euros(piece.totalInclVATMinor))")
        }
        if entry.date != piece.date {
            differences.append("date \(entry.date.description), ours \(piece.date.description)")
        }
        guard !differences.isEmpty else {
            return Row(ourNumber: piece.number, oxygeneNumber: entry.number, status: .confirmed, detail: "")
        }
        return Row(
            ourNumber: piece.number, oxygeneNumber: entry.number, status: .different,
            detail: "the register's \(entry.number) (line \(entry.line)) has " + differences.joined(separator: ", "))
    }

    private static func key(
        _ client: String, _ date: CivilDate, _ kind: OxygeneRegisterEntry.Kind, _ total: Int64
    )
        -> String
    {
        "\(client)|\(date.description)|\(kind.rawValue)|\(total)"
    }

    /// The report `outbox/oxygene/confirmation.csv`: our number, Oxygène's, status, detail.
    package static func table(_ rows: [Row], asOf: CivilDate) -> ReportTable {
        var table = ReportTable(
            sheetName: "Confirmation Oxygène",
            columns: [
                .init("numero", "Notre numéro"), .init("numero_oxygene", "Numéro Oxygène"),
                .init("statut", "Statut"), .init("detail", "Détail"),
            ], asOf: asOf)
        for row in rows {
            table.append([
                .text(row.ourNumber), ReportTable.text(row.oxygeneNumber ?? ""), .text(row.status.rawValue),
                ReportTable.text(row.detail),
            ])
        }
        return table
    }
}
