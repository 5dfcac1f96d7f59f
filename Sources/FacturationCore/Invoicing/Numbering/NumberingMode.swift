/// Who gives an invoice or credit note its legal number (`[invoicing] numbering`). A company has
/// one continuous sequence (CGI, annexe II, art. 242 nonies A), so a pipeline has exactly one owner.
package enum NumberingMode: String, Sendable, CaseIterable {
    /// facturation numbers a document when it issues it, prints and sends it, and writes the number
    /// as Oxygène's `WEB_ID` (the default, and the demo's mode).
    case facturation
    /// Oxygène numbers the pieces it imports: a document is issued under a provisional reference
    /// (``provisionalScheme``), exported with it as `WEB_ID`, and awaits its number: nothing is
    /// printed, sent, posted or followed until a register import confirms it.
    case oxygene

    /// The provisional references: `P{YYYY}{MM}-{SEQ:3}`, one counter for invoices and credit
    /// notes, derived from the records like legal numbers (gapless, never reused).
    package static let provisionalScheme = NumberingScheme(
        invoicePattern: try! .init("P{YYYY}{MM}-{SEQ:3}"), creditNotePattern: try! .init("P{YYYY}{MM}-{SEQ:3}"),
        sharedCounter: true)
}
