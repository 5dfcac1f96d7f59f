import CXlsxwriter

#if canImport(Glibc)
import Glibc
#endif

extension FacturationError {
    /// libxlsxwriter failed to write a workbook (the message names the file and the step).
    static func spreadsheet(_ path: String, _ message: String) -> FacturationError {
        FacturationError(.output, "cannot write the spreadsheet \(path): \(message)")
    }
}

/// Renders a ``ReportTable`` as an XLSX workbook of one sheet with libxlsxwriter: text cells as
/// strings (never formulas), amounts as numbers in a currency format, dates as dates, a bold
/// frozen header row, an autofilter over the data rows, and column widths fitted to the content.
package enum XLSXReport {
    /// Excel's limits: rows per sheet (header included) and characters per cell.
    package static let maximumRows = 1_048_576
    static let maximumCellCharacters = 32_767

    /// The workbook's bytes. libxlsxwriter writes only to a file: it is written as
    /// `scratchDirectory/<name>` (with libxlsxwriter's own temporary files there too), read back
    /// and removed; the caller publishes the bytes like any other output.
    package static func bytes(_ table: ReportTable, scratchDirectory: String, name: String) throws -> [UInt8] {
        guard table.rows.count + table.footer.count < maximumRows else {
            throw FacturationError.spreadsheet(
                name,
                "\(table.rows.count) rows do not fit in one sheet "
                    + "(\(maximumRows - 1) at most); the CSV beside it has them all")
        }
        let path = Path.join(scratchDirectory, ".xlsx-" + name)
        if Storage.exists(path) { try Storage.removeFile(path) }
        defer { if Storage.exists(path) { try? Storage.removeFile(path) } }
        let workbook = try XLSXWorkbook(path: path, temporaryDirectory: scratchDirectory, created: table.asOf)
        try workbook.write(table)
        try workbook.close()
        return try Storage.read(path, limit: 1 << 30)
    }
}

/// One libxlsxwriter workbook: owns the handle (``close()`` writes and frees it; `deinit` frees
/// a workbook that was not closed, writing nothing).
final class XLSXWorkbook {
    private var handle: UnsafeMutablePointer<lxw_workbook>?
    let path: String
    /// Kept alive until the workbook is closed: libxlsxwriter keeps the pointer.
    private let temporaryDirectory: UnsafeMutablePointer<CChar>
    private var formats: [String: UnsafeMutablePointer<lxw_format>] = [:]

    init(path: String, temporaryDirectory: String, created: CivilDate) throws {
        self.path = path
        self.temporaryDirectory = strdup(temporaryDirectory)
        // Constant memory: each row goes to a temporary file as it is written (rows in order,
        // strings inline), so a register of 100,000 invoices does not hold a million cells.
        var options = lxw_workbook_options(constant_memory: 1, tmpdir: self.temporaryDirectory, use_zip64: 0)
        guard let handle = workbook_new_opt(path, &options) else {
            throw FacturationError.spreadsheet(path, "libxlsxwriter could not create the workbook (out of memory?)")
        }
        self.handle = handle
        // Reproducible files: the creation date (docProps/core.xml) comes from the data.
        var properties = lxw_doc_properties()
        properties.created = time_t(created.daysSinceEpoch * 86_400)
        try check(workbook_set_properties(handle, &properties), "setting the document properties")
    }

    deinit {
        if let handle { lxw_workbook_free(handle) }
        free(temporaryDirectory)
    }

