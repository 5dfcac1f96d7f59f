/// A file taken from the inbox: it lives in `work/claims/<id>/` until it reaches a terminal
/// folder of the archive (imported, rejected or duplicate), which is one atomic rename of the
/// whole claim folder.
///
/// The claim folder holds the original under its own name, a `.claim` description (pipeline,
/// original name, time of the claim), and while processing a `.normalized/` scratch folder.
package struct Claim: Sendable, Equatable {
    /// `YYYYMMDD-HHMMSS-mmm-NNNN-rrrr`: sorts in claim order.
    package let id: String
    /// The folder `work/claims/<id>`.
    package let folder: String
    package let pipelineID: String
    /// The file's name in the inbox, for people (escaped when it is not text; see ``InboxName``):
    /// reason files, the index and summaries show it.
    package let originalName: String
    /// The file's name inside the claim folder and the archive: the original name when it is
    /// safe, else ``InboxName/stored``.
    package let storedName: String
    /// Local time of the claim, `2025-11-25T11:30:12+01:00`.
    package let claimedAt: String

    /// Path of the original inside the claim folder.
    package var originalPath: String { Path.join(folder, storedName) }
    /// The scratch folder for normalized rows.
    package var scratchFolder: String { Path.join(folder, ".normalized") }
    /// The local date of the claim (`YYYY-MM-DD`), which names the archive folder.
    package var dateFolder: String { String(claimedAt.prefix(10)) }
    /// The claim folder's name inside the dated archive folder (the id without its date).
    package var archiveName: String { String(id.dropFirst(9)) }

    static let metadataName = ".claim"

    /// Serialized description (`key: value` lines).
    var metadata: String {
        "pipeline: \(pipelineID)\nname: \(storedName)\noriginal: \(originalName)\nclaimed_at: \(claimedAt)\n"
    }

    /// Reads a claim folder written by ``metadata``; nil when the description is missing or unreadable.
    static func load(folder: String) -> Claim? {
        guard let text = try? Storage.readText(Path.join(folder, metadataName), limit: 64 << 10) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            // `key: value`, the value taken verbatim (a name may start or end with spaces).
            guard let colon = line.firstIndex(of: ":") else { continue }
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            values[String(line[..<colon])] = String(value)
        }
        guard let pipeline = values["pipeline"], let name = values["name"], let claimedAt = values["claimed_at"],
            !name.isEmpty, !name.contains("/")
        else { return nil }
        // Claims written before names were made safe have no `original:` line.
        return Claim(
            id: Path.name(of: folder), folder: folder, pipelineID: pipeline,
            originalName: values["original"] ?? name, storedName: name, claimedAt: claimedAt)
    }
}
