/// The supporting documents of the matched receipts: in `outbox/justificatifs/<YYYY-MM>/`, for each
/// allocation of a match to an invoice facturation issued, the invoice's document named after the
/// bank operation (``PaymentReports/supportingName(_:invoice:)``), delivered once. Its marker
/// (`archive/deliveries/<pipeline>/justificatifs/<YYYY-MM>/<name>.done`) says it was: a document a
/// person took out of the outbox comes back only once its marker is removed too.
struct SupportingDocuments {
    let layout: ArchiveLayout

    /// An allocation whose document's marker was not listed: its receipt (an index in the state's
    /// receipts), its place in the match, the document's name.
    private struct Wanted {
        var receipt: Int
        var allocation: Int
        var name: String
    }

    /// The outbox folder of the documents of receipts booked in `date`'s month.
    static func folder(bookedIn date: CivilDate) -> String { "justificatifs/" + date.monthKey }

    /// Delivers the document of every allocation of `state`'s matches whose marker is missing.
    func publish(_ state: PaymentPass.State, report: inout PaymentReport) throws {
        var seen = SupportingDocumentsSeen(layout: layout)
        var wanted: [Wanted] = []
        for index in state.receipts.indices {
            guard let match = state.matches[state.receipts[index].key] else { continue }
            for (position, allocation) in match.allocations.enumerated() {
                // A historical invoice of the register has no document of ours to show.
                guard let item = state.receivables.item(allocation.invoice), !item.fromRegister else { continue }
                let name = seen.name(state.receipts[index], invoice: allocation.invoice)
                if try !seen.isDelivered(name, of: allocation.invoice, bookedIn: state.receipts[index].bookingDate) {
                    wanted.append(Wanted(receipt: index, allocation: position, name: name))
                }
            }
        }
        if !wanted.isEmpty { try deliver(wanted, state, report: &report) }
    }

    /// Delivers the documents of `wanted` as the pass always did, looking at every match in the
    /// order of the receipts' keys: each for the first receipt of its key (the one a match names),
    /// and only while its marker is missing (`Storage.exists`, which also decides for a name the
    /// listing cannot hold, one with a `/`, and for a name delivered twice in the pass).
    private func deliver(_ wanted: [Wanted], _ state: PaymentPass.State, report: inout PaymentReport) throws {
        let keys = Set(wanted.map { state.receipts[$0.receipt].key })
        var first: [String: Int] = [:]
        for index in state.receipts.indices where keys.contains(state.receipts[index].key) {
            if first[state.receipts[index].key] == nil { first[state.receipts[index].key] = index }
        }
        let ordered = wanted.filter { first[state.receipts[$0.receipt].key] == $0.receipt }.sorted {
            (state.receipts[$0.receipt].key, $0.allocation) < (state.receipts[$1.receipt].key, $1.allocation)
        }
        let outbox = Outbox(layout: layout)
        for one in ordered {
            let receipt = state.receipts[one.receipt]
            guard let allocation = state.matches[receipt.key]?.allocations[one.allocation],
                let document = state.receivables.item(allocation.invoice)?.document
            else { continue }
            let target = Path.join(Self.folder(bookedIn: receipt.bookingDate), one.name)
            let marker = layout.deliveryMarker(target)
            if Storage.exists(marker) { continue }
            let source = layout.documentXML(number: document.number, issuedIn: document.issueDate.year)
            let bytes = Storage.exists(source) ? try Storage.read(source) : try CIIWriter.xml(for: document)
            try outbox.deliverNew(bytes, to: target)
            try Storage.makeDirectory(Path.parent(of: marker))
            try Storage.write(
                document.number + "\n", to: marker, temporaryDirectory: layout.temporary, collision: .replace)
            report.delivered.append(layout.shown(target))
        }
    }
}

/// What ``SupportingDocuments`` has seen in one pass: each month folder of delivery markers listed
/// once, as the names of the documents marked, and each payer's part of the names made once.
///
/// Why (performance code, fenced): every match of history is looked at on every pass; a `stat` of
/// its marker's path and `String.folding` of its payer's name were 32 and 56 ms of a full pass at
/// 10 years with 11,900 matches, and splitting each marker's path again into folder and name 64 ms
/// (README, "Benchmark results"). A name is looked up in its month's set as it is, no path made;
/// a path is made only for a document to deliver (``SupportingDocuments/deliver``), where
/// `Storage.exists` decides as before. A listing sees what the `stat`s saw: the run holds the
/// workspace lock (a marker that is a link to nothing is the one case a `stat` says absent).
private struct SupportingDocumentsSeen {
    let layout: ArchiveLayout
    /// By month (`year * 12 + month`), the names of the documents whose marker its folder holds.
    private var marked: [Int: Set<String>] = [:]
    private var payers: [String: String] = [:]

    init(layout: ArchiveLayout) {
        self.layout = layout
    }

    mutating func name(_ receipt: Receipt, invoice: String) -> String {
        let payer = payers[receipt.counterpartyName] ?? PaymentReports.payerInName(receipt.counterpartyName)
        payers[receipt.counterpartyName] = payer
        return PaymentReports.supportingName(receipt, invoice: invoice, payer: payer)
    }

    /// True when the folder of the month of `date` held a marker for the document `name` (of the
    /// invoice `invoice`). False for a name with a `/` or other than ASCII, which a set of names
    /// cannot answer as a `stat` would (a folder; bytes, not canonical equivalence).
    mutating func isDelivered(_ name: String, of invoice: String, bookedIn date: CivilDate) throws -> Bool {
        guard invoice.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "/") }) else { return false }
        let month = date.year * 12 + date.month
        if let names = marked[month] { return names.contains(name) }
        let names = try Self.markedNames(in: layout.deliveryMarkers(of: SupportingDocuments.folder(bookedIn: date)))
        marked[month] = names
        return names.contains(name)
    }

    /// The names of the files whose marker `folder` holds (a marker's name without its suffix).
    static func markedNames(in folder: String) throws -> Set<String> {
        let suffix = ArchiveLayout.deliveryMarkerSuffix
        var names: Set<String> = []
        for marker in try Storage.unorderedNamesIfPresent(folder) where marker.hasSuffix(suffix) {
            names.insert(String(marker.utf8.dropLast(suffix.utf8.count))!)
        }
        return names
    }
}
