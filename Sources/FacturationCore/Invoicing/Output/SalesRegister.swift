/// The sales register (`outbox/registre-ventes.csv`): one row per issued invoice and credit note.
public enum SalesRegister {
    public static let header = ["number", "type", "issue_date", "client_code", "client_name", "total_excl_vat",
                                "vat", "total_incl_vat", "currency", "due_date", "status", "references"]

    /// RFC 4180 CSV in issue order; amounts with a dot and two decimals (credit notes negative).
    public static func csv(_ documents: [InvoiceDocument]) -> [UInt8] {
        var credited: [String: [String]] = [:]
        for document in documents where document.kind == .creditNote {
            if let invoice = document.precedingInvoice?.number { credited[invoice, default: []].append(document.number) }
        }
        var builder = CSVLineBuilder()
        builder.line(header)
        for document in documents {
            let sign: Int64 = document.kind == .invoice ? 1 : -1
            let status: String
            let references: String
            if document.kind == .creditNote {
                status = "avoir"
                references = document.precedingInvoice?.number ?? ""
            } else if let notes = credited[document.number] {
                status = "avoir émis"
                references = notes.joined(separator: " ")
            } else {
                status = "émise"
                references = ""
            }
            builder.line([document.number, document.kind == .invoice ? "facture" : "avoir",
                          document.issueDate.description, document.clientCode, document.buyer.name,
                          DecimalText.format(minorUnits: sign * document.totals.taxBasisTotalMinor, scale: 2),
                          DecimalText.format(minorUnits: sign * document.totals.taxTotalMinor, scale: 2),
                          DecimalText.format(minorUnits: sign * document.totals.grandTotalMinor, scale: 2),
                          document.currency, document.dueDate.description, status, references])
        }
        return builder.bytes
    }
}
