/// What the postings read of an issued document (``Postings/Pass/post(_:)-(IssuedSale)``): its
/// sales entry and what its receipts need, nothing else.
///
/// Why a type of its own (performance code, fenced): the `fec` command reads every issued record
/// of the year (146,387 for a FEC of 1,000,000 lines) and keeps nothing of them but their
/// postings. Made straight from a record's bytes (``IssuedRecordDecoder/sale(from:repeating:)``),
/// no whole document is built, held or freed for it: the addresses, payment terms, notes, lines
/// and record keys are checked as the full decoder checks them, never made.
package struct IssuedSale: Sendable, Equatable {
    package var kind: InvoiceDocument.Kind
    package var number: String
    package var issueDate: CivilDate
    package var clientCode: String
    /// The buyer's name (the label of the client's entries).
    package var buyerName: String
    package var totals: InvoiceTotals
    /// For a credit note: the number of the invoice it corrects.
    package var precedingInvoice: String?
    /// As ``InvoiceDocument/numbering`` (``ConfirmedNumbers/legal(_:)-(IssuedSale)``).
    package var numbering: InvoiceDocument.NumberState?

    package init(_ document: InvoiceDocument) {
        kind = document.kind
        number = document.number
        issueDate = document.issueDate
        clientCode = document.clientCode
        buyerName = document.buyer.name
        totals = document.totals
        precedingInvoice = document.precedingInvoice?.number
        numbering = document.numbering
    }
}
