import Testing

@testable import FacturationCore

/// The compact store of time entries behind the lazy annexes (DraftGenerator.Result.complete).
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

    @Test func aRecordKeyIsReadBackByItsID() {
        var arena = RecordKeyArena()
        let keys = ["clockify:66d0000000000000000000a1", "", "é", "clockify:66d0000000000000000000a1", "x"]
        let ids = keys.map { arena.add($0) }
        #expect(ids == [0, 1, 2, 3, 4])
        #expect(arena.count == keys.count)
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
        let taken = annexes.take(draftID: "time-C1-2025-07-x")
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
