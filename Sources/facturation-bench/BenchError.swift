/// A failure of the benchmark itself (bad flags, a disk error, a child that failed), with a
/// message meant for the person running it.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }
}
