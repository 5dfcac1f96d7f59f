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

    /// The outbox folder of the documents of receipts booked in `month`
    /// (``SupportingDocumentsCheckpoint/month(_:)``).
    static func folder(month: Int) -> String { "justificatifs/" + SupportingDocumentsCheckpoint.key(month) }

    /// Delivers the document of every allocation of `state`'s matches whose marker is missing,
    /// looking only at the months ``SupportingDocumentsCheckpoint`` does not say complete.
    func publish(_ state: PaymentPass.State, report: inout PaymentReport) throws {
        typealias Checkpoint = SupportingDocumentsCheckpoint
        let known = Checkpoint.load(layout)
        var next = Checkpoint(binary: known.binary)
        // The months to look at, each as it would be recorded if all its documents have their marker.
        var looked: [Int: Checkpoint.Month] = [:]
        for (month, inputs) in Checkpoint.inputs(state) {
            let folder = layout.deliveryMarkers(of: Self.folder(month: month))
            if known.isComplete(month, inputs: inputs, folder: folder, receivables: state.receivables) {
                next.months[Checkpoint.key(month)] = known.months[Checkpoint.key(month)]
            } else {
                looked[month] = Checkpoint.Month(inputs: inputs, markers: nil, documentless: [])
            }
        }
        var seen = SupportingDocumentsSeen(layout: layout)
        var wanted: [Wanted] = []
        var incomplete: Set<Int> = []
        for index in state.receipts.indices {
            let month = Checkpoint.month(state.receipts[index].bookingDate)
            guard looked[month] != nil, let match = state.matches[state.receipts[index].key] else { continue }
            for (position, allocation) in match.allocations.enumerated() {
                // A historical invoice of the register has no document of ours to show.
                guard let item = state.receivables.item(allocation.invoice), !item.fromRegister else {
                    looked[month]?.documentless.append(allocation.invoice)
                    continue
                }
                let name = seen.name(state.receipts[index], invoice: allocation.invoice)
                if try !seen.isDelivered(name, of: allocation.invoice, inMonth: month) {
                    wanted.append(Wanted(receipt: index, allocation: position, name: name))
                    incomplete.insert(month)
                }
            }
        }
        for (month, var entry) in looked where !incomplete.contains(month) {
            // A month whose documents were looked up is recorded with its folder's identity as listed.
            if let listed = seen.listed[month] {
                guard let identity = listed else { continue }
                entry.markers = identity
            }
            next.months[Checkpoint.key(month)] = entry
        }
        if !wanted.isEmpty { try deliver(wanted, state, report: &report) }
        try next.save(replacing: known, layout: layout)
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
            let target = Path.join(
                Self.folder(month: SupportingDocumentsCheckpoint.month(receipt.bookingDate)), one.name)
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
/// (README, "Benchmark results"); months recorded complete are not looked at
/// (``SupportingDocumentsCheckpoint``). A name is looked up in its month's set as it is, no path made;
/// a path is made only for a document to deliver (``SupportingDocuments/deliver``), where
/// `Storage.exists` decides as before. A listing sees what the `stat`s saw: the run holds the
/// workspace lock (a marker that is a link to nothing is the one case a `stat` says absent).
private struct SupportingDocumentsSeen {
    let layout: ArchiveLayout
    /// By month (``SupportingDocumentsCheckpoint/month(_:)``), the names of the documents whose marker its folder holds.
    private var marked: [Int: Set<String>] = [:]
    /// By month, the identity of its marker folder when it was listed (nil: not a folder).
    private(set) var listed: [Int: FolderIdentity?] = [:]
    private var payers: [String: String] = [:]

    init(layout: ArchiveLayout) {
        self.layout = layout
    }

    mutating func name(_ receipt: Receipt, invoice: String) -> String {
        let payer = payers[receipt.counterpartyName] ?? PaymentReports.payerInName(receipt.counterpartyName)
        payers[receipt.counterpartyName] = payer
        return PaymentReports.supportingName(receipt, invoice: invoice, payer: payer)
    }

    /// True when the marker folder of `month` (``SupportingDocumentsCheckpoint/month(_:)``) held a
    /// marker for the document `name` (of the invoice `invoice`). False for a name with a `/` or
    /// other than ASCII, which a set of names cannot answer as a `stat` would (a folder; bytes, not
    /// canonical equivalence).
    mutating func isDelivered(_ name: String, of invoice: String, inMonth month: Int) throws -> Bool {
        guard invoice.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "/") }) else { return false }
        if let names = marked[month] { return names.contains(name) }
        let folder = layout.deliveryMarkers(of: SupportingDocuments.folder(month: month))
        // Its identity before it is listed: a marker removed meanwhile moves it.
        listed[month] = FolderIdentity(of: folder)
        let names = try Self.markedNames(in: folder)
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
