/// The annex of a time-based invoice: one CSV row per billed time entry.
package enum AnnexWriter {
    package static let header = [
        "line", "date", "user", "project", "task", "description", "hours", "duration_seconds",
        "record_key",
    ]

    /// RFC 4180 CSV (UTF-8, comma, CRLF), rows in the draft's order.
    package static func csv(_ entries: [InvoiceDraft.AnnexEntry]) -> [UInt8] {
        var builder = builder(rows: entries.count)
        for entry in entries {
            var key = entry.recordKey
            key.withUTF8 { key in
                appendRow(
                    line: entry.line, date: entry.date, user: entry.user, project: entry.project, task: entry.task,
                    description: entry.description, durationSeconds: entry.durationSeconds,
                    recordKey: UnsafeRawBufferPointer(key), to: &builder)
            }
        }
        return builder.bytes
    }

    /// A builder holding the header line, sized for `rows` rows.
    static func builder(rows: Int) -> CSVLineBuilder {
        var builder = CSVLineBuilder(capacity: 128 + rows * 160)
        builder.line(header)
        return builder
    }

    /// Appends one row (the record key as UTF-8 bytes, so that it needs no String).
    static func appendRow(
        line: Int, date: String, user: String, project: String, task: String, description: String,
        durationSeconds: Int64, recordKey: UnsafeRawBufferPointer, to builder: inout CSVLineBuilder
    ) {
        builder.field(Int64(line))
        builder.field(date)
        builder.field(user)
        builder.field(project)
        builder.field(task)
        builder.field(description)
        builder.decimalField((durationSeconds * 100 + 1_800) / 3_600, scale: 2)
        builder.field(durationSeconds)
        builder.field(recordKey)
        builder.endLine()
    }
}
