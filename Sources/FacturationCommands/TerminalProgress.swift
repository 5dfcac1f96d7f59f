import FacturationCore
import Foundation

/// A one-line progress display on stderr for files that take a while to read; silent when
/// stderr is not a terminal (cron, pipes, logs).
final class TerminalProgress {
    private let enabled: Bool
    private var currentFile = ""
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(quiet: Bool) {
        enabled = !quiet && StandardStreams.isTerminal(2)
    }

    /// Reports progress on a file; `total` is 0 while the file is only being hashed.
    func update(file: String, done: Int64, total: Int64) {
        guard enabled else { return }
        let now = Date()
        if file != currentFile {
            clear()
            currentFile = file
            started = now
        }
        guard now.timeIntervalSince(started) > 0.5, now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let rate = Double(done) / max(now.timeIntervalSince(started), 0.001) / 1_000_000
        var line = "  \(file): \(TerminalProgress.megabytes(done))"
        if total > 0 {
            line += " of \(TerminalProgress.megabytes(total)) (\(Int(Double(done) * 100 / Double(total)))%)"
        } else {
            line += " checked"
        }
        line += String(format: ", %.0f MB/s", rate)
        StandardStreams.err("\r\u{1B}[K" + line)
        drawn = true
    }

    /// Erases the progress line.
    func clear() {
        if drawn { StandardStreams.err("\r\u{1B}[K") }
        drawn = false
    }

    private static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
