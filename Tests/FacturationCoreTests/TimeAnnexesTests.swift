import Foundation
import Testing

@testable import FacturationCore

/// The compact store of time entries behind the lazy annexes (DraftGenerator.Result.billed), fenced.
@Suite("Time annexes")
struct TimeAnnexesTests {
    @Test func aTextIsStoredOnceAndReadBackByItsID() {
        var pool = TextPool()
        let project = pool.id("Projet Été")
        let other = pool.id("Support")
        #expect(pool.id("Projet Été") == project)
        #expect(project != other)
        #expect(pool[project] == "Projet Été" && pool[other] == "Support")
        let empty = pool.id("")
        #expect(pool[empty] == "")
    }

    /// Every form of key reads back as the bytes it was added with: Clockify ids and fingerprints
    /// (stored as the bytes of their digits), and the keys that only look like them (uppercase or
    /// too few digits, an occurrence number), empty, non-ASCII, with JSON or CSV specials (stored
    /// as text); invalid UTF-8 reads back as `String(decoding:)` makes it.
    @Test func aRecordKeyOfAnyFormIsReadBackByItsID() {
        var arena = RecordKeyArena()
        let keys = [
            "clockify:66d0000000000000000000a1", "", "é", "clockify:66d0000000000000000000a1", "x",
            "clockify:66D0000000000000000000A1", "clockify:66d0000000000000000000a",
            "clockify:66d0000000000000000000a1x",
            "te:0123456789abcdef0123456789abcdef", "te:0123456789abcdef0123456789abcdef#2", "te:0123456789abcdeg",
            "clockify:ffffffffffffffffffffffff", "clockify:000000000000000000000000", "qonto:\"a,b\"\n=1+1",
        ]
        let ids = keys.map { arena.add($0) }
        #expect(arena.count == keys.count)
        #expect(Set(ids).count == keys.count)
        #expect(ids.map { arena[$0] } == keys)
        #expect(ids.map { id in arena.withKey(id) { Array($0) } } == keys.map { Array($0.utf8) })
        let invalid: [UInt8] = Array("clockify:".utf8) + [0xFF, 0xC3]
        let id = invalid.withUnsafeBytes { arena.add($0) }
        #expect(arena[id] == String(decoding: invalid, as: UTF8.self))
        #expect(arena.withKey(id) { Array($0) } == Array(String(decoding: invalid, as: UTF8.self).utf8))
    }

    /// ``HexKeyColumn`` across its chunks of 32,768 keys: every key comes back.
    @Test func manyKeysComeBackAcrossChunks() {
        var arena = RecordKeyArena()
        let keys = (0..<70_000).map { index in
            index % 3 == 0
                ? "te:" + String(repeating: "0", count: 24) + String(format: "%08x", index)
                : "clockify:66d" + String(format: "%021x", index * 7919)
        }
        let ids = keys.map { arena.add($0) }
        #expect(ids.map { arena[$0] } == keys)
    }

