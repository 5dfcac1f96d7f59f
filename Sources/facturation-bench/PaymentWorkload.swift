import FacturationCore
import Foundation

/// The synthetic receivables and bank receipts of the `match` and `fec` scenarios.
///
/// `invoices` open invoices (`F2025-000001`…, issued from January to October 2025 in number
/// order) spread over `clients` clients, each client having one configured payer IBAN, and as
/// many booked receipts, with the mix of the payment-matching issue:
///
/// - 60 % mention the invoice they pay, in varied forms (`F2025-001004`, `F 2025 001004`,
///   `F2025001004`, `f2025/001004`), in the label or the remittance text; most come from the
///   client's IBAN or name, some from an unknown third party (the reference is enough);
/// - 20 % mention nothing but come from the client (its IBAN, else its name) and pay exactly one
///   of its open invoices, whose amount is unique among them;
/// - 10 % pay two invoices of a client at once (the amount is the sum of both);
/// - 10 % come from unknown payers (no reference, unknown IBAN and name): they wait for review.
///
/// Every invoice is paid exactly once, so the expected result of each rule is known in advance.
/// Amounts are built so that no coincidence can change a rule's outcome: a client's `j`-th
/// invoice is a multiple of 1,000 € plus `3 × 2^j` cents, so every set of a client's invoices has
/// its own total, at least 3 cents from any other (more than the 1-cent tolerance), for clients of
/// up to 15 invoices (up to 150,000 invoices over 10,000 clients).
///
/// `Receipt` and `BankLine` have no public initializer: the receipts are written as a normalized
/// bank ledger (`archive/ledgers/bench/bank-transactions/2025.csv`, the format the Qonto import
/// produces) and read back with `BankLine.receipts(in:)` / `BankLine.all(in:)`, as the payment and
/// accounting stages do. Invoices are decoded from an issued record (JSON) and varied through
/// their public properties. None of this is timed.
struct PaymentWorkload {
    static let pipelineID = "bench"
    static let defaultInvoices = 100_000
    static let maximumClients = 10_000
    /// Invoices per client below which fewer clients are generated (so pairs exist).
    static let invoicesPerClient = 10

    /// What each receipt is meant to become.
    enum Kind: String, CaseIterable {
        case reference
        case clientAmount = "client-amount"
        case clientSeveral = "client-several"
        case unknown = "review"
    }

    let invoices: [InvoiceDocument]
    let pipeline: PipelineConfig
    let layout: ArchiveLayout
    let clients: Int
    /// Receipts per intended outcome (the matcher's rule names, `review` for unknown payers).
    let expected: [String: Int]
    let ledgerBytes: Int64
    /// The receipts as written to the bank ledger, in its order (booking date, key).
    let receipts: [BenchReceipt]

    /// Writes the pipeline and the bank ledger under `folder`, and builds the invoices in memory.
    static func generate(invoices count: Int, seed: UInt64, in folder: String) throws -> PaymentWorkload {
        precondition(count > 0)
        var random = SplitMix64(seed: seed)
        let clientCount = max(1, min(maximumClients, count / invoicesPerClient))
        let clients = (0..<clientCount).map(PaymentClient.init(index:))
        let (pipeline, layout) = try writePipeline(clients, in: folder)
        let (documents, byClient) = try makeInvoices(count, clients: clients, &random)
        var (receipts, expected) = makeReceipts(documents, byClient: byClient, clients: clients, &random)
        let unknown = count - receipts.count
        for index in 0..<unknown { receipts.append(unknownReceipt(index, &random)) }
        expected[Kind.unknown.rawValue] = unknown

        // The ledger, in booking-date order as the import writes it.
        for index in receipts.indices { receipts[index].key = "qonto:" + hex(index) }
        receipts.sort { ($0.date, $0.key) < ($1.date, $1.key) }
        let bytes = try writeLedger(receipts, layout: layout)
        return PaymentWorkload(
            invoices: documents, pipeline: pipeline, layout: layout, clients: clientCount,
            expected: expected, ledgerBytes: bytes, receipts: receipts)
    }

    /// The pipeline: the bench company and the clients with their payer IBANs.
    private static func writePipeline(
        _ clients: [PaymentClient], in folder: String
    ) throws -> (PipelineConfig, ArchiveLayout) {
        let workspace = Workspace(root: folder)
        let pipelineFile = Path.join(workspace.pipelines, pipelineID + ".toml")
        try Storage.makeDirectory(workspace.pipelines)
        try Storage.makeDirectory(workspace.temporary)
        try Storage.write(pipelineTOML(clients), to: pipelineFile, temporaryDirectory: workspace.temporary)
        let pipeline = try PipelineLoader.load(path: pipelineFile, shownAs: "pipelines/\(pipelineID).toml")
        return (pipeline, workspace.layout(for: pipeline, pipelineCount: 1))
    }

