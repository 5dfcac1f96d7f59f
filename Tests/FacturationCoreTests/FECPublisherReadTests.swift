import Foundation
import Testing

@testable import FacturationCore

/// ``FECPublisher/init(layout:today:)`` reads the bank ledgers in the background while it posts the
/// issued records: the error thrown is still the one a reading in order gives.
@Suite("FEC records read for one export")
struct FECPublisherReadTests {
    /// A workspace with three issued invoices (one record file each) and a bank ledger whose header
    /// is not a bank ledger's.
    static func workspace() throws -> (InvoiceStore, ledger: String, root: String) {
        let (store, root) = try InvoiceStoreRecordTests.store()
        for number in ["F2025-0001", "F2025-0002", "F2025-0003"] {
            var document = CIISample.standard.document
            document.number = number
            try store.recordIssued([document])
        }
        let folder = Path.join(store.layout.ledgers, LedgerKind.bankTransactions.rawValue)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ledger = Path.join(folder, "2025-01.csv")
        try "not,a,bank,ledger\n1,2,3,4\n".write(toFile: ledger, atomically: false, encoding: .utf8)
        return (store, ledger, root)
    }

    @Test("A damaged issued record is the error thrown, not the damaged ledger read meanwhile")
    func issuedRecordErrorComesFirst() throws {
        let (store, ledger, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let today = CivilDate(year: 2026, month: 1, day: 15)!
        // The ledger alone: its error.
        #expect {
            _ = try FECPublisher(layout: store.layout, today: today)
        } throws: { error in
            "\(error)".contains("2025-01.csv")
        }
        let year = store.layout.issued(year: 2025)
        let names = try FileManager.default.contentsOfDirectory(atPath: year).sorted()
        try "not json\n".write(toFile: Path.join(year, names[1]), atomically: false, encoding: .utf8)
        for _ in 0..<20 {
            #expect {
                _ = try FECPublisher(layout: store.layout, today: today)
            } throws: { error in
                "\(error)".contains("\(names[1]), line 1 is damaged") && !"\(error)".contains(Path.name(of: ledger))
            }
        }
    }
}
