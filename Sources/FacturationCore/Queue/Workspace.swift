import Foundation

/// The folders of a workspace: the whole state of one company's pipeline lives inside it.
///
/// ```
/// inbox/       files dropped by people or scheduled exports (inbox/<pipeline>/ when there are several pipelines)
/// work/        claimed files being processed, temporary files, the run lock (runtime only)
/// archive/     originals (files/), rejected files with reasons (rejected/), duplicates (duplicates/),
///              normalized ledgers (ledgers/<pipeline>/), processed-file index (index/), run summaries (runs/)
/// outbox/      results for people to take away (outbox/<pipeline>/ when there are several pipelines)
/// pipelines/   one <id>.toml per pipeline (company)
/// ```
package struct Workspace: Sendable {
    package let root: String
    package var inbox: String { Path.join(root, "inbox") }
    package var work: String { Path.join(root, "work") }
    package var archive: String { Path.join(root, "archive") }
    package var outbox: String { Path.join(root, "outbox") }
    package var pipelines: String { Path.join(root, "pipelines") }

    package var claims: String { Path.join(work, "claims") }
    package var temporary: String { Path.join(work, "tmp") }
    package var lockFile: String { Path.join(work, "lock") }

    package var archivedFiles: String { Path.join(archive, "files") }
    package var rejectedFiles: String { Path.join(archive, "rejected") }
    package var duplicateFiles: String { Path.join(archive, "duplicates") }
    package var runs: String { Path.join(archive, "runs") }

    /// Opens the workspace at `path` (made absolute).
    package init(root path: String) {
        self.root = Workspace.absolute(path)
    }

    /// The per-pipeline folders (single pipeline: the top-level inbox and outbox).
    package func layout(for pipeline: PipelineConfig, pipelineCount: Int) -> ArchiveLayout {
        ArchiveLayout(workspace: self, pipeline: pipeline, shared: pipelineCount <= 1)
    }

    /// The layouts of every pipeline of the workspace, in order.
    package func layouts(for pipelines: [PipelineConfig]) -> [ArchiveLayout] {
        pipelines.map { layout(for: $0, pipelineCount: pipelines.count) }
    }

    /// Checks that the queue folders are on one file system, so every move is an atomic rename.
    package func checkSameFileSystem() throws(FacturationError) {
        var devices: [String: UInt64] = [:]
        for folder in [inbox, work, archive, outbox] {
            if let status = Storage.status(folder) { devices[folder] = status.device }
        }
        let distinct = Set(devices.values)
        if distinct.count > 1 {
            let list = devices.keys.sorted().map { "\(Path.relative($0, to: root)) (device \(devices[$0]!))" }
            throw FacturationError(
                .workspace,
                "the workspace folders are on different file systems: "
                    + list.joined(separator: ", ") + ". Moves between them would not be atomic; put inbox/, work/, "
                    + "archive/ and outbox/ on the same file system (no separate mounts).")
        }
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let cwd = getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "."
        return normalize(Path.join(cwd, path))
    }

    private static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
