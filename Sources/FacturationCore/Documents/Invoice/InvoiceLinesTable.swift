/// The lines of an invoice as a table: description (wraps), quantity, unit, unit price, VAT rate
/// and net amount, amounts right-aligned; the column titles repeat at the top of every page the
/// table flows onto, and a row is never split across two pages.
struct InvoiceLinesTable {
    let document: InvoiceDocument

    static let table = PDFTable(
        columns: [
            .init(title: "Désignation", x: 0, width: 218, alignment: .left),
            .init(title: "Qté", x: 222, width: 42, alignment: .right),
            .init(title: "Unité", x: 270, width: 40, alignment: .left),
            .init(title: "PU HT", x: 312, width: 68, alignment: .right),
            .init(title: "TVA", x: 382, width: 34, alignment: .right),
            .init(title: "Montant HT", x: 418, width: PageFlow.contentWidth - 418, alignment: .right),
        ], style: InvoicePDF.body)

    func add(to flow: inout PageFlow) {
        let number = document.number
        Self.table.titles(&flow)
        flow.continuation = { flow in
            flow.y +=
                flow.text(
                    "\(number) (suite)", x: PageFlow.margin, width: PageFlow.contentWidth, style: InvoicePDF.small) + 6
            Self.table.titles(&flow)
        }
        for line in document.lines { row(line, into: &flow) }
        flow.add(.rule(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, weight: 0.6, gray: 0))
    }

    func row(_ line: InvoiceLine, into flow: inout PageFlow) {
        var description = line.description
        if let period = line.period {
            description += "\ndu \(FrenchDates.slashed(period.start)) au \(FrenchDates.slashed(period.end))"
        }
        Self.table.row(
            [
                description, line.quantity.text(minimumDecimals: 2, decimalMark: ","), Self.unit(line.unitCode),
                FrenchDates.euros(line.unitPriceMinor), InvoicePDF.rate(line.vatRateBasisPoints),
                FrenchDates.euros(line.netAmountMinor),
            ], gap: 4, &flow)
    }

    /// UN/ECE Rec. 20 units in French.
    static func unit(_ code: String) -> String {
        switch code {
        case "HUR": "heure"
        case "DAY": "jour"
        case "MON": "mois"
        case "C62": "unité"
        default: code
        }
    }
}
