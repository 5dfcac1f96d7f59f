/// The CSV files of the payment stage (RFC 4180, UTF-8, amounts with a dot and two decimals).
public enum PaymentReports {
    static func money(_ minor: Int64) -> String { DecimalText.format(minorUnits: minor, scale: 2) }

    /// `paiements/etat-factures.csv`: every invoice with what was paid, what is open, and its state.
    public static func invoiceStates(_ items: [Receivables.Item], today: CivilDate) -> [UInt8] {
        var out = CSVLineBuilder()
        out.line(["number", "client_code", "client_name", "issue_date", "due_date", "total_incl_vat", "paid", "open",
                  "status", "settled_on", "days_late", "applied"])
        for item in items {
            let document = item.document
            let late = item.openMinor > 0 && document.dueDate < today
                ? Int(today.daysSinceEpoch - document.dueDate.daysSinceEpoch) : 0
            let status: String
            if item.openMinor <= 0 {
                // Receipts are bank record keys (`qonto:…`); credit notes are document numbers.
                status = item.applied.allSatisfy({ !$0.source.contains(":") }) ? "annulée par avoir" : "payée"
            } else if item.paidMinor > 0 {
                status = late > 0 ? "partiellement payée, en retard" : "partiellement payée"
            } else {
                status = late > 0 ? "en retard" : "émise"
            }
            out.line([document.number, document.clientCode, document.buyer.name, document.issueDate.description,
                      document.dueDate.description, money(item.totalMinor), money(item.paidMinor), money(item.openMinor),
                      status, item.settledOn?.description ?? "", late > 0 ? String(late) : "",
                      item.applied.map { "\($0.date) \(money($0.amountMinor)) \($0.source)" }.joined(separator: "; ")])
        }
        return out.bytes
    }

    /// `paiements/balance-agee.csv`: open amounts per client by days past due, with a total row.
    public static func agedReceivables(_ items: [Receivables.Item], today: CivilDate) -> [UInt8] {
        var rows: [String: (name: String, buckets: [Int64])] = [:]
        for item in items where item.openMinor > 0 {
            let late = Int(today.daysSinceEpoch - item.document.dueDate.daysSinceEpoch)
            let bucket = late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4
            var row = rows[item.document.clientCode] ?? (item.document.buyer.name, [0, 0, 0, 0, 0])
            row.buckets[bucket] += item.openMinor
            rows[item.document.clientCode] = row
        }
        var out = CSVLineBuilder()
        out.line(["client_code", "client_name", "not_due", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"])
        var total = [Int64](repeating: 0, count: 5)
        for code in rows.keys.sorted() {
            guard let row = rows[code] else { continue }
            out.line([code, row.name] + row.buckets.map(money) + [money(row.buckets.reduce(0, +))])
            for index in 0..<5 { total[index] += row.buckets[index] }
        }
        out.line(["TOTAL", ""] + total.map(money) + [money(total.reduce(0, +))])
        return out.bytes
    }

    /// `paiements/encaissements-non-rapproches.csv`: receipts no rule could apply, with why.
    public static func unmatched(_ reviews: [(receipt: Receipt, reason: String, candidates: [String])]) -> [UInt8] {
        var out = CSVLineBuilder()
        out.line(["receipt", "booking_date", "amount", "counterparty", "label", "remittance", "reason", "candidates",
                  "decision_form"])
        for review in reviews {
            out.line([review.receipt.key, review.receipt.bookingDate.description, money(review.receipt.amountMinor),
                      review.receipt.counterpartyName, review.receipt.label, review.receipt.remittance, review.reason,
                      review.candidates.joined(separator: " "), "review/" + reviewName(review.receipt)])
        }
        return out.bytes
    }

    /// `review/<date>_<amount>_<id>.csv`: a decision form; keep the right rows and drop it into inbox/.
    public static func reviewForm(_ review: (receipt: Receipt, reason: String, candidates: [String]),
                                  receivables: Receivables) -> [UInt8] {
        var out = CSVLineBuilder()
        out.line(PaymentDecisionFile.header)
        let receipt = review.receipt
        let about = "\(receipt.bookingDate) \(money(receipt.amountMinor)) EUR from \(receipt.counterpartyName): "
            + "\(review.reason). Keep the rows of the invoices it pays (or one row with IGNORE), fill by, "
            + "and drop this file into inbox/"
        if review.candidates.isEmpty {
            out.line([receipt.key, "", "", "", about])
        }
        for number in review.candidates {
            let item = receivables.items[number]
            let detail = item.map { "\($0.document.clientCode), issued \($0.document.issueDate), owes \(money($0.openMinor))" } ?? ""
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
        let payer = String(receipt.counterpartyName.folding(options: .diacriticInsensitive, locale: nil)
            .map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
        return "\(receipt.bookingDate)_\(money(receipt.amountMinor))_\(payer)_\(invoice).xml"
    }
}
