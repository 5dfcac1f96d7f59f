/// A one-off invoice a person asks for: a project at a fixed price, days at a daily rate,
/// licences at a unit price (README, "One-off invoices").
///
/// ```toml
/// [one_off]
/// client = "LAA"
/// title = "Audit de sécurité du portail"
/// reference = "audit-portail-2025"   # optional: the same reference is never invoiced twice
/// date = 2025-10-10                  # optional: the service date (or period_start and period_end)
/// by = "Camille"
///
/// [[one_off.lines]]
/// description = "Audit – forfait"
/// amount = 4500.00                   # a fixed price
///
/// [[one_off.lines]]
/// description = "Restitution"
/// days = 1.5                         # days × daily_rate (the client's daily rate when absent)
///
/// [[one_off.lines]]
/// description = "Licences annuelles"
/// quantity = 12
/// unit_price = 25.00
/// ```
package struct OneOffRequest: Sendable, Equatable {
    package var client: String
    package var title: String
    /// What makes two request files the same invoice (else the file's own bytes).
    package var reference: String?
    package var period: InvoiceDocument.DateRange?
    package var by: String
    package var lines: [Line]

    package struct Line: Sendable, Equatable {
        package var description: String
        /// Oxygène's `ARTICLE_WEB_CODE`; a documented default per pricing when absent.
        package var article: String?
        package var pricing: Pricing
    }

    /// How a line's amount is computed.
    package enum Pricing: Sendable, Equatable {
        /// A project at a fixed price: quantity 1.
        case fixed(amountMinor: Int64)
        /// Days at a daily rate; nil takes the client's `daily_rate`.
        case days(Quantity, dailyRateMinor: Int64?)
        /// A quantity (licences, units) at a unit price, with its UN/ECE unit code.
        case units(Quantity, unitPriceMinor: Int64, unitCode: UnitCode)
    }

    /// The units a one-off line may be counted in (UN/ECE Recommendation 20).
    package enum UnitCode: String, Sendable, CaseIterable {
        case unit = "C62"
        case hour = "HUR"
        case day = "DAY"
        case month = "MON"
        case year = "ANN"
    }

    /// At most this many lines: a request is typed by a person.
    static let maximumLines = 200
    /// Quantities above this are refused as typing mistakes (and keep every product within 64 bits).
    static let maximumQuantity = Quantity(units: 1_000_000)

    /// `[one_off]`: the request, or nil after the problems were reported to `table`.
    static func read(_ table: TableReader) -> OneOffRequest? {
        _ = table.string("pipeline")
        let client = table.string("client", required: true)?.trimmed ?? ""
        let title = table.string("title", required: true) ?? ""
        let reference = table.string("reference").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let by = table.string("by") ?? ""
        let period = readPeriod(table)
        let readers = table.tables("lines")
        if readers.isEmpty {
            table.fail(key: "lines", "add at least one [[one_off.lines]] section with a description and an amount")
        } else if readers.count > maximumLines {
            table.fail(key: "lines", "at most \(maximumLines) lines (found \(readers.count))")
        }
        let lines = readers.prefix(maximumLines).compactMap(readLine)
        guard lines.count == readers.count, !client.isEmpty, !title.isEmpty else { return nil }
        return OneOffRequest(client: client, title: title, reference: reference, period: period, by: by, lines: lines)
    }

    /// `date`, or `period_start` and `period_end`, in order; nil when none is given.
    private static func readPeriod(_ table: TableReader) -> InvoiceDocument.DateRange? {
        if let date = table.date("date") {
            if table.contains("period_start") || table.contains("period_end") {
                table.fail(key: "date", "give either date or period_start and period_end, not both")
            }
            return .init(start: date, end: date)
        }
        let start = table.date("period_start")
        let end = table.date("period_end")
        switch (start, end) {
        case (nil, nil): return nil
        case (let start?, let end?):
            if end < start { table.fail(key: "period_end", "period_end is before period_start") }
            return .init(start: start, end: end)
        default:
            table.fail(key: start == nil ? "period_start" : "period_end", "give both period_start and period_end")
            return nil
        }
    }

    /// One `[[one_off.lines]]`: a description and exactly one of `amount`, `days`, `quantity`.
    private static func readLine(_ table: TableReader) -> Line? {
        let description = table.string("description", required: true) ?? ""
        let article = table.string("article").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let given = ["amount", "days", "quantity"].filter { table.contains($0) }
        guard given.count == 1 else {
            table.fail(
                key: "amount",
                given.isEmpty
                    ? "give the price: amount = 4500.00, or days = 2 (with daily_rate), or quantity = 12 with unit_price"
                    : "give only one of " + given.joined(separator: ", "))
            return nil
        }
        let pricing: Pricing?
        switch given[0] {
        case "amount":
            pricing = table.money("amount", required: true).map { Pricing.fixed(amountMinor: $0) }
        case "days":
            let rate = table.money("daily_rate")
            pricing = quantity(table, "days").map { Pricing.days($0, dailyRateMinor: rate) }
        default:
            let price = table.money("unit_price", required: true)
            let unit = table.choice("unit", UnitCode.self) ?? .unit
            pricing = quantity(table, "quantity").flatMap { count in
                price.map { Pricing.units(count, unitPriceMinor: $0, unitCode: unit) }
            }
        }
        table.finish()
        guard let pricing, !description.isEmpty else { return nil }
        return Line(description: description, article: article, pricing: pricing)
    }

    /// A quantity above zero with at most four decimals.
    private static func quantity(_ table: TableReader, _ key: String) -> Quantity? {
        guard let (text, line) = table.decimalText(key) else { return nil }
        guard let value = Quantity(text), value.tenThousandths > 0, value <= maximumQuantity else {
            table.fail(
                line, "\(table.qualified(key)) must be a number above 0 and at most 1000000, with at most four decimals"
            )
            return nil
        }
        return value
    }
}
