/// A mistake in a pipeline file, reported as `file:line: message`.
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package let file: String
    package let line: Int?
    package let message: String

    package init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Every mistake found in the pipeline files (they are all reported at once).
package struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    package let errors: [ConfigError]

    package init(_ errors: [ConfigError]) { self.errors = errors }

    package var description: String { errors.map(\.description).joined(separator: "\n") }
}
