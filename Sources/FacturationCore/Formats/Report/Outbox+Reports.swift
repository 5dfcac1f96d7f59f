extension Outbox {
    /// Delivers a report as the current version of `csvPath` (the machine CSV) and, with `xlsx`,
    /// of the workbook beside it (same name, `.xlsx`), each through ``deliverCurrentVersion(of:to:)``
    /// (written under a temporary name, fsynced, renamed; an edited copy is left alone).
    ///
    /// Returns warnings: an edited copy, or a workbook libxlsxwriter could not write (the CSV,
    /// which is the record, is delivered anyway).
    package func deliverReport(
        _ table: ReportTable, to csvPath: String, xlsx: Bool,
        temporaryDirectory: String
    ) throws -> [String] {
        var warnings: [String] = []
        func deliver(_ bytes: [UInt8], to relative: String) throws {
            let temporary = Path.join(temporaryDirectory, "report-" + Path.name(of: relative))
            try Storage.write(bytes, to: temporary, temporaryDirectory: temporaryDirectory, collision: .replace)
            let delivery = try deliverCurrentVersion(of: temporary, to: relative)
            if let warning = delivery.warning { warnings.append(warning) }
            try Storage.removeFile(temporary)
        }
        try deliver(table.csv(), to: csvPath)
        guard xlsx else { return warnings }
        let workbookPath = (csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) : csvPath) + ".xlsx"
        let bytes: [UInt8]
        do {
            bytes = try XLSXReport.bytes(table, scratchDirectory: temporaryDirectory, name: Path.name(of: workbookPath))
        } catch let error as FacturationError where error.kind == .output {
            return warnings + ["outbox/\(workbookPath) was not updated: \(error.message)"]
        }
        try deliver(bytes, to: workbookPath)
        return warnings
    }
}
