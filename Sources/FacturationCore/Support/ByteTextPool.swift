import Foundation

/// Texts stored end to end in one byte array, referred to by offset and length.
///
/// Why: the FEC export holds hundreds of thousands of short texts at once (labels, piece
/// references, invoice numbers, bank keys). As `String` values each one above 15 bytes is a heap
/// object of its own (48–80 bytes with its header); here it costs its bytes plus an 8-byte
/// reference. Used by ``PackedEntries`` and ``PackedBankLines``; a text comes back as it was
/// stored (their tests check the round trip).
package struct ByteTextPool {
    /// A text of the pool: `length` bytes at `offset`; `length == .max` for none.
    package struct Ref {
        var offset: UInt32
        var length: UInt32
        package static let none = Ref(offset: 0, length: .max)
        package var isNone: Bool { length == .max }
    }

    private var bytes: [UInt8] = []

    package init() {}

    package mutating func append(_ text: String) -> Ref {
        var text = text
        return text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    package mutating func append(_ raw: UnsafeRawBufferPointer) -> Ref {
        let offset = bytes.count
        bytes.append(contentsOf: raw)
        precondition(bytes.count < Int(UInt32.max), "more than 4 GB of texts")
        return Ref(offset: UInt32(offset), length: UInt32(raw.count))
    }

    package func string(_ ref: Ref) -> String {
        bytes.withUnsafeBufferPointer { all in
            String(decoding: all[Int(ref.offset)..<Int(ref.offset + ref.length)], as: UTF8.self)
        }
    }

    /// `String`'s order of the two texts: byte order when both are ASCII (the same then), else
    /// the strings' (canonical equivalence: "é" precomposed or not is the same text).
    package func compare(_ a: Ref, _ b: Ref) -> ComparisonResult {
        let order: ComparisonResult? = bytes.withUnsafeBufferPointer { all in
            let x = all[Int(a.offset)..<Int(a.offset + a.length)]
            let y = all[Int(b.offset)..<Int(b.offset + b.length)]
            if x.elementsEqual(y) { return .orderedSame }
            guard x.allSatisfy({ $0 < 0x80 }), y.allSatisfy({ $0 < 0x80 }) else { return nil }
            return x.lexicographicallyPrecedes(y) ? .orderedAscending : .orderedDescending
        }
        if let order { return order }
        let x = string(a), y = string(b)
        return x == y ? .orderedSame : x < y ? .orderedAscending : .orderedDescending
    }
}
