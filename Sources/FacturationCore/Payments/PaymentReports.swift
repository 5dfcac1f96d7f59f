/// The reports of the payment stage: CSV (RFC 4180, UTF-8, amounts with a dot and two decimals)
/// and, for people, the same tables as XLSX; the decision forms of `review/` (CSV only: they come
/// back through the inbox).
package enum PaymentReports {
    static func money(_ minor: Int64) -> String { DecimalText.format(minorUnits: minor, scale: 2) }

    private static let euros = ReportTable.Kind.money(currency: "EUR")

    /// `paiements/etat-factures`: every invoice with what was paid, what is open, and its state.
    package static func invoiceStatesTable(_ items: [some ReceivableLine], today: CivilDate) -> ReportTable {
        var table = ReportTable(
            sheetName: "État des factures",
            columns: [
                .init("number", "Numéro"), .init("client_code", "Code client"), .init("client_name", "Client"),
                .init("issue_date", "Date", .date), .init("due_date", "Échéance", .date),
                .init("total_incl_vat", "Total TTC", euros), .init("paid", "Payé", euros),
                .init("open", "Reste dû", euros),
                .init("status", "État"), .init("settled_on", "Soldée le", .date),
                .init("days_late", "Jours de retard", .integer),
                .init("applied", "Règlements"),
            ], asOf: today)
        for item in items {
            let late =
                item.openMinor > 0 && item.dueDate < today
                ? Int64(today.daysSinceEpoch - item.dueDate.daysSinceEpoch) : 0
            let status: String
            if item.openMinor <= 0 {
                // Receipts are bank record keys (`qonto:…`); credit notes are document numbers.
                status = item.applied.allSatisfy({ !hasColon($0.source) }) ? "annulée par avoir" : "payée"
            } else if item.paidMinor > 0 {
                status = late > 0 ? "partiellement payée, en retard" : "partiellement payée"
            } else {
                status = late > 0 ? "en retard" : "émise"
            }
            table.append([
                .text(item.number), ReportTable.text(item.clientCode), ReportTable.text(item.buyerName),
                .date(item.issueDate), .date(item.dueDate),
                .money(item.totalMinor), .money(item.paidMinor), .money(item.openMinor),
                // A historical invoice of the Oxygène register (``OxygeneHistory``) says so.
                .text(item.fromRegister ? status + " (registre Oxygène)" : status),
                item.settledOn.map { .date($0) } ?? .empty, late > 0 ? .integer(late) : .empty,
                ReportTable.text(
                    item.applied.map { "\($0.date) \(money($0.amountMinor)) \($0.source)" }.joined(separator: "; ")),
            ])
        }
        return table
    }

    /// Whether `source` holds a colon, as Foundation's `contains(":")` says: by bytes for an ASCII
    /// text (no combining mark can follow the colon there), by Foundation otherwise. Why: the
    /// Foundation search for every settled invoice of history was 7 ms of a 10-year full pass.
    static func hasColon(_ source: String) -> Bool {
        var colon = false
        for byte in source.utf8 {
            if byte >= 0x80 { return source.contains(":") }
            if byte == UInt8(ascii: ":") { colon = true }
        }
        return colon
    }

    /// `paiements/balance-agee`: open amounts per client by days past due, with a total row.
    package static func agedReceivablesTable(_ items: [some ReceivableLine], today: CivilDate) -> ReportTable {
        var rows: [String: (name: String, buckets: [Int64])] = [:]
        for item in items where item.openMinor > 0 {
            let late = Int(today.daysSinceEpoch - item.dueDate.daysSinceEpoch)
            let bucket = late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4
            var row = rows[item.clientCode] ?? (item.buyerName, [0, 0, 0, 0, 0])
            row.buckets[bucket] += item.openMinor
            rows[item.clientCode] = row
        }
        var table = ReportTable(
            sheetName: "Balance âgée",
            columns: [
                .init("client_code", "Code client"), .init("client_name", "Client"),
                .init("not_due", "Non échu", euros),
                .init("days_1_30", "1 à 30 jours", euros), .init("days_31_60", "31 à 60 jours", euros),
                .init("days_61_90", "61 à 90 jours", euros), .init("over_90", "Plus de 90 jours", euros),
                .init("total", "Total", euros),
            ], asOf: today)
        var total = [Int64](repeating: 0, count: 5)
        for code in rows.keys.sorted() {
            guard let row = rows[code] else { continue }
            table.append(
                [ReportTable.text(code), ReportTable.text(row.name)] + row.buckets.map { .money($0) }
                    + [.money(row.buckets.reduce(0, +))])
            for index in 0..<5 { total[index] += row.buckets[index] }
        }
        table.appendFooter([.text("TOTAL"), .empty] + total.map { .money($0) } + [.money(total.reduce(0, +))])
        return table
    }

    /// `paiements/encaissements-non-rapproches`: receipts no rule could apply, with why.
    package static func unmatchedTable(
        _ reviews: [(receipt: Receipt, reason: String, candidates: [String])],
        today: CivilDate
    ) -> ReportTable {
        var table = ReportTable(
            sheetName: "Encaissements à traiter",
            columns: [
                .init("receipt", "Encaissement"), .init("booking_date", "Date", .date),
                .init("amount", "Montant", euros),
                .init("counterparty", "Payeur"), .init("label", "Libellé"), .init("remittance", "Référence"),
                .init("reason", "Motif"), .init("candidates", "Factures candidates"),
                .init("decision_form", "Formulaire de décision"),
            ], asOf: today)
        for review in reviews {
            table.append([
                .text(review.receipt.key), .date(review.receipt.bookingDate), .money(review.receipt.amountMinor),
                ReportTable.text(review.receipt.counterpartyName), ReportTable.text(review.receipt.label),
                ReportTable.text(review.receipt.remittance), ReportTable.text(review.reason),
                ReportTable.text(review.candidates.joined(separator: " ")),
                .text("review/" + reviewName(review.receipt)),
            ])
        }
        return table
    }

    /// The CSV of ``invoiceStatesTable(_:today:)``.
    package static func invoiceStates(_ items: [some ReceivableLine], today: CivilDate) -> [UInt8] {
        invoiceStatesTable(items, today: today).csv()
    }

    /// The CSV of ``agedReceivablesTable(_:today:)``.
    package static func agedReceivables(_ items: [some ReceivableLine], today: CivilDate) -> [UInt8] {
        agedReceivablesTable(items, today: today).csv()
    }

    /// `review/<date>_<amount>_<id>.csv`: a decision form; keep the right rows and drop it into inbox/.
    package static func reviewForm(
        _ review: (receipt: Receipt, reason: String, candidates: [String]),
        receivables: Receivables
    ) -> [UInt8] {
        var out = CSVLineBuilder()
        out.line(PaymentDecisionFile.header)
        let receipt = review.receipt
        let about =
            "\(receipt.bookingDate) \(money(receipt.amountMinor)) EUR from \(receipt.counterpartyName): "
            + "\(review.reason). Keep the rows of the invoices it pays (or one row with IGNORE), fill by, "
            + "and drop this file into inbox/"
        if review.candidates.isEmpty {
            out.line([receipt.key, "", "", "", about])
        }
        for number in review.candidates {
            let item = receivables.item(number)
            let detail =
                item.map { "\($0.document.clientCode), issued \($0.document.issueDate), owes \(money($0.openMinor))" }
                ?? ""
            out.line([receipt.key, number, "", "", detail + " — " + about])
        }
        out.line([receipt.key, "IGNORE", "", "", "not a customer payment"])
        return out.bytes
    }

    static func reviewName(_ receipt: Receipt) -> String {
        "\(receipt.bookingDate)_\(money(receipt.amountMinor))_\(SHA256Hasher.hex(receipt.key).prefix(8)).csv"
    }

    /// `<date>_<amount>_<payer>_<invoice>.xml`, with the payer's name reduced to safe characters.
    static func supportingName(_ receipt: Receipt, invoice: String) -> String {
        supportingName(receipt, invoice: invoice, payer: payerInName(receipt.counterpartyName))
    }

    /// The same name, with the payer's part already made (``payerInName(_:)``), written as bytes
    /// into one String: the texts of ``CivilDate/description`` and ``money(_:)``, the payer, the
    /// invoice.
    ///
    /// Why (performance code, fenced): the payment stage names the documents of every match of
    /// history on every pass, and the date's and amount's texts made as Strings, then interpolated,
    /// were about a dozen allocations per name. A year outside 0–9999 or an amount below zero (no
    /// receipt has one) takes the interpolation, to keep those texts whatever they are.
    static func supportingName(_ receipt: Receipt, invoice: String, payer: String) -> String {
        let date = receipt.bookingDate
        let amount = receipt.amountMinor
        guard (0...9999).contains(date.year), amount >= 0 else {
            return "\(date)_\(money(amount))_\(payer)_\(invoice).xml"
        }
        return String(unsafeUninitializedCapacity: 48 + payer.utf8.count + invoice.utf8.count) { out in
            var count = 0
            func put(_ text: String) {
                for byte in text.utf8 {
                    out[count] = byte
                    count += 1
                }
            }
            // `value` in decimal, zero-padded to `width` digits (as ``CivilDate/pad(_:_:)``).
            func put(_ value: UInt64, width: Int) {
                var length = 1
                var rest = value / 10
                while rest > 0 { (length, rest) = (length + 1, rest / 10) }
                rest = value
                for index in (count..<count + max(length, width)).reversed() {
                    out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                count += max(length, width)
            }
            put(UInt64(date.year), width: 4)
            put("-")
            put(UInt64(date.month), width: 2)
            put("-")
            put(UInt64(date.day), width: 2)
            put("_")
            put(UInt64(amount) / 100, width: 1)
            put(".")
            put(UInt64(amount) % 100, width: 2)
            put("_")
            put(payer)
            put("_")
            put(invoice)
            put(".xml")
            return count
        }
    }

    /// A payer's name as it appears in a supporting document's name: accents dropped, every
    /// character but ASCII letters and digits a `-`, 40 at most.
    static func payerInName(_ counterparty: String) -> String {
        String(
            counterparty.folding(options: .diacriticInsensitive, locale: nil)
                .map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
    }
}
