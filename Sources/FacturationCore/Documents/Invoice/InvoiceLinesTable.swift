/// The lines of an invoice as a table: description (wraps), quantity, unit, unit price, VAT rate
/// and net amount, amounts right-aligned; the column titles repeat at the top of every page the
/// table flows onto, and a row is never split across two pages.
struct InvoiceLinesTable {
    let document: InvoiceDocument

    /// Column left edges and widths, in points from the left margin.
    struct Column {
        var title: String
        var x: Double
        var width: Double
        var alignment: TextAlignment
    }

    static let columns = [
        Column(title: "Désignation", x: 0, width: 218, alignment: .left),
        Column(title: "Qté", x: 222, width: 42, alignment: .right),
        Column(title: "Unité", x: 270, width: 40, alignment: .left),
        Column(title: "PU HT", x: 312, width: 68, alignment: .right),
        Column(title: "TVA", x: 382, width: 34, alignment: .right),
        Column(title: "Montant HT", x: 418, width: PageFlow.contentWidth - 418, alignment: .right),
    ]

    func add(to flow: inout PageFlow) {
        let number = document.number
        Self.titles(&flow)
        flow.continuation = { flow in
            flow.y +=
                flow.text(
                    "\(number) (suite)", x: PageFlow.margin, width: PageFlow.contentWidth, style: InvoicePDF.small) + 6
            Self.titles(&flow)
        }
        for line in document.lines { row(line, into: &flow) }
        flow.add(.rule(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, weight: 0.6, gray: 0))
    }

    static func titles(_ flow: inout PageFlow) {
        flow.add(.fill(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, height: 16, gray: 0.9))
        for column in columns {
            flow.text(
                column.title, x: PageFlow.margin + column.x, dy: 3, width: column.width, style: InvoicePDF.bold,
                alignment: column.alignment)
        }
        flow.y += 20
    }

    func row(_ line: InvoiceLine, into flow: inout PageFlow) {
        var description = line.description
        if let period = line.period {
            description += "\ndu \(FrenchDates.slashed(period.start)) au \(FrenchDates.slashed(period.end))"
        }
        let cells = [
            description, line.quantity.text(minimumDecimals: 2, decimalMark: ","), Self.unit(line.unitCode),
            FrenchDates.euros(line.unitPriceMinor), InvoicePDF.rate(line.vatRateBasisPoints),
            FrenchDates.euros(line.netAmountMinor),
        ]
        let height = flow.canvas.height(of: description, width: Self.columns[0].width, style: InvoicePDF.body)
        flow.reserve(height + 4)
        for (column, cell) in zip(Self.columns, cells) {
            flow.text(
                cell, x: PageFlow.margin + column.x, width: column.width, style: InvoicePDF.body,
                alignment: column.alignment)
        }
        flow.y += height + 4
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
