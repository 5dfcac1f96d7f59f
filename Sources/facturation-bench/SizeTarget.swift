/// How big each generated file is: a number of bytes (rows are added until it is reached) or a
/// number of rows.
enum SizeTarget: Sendable, CustomStringConvertible {
    case bytes(Int64)
    case rows(Int)

    func isReached(rows: Int, bytes: Int64) -> Bool {
        switch self {
        case .bytes(let limit): bytes >= limit
        case .rows(let limit): rows >= limit
        }
    }

    var description: String {
        switch self {
        case .bytes(let bytes): "\(Report.megabytes(bytes)) MB"
        case .rows(let rows): "\(rows) rows"
        }
    }
}

/// A file written by a generator.
struct GeneratedFile: Sendable {
    let path: String
    let rows: Int
    let bytes: Int64
}
