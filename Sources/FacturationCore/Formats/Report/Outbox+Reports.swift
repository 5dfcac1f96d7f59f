extension Outbox {
    /// What ``deliverReportIfChanged(_:to:xlsx:temporaryDirectory:)`` did.
    package struct ReportDelivery: Sendable, Equatable {
        /// An edited copy left alone, or a workbook libxlsxwriter could not write.
        package var warnings: [String]
        /// True when the table was the one last delivered and the outbox still held its files:
        /// nothing was rendered or written.
        package var unchanged: Bool
    }

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
        try deliverReportIfChanged(table, to: csvPath, xlsx: xlsx, temporaryDirectory: temporaryDirectory).warnings
    }

    /// Every report goes through here. A report whose table is the one of its last complete
    /// delivery, while the outbox still holds that delivery's files, is neither rendered nor
    /// written again (``ReportCheckpoint``: the identity of the table, then each file's size,
    /// hash and delivery record). Otherwise each file is delivered as before, except that a file
    /// whose bytes the outbox already holds as delivered is not written to a temporary file
    /// first; the checkpoint is written last, and only after a delivery without warnings.
    ///
    /// Killed anywhere, a run leaves either the old checkpoint (whose identity or files no longer
    /// match, so the next run delivers again and finds the files already there) or the new one
    /// with every file in place.
    @discardableResult
    package func deliverReportIfChanged(
        _ table: ReportTable, to csvPath: String, xlsx: Bool,
        temporaryDirectory: String
    ) throws -> ReportDelivery {
        let identity = ReportCheckpoint.identity(
            of: table, csvPath: csvPath, workbookPath: Self.workbookPath(of: csvPath, xlsx: xlsx))
        return try deliverReportIfChanged(
            identity: identity, to: csvPath, xlsx: xlsx, temporaryDirectory: temporaryDirectory, table: { table })
    }

    /// The workbook delivered beside `csvPath` (same name, `.xlsx`), or nil without `xlsx`.
    package static func workbookPath(of csvPath: String, xlsx: Bool) -> String? {
        xlsx ? (csvPath.hasSuffix(".csv") ? String(csvPath.dropLast(4)) : csvPath) + ".xlsx" : nil
    }

    /// ``deliverReportIfChanged(_:to:xlsx:temporaryDirectory:)`` of a table whose identity
    /// (``ReportCheckpoint/identity(of:csvPath:workbookPath:)``) is known without it: the table is
    /// built only when the report is delivered again (the sales register of a pass that issued
    /// nothing, ``SalesRegisterInputs``).
    @discardableResult
    package func deliverReportIfChanged(
        identity: String, to csvPath: String, xlsx: Bool, temporaryDirectory: String,
        table build: () throws -> ReportTable
    ) throws -> ReportDelivery {
        let workbookPath = Self.workbookPath(of: csvPath, xlsx: xlsx)
        let checkpointPath = layout.reportCheckpoint(csvPath)
        let known = ReportCheckpoint.read(checkpointPath)
        if let known, known.identity == identity,
            let checked = try known.stillDelivered([csvPath] + (workbookPath.map { [$0] } ?? []), in: self)
        {
            // The files' copies as found (recorded once their times are old enough to trust).
            if checked != known {
                try checked.write(to: checkpointPath, temporaryDirectory: layout.temporary)
            }
            return ReportDelivery(warnings: [], unchanged: true)
        }
        var warnings: [String] = []
        var files: [ReportCheckpoint.File] = []
        func deliver(_ bytes: [UInt8], to relative: String) throws {
            let file = ReportCheckpoint.File(
                path: relative, size: Int64(bytes.count), sha256: bytes.withUnsafeBytes { SHA256Hasher.hex($0) })
            files.append(file)
            if try isCurrent(relative, size: file.size, sha256: file.sha256) { return }
            let temporary = Path.join(temporaryDirectory, "report-" + Path.name(of: relative))
            try Storage.write(bytes, to: temporary, temporaryDirectory: temporaryDirectory, collision: .replace)
            let delivery = try deliverCurrentVersion(of: temporary, to: relative)
            if let warning = delivery.warning { warnings.append(warning) }
            try Storage.removeFile(temporary)
        }
        let table = try build()
        try deliver(table.csv(), to: csvPath)
        if let workbookPath {
            let bytes: [UInt8]
            do {
                bytes = try XLSXReport.bytes(
                    table, scratchDirectory: temporaryDirectory, name: Path.name(of: workbookPath))
            } catch let error as FacturationError where error.kind == .output {
                return ReportDelivery(
                    warnings: warnings + ["outbox/\(workbookPath) was not updated: \(error.message)"], unchanged: false)
            }
            try deliver(bytes, to: workbookPath)
        }
        let checkpoint = ReportCheckpoint(version: ReportCheckpoint.currentVersion, identity: identity, files: files)
        if warnings.isEmpty, checkpoint != known {
            try checkpoint.write(to: checkpointPath, temporaryDirectory: layout.temporary)
        }
        return ReportDelivery(warnings: warnings, unchanged: false)
    }
}
