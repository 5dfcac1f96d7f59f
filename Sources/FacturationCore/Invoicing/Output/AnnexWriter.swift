/// The annex of a time-based invoice: one CSV row per billed time entry.
public enum AnnexWriter {
    public static let header = ["line", "date", "user", "project", "task", "description", "hours", "duration_seconds",
                                "record_key"]

    /// RFC 4180 CSV (UTF-8, comma, CRLF), rows in the draft's order.
    public static func csv(_ entries: [InvoiceDraft.AnnexEntry]) -> [UInt8] {
        var builder = CSVLineBuilder()
        builder.line(header)
        for entry in entries {
            let hours = DecimalText.format(minorUnits: (entry.durationSeconds * 100 + 1_800) / 3_600, scale: 2)
            builder.line([String(entry.line), entry.date, entry.user, entry.project, entry.task, entry.description,
                          hours, String(entry.durationSeconds), entry.recordKey])
        }
        return builder.bytes
    }
}
