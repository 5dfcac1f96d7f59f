/// The bytes of one fetched inbox file, built from the API's own answers without re-encoding them.
///
/// The file is the first page's answer, byte for byte, with two changes: its list (`timeentries`,
/// `transactions`) holds the entries of every page of the period or batch, each entry exactly as
/// the API wrote it; and one member, `facturation_fetch`, is added at the end: the requests (URL,
/// body), the time and the page count, never the key. The importers read the list and ignore
/// unknown members, so the file is what they read from a hand-made export of the same answer.
///
/// Not a speed measure: the splice works on raw bytes so that every entry stays exactly what the
/// API sent (re-encoding through a JSON library would change number and string spellings). An
/// answer is parsed first with ``JSONParser``, so it is valid JSON when ``ListSplice`` scans it;
/// `FetchUnitTests` checks that the result parses and holds every entry, untouched, in order.
struct FetchedFile {
    /// The first page's answer.
    private let first: [UInt8]
    private let list: ListSplice
    private var entries: [ArraySlice<UInt8>] = []

    /// `first`: the first answer (already validated); `member`: the name of its list.
    init?(first: [UInt8], member: String) {
        guard let list = ListSplice(first, member: member) else { return nil }
        self.first = first
        self.list = list
    }

    /// Adds the elements of `answer`'s list (`answer` validated first).
    mutating func add(answer: [UInt8]) -> Bool {
        guard let splice = ListSplice(answer, member: list.member) else { return false }
        let inner = splice.inner(of: answer)
        if !inner.isEmpty { entries.append(inner) }
        return true
    }

    /// The file: the first answer with every page's elements in its list and `record` (a JSON
    /// object's text) as the `facturation_fetch` member.
    func bytes(record: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(first.count + entries.reduce(0) { $0 + $1.count + 1 } + record.utf8.count + 32)
        out.append(contentsOf: first[..<(list.valueStart + 1)])
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: entry)
        }
        out.append(contentsOf: first[(list.valueEnd - 1)..<list.objectEnd])
        out.append(contentsOf: Array(",\"facturation_fetch\":".utf8))
        out.append(contentsOf: Array(record.utf8))
        out.append(contentsOf: first[list.objectEnd...])
        return out
    }
}

/// Where a top-level member's array lies in a JSON object's bytes: `valueStart` is its `[`,
/// `valueEnd` one past its `]`, `objectEnd` the object's closing `}`.
struct ListSplice {
    let member: String
    let valueStart: Int
    let valueEnd: Int
    let objectEnd: Int

    init?(_ bytes: [UInt8], member: String) {
        var scanner = RawJSONScanner(bytes: bytes)
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var found: (Int, Int)?
        while true {
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: "}")) { break }
            guard let key = scanner.stringRange() else { return nil }
            scanner.skipSpace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipSpace()
            let start = scanner.offset
            guard scanner.skipValue() else { return nil }
            if Array(bytes[key]) == Array(member.utf8), bytes[start] == UInt8(ascii: "[") {
                found = (start, scanner.offset)
            }
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: ",")) { continue }
            guard scanner.take(UInt8(ascii: "}")) else { return nil }
            break
        }
        guard let found else { return nil }
        self.member = member
        valueStart = found.0
        valueEnd = found.1
        objectEnd = scanner.offset - 1
    }

    /// The elements of the array, without its brackets and the space around them.
    func inner(of bytes: [UInt8]) -> ArraySlice<UInt8> {
        var low = valueStart + 1
        var high = valueEnd - 1
        while low < high, RawJSONScanner.isSpace(bytes[low]) { low += 1 }
        while high > low, RawJSONScanner.isSpace(bytes[high - 1]) { high -= 1 }
        return bytes[low..<high]
    }
}

/// A scanner over valid JSON bytes that only finds where values start and end.
private struct RawJSONScanner {
    let bytes: [UInt8]
    var offset = 0

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    mutating func skipSpace() {
        while offset < bytes.count, Self.isSpace(bytes[offset]) { offset += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    /// A string's content range (without its quotes); the scanner moves past it.
    mutating func stringRange() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = offset
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\\"): offset += 2
            case UInt8(ascii: "\""):
                offset += 1
                return start..<(offset - 1)
            default: offset += 1
            }
        }
        return nil
    }

    /// Moves past one value (nested arrays and objects, strings with their escapes).
    mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            guard offset < bytes.count else { return false }
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                guard stringRange() != nil else { return false }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                offset += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard depth > 0 else { return true }
                depth -= 1
                offset += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                if depth == 0 { return true }
                offset += 1
            default:
                offset += 1
            }
        } while depth > 0 || (offset < bytes.count && !Self.endsScalar(bytes[offset]))
        return true
    }

    /// Whether `byte` ends a number or a literal at the top level.
    private static func endsScalar(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
    }
}
