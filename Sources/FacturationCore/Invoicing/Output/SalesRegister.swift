/// The sales register (`outbox/registre-ventes.csv` and `.xlsx`): one row per issued invoice and
/// credit note, in issue order. It is a journal: what each document is, never its payment state,
/// which lives in `paiements/etat-factures`.
package enum SalesRegister {
    package static let header = [
        "number", "type", "issue_date", "client_code", "client_name", "total_excl_vat",
        "vat", "total_incl_vat", "currency", "due_date", "references",
    ]

    /// The register as a report; amounts of credit notes are negative.
    package static func table(_ documents: [InvoiceDocument]) -> ReportTable {
        var credited: [String: [String]] = [:]
        for document in documents where document.kind == .creditNote {
            if let invoice = document.precedingInvoice?.number {
                credited[invoice, default: []].append(document.number)
            }
        }
        let currencies = Set(documents.map(\.currency))
        let money = ReportTable.Kind.money(currency: currencies.count == 1 ? currencies.first ?? "" : "")
        var table = ReportTable(
            sheetName: "Registre des ventes",
            columns: [
                .init("number", "Numéro"), .init("type", "Type"), .init("issue_date", "Date", .date),
                .init("client_code", "Code client"), .init("client_name", "Client"),
                .init("total_excl_vat", "Total HT", money), .init("vat", "TVA", money),
                .init("total_incl_vat", "Total TTC", money),
                .init("currency", "Devise"), .init("due_date", "Échéance", .date),
                .init("references", "Avoirs / facture d'origine"),
            ], asOf: documents.map(\.issueDate).max() ?? CivilDate(year: 2000, month: 1, day: 1)!)
        // By index: a loop over the documents would copy each (about 30 references).
        for index in documents.indices {
            let document = documents[index]
            let sign: Int64 = document.kind == .invoice ? 1 : -1
            let references =
                document.kind == .creditNote
                ? document.precedingInvoice?.number ?? "" : (credited[document.number] ?? []).joined(separator: " ")
            table.append([
                .text(document.number), .text(document.kind == .invoice ? "facture" : "avoir"),
                .date(document.issueDate),
                ReportTable.text(document.clientCode), ReportTable.text(document.buyer.name),
                .money(sign * document.totals.taxBasisTotalMinor), .money(sign * document.totals.taxTotalMinor),
                .money(sign * document.totals.grandTotalMinor), .text(document.currency), .date(document.dueDate),
                ReportTable.text(references),
            ])
        }
        return table
    }

    /// The register's CSV (RFC 4180; amounts with a dot and two decimals).
    package static func csv(_ documents: [InvoiceDocument]) -> [UInt8] { table(documents).csv() }
}
