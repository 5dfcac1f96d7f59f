/// Finds invoice numbers in bank texts, tolerant to spaces, dashes and missing separators
/// (`F2025-1004`, `F 2025 1004`, `F20251004` all find `F2025-1004`).
package struct InvoiceReferenceFinder: Sendable {
    /// Normalized number → the number as issued.
    private let numbers: [String: String]
    private let lengths: [Int]
    /// `canStart[b]`: some normalized number starts with the byte `b` (all true when one is empty).
    private let canStart: [Bool]

    package init(numbers: [String]) {
        var table: [String: String] = [:]
        table.reserveCapacity(numbers.count)
        var bytes: [UInt8] = []
        for number in numbers {
            Self.normalize(number, into: &bytes)
            table[String(decoding: bytes, as: UTF8.self)] = number
        }
        self.numbers = table
        lengths = Set(table.keys.map(\.utf8.count)).sorted(by: >)
        var canStart = [Bool](repeating: lengths.contains(0), count: 256)
        for key in table.keys { if let first = key.utf8.first { canStart[Int(first)] = true } }
        self.canStart = canStart
    }

    /// Upper-case ASCII letters and digits only (accents and everything else dropped).
    package static func normalize(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
                    switch scalar.value {
                    case 0x30...0x39, 0x41...0x5A: scalar
                    case 0x61...0x7A: Unicode.Scalar(scalar.value - 0x20)
                    default: nil
                    }
                }))
    }

    /// The bytes of `normalize(text)`, straight from the UTF-8: a scalar outside ASCII is made only
    /// of bytes from 0x80 up, which are all dropped, like the scalar.
    private static func normalize(_ text: String, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A: bytes.append(byte)
            case 0x61...0x7A: bytes.append(byte - 0x20)
            default: break
            }
        }
    }

    /// The invoice numbers mentioned in `texts`, in order of first appearance, without repeats.
    /// A number must not be followed by another digit (so `F2025100` is not found in `F20251004`).
    package func find(in texts: [String]) -> [String] {
        var found: [String] = []
        var bytes: [UInt8] = []
        for text in texts {
            Self.normalize(text, into: &bytes)
            var index = 0
            while index < bytes.count {
                // A number does not start in the middle of a run of digits (dates, account numbers).
                let isDigit = bytes[index] <= 0x39
                if canStart[Int(bytes[index])], !isDigit || index == 0 || bytes[index - 1] > 0x39 {
                    for length in lengths where index + length <= bytes.count {
                        let end = index + length
                        if end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { continue }
                        let candidate = String(decoding: bytes[index..<end], as: UTF8.self)
                        if let number = numbers[candidate], !found.contains(number) {
                            found.append(number)
                            break
                        }
                    }
                }
                index += 1
            }
        }
        return found
    }
}
