/// FEC-37, 38 and 40 on the entry numbers, at the end of the file: the numbering is continuous
/// (no gap, no number used twice) within each series, numbers follow the validation dates, and
/// opening entries carry the first numbers.
///
/// The scheme is detected, not configured: per journal as soon as one EcritureNum is used by two
/// journals, else global. A series is the text before the trailing digits of EcritureNum (and the
/// journal, per journal): `VT2024-0001` is number 1 of series `VT2024-`.
struct FECNumberingRules {
    private typealias Member = (value: Int64, entry: Int)
    private typealias Found = (line: Int, rule: FECRule, value: String, message: String)

    let tracker: FECEntryTracker
    let books: FECBookTotals
    let log: FECFindingLog

    /// Checks every series; returns whether the numbering is per journal.
    func check() -> Bool {
        guard !tracker.entries.isEmpty else { return false }
        let perJournal = isPerJournal()
        var found: [Found] = []
        for var members in series(perJournal: perJournal) {
            members.sort { $0.value < $1.value || ($0.value == $1.value && $0.entry < $1.entry) }
            check(members, into: &found)
        }
        found.sort { $0.line < $1.line }
        for item in found { log.flag(item.rule, line: item.line, item.value, item.message) }
        return perJournal
    }

    /// Whether an EcritureNum is used by entries of two journals.
    ///
    /// Why its own set (performance code, fenced): this runs after the last line, on one core
    /// while the other is idle; a ``FECKeyTable`` of the numbers copied every number into its
    /// arena and spans (420,000 of them, ~20 MB of fresh pages, for a FEC of 1,000,000 lines).
    /// Here a slot is one word (the hash's upper half and the first entry's position + 1), and
    /// the numbers are read where the tracker keeps them.
    private func isPerJournal() -> Bool {
        let entries = tracker.entries
        var size = 16
        while size < entries.count * 2 { size *= 2 }
        var slots = [UInt64](repeating: 0, count: size)
        let mask = size - 1, upperHalf: UInt64 = 0xFFFF_FFFF_0000_0000
        for index in entries.indices {
            let number = tracker.entryNumber(index)
            let hash = ByteHash.of(number)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let stored = slots[slot]
                if stored == 0 {
                    slots[slot] = hash & upperHalf | UInt64(index + 1)
                    break
                }
                let first = Int(truncatingIfNeeded: stored & ~upperHalf) - 1
                if stored & upperHalf == hash & upperHalf, tracker.entryNumber(first).elementsEqual(number) {
                    if entries[first].journal != entries[index].journal { return true }
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        return false
    }

    /// The entries of each series with the value of their trailing digits (numbers without
    /// trailing digits, or with more than 18, are in no series).
    private func series(perJournal: Bool) -> [[Member]] {
        let seriesTable = FECKeyTable(capacity: 16)
        let scratch = ByteBuffer(capacity: 256)
        var series: [[Member]] = []
        for index in tracker.entries.indices {
            let number = tracker.entryNumber(index)
            var digitsStart = number.count
            while digitsStart > 0, number[digitsStart - 1] >= 0x30, number[digitsStart - 1] <= 0x39 { digitsStart -= 1 }
            let digits = number.count - digitsStart
            guard digits > 0, digits <= 18 else { continue }
            var value: Int64 = 0
            for position in digitsStart..<number.count { value = value * 10 + Int64(number[position] - 0x30) }
            scratch.removeAll()
            if perJournal {
                withUnsafeBytes(of: tracker.entries[index].journal) { scratch.append($0) }
            }
            scratch.append(UnsafeRawBufferPointer(rebasing: number[0..<digitsStart]))
            let (seriesIndex, inserted) = seriesTable.findOrInsert(scratch.bytes)
            if inserted { series.append([]) }
            series[seriesIndex].append((value, index))
        }
        return series
    }

    /// One series, sorted by number.
    private func check(_ members: [Member], into found: inout [Found]) {
        let entries = tracker.entries
        var lastOpening: Member?
        var firstOther: Member?
        for (position, member) in members.enumerated() {
            let entry = entries[member.entry]
            if entry.journal >= 0, books.journals[Int(entry.journal)].opening {
                lastOpening = member
            } else if firstOther == nil {
                firstOther = member
            }
            guard position > 0 else { continue }
            checkPair(members[position - 1], member, into: &found)
        }
        if let lastOpening, let firstOther, lastOpening.value > firstOther.value {
            found.append(
                (
                    entries[lastOpening.entry].firstLine, .openingFirst, name(lastOpening.entry),
                    "the opening entry's number is higher than \(name(firstOther.entry)): "
                        + "opening entries carry the first numbers"
                ))
        }
    }

    /// FEC-37 and FEC-38 between two consecutive numbers of a series.
    private func checkPair(_ previous: Member, _ member: Member, into found: inout [Found]) {
        let entry = tracker.entries[member.entry]
        if member.value == previous.value {
            found.append(
                (
                    entry.firstLine, .numberingGap, name(member.entry),
                    "the number \(member.value) is also used by \(name(previous.entry)) "
                        + "(line \(tracker.entries[previous.entry].firstLine))"
                ))
        } else if member.value > previous.value + 1 {
            let missing = member.value - previous.value - 1
            found.append(
                (
                    entry.firstLine, .numberingGap, name(member.entry),
                    "follows \(name(previous.entry)): \(missing) number\(missing == 1 ? "" : "s") missing"
                        + (missing == 1
                            ? " (\(previous.value + 1))" : " (\(previous.value + 1) to \(member.value - 1))")
                ))
        }
        let previousValid = tracker.entries[previous.entry].validDate
        if entry.validDate != 0, previousValid != 0, entry.validDate < previousValid {
            found.append(
                (
                    entry.firstLine, .numberingOrder, name(member.entry),
                    "validated on \(entry.validDate), before \(name(previous.entry)) (\(previousValid)) "
                        + "which has a lower number"
                ))
        }
    }

    private func name(_ entry: Int) -> String { tracker.entryName(entry, log) }
}