    /// `count` invoices, in number (= issue date) order, the clients taking turns; and the
    /// positions of each client's invoices.
    private static func makeInvoices(
        _ count: Int, clients: [PaymentClient], _ random: inout SplitMix64
    ) throws -> ([InvoiceDocument], [[Int]]) {
        let template = try JSONDecoder().decode(InvoiceDocument.self, from: Data(templateJSON.utf8))
        let firstDay = CivilDate(year: 2025, month: 1, day: 2)!
        var documents: [InvoiceDocument] = []
        documents.reserveCapacity(count)
        var byClient = [[Int]](repeating: [], count: clients.count)
        for index in 0..<count {
            let client = clients[index % clients.count]
            let sequence = index / clients.count
            let total = Int64(1 + random.int(in: 0..<30)) * 100_000 + (Int64(3) << Int64(sequence % 15))
            let basis = (total * 10 + 6) / 12
            var document = template
            document.number = invoiceNumber(index)
            document.issueDate = firstDay.adding(days: index * 300 / count)
            document.dueDate = document.issueDate.adding(days: 30)
            document.clientCode = client.code
            document.oxygeneClientCode = client.code
            document.buyer.name = client.legalName
            document.origin.draftID = "bench-\(index)"
            document.lines[0].unitPriceMinor = basis
            document.lines[0].netAmountMinor = basis
            document.totals.lineTotalMinor = basis
            document.totals.taxBasisTotalMinor = basis
            document.totals.vatBreakdown[0].basisMinor = basis
            document.totals.vatBreakdown[0].taxMinor = total - basis
            document.totals.taxTotalMinor = total - basis
            document.totals.grandTotalMinor = total
            document.totals.duePayableMinor = total
            documents.append(document)
            byClient[index % clients.count].append(index)
        }
        return (documents, byClient)
    }

    /// The receipts of known payers: per client, its invoices in a random order take the pattern
    /// reference ×6, client-amount ×2, one pair (the unknown payers are added by the caller, as
    /// many as pairs); and the count per intended outcome.
    private static func makeReceipts(
        _ documents: [InvoiceDocument], byClient: [[Int]], clients: [PaymentClient], _ random: inout SplitMix64
    ) -> ([BenchReceipt], [String: Int]) {
        var receipts: [BenchReceipt] = []
        receipts.reserveCapacity(documents.count)
        var expected: [String: Int] = [:]
        let pattern: [Kind] = [
            .reference, .reference, .reference, .reference, .reference, .reference,
            .clientAmount, .clientAmount, .clientSeveral, .clientSeveral,
        ]
        for (clientIndex, var list) in byClient.enumerated() {
            let client = clients[clientIndex]
            for position in stride(from: list.count - 1, to: 0, by: -1) {
                list.swapAt(position, random.int(in: 0..<(position + 1)))
            }
            var position = 0
            while position < list.count {
                var kind = pattern[position % pattern.count]
                if kind == .clientSeveral && position + 1 >= list.count { kind = .clientAmount }
                let first = documents[list[position]]
                switch kind {
                case .reference:
                    receipts.append(referenceReceipt(first, client: client, &random))
                    position += 1
                case .clientAmount:
                    receipts.append(
                        clientReceipt(
                            first.totals.grandTotalMinor, after: first.issueDate, client: client,
                            text: "Paiement prestations", &random))
                    position += 1
                case .clientSeveral:
                    let second = documents[list[position + 1]]
                    receipts.append(
                        clientReceipt(
                            first.totals.grandTotalMinor + second.totals.grandTotalMinor,
                            after: max(first.issueDate, second.issueDate), client: client,
                            text: "Reglement factures", &random))
                    position += 2
                case .unknown:
                    preconditionFailure("not in the pattern")
                }
                expected[kind.rawValue, default: 0] += 1
            }
        }
        return (receipts, expected)
    }

    /// Writes `receipts` as the bank ledger `2025.csv` of `layout` (replacing it); returns its size.
    static func writeLedger(_ receipts: [BenchReceipt], layout: ArchiveLayout) throws -> Int64 {
        let ledger = layout.ledger(.bankTransactions, "2025")
        try Storage.makeDirectory(Path.parent(of: ledger))
        let file = try BinaryFileOutput(path: ledger)
        var builder = CSVLineBuilder(capacity: 1 << 20 + 65_536)
        builder.line(LedgerKind.bankTransactions.columns)
        for (row, receipt) in receipts.enumerated() {
            receipt.write(into: &builder, row: row + 1)
            if builder.buffer.count >= 1 << 20 {
                try file.write(builder.buffer.bytes)
                builder.removeAll()
            }
        }
        try file.write(builder.buffer.bytes)
        return try file.close()
    }

