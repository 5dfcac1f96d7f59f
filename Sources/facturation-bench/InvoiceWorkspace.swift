import FacturationCore

/// A fresh workspace for one `invoice` measurement: `pipelines/bench.toml` with `clients`
/// billable clients (every other one with a monthly contract starting in August) and the July
/// 2025 time-entries ledger, written directly in the normalized format the import produces, so
/// the measurement is about invoicing alone.
///
/// `facturation run --date 2025-08-01` on it issues one time-based invoice per client that has
/// entries (July's month close) and one recurring invoice per contract (August's fee): with the
/// approval rules below nothing waits for a person.
struct InvoiceWorkspace {
    static let pipelineID = "bench"
    /// The run's "today": the July month close and the August fees.
    static let runDate = "2025-08-01"
    static let month = "2025-07"

    let root: String
    let workload: InvoiceWorkload
    var pipelineFile: String { Path.join(root, "pipelines/\(Self.pipelineID).toml") }
    var ledgerFile: String { Path.join(root, "archive/ledgers/\(Self.pipelineID)/time-entries/\(Self.month).csv") }
    /// Where the run records the issued documents (`<year>/<number>.json`).
    var issuedFolder: String { Path.join(root, "archive/invoicing/\(Self.pipelineID)/issued") }

    /// What was generated.
    struct Generated {
        let workspace: InvoiceWorkspace
        let ledgerBytes: Int64
        /// Clients that have at least one entry (each gets a time-based invoice).
        let clientsWithEntries: Int
        let contracts: Int
        /// Invoices the run should issue.
        var expectedInvoices: Int { clientsWithEntries + contracts }
    }

    /// Creates the folders, the pipeline file and the ledger under `root`.
    static func create(at root: String, workload: InvoiceWorkload, seed: UInt64) throws -> Generated {
        let workspace = InvoiceWorkspace(root: root, workload: workload)
        try Storage.makeDirectory(Path.join(root, "pipelines"))
        try Storage.makeDirectory(Path.join(root, "inbox"))
        try Storage.makeDirectory(Path.parent(of: workspace.ledgerFile))
        let clients = (0..<workload.clients).map(BenchClient.init(index:))
        try Storage.write(
            pipelineTOML(clients), to: workspace.pipelineFile,
            temporaryDirectory: Path.join(root, "pipelines"))
        var writer = try TimeEntryLedgerWriter(path: workspace.ledgerFile)
        var random = SplitMix64(seed: seed)
        var billed = [Bool](repeating: false, count: clients.count)
        // July 2025 in Paris (UTC+2): starts spread evenly from the 1st 08:00 to the 31st 18:00
        // local, so the rows come out sorted by start_utc as the ledger requires.
        let firstStart: Int64 = 1_751_328_000 + 8 * 3_600  // 2025-07-01T08:00, local wall-clock seconds
        let span: Int64 = 30 * 86_400 + 10 * 3_600
        let entries = Int64(workload.entries)
        for index in 0..<workload.entries {
            let client = random.int(in: 0..<clients.count)
            billed[client] = true
            let startLocal = firstStart + span * Int64(index) / max(entries, 1)
            let duration = Int64(random.int(in: 1..<48)) * 300  // 5 min to 3 h 55
            try writer.append(
                BenchTimeEntry(
                    index: index, client: clients[client], user: random.pick(BenchTimeEntry.users),
                    project: random.int(in: 1..<4), description: random.pick(BenchTimeEntry.descriptions),
                    startLocal: startLocal, duration: duration))
        }
        let bytes = try writer.finish()
        return Generated(
            workspace: workspace, ledgerBytes: bytes, clientsWithEntries: billed.filter { $0 }.count,
            contracts: clients.filter(\.hasContract).count)
    }

    /// The pipeline: the bench company, every client with full billing keys, the invoicing
    /// settings of the demo, and approval rules under which nothing waits.
    static func pipelineTOML(_ clients: [BenchClient]) -> String {
        var text = "# Written by facturation-bench (invoice scenario).\n" + BenchWorkspace.companyTOML + "\n"
        text.reserveCapacity(clients.count * 520)
        for client in clients {
            text += client.toml(paymentTerms: client.index % 3 == 0 ? "45 days end of month" : "30 days")
        }
        text += """
            [invoicing]
            start = 2025-07-01
            invoice_number = "F{YYYY}{MM}{SEQ:2}"
            credit_note_number = "A{YYYY}{MM}{SEQ:2}"
            shared_counter = true
            time_invoice_day = 1
            group_time_by = "project"
            hours_rounding = "up-quarter"

            # Nothing waits for a person: the measurement is the automatic path.
            [approval]
            new_clients = false
            above_total_enabled = false
            deviation_percent = 0


            """
        for client in clients where client.hasContract {
            text += """
                [[contracts]]
                client = "\(client.code)"
                amount = \(client.contractEuros).00
                frequency = "monthly"
                label = "Forfait maintenance mensuel"
                start = 2025-08-01


                """
        }
        return text
    }
}

/// One synthetic client: a code, a valid SIREN (Luhn) and French VAT number, a rate.
struct BenchClient {
    /// Its `[[clients]]` table, with every key invoices need.
    func toml(paymentTerms: String) -> String {
        """
        [[clients]]
        code = "\(code)"
        name = "\(name)"
        legal_name = "\(name) SAS"
        siren = "\(siren)"
        vat_number = "\(vatNumber)"
        address = { lines = ["\(index % 200 + 1) avenue des Tests"], postcode = "\(postcode)", city = "Lyon" }
        emails = ["compta@\(code.lowercased()).example"]
        hourly_rate = \(hourlyRateEuros)
        payment_terms = "\(paymentTerms)"
        oxygene_code = "\(code)"


        """
    }

