import Foundation

extension Storage {
    /// Writes `value` as one line of JSON with sorted keys over any file at `destination` (its
    /// folder created): how every checkpoint is written (the run stamp, the reports', the FEC's,
    /// the closed years'), so that the same facts give the same bytes. Crash-safe as
    /// ``write(_:to:temporaryDirectory:collision:syncFolder:)``: temporary file, fsync, rename,
    /// folder fsynced.
    package static func replaceJSON(
        _ value: some Encodable, at destination: String, temporaryDirectory: String
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try makeDirectory(Path.parent(of: destination))
        try write(
            Array(try encoder.encode(value)) + [0x0A], to: destination, temporaryDirectory: temporaryDirectory,
            collision: .replace)
    }
}