    static func invoiceNumber(_ index: Int) -> String { "F2025-" + padded(index + 1, 6) }

    /// The forms a payer writes an invoice number in.
    private static func mention(_ number: String, _ random: inout SplitMix64) -> String {
        let digits = number.dropFirst("F2025-".count)
        switch random.int(in: 0..<5) {
        case 0: return number
        case 1: return "F 2025 " + digits
        case 2: return "F2025" + digits
        case 3: return "f2025/" + digits
        default: return "FACT. F-2025-" + digits
        }
    }

    private static func referenceReceipt(
        _ invoice: InvoiceDocument, client: PaymentClient,
        _ random: inout SplitMix64
    ) -> BenchReceipt {
        let date = invoice.issueDate.adding(days: random.int(in: 0..<61))
        let reference = mention(invoice.number, &random)
        let who = random.int(in: 0..<10)
        let (name, iban) =
            who < 5
            ? (client.bankName, client.iban)
            : who < 8
                ? (client.legalName.uppercased(), "")
                // a third party: unknown, the reference suffices
                : ("CABINET EXPERT COMPTA \(random.int(in: 1..<500))", "")
        let inLabel = random.chance(40)
        return BenchReceipt(
            date: date, amountMinor: invoice.totals.grandTotalMinor, name: name, iban: iban,
            label: "VIR SEPA " + name + (inLabel ? " " + reference : ""),
            remittance: inLabel ? "Paiement" : "Reglement facture " + reference + " du " + invoice.issueDate.description
        )
    }

    private static func clientReceipt(
        _ amount: Int64, after issued: CivilDate, client: PaymentClient, text: String,
        _ random: inout SplitMix64
    ) -> BenchReceipt {
        let date = issued.adding(days: random.int(in: 0..<46))
        let byIBAN = random.chance(60)
        let name = byIBAN ? client.bankName : client.legalName.uppercased()
        return BenchReceipt(
            date: date, amountMinor: amount, name: name, iban: byIBAN ? client.iban : "",
            label: "VIR SEPA " + name, remittance: text)
    }

    private static let unknownNames = [
        "Martin Durand", "Sophie Lambert", "Association Sportive", "SCI Les Tilleuls",
        "Garage Moderne", "Mutuelle Entreprises", "Boulangerie Petit", "Jean Morel",
    ]

    static func unknownReceipt(_ index: Int, _ random: inout SplitMix64) -> BenchReceipt {
        let name = random.pick(unknownNames) + " \(index + 1)"
        return BenchReceipt(
            date: CivilDate(year: 2025, month: 1, day: 2)!.adding(days: random.int(in: 0..<360)),
            amountMinor: Int64(random.int(in: 1_000..<200_000)), name: name.uppercased(),
            iban: frenchIBAN(bank: "10107", account: 50_000_000 + index),
            label: "VIR INST " + name.uppercased(),
            remittance: random.chance(50) ? "Remboursement" : "Cotisation annuelle")
    }

    /// A valid French IBAN (check digits computed) for a bank code and an account number.
    static func frenchIBAN(bank: String, account: Int) -> String {
        let accountText = padded(account, 11)
        let bban = bank + "00001" + accountText + padded(account % 97, 2)
        // Check digits: 98 − (BBAN + "FR00" as digits) mod 97, with F = 15, R = 27.
        var remainder = 0
        for byte in (bban + "152700").utf8 { remainder = (remainder * 10 + Int(byte - 0x30)) % 97 }
        return "FR" + padded(98 - remainder, 2) + bban
    }

    /// `value` in decimal, zero-padded to `width` digits.
    static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func hex(_ value: Int) -> String {
        let text = String(value, radix: 16)
        return "b3c0" + String(repeating: "0", count: max(0, 20 - text.count)) + text
    }

    static func pipelineTOML(_ clients: [PaymentClient]) -> String {
        var text = "# Written by facturation-bench (match and fec scenarios).\n" + BenchWorkspace.companyTOML + "\n"
        text.reserveCapacity(clients.count * 120)
        for client in clients {
            text +=
                "[[clients]]\ncode = \"\(client.code)\"\nname = \"\(client.name)\"\n"
                + "payer_ibans = [\"\(client.iban)\"]\n\n"
        }
        return text
    }

