import Foundation

/// Distinct strings kept as sorted lines of one byte buffer and looked up by binary search: what a
/// run reads of a closed period's names (draft ids, record keys, delivered numbers) without
/// making a `String` or a hash-table entry for each of them.
///
/// Why (issue #9): the sets the invoicing and documents passes built per run held every name of
/// history (12,000 draft ids at 10 years, as many delivered numbers); a `Set<String>` costs an
/// allocation and a hash per name on every pass, while these lines cost one read of the file and
/// one scan for its line feeds.
///
/// A line is `name` or `name<TAB>value`; lines are ordered by the bytes of their name, in the
/// canonical form of ``canonical(_:)``, so that a lookup by bytes answers what `String`'s `==`
/// (canonical equivalence) would. Names and values hold no byte below 0x20.
package struct SortedLines: Sendable, Equatable {
    /// Each line followed by a line feed.
    package private(set) var bytes: [UInt8]
    /// Where each line starts, then `bytes.count` (so line `i` is `starts[i]..<starts[i + 1] - 1`).
    private var starts: [Int32]

    package var count: Int { starts.count - 1 }
    package var isEmpty: Bool { count == 0 }

    package init() {
        bytes = []
        starts = [0]
    }

    /// The lines of `bytes` (each ending with a line feed), trusted to be sorted and distinct.
    package init?(sortedBytes bytes: [UInt8]) {
        guard bytes.last.map({ $0 == 0x0A }) ?? true else { return nil }
        var starts: [Int32] = [0]
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let found = memchr(base + offset, 0x0A, buffer.count - offset)
                guard let found else { break }
                offset = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
                starts.append(Int32(offset))
            }
        }
        guard bytes.count < Int(Int32.max) else { return nil }
        self.bytes = bytes
        self.starts = starts
    }

    /// `lines` (`name`, or `name<TAB>value` when `valued`) sorted by name and made into lines; nil
    /// when one is not storable (a control byte, a tab in a name or a value) or two have the same name.
    package init?(lines: some Sequence<String>, valued: Bool = false) {
        var canonical = lines.map { Self.canonical($0) }
        guard canonical.allSatisfy({ Self.tabs(in: $0) == (valued ? 1 : 0) }) else { return nil }
        canonical.sort { Self.name(of: $0).lexicographicallyPrecedes(Self.name(of: $1)) }
        for index in canonical.indices.dropFirst()
        where Self.name(of: canonical[index - 1]).elementsEqual(Self.name(of: canonical[index])) {
            return nil
        }
        var bytes: [UInt8] = []
        for line in canonical {
            bytes += line
            bytes.append(0x0A)
        }
        self.init(sortedBytes: bytes)
    }

    /// How many tabs the bytes hold; nil when they hold another control byte (a line feed, …).
    private static func tabs(in line: [UInt8]) -> Int? {
        var tabs = 0
        for byte in line where byte < 0x20 {
            guard byte == 0x09 else { return nil }
            tabs += 1
        }
        return tabs
    }

    /// The UTF-8 bytes of `text` in the form `String` compares by (canonical composition): ASCII
    /// as it is, anything else composed first.
    package static func canonical(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard !utf8.allSatisfy({ $0 < 0x80 }) else { return utf8 }
        return Array(text.precomposedStringWithCanonicalMapping.utf8)
    }

    private static func name(of line: [UInt8]) -> ArraySlice<UInt8> {
        line.firstIndex(of: 0x09).map { line[..<$0] } ?? line[...]
    }

    /// True when a line is named `name`.
    package func contains(_ name: String) -> Bool { index(of: name) != nil }

    /// True when a line is named by these UTF-8 bytes (no `String` made when they are ASCII).
    package func contains(utf8 name: UnsafeRawBufferPointer) -> Bool {
        guard !isEmpty else { return false }
        guard name.allSatisfy({ $0 < 0x80 }) else { return contains(String(decoding: name, as: UTF8.self)) }
        return index(ofCanonical: name) != nil
    }

    /// The value of the line named `name` (after its tab), if there is one.
    package func value(of name: String) -> String? {
        guard let index = index(of: name) else { return nil }
        let line = range(of: index)
        guard let tab = bytes[line].firstIndex(of: 0x09) else { return "" }
        return String(decoding: bytes[(tab + 1)..<line.upperBound], as: UTF8.self)
    }

    /// Every line as a `String`, in order (tests, and a list rewritten with new names).
    package var lines: [String] {
        (0..<count).map { String(decoding: bytes[range(of: $0)], as: UTF8.self) }
    }

    private func index(of name: String) -> Int? {
        guard !isEmpty else { return nil }
        let canonical = Self.canonical(name)
        return canonical.withUnsafeBytes { index(ofCanonical: $0) }
    }

    private func range(of index: Int) -> Range<Int> { Int(starts[index])..<(Int(starts[index + 1]) - 1) }

    /// Binary search by the bytes of the names.
    private func index(ofCanonical name: UnsafeRawBufferPointer) -> Int? {
        bytes.withUnsafeBytes { all in
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                let order = compare(line: middle, in: all, with: name)
                if order == 0 { return middle }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }

    /// The order of line `index`'s name and `name` (negative, zero, positive), by bytes.
    private func compare(line index: Int, in all: UnsafeRawBufferPointer, with name: UnsafeRawBufferPointer) -> Int {
        let start = Int(starts[index])
        var end = Int(starts[index + 1]) - 1
        if let tab = memchr(all.baseAddress! + start, 0x09, end - start) {
            end = UnsafeRawPointer(tab) - all.baseAddress!
        }
        let length = end - start
        let common = min(length, name.count)
        if common > 0 {
            let order = memcmp(all.baseAddress! + start, name.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return length - name.count
    }
}
