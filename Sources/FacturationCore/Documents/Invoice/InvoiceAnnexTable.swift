/// The annex of a time-based invoice on pages of its own: every billed time entry (date, person,
/// project and task, description, hours), in the order of the CSV annex, under column titles
/// repeated on each page, with the total of hours at the end.
struct InvoiceAnnexTable {
    let number: String
    let entries: [InvoiceDraft.AnnexEntry]

    static let columns = [
        InvoiceLinesTable.Column(title: "Date", x: 0, width: 62, alignment: .left),
        InvoiceLinesTable.Column(title: "Intervenant", x: 66, width: 80, alignment: .left),
        InvoiceLinesTable.Column(title: "Projet / tâche", x: 150, width: 112, alignment: .left),
        InvoiceLinesTable.Column(title: "Description", x: 266, width: 188, alignment: .left),
        InvoiceLinesTable.Column(title: "Heures", x: 458, width: PageFlow.contentWidth - 458, alignment: .right),
    ]

    func add(to flow: inout PageFlow) {
        flow.continuation = nil
        flow.newPage()
        flow.y +=
            flow.text(
                "Annexe – détail des temps de la facture \(number)", x: PageFlow.margin, width: PageFlow.contentWidth,
                style: InvoicePDF.bold) + 8
        Self.titles(&flow)
        let number = number
        flow.continuation = { flow in
            flow.y +=
                flow.text(
                    "\(number) – annexe (suite)", x: PageFlow.margin, width: PageFlow.contentWidth,
                    style: InvoicePDF.small)
                + 6
            Self.titles(&flow)
        }
        var seconds: Int64 = 0
        for entry in entries {
            row(entry, into: &flow)
            seconds += entry.durationSeconds
        }
        flow.add(.rule(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, weight: 0.6, gray: 0))
        flow.y += 4
        flow.text(
            "\(entries.count) entrées, \(Self.hours(seconds)) heures", x: PageFlow.margin,
            width: PageFlow.contentWidth, style: InvoicePDF.bold, alignment: .right)
        flow.continuation = nil
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

    func row(_ entry: InvoiceDraft.AnnexEntry, into flow: inout PageFlow) {
        let work = entry.task.isEmpty ? entry.project : entry.project + " / " + entry.task
        let date = CivilDate(iso: String(entry.date.prefix(10))).map(FrenchDates.slashed) ?? entry.date
        let cells = [date, entry.user, work, entry.description, Self.hours(entry.durationSeconds)]
        let height =
            zip(Self.columns, cells).map { column, cell in
                flow.canvas.height(of: cell, width: column.width, style: InvoicePDF.small)
            }.max() ?? 0
        flow.reserve(height + 3)
        for (column, cell) in zip(Self.columns, cells) {
            flow.text(
                cell, x: PageFlow.margin + column.x, width: column.width, style: InvoicePDF.small,
                alignment: column.alignment)
        }
        flow.y += height + 3
    }

    /// Hours with two decimals, the French way (`1,25`), rounded half-up as in the CSV annex.
    static func hours(_ seconds: Int64) -> String {
        DecimalText.format(minorUnits: (seconds * 100 + 1_800) / 3_600, scale: 2, decimalMark: ",")
    }
}