    /// An issued time-based invoice (one line, standard VAT) as `archive/invoicing/…/issued/` keeps it.
    static let templateJSON = """
        {
          "approval": {"at": "2025-01-02T06:00:00Z", "by": "rule: time-based invoice", "decision": "automatic"},
          "buyer": {"address": {"city": "Lyon", "country": "FR", "lines": ["1 avenue des Tests"], "postcode": "69001"},
                    "email": "compta@client.example", "name": "Client", "siren": "300000007", "vatNumber": "FR73300000007"},
          "clientCode": "C00001",
          "currency": "EUR",
          "dueDate": "2025-02-01",
          "formatVersion": 1,
          "issueDate": "2025-01-02",
          "kind": "invoice",
          "legalNotes": {"discount": "Pas d'escompte pour paiement anticipé",
                         "latePenalty": "Pénalités de retard : trois fois le taux d'intérêt légal",
                         "recoveryIndemnity": "Indemnité forfaitaire pour frais de recouvrement : 40 €"},
          "lines": [{"articleCode": "PREST-ING-H", "description": "Prestations de conseil", "entryCount": 12,
                     "netAmountMinor": 100000, "number": 1, "quantity": "1.00", "unitCode": "C62",
                     "unitPriceMinor": 100000, "vatCategory": "S", "vatRateBasisPoints": 2000}],
          "number": "F2025-000001",
          "origin": {"draftID": "bench", "period": "2025-01", "type": "time"},
          "payment": {"bic": "QNTOFRP1XXX", "days": 30, "endOfMonth": false, "iban": "\(BenchWorkspace.companyIBAN)",
                      "meansCode": "58", "oxygeneMethodCode": "VIR", "termsText": "Paiement à 30 jours par virement"},
          "recordKeys": [],
          "seller": {"address": {"city": "Paris", "country": "FR", "lines": ["12 rue de la Paix"], "postcode": "75002"},
                     "legalForm": "SAS", "name": "Bench Conseil SAS", "siren": "812345676", "vatNumber": "FR19812345676"},
          "title": "Prestations de conseil",
          "totals": {"duePayableMinor": 120000, "grandTotalMinor": 120000, "lineTotalMinor": 100000,
                     "taxBasisTotalMinor": 100000, "taxTotalMinor": 20000,
                     "vatBreakdown": [{"basisMinor": 100000, "category": "S", "rateBasisPoints": 2000, "taxMinor": 20000}]},
          "vatOnDebits": false,
          "vatTreatment": "standard"
        }
        """
}

/// One client of the payment workload: a code, names, and the IBAN it pays from.
struct PaymentClient {
    let code: String
    let name: String
    let legalName: String
    /// How the bank prints it (upper case, the legal form the matcher ignores).
    let bankName: String
    let iban: String

    init(index: Int) {
        code = "C" + PaymentWorkload.padded(index + 1, 5)
        name = "Client \(code)"
        legalName = name + " SAS"
        bankName = "SAS " + name.uppercased()
        iban = PaymentWorkload.frenchIBAN(bank: "30004", account: index + 1)
    }
}

/// One generated receipt, written as a booked credit of the bank ledger.
struct BenchReceipt {
    var key = ""
    let date: CivilDate
    let amountMinor: Int64
    let name: String
    let iban: String
    let label: String
    let remittance: String

    func write(into builder: inout CSVLineBuilder, row: Int) {
        let id = String(key.dropFirst("qonto:".count))
        builder.field(key)  // record_key
        builder.field(InputFormat.qontoCSVFrench.rawValue)  // source_format
        builder.field("qonto-transactions-2025.csv")  // source_file
        builder.field(Int64(row))  // source_row
        builder.field(id)  // source_txn_id
        builder.field(BenchWorkspace.companyIBAN)  // account_iban
        builder.field(date.description)  // booking_date
        builder.field(date.description)  // value_date
        builder.field(date.description)  // operation_date
        builder.field(date.description + "T08:00:00Z")  // settled_at_utc
        builder.field(amountMinor)  // amount_minor
        builder.decimalField(amountMinor, scale: 2)  // amount
        builder.field("EUR")  // currency
        builder.field("credit")  // direction
        builder.field("booked")  // status
        builder.field(name)  // counterparty_name
        builder.field(iban)  // counterparty_iban
        builder.field(label)  // label
        builder.field(remittance)  // remittance_info
        builder.field("transfer")  // payment_method
        builder.field("")  // note
        builder.endLine()
    }
}
