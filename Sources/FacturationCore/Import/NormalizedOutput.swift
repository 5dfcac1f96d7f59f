/// Where a converter writes normalized rows: one scratch file per ledger partition (a month,
/// or `pending`), in the claim's work folder, without header; the ledger merge reads them back.
public final class NormalizedOutput {
    public let directory: String
    public let kind: LedgerKind
    private var files: [String: ScratchFile] = [:]
    /// Rows written per partition.
    public private(set) var rowCounts: [String: Int] = [:]
    private var line = CSVLineBuilder()

    public init(directory: String, kind: LedgerKind) throws(StorageError) {
        self.directory = directory
        self.kind = kind
        try Storage.makeDirectory(directory)
    }

    /// Total rows written.
    public var totalRows: Int { rowCounts.values.reduce(0, +) }

    /// The scratch file of each partition written to, by partition name.
    public var partitionFiles: [String: String] {
        files.mapValues(\.path)
    }

    /// Appends one row, built by `build`, to `partition`.
    public func append(partition: String, _ build: (inout CSVLineBuilder) -> Void) throws(StorageError) {
        line.removeAll()
        build(&line)
        line.endLine()
        let file: ScratchFile
        if let existing = files[partition] {
            file = existing
        } else {
            file = try ScratchFile(path: Path.join(directory, "\(kind.rawValue)_\(partition).csv"))
            files[partition] = file
        }
        try file.write(line.bytes)
        rowCounts[partition, default: 0] += 1
    }

    /// Closes every file.
    public func finish() throws(StorageError) {
        for file in files.values { try file.close() }
    }

    /// Closes and deletes everything written (used before a conversion is restarted or rejected).
    public func discard() throws(StorageError) {
        for file in files.values { try? file.close() }
        files.removeAll()
        rowCounts.removeAll()
        try Storage.removeTree(directory)
        try Storage.makeDirectory(directory)
    }
}
