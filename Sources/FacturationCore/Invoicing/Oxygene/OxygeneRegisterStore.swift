import Foundation

/// The Oxygène register exports imported from the inbox: one immutable record per file
/// (`archive/invoicing/<pipeline>/oxygene-register/<claim>.json`) naming the archived export. The
/// newest one (claims sort by time) is the register in force: an export is a full snapshot of the
/// register, so a later one replaces an earlier one; the archived file is read again when needed.
package struct OxygeneRegisterStore {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// The format name in the inbox index and the run summary.
    package static let format = "oxygene_register"

    /// What is kept of one imported export.
    package struct Record: Codable, Sendable, Equatable {
        package var claim: String
        /// The archived export, relative to the workspace.
        package var archived: String
        package var sha256: String
        package var entries: Int
    }

    /// Whether the first line of `head` (a file's first bytes) is the register's header.
    package static func looksLikeRegister(_ head: [UInt8]) -> Bool {
        let firstLine = head.prefix { $0 != 0x0A && $0 != 0x0D }
        guard firstLine.count < head.count || head.count < 4096 else { return false }
        return OxygeneRegisterReader.isHeader(OxygeneRegisterReader.decode(Array(firstLine)))
    }

    package func record(_ record: Record) throws {
        try Storage.makeDirectory(layout.oxygeneRegisters)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(record))
        try Storage.write(
            bytes, to: Path.join(layout.oxygeneRegisters, record.claim + ".json"),
            temporaryDirectory: layout.temporary, collision: .replace)
    }

    /// The record of the newest register imported, nil when none was.
    package func newestRecord() throws -> Record? {
        guard Storage.isDirectory(layout.oxygeneRegisters) else { return nil }
        guard let name = try Storage.list(layout.oxygeneRegisters).filter({ $0.hasSuffix(".json") }).sorted().last
        else { return nil }
        return try FacturationError.decode(Record.self, at: Path.join(layout.oxygeneRegisters, name))
    }

    /// The newest register imported and its entries, nil when none was.
    package func newest() throws -> (record: Record, entries: [OxygeneRegisterEntry])? {
        guard let record = try newestRecord() else { return nil }
        let path = Path.join(layout.workspace.root, record.archived)
        switch OxygeneRegisterReader.read(try Storage.read(path)) {
        case .success(let entries): return (record, entries)
        case .failure(let problems):
            throw FacturationError(
                .invoicing,
                "the archived Oxygène register \(record.archived) no longer reads (\(problems.list.first?.description ?? "")): "
                    + "drop a new export of the register into inbox/")
        }
    }
}