    let index: Int
    let code: String
    let name: String
    let siren: String
    let vatNumber: String
    let postcode: String
    let hourlyRateEuros: Int
    /// Every other client has a monthly flat fee.
    var hasContract: Bool { index % 2 == 1 }
    var contractEuros: Int { 100 + index % 20 * 50 }

    init(index: Int) {
        self.index = index
        let number = String(index + 1)
        code = "C" + String(repeating: "0", count: max(0, 5 - number.count)) + number
        name = "Client \(code)"
        siren = Self.siren(prefix: 30_000_000 + index * 7)
        let key = (12 + 3 * (Int(siren)! % 97)) % 97
        vatNumber = "FR" + (key < 10 ? "0" : "") + String(key) + siren
        postcode = "6900" + String(index % 9 + 1)
        hourlyRateEuros = 80 + index % 5 * 10
    }

    /// The 9-digit SIREN whose first eight digits are `prefix`, with its Luhn check digit.
    static func siren(prefix: Int) -> String {
        let digits = Array(String(prefix).utf8).map { Int($0) - 48 }
        precondition(digits.count == 8, "a SIREN prefix has 8 digits")
        var sum = 0
        // Counting from the right of the full number, the check digit is position 0 and the
        // prefix's last digit position 1 (doubled).
        for (offset, digit) in digits.reversed().enumerated() {
            var value = digit
            if offset % 2 == 0 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return String(prefix) + String((10 - sum % 10) % 10)
    }
}

/// One generated time entry, as the Clockify JSON import would have normalized it.
struct BenchTimeEntry {
    static let users = [
        ("Camille Martin", "camille.martin"), ("Hugo Bernard", "hugo.bernard"), ("Léa Dubois", "lea.dubois"),
        ("Nathan Moreau", "nathan.moreau"), ("Chloé Laurent", "chloe.laurent"), ("Lucas Simon", "lucas.simon"),
        ("Manon Michel", "manon.michel"), ("Louis Lefebvre", "louis.lefebvre"), ("Inès Garcia", "ines.garcia"),
        ("Jules Roux", "jules.roux"),
    ]
    static let descriptions = [
        "Paramétrage module stocks", "Formation utilisateurs ERP", "Déploiement Exchange Online",
        "Analyse des besoins", "Réunion de suivi, compte rendu", "Migration des données",
        "Support niveau 2", "Revue de code et \"recette\"", "Mise à jour serveur",
        "Documentation technique",
    ]

    let index: Int
    let client: BenchClient
    /// Name and e-mail local part.
    let user: (name: String, mailbox: String)
    let project: Int
    let description: String
    /// Paris wall-clock seconds since 1970 (UTC+2 in July).
    let startLocal: Int64
    let duration: Int64
}

/// Writes a `time-entries` ledger file (header, then one CRLF row per entry) through
/// ``CSVLineBuilder``, as the ledger merger does.
struct TimeEntryLedgerWriter {
    private let file: BinaryFileOutput
    private var builder = CSVLineBuilder(capacity: 1 << 20 + 65_536)

    init(path: String) throws {
        file = try BinaryFileOutput(path: path)
        builder.line(LedgerKind.timeEntries.columns)
    }

    mutating func append(_ entry: BenchTimeEntry) throws {
        let offset: Int64 = 7_200
        let id = Self.hex(entry.index)
        builder.field("clockify:" + id)
        builder.field(InputFormat.clockifyReportJSON.rawValue)
        builder.field("clockify-report-2025-07.json")
        builder.field(Int64(entry.index + 1))
        builder.field(id)
        builder.field(entry.user.name)
        builder.field(entry.user.mailbox + "@bench-conseil.example")
        builder.field(entry.client.name)
        builder.field(entry.client.code)
        builder.field(entry.client.name + " - Projet \(entry.project)")
        builder.field("")
        builder.field(entry.description)
        builder.field("")
        builder.field(true)
        builder.field("regular")
        builder.timestampField(entry.startLocal, offset: Int(offset))
        builder.timestampField(entry.startLocal + entry.duration, offset: Int(offset))
        builder.timestampField(entry.startLocal - offset, offset: nil)
        builder.timestampField(entry.startLocal + entry.duration - offset, offset: nil)
        builder.field(entry.duration)
        builder.field("second")
        let rate = Int64(entry.client.hourlyRateEuros * 100)
        builder.field(rate)
        builder.decimalField(rate, scale: 2)
        let amount = rate * entry.duration / 3_600
        builder.field(amount)
        builder.decimalField(amount, scale: 2)
        builder.field("EUR")
        builder.field("FACTURABLE")
        builder.field("")
        builder.field("")
        builder.endLine()
        if builder.buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is left and closes the file; returns its size.
    mutating func finish() throws -> Int64 {
        try flush()
        return try file.close()
    }

    private mutating func flush() throws {
        try file.write(builder.buffer.bytes)
        builder.removeAll()
    }

    /// A Clockify-like 24-digit hexadecimal id, unique per index.
    private static func hex(_ value: Int) -> String {
        let text = String(value, radix: 16)
        return "66d0" + String(repeating: "0", count: max(0, 20 - text.count)) + text
    }
}
