/// The annex of a time-based invoice: one CSV row per billed time entry.
package enum AnnexWriter {
    package static let header = [
        "line", "date", "user", "project", "task", "description", "hours", "duration_seconds",
        "record_key",
    ]

    /// RFC 4180 CSV (UTF-8, comma, CRLF), rows in the draft's order.
    package static func csv(_ entries: [InvoiceDraft.AnnexEntry]) -> [UInt8] {
        var builder = CSVLineBuilder(capacity: 128 + entries.count * 160)
        builder.line(header)
        for entry in entries {
            builder.field(Int64(entry.line))
            builder.field(entry.date)
            builder.field(entry.user)
            builder.field(entry.project)
            builder.field(entry.task)
            builder.field(entry.description)
            builder.decimalField((entry.durationSeconds * 100 + 1_800) / 3_600, scale: 2)
            builder.field(entry.durationSeconds)
            builder.field(entry.recordKey)
            builder.endLine()
        }
        return builder.bytes
    }
}
