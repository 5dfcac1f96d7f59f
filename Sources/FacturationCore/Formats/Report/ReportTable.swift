/// A report people open (sales register, payment states, receipts waiting, suspense account):
/// typed columns and rows, built once and rendered twice, as the machine CSV (RFC 4180, the
/// column keys as header, amounts with a point) and as an XLSX workbook for spreadsheets
/// (``XLSXReport``: French titles, numbers, dates and euros as such, frozen header, filters).
package struct ReportTable: Sendable {
    /// What a column holds, which decides how both renderings write it.
    package enum Kind: Sendable, Equatable {
        case text
        /// Minor units with two decimals; the XLSX shows the currency (`€` for EUR).
        case money(currency: String)
        case date
        case integer
    }

    package struct Column: Sendable {
        /// The CSV header (stable, for programs).
        package var key: String
        /// The XLSX header (for people).
        package var title: String
        package var kind: Kind

        package init(_ key: String, _ title: String, _ kind: Kind = .text) {
            self.key = key
            self.title = title
            self.kind = kind
        }
    }

    /// One cell; its case must fit its column's kind (``empty`` fits every kind).
    package enum Cell: Sendable, Equatable {
        case text(String)
        case money(Int64)
        case date(CivilDate)
        case integer(Int64)
        case empty
    }

    /// The XLSX sheet name (at most 31 characters, none of `[]:*?/\`).
    package var sheetName: String
    package var columns: [Column]
    package private(set) var rows: [[Cell]] = []
    /// Rows after the data (a total): outside the XLSX filter range, so sorting leaves them last.
    package private(set) var footer: [[Cell]] = []
    /// The day the data stands for; the XLSX creation date is set from it, so the same data
    /// gives the same bytes (libxlsxwriter would write the current time).
    package var asOf: CivilDate

    package init(sheetName: String, columns: [Column], asOf: CivilDate) {
        self.sheetName = sheetName
        self.columns = columns
        self.asOf = asOf
    }

    package mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "a report row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    package mutating func appendFooter(_ row: [Cell]) {
        precondition(row.count == columns.count, "a report row has \(row.count) cells for \(columns.count) columns")
        footer.append(row)
    }

    /// A text cell, or ``Cell/empty`` for an empty string.
    package static func text(_ value: String) -> Cell { value.isEmpty ? .empty : .text(value) }

    /// The machine CSV: header of column keys, then rows and footer rows. Text is guarded against
    /// formulas by ``CSVLineBuilder``; amounts, dates and integers are written plain.
    package func csv() -> [UInt8] {
        var out = CSVLineBuilder(capacity: 256 + (rows.count + footer.count) * columns.count * 16)
        out.line(columns.map(\.key))
        for row in rows + footer {
            for cell in row {
                switch cell {
                case .text(let value): out.field(value)
                case .money(let minor): out.decimalField(minor, scale: 2)
                case .date(let date): out.field(date)
                case .integer(let value): out.field(value)
                case .empty: out.field("")
                }
            }
            out.endLine()
        }
        return out.bytes
    }
}
