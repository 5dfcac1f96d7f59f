import Foundation

extension Storage {
    /// Writes `value` as one line of JSON with sorted keys over any file at `destination` (its
    /// folder created): how every JSON checkpoint is written (the run stamp, the reports', the
    /// FEC's, the closed years', the caches), so that the same facts give the same bytes. A derived
    /// file: crash-safe (temporary file, fsync, rename, folder fsynced) and never stopping the run
    /// when it cannot be written (``replaceDerived(_:at:temporaryDirectory:)``); only an encoding
    /// error throws.
    package static func replaceJSON(
        _ value: some Encodable, at destination: String, temporaryDirectory: String
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        replaceDerived(
            Array(try encoder.encode(value)) + [0x0A], at: destination, temporaryDirectory: temporaryDirectory)
    }
}