    /// The annex lists lines in order and, within a line, entries in ledger order (as the
    /// generator always wrote it), the record keys follow the order the generator gave, and both
    /// are made once: the entries are dropped when they are taken.
    @Test func theAnnexListsEntriesByLineThenInLedgerOrderAndIsTakenOnce() {
        var pool = TextPool()
        var arena = RecordKeyArena()
        func entry(_ key: String, project: String, seconds: Int64) -> TimeAnnexes.Entry {
            TimeAnnexes.Entry(
                key: arena.add(key), project: pool.id(project), task: pool.id(""), description: pool.id("Analyse"),
                user: pool.id("Léa"), date: pool.id("2025-07-0" + key.suffix(1)), otherRateCurrency: -1,
                seconds: Int32(seconds), clockifyRateMinor: 0)
        }
        let entries = [
            entry("k1", project: "A", seconds: 60), entry("k2", project: "B", seconds: 120),
            entry("k3", project: "A", seconds: 180), entry("k4", project: "B", seconds: 240),
        ]
        let annexes = TimeAnnexes(texts: pool, keys: arena)
        annexes.add(
            draftID: "time-C1-2025-07-x", .init(entries: entries, lines: [1, 2, 1, 2], keyOrder: [3, 2, 1, 0]))
        let billed = annexes.take(draftID: "time-C1-2025-07-x")
        let taken = billed?.completing(Self.draft(id: "time-C1-2025-07-x"))
        #expect(taken?.recordKeys == ["k4", "k3", "k2", "k1"])
        let annex = taken?.annex
        #expect(annex?.map(\.recordKey) == ["k1", "k3", "k2", "k4"])
        #expect(annex?.map(\.line) == [1, 1, 2, 2])
        #expect(annex?.map(\.project) == ["A", "A", "B", "B"])
        #expect(
            annex?.first
                == InvoiceDraft.AnnexEntry(
                    recordKey: "k1", date: "2025-07-01", user: "Léa", project: "A",
                    task: "", description: "Analyse", durationSeconds: 60, line: 1))
        #expect(annexes.take(draftID: "time-C1-2025-07-x") == nil)
    }

    /// What the committer writes from the compact entries (annex CSV, record keys in the record)
    /// is byte for byte what the lists of the completed draft make, with keys and texts that need
    /// quoting, escaping or the formula guard.
    @Test func theAnnexAndRecordWrittenFromTheEntriesAreThoseOfTheLists() throws {
        var pool = TextPool()
        var arena = RecordKeyArena()
        let keys = [
            "clockify:66d0000000000000000000a1", "=HYPERLINK(\"x\")", "te:0123456789abcdef0123456789abcdef",
            "a,b", "tab\there", "clé \\ \u{1}", " lead", "+33",
        ]
        let texts = ["Projet, \"A\"", "-Réunion", "Support\nniveau 2", "@user", "", "Été"]
        var entries: [TimeAnnexes.Entry] = []
        for (index, key) in keys.enumerated() {
            entries.append(
                TimeAnnexes.Entry(
                    key: arena.add(key), project: pool.id(texts[index % texts.count]),
                    task: pool.id(texts[(index + 1) % texts.count]),
                    description: pool.id(texts[(index + 2) % texts.count]),
                    user: pool.id(texts[(index + 3) % texts.count]), date: pool.id("2025-07-1\(index)"),
                    otherRateCurrency: -1, seconds: Int32(61 * index + 1), clockifyRateMinor: 0))
        }
        let annexes = TimeAnnexes(texts: pool, keys: arena)
        annexes.add(
            draftID: "d", .init(entries: entries, lines: [2, 1, 2, 3, 1, 1, 3, 2], keyOrder: [7, 0, 6, 1, 5, 2, 4, 3]))
        let billed = try #require(annexes.take(draftID: "d"))
        let completed = billed.completing(Self.draft(id: "d"))
        #expect(billed.annexCSV() == AnnexWriter.csv(completed.annex))
        var written: [UInt8] = []
        billed.appendRecordKeys(to: &written)
        var listed: [UInt8] = []
        for (index, key) in completed.recordKeys.enumerated() {
            if index > 0 { listed.append(UInt8(ascii: ",")) }
            InvoiceStore.appendJSONString(key, to: &listed)
        }
        #expect(written == listed)
        #expect(
            try JSONDecoder().decode([String].self, from: Data("[".utf8 + written + "]".utf8)) == completed.recordKeys)
    }

    static func draft(id: String) -> InvoiceDraft {
        InvoiceDraft(
            id: id, kind: .invoice, clientCode: "C1",
            origin: .init(type: .time, draftID: id, contract: nil, period: "2025-07"),
            title: "Prestations", servicePeriod: nil, lines: [], recordKeys: [],
            dueOn: CivilDate(year: 2025, month: 8, day: 1)!, precedingInvoice: nil, reason: nil,
            notes: [], annex: [])
    }

    @Test func aDraftWithoutAKeptAnnexIsReturnedAsItIs() {
        let result = DraftGenerator.Result()
        let draft = InvoiceDraft(
            id: "rec-1-2025-08", kind: .invoice, clientCode: "C1",
            origin: .init(type: .recurring, draftID: "rec-1-2025-08", contract: "1", period: "2025-08"),
            title: "Forfait", servicePeriod: nil, lines: [], recordKeys: [],
            dueOn: CivilDate(year: 2025, month: 8, day: 1)!, precedingInvoice: nil, reason: nil,
            notes: [], annex: [])
        #expect(result.complete(draft) == draft)
    }
}
