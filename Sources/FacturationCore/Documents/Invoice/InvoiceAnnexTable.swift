/// The annex of a time-based invoice on pages of its own: every billed time entry (date, person,
/// project and task, description, hours), in the order of the CSV annex, under column titles
/// repeated on each page, with the total of hours at the end.
struct InvoiceAnnexTable {
    let number: String
    let entries: [InvoiceDraft.AnnexEntry]

    static let table = PDFTable(
        columns: [
            .init(title: "Date", x: 0, width: 62, alignment: .left),
            .init(title: "Intervenant", x: 66, width: 80, alignment: .left),
            .init(title: "Projet / tâche", x: 150, width: 112, alignment: .left),
            .init(title: "Description", x: 266, width: 188, alignment: .left),
            .init(title: "Heures", x: 458, width: PageFlow.contentWidth - 458, alignment: .right),
        ], style: InvoicePDF.small)

    func add(to flow: inout PageFlow) {
        flow.continuation = nil
        flow.newPage()
        flow.y +=
            flow.text(
                "Annexe – détail des temps de la facture \(number)", x: PageFlow.margin, width: PageFlow.contentWidth,
                style: InvoicePDF.bold) + 8
        Self.table.titles(&flow)
        let number = number
        flow.continuation = { flow in
            flow.y +=
                flow.text(
                    "\(number) – annexe (suite)", x: PageFlow.margin, width: PageFlow.contentWidth,
                    style: InvoicePDF.small)
                + 6
            Self.table.titles(&flow)
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

    func row(_ entry: InvoiceDraft.AnnexEntry, into flow: inout PageFlow) {
        let work = entry.task.isEmpty ? entry.project : entry.project + " / " + entry.task
        let date = CivilDate(iso: String(entry.date.prefix(10))).map(FrenchDates.slashed) ?? entry.date
        Self.table.row([date, entry.user, work, entry.description, Self.hours(entry.durationSeconds)], gap: 3, &flow)
    }

    /// Hours with two decimals, the French way (`1,25`), rounded half-up as in the CSV annex.
    static func hours(_ seconds: Int64) -> String {
        DecimalText.format(minorUnits: (seconds * 100 + 1_800) / 3_600, scale: 2, decimalMark: ",")
    }
}