    /// Writes the table into a new sheet.
    func write(_ table: ReportTable) throws {
        guard let handle, let sheet = workbook_add_worksheet(handle, table.sheetName) else {
            throw FacturationError.spreadsheet(path, "cannot add the sheet \"\(table.sheetName)\"")
        }
        let header = format("header") {
            format_set_bold($0); format_set_bottom($0, UInt8(LXW_BORDER_THIN.rawValue))
        }
        let cellFormats = table.columns.map { column -> UnsafeMutablePointer<lxw_format>? in
            switch column.kind {
            case .text: nil
            case .integer: format("integer") { format_set_num_format($0, "0") }
            case .date: format("date") { format_set_num_format($0, "dd/mm/yyyy") }
            case .money(let currency):
                format("money " + currency) { format_set_num_format($0, XLSXWorkbook.moneyFormat(currency)) }
            }
        }
        // Sheet settings first: in constant-memory mode they must precede the rows they touch.
        for (index, width) in XLSXWorkbook.widths(table).enumerated() {
            try check(
                worksheet_set_column(sheet, lxw_col_t(index), lxw_col_t(index), width, nil), "setting column widths")
        }
        worksheet_freeze_panes(sheet, 1, 0)
        try check(
            worksheet_autofilter(sheet, 0, 0, lxw_row_t(table.rows.count), lxw_col_t(table.columns.count - 1)),
            "setting the filter")
        for (index, column) in table.columns.enumerated() {
            try check(worksheet_write_string(sheet, 0, lxw_col_t(index), column.title, header), "writing the header")
        }
        var row: lxw_row_t = 1
        for cells in table.rows + table.footer {
            for (index, cell) in cells.enumerated() {
                try write(cell, to: sheet, row: row, column: lxw_col_t(index), format: cellFormats[index])
            }
            row += 1
        }
    }

    private func write(
        _ cell: ReportTable.Cell, to sheet: UnsafeMutablePointer<lxw_worksheet>, row: lxw_row_t,
        column: lxw_col_t, format: UnsafeMutablePointer<lxw_format>?
    ) throws {
        let status: lxw_error
        switch cell {
        case .text(let value):
            // A string cell is never a formula, whatever it starts with.
            let text =
                value.count > XLSXReport.maximumCellCharacters
                ? String(value.prefix(XLSXReport.maximumCellCharacters)) : value
            status = worksheet_write_string(sheet, row, column, text, format)
        case .money(let minor):
            // Cents to a double is exact to the cent for any amount below 2^53 cents.
            status = worksheet_write_number(sheet, row, column, Double(minor) / 100, format)
        case .integer(let value):
            status = worksheet_write_number(sheet, row, column, Double(value), format)
        case .date(let date):
            var value = lxw_datetime(
                year: Int32(date.year), month: Int32(date.month), day: Int32(date.day),
                hour: 0, min: 0, sec: 0)
            status = worksheet_write_datetime(sheet, row, column, &value, format)
        case .empty:
            return
        }
        try check(status, "writing row \(row + 1)")
    }

    /// Writes the file and frees the workbook.
    func close() throws {
        guard let handle else { return }
        self.handle = nil
        try check(workbook_close(handle), "writing the file")
    }

    /// `#,##0.00 "€"` for EUR; other currencies show their code.
    static func moneyFormat(_ currency: String) -> String {
        let symbol = currency == "EUR" ? "€" : currency.filter { $0.isLetter }
        return symbol.isEmpty ? "#,##0.00" : "#,##0.00 \"\(symbol)\""
    }

    /// Column widths in characters: the longest header or cell (text as is, amounts formatted),
    /// plus room for the filter button, between 8 and 60.
    static func widths(_ table: ReportTable) -> [Double] {
        table.columns.enumerated().map { index, column in
            var longest = column.title.count + 3
            for row in table.rows + table.footer {
                let length: Int
                switch row[index] {
                case .text(let value): length = value.count
                case .money(let minor): length = DecimalText.format(minorUnits: minor, scale: 2).count * 4 / 3 + 2
                case .integer(let value): length = String(value).count
                case .date: length = 10
                case .empty: length = 0
                }
                longest = max(longest, length)
            }
            return Double(min(max(longest + 1, 8), 60))
        }
    }

    private func format(
        _ key: String, _ setUp: (UnsafeMutablePointer<lxw_format>) -> Void
    )
        -> UnsafeMutablePointer<lxw_format>?
    {
        if let known = formats[key] { return known }
        guard let handle, let created = workbook_add_format(handle) else { return nil }
        setUp(created)
        formats[key] = created
        return created
    }

    private func check(_ status: lxw_error, _ step: String) throws {
        guard status != LXW_NO_ERROR else { return }
        throw FacturationError.spreadsheet(path, step + ": " + String(cString: lxw_strerror(status)))
    }
}
