#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to the standard streams (stdout for results, stderr for logs and progress).
package enum StandardStreams {
    /// Writes text to standard output.
    package static func out(_ text: String) { write(text, to: 1) }

    /// Writes text to standard error.
    package static func err(_ text: String) { write(text, to: 2) }

    /// True when the descriptor is a terminal.
    package static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
