/// Delivers issued documents to `outbox/invoices/` (`<number>.xml` and `<number>-annexe.csv`)
/// in batches, and remembers what was delivered.
///
/// The list of delivered numbers (`archive/deliveries/<pipeline>/invoices.txt`) is rewritten after
/// each batch is published, so a file someone took out of the outbox is not delivered again;
/// delivering is idempotent, so a batch interrupted before its list is written is simply completed.
struct InvoiceDelivery {
    /// A document to deliver: its number, Factur-X XML and annex (time-based invoices).
    typealias Item = (number: String, xml: Content, annex: Content?)

    /// What a delivered file holds.
    ///
    /// Why `archived`: an issued batch's files are delivered as copies of the archive's, read one
    /// at a time, so a batch waiting for delivery holds no bytes (a batch of 1,000 time-based
    /// invoices is about 35 MB of XML and annexes).
    enum Content {
        /// The file at this path (a document's archived XML or annex).
        case archived(path: String)
        /// These bytes (a document whose archived XML is missing, rendered again).
        case rendered([UInt8])

        func bytes() throws -> [UInt8] {
            switch self {
            case .archived(let path): try Storage.read(path)
            case .rendered(let bytes): bytes
            }
        }
    }

    private let layout: ArchiveLayout
    /// Numbers already delivered.
    private var list: DeliveredList
    func isDelivered(_ number: String) -> Bool { list.contains(number) }

    init(layout: ArchiveLayout) throws {
        self.layout = layout
        list = try DeliveredList(layout: layout, path: layout.deliveredInvoices)
    }

    /// Publishes the items not delivered yet (one sync round for the batch), then records them;
    /// returns the files delivered, relative to the workspace.
    mutating func deliver(_ items: [Item]) throws -> [String] {
        let fresh = items.filter { !isDelivered($0.number) }
        guard !fresh.isEmpty else { return [] }
        var shown: [String] = []
        let outbox = Outbox(layout: layout)
        let files = FileBatch(temporaryDirectory: layout.temporary)
        for item in fresh {
            try outbox.deliverNew(try item.xml.bytes(), to: "invoices/\(item.number).xml", in: files)
            shown.append(layout.shown("invoices/\(item.number).xml"))
            if let annex = item.annex {
                try outbox.deliverNew(try annex.bytes(), to: "invoices/\(item.number)-annexe.csv", in: files)
                shown.append(layout.shown("invoices/\(item.number)-annexe.csv"))
            }
        }
        try files.commit()
        try list.record(fresh.map(\.number))
        return shown
    }
}
