import Synchronization

extension Storage {
    /// Writes a derived file (everything under `archive/checkpoints/`: a pack, a summary, a cache,
    /// the run stamp, rebuilt from the records when missing): its folder made, the file replaced
    /// through a temporary one. Never stops the run: what stands in its place and cannot be
    /// replaced (a folder, with someone's files or not; a file or a link where one of its folders
    /// goes) is left alone, and the run goes on without it, reading the records as when the file is
    /// missing, where it stopped with exit 1 then and in every later run on a file it can do
    /// without. A link, a FIFO or a file in its place is replaced (the rename takes the name, never
    /// what a link points to). When the write fails, a file left at `path` is removed: an older
    /// one would describe records that have changed since.
    ///
    /// What was left alone is noted (``takeDerivedPlacesLeftAlone(under:)``) so that the run can
    /// say it: it costs every later run the full reading. Noted only here, where the run already
    /// looks (the `lstat` above, the failure of the folder's creation), so a normal run pays nothing.
    package static func replaceDerived(_ bytes: [UInt8], at path: String, temporaryDirectory: String) {
        if isDirectory(path) {
            leftAlone.withLock { _ = $0.insert(path) }
            return
        }
        do {
            try makeDirectory(Path.parent(of: path))
            try write(bytes, to: path, temporaryDirectory: temporaryDirectory, collision: .replace)
        } catch {
            if let blocking = nonFolder(above: path) { leftAlone.withLock { _ = $0.insert(blocking) } }
            removeDerived(path)
        }
    }

    /// Removes a derived file (see ``replaceDerived(_:at:temporaryDirectory:)``) if one is there; a
    /// folder in its place is left alone (and noted, as there), and a removal that fails changes
    /// nothing for the run (the file is checked against the records when it is read).
    package static func removeDerived(_ path: String) {
        guard let found = status(path) else { return }
        if found.isDirectory {
            leftAlone.withLock { _ = $0.insert(path) }
            return
        }
        try? removeFile(path)
    }

    /// The derived places ``replaceDerived(_:at:temporaryDirectory:)`` and ``removeDerived(_:)``
    /// left alone, not yet taken.
    /// Process-wide because its callers have no run at hand; each run takes only its own
    /// (under its pipelines' checkpoints, under its lock), so runs of other workspaces in the same
    /// process (tests) never see them.
    private static let leftAlone = Mutex<Set<String>>([])

    /// The derived places under `folder` (itself and the folders above it included: what stands
    /// where `archive/checkpoints/` goes is taken by the first pipeline's run) that were left
    /// alone since they were last taken, sorted: a folder where a derived file goes, or what is
    /// not a folder where one of its folders goes.
    package static func takeDerivedPlacesLeftAlone(under folder: String) -> [String] {
        leftAlone.withLock { places in
            let taken = places.filter { $0 == folder || $0.hasPrefix(folder + "/") || folder.hasPrefix($0 + "/") }
            places.subtract(taken)
            return taken.sorted(by: bytewiseLess)
        }
    }

    /// The nearest existing path above `path` when it is not a folder (a file, a link, a FIFO that
    /// stands where a folder of `path` goes), or nil when it is one (the write failed otherwise:
    /// disk full, permissions). Only called when a derived file could not be written.
    private static func nonFolder(above path: String) -> String? {
        var folder = Path.parent(of: path)
        while true {
            if let found = status(folder) { return found.isDirectory ? nil : folder }
            let parent = Path.parent(of: folder)
            if parent == folder { return nil }
            folder = parent
        }
    }
}
