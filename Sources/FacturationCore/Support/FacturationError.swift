import Foundation

/// The one error of facturation's stages and commands: a kind, which decides the exit status; a
/// message for people that names the file, line or key concerned and says what to do; and the
/// underlying cause when there is one (a ``StorageError``, a ``LedgerError``, a parse error…).
///
/// Lower layers throw their own precise errors (positions, `errno`); what crosses into a stage or
/// a command is a `FacturationError`, or is turned into one by ``init(wrapping:)``, so a command
/// picks its exit status from the kind alone.
package struct FacturationError: Error, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable, Equatable {
        /// The workspace itself: a damaged state file, folders on different file systems, the disk.
        case workspace
        /// Another run holds the workspace lock: nothing was done.
        case alreadyRunning
        /// The pipeline files.
        case configuration
        /// The tool's own files (the Factur-X schemas) are missing or unreadable.
        case installation
        /// A request about invoices that cannot be carried out as asked (unknown draft, a decision
        /// already taken, a key missing to issue a document); the message says what to fix.
        case invoicing
        /// A FEC that cannot be produced as asked (a period across two fiscal years, a file that
        /// fails its own check).
        case accounting
        /// A document that cannot be rendered as the standard requires (a bug or bad data in it).
        case document
        /// An output file that cannot be written (libxml2, libxlsxwriter).
        case output
        /// An e-mail that cannot be built or sent as asked (a header value with a line break, a
        /// malformed address, a queued file that is not one of ours); the message names the field.
        case delivery
        /// A producer could not fetch (`facturation fetch`): the API refused the key, could not be
        /// reached or answered something unusable; the message names the key file or variable to fix.
        case fetch
        /// A period with no accounting entry: there is no FEC to write.
        case nothingToExport
        /// The command line or the environment it reads is wrong.
        case usage
        /// Anything else: a defect of facturation.
        case unexpected

        /// The documented exit status (README, "Exit status").
        package var exitStatus: Int32 {
            switch self {
            case .alreadyRunning: return ExitStatus.alreadyRunning
            case .configuration: return ExitStatus.configurationError
            case .usage: return ExitStatus.usage
            case .workspace, .installation, .invoicing, .accounting, .document, .output, .delivery, .fetch,
                .nothingToExport, .unexpected:
                return ExitStatus.failure
            }
        }

        /// Whether a file being processed when it happens stays in `work/` and the run stops (the
        /// workspace's problem), rather than the file being rejected (its own).
        var stopsTheRun: Bool {
            switch self {
            case .workspace, .alreadyRunning, .configuration, .installation, .invoicing: return true
            case .accounting, .document, .output, .delivery, .fetch, .nothingToExport, .usage, .unexpected:
                return false
            }
        }
    }

    package let kind: Kind
    package let message: String
    package let cause: (any Error)?

    package init(_ kind: Kind, _ message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    package var description: String { message }
    package var exitStatus: Int32 { kind.exitStatus }

    /// Any error, in the one model.
    package init(wrapping error: any Error) {
        switch error {
        case let error as FacturationError: self = error
        case let error as StorageError: self.init(.workspace, error.description, cause: error)
        case let error as LedgerError: self.init(.workspace, error.description, cause: error)
        case let error as ConfigErrors: self.init(.configuration, error.description, cause: error)
        default: self.init(.unexpected, "\(error)", cause: error)
        }
    }
}

extension FacturationError {
    /// A state file of the archive that cannot be decoded (`where`: its path, with a line if any).
    static func damaged(_ where: String, _ error: any Error) -> FacturationError {
        FacturationError(.workspace, "\(`where`) is damaged (\(error)); restore it from a backup", cause: error)
    }

    /// Decodes the JSON state file at `path`, or throws ``damaged(_:_:)``.
    static func decode<T: Decodable>(_ type: T.Type, at path: String, limit: Int = 64 << 20) throws -> T {
        try decode(type, from: try Storage.read(path, limit: limit), at: path)
    }

    /// The same, for bytes already read from `path`.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], at path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw damaged(path, error)
        }
    }

    /// Another run holds the lock at `lockFile` (`holder`: its process id, when known).
    package static func alreadyRunning(lockFile: String, holder: String?) -> FacturationError {
        FacturationError(
            .alreadyRunning,
            "another facturation run is working on this workspace"
                + (holder.map { " (process \($0))" } ?? "") + "; nothing was done. Wait for it to finish (the lock "
                + "\(lockFile) is released automatically, even if that run crashes).")
    }

    /// A period without any accounting entry.
    static func nothingToExport(from: CivilDate, to: CivilDate) -> FacturationError {
        FacturationError(.nothingToExport, "no accounting entry between \(from) and \(to): there is no FEC to write")
    }
}
