/// Converts a Qonto transactions export (CSV, French or English interface) into normalized
/// bank transactions.
///
/// French exports use `;`, a decimal comma and spaces or no-break spaces between thousands;
/// English ones use a decimal point. Columns are found by name (templates differ); dates are
/// `DD-MM-YYYY HH:MM:SS` (ISO `YYYY-MM-DD` also accepted).
struct QontoCSVConverter {
    let context: ConversionContext

    enum Column: Int, CaseIterable {
        case status, settledUTC, settledLocal, operationUTC, operationLocal, valueDate
        case amount, debit, credit, currency, accountIBAN, counterpartyName, counterpartyIBAN
        case paymentMethod, transactionID, reference, note, label

        func names(french: Bool) -> [String] {
            switch (self, french) {
            case (.status, true): ["Statut"]
            case (.status, false): ["Status"]
            case (.settledUTC, true): ["Date de la valeur (UTC)"]
            case (.settledUTC, false): ["Settlement date (UTC)"]
            case (.settledLocal, true): ["Date de la valeur (local)"]
            case (.settledLocal, false): ["Settlement date (local)", "Settlement date"]
            case (.operationUTC, true): ["Date de l'opération (UTC)"]
            case (.operationUTC, false): ["Operation date (UTC)"]
            case (.operationLocal, true): ["Date de l'opération (local)"]
            case (.operationLocal, false): ["Operation date (local)", "Operation date"]
            case (.valueDate, true): ["Date de valeur"]
            case (.valueDate, false): ["Value date"]
            case (.amount, true): ["Montant total (TTC)"]
            case (.amount, false): ["Total amount (incl. VAT)"]
            case (.debit, true): ["Débit"]
            case (.debit, false): ["Debit"]
            case (.credit, true): ["Crédit"]
            case (.credit, false): ["Credit"]
            case (.currency, true): ["Devise"]
            case (.currency, false): ["Currency"]
            case (.accountIBAN, true): ["IBAN du compte"]
            case (.accountIBAN, false): ["Account IBAN"]
            case (.counterpartyName, true): ["Nom de la contrepartie"]
            case (.counterpartyName, false): ["Counterparty name"]
            case (.counterpartyIBAN, true): ["IBAN de la contrepartie"]
            case (.counterpartyIBAN, false): ["Counterparty IBAN"]
            case (.paymentMethod, true): ["Méthode de paiement"]
            case (.paymentMethod, false): ["Payment method"]
            case (.transactionID, true): ["Identifiant de transaction"]
            case (.transactionID, false): ["Transaction ID"]
            case (.reference, true): ["Référence"]
            case (.reference, false): ["Reference"]
            case (.note, _): ["Note"]
            case (.label, true): ["Libellé"]
            case (.label, false): ["Label"]
            }
        }
    }

    private var french: Bool { context.detection.format == .qontoCSVFrench }
    private var format: InputFormat { context.detection.format }

    /// The position of each column in the file (an array: looked up several times per row).
    struct ColumnMap {
        private var positions = [Int?](repeating: nil, count: Column.allCases.count)
        subscript(column: Column) -> Int? {
            get { positions[column.rawValue] }
            set { positions[column.rawValue] = newValue }
        }
    }

    final class State {
        var header: [String]?
        var columns = ColumnMap()
        var problems = ProblemList()
        var checks = BankFileChecks()
        var notes: [String] = []
        var records = 0
        /// Statuses seen so far (a file has a handful of distinct values).
        var statuses: [String: BankStatus?] = [:]
        let conflicts: TransactionIDConflicts

        init() {
            conflicts = TransactionIDConflicts()
        }
    }

    func convert() throws -> ConversionReport {
        let state = State()
        let driver = ConversionDriver(context: context, format: format)
        try driver.readCSV(
            syntaxAdvice: "Export the transactions again from Qonto without editing the file, "
                + "or fix the quoting on the line shown.",
            header: { row, batch in
                detectHeader(row: row, of: batch, state: state)
                return state.header != nil
            },
            row: { row, _, batch in try handle(row: row, of: batch, state: state) })
        guard state.header != nil else {
            throw Rejection(
                format: format, summary: "No header row with the Qonto columns was found.",
                advice: "Export the transactions again from Qonto.")
        }
        let idColumn = state.header.flatMap { header in state.columns[.transactionID].map { header[$0] } } ?? "id"
        for conflict in state.conflicts.problems(column: idColumn, amountScale: 2) { state.problems.add(conflict) }
        try driver.rejectIfAny(
            state.problems, ConversionDriver.Wording(unit: "row", units: "rows", document: "Qonto export"),
            advice: "Export the transactions again from Qonto (or fix the cells shown), then drop the "
                + "corrected file into inbox/.")
        try state.checks.finish(format: format, pipeline: context.pipeline, notes: &state.notes)
        return try driver.finish(records: state.records, notes: state.notes)
    }

    private func detectHeader(row: Int, of batch: CSVBatch, state: State) {
        let cells = batch.strings(row)
        var columns = ColumnMap()
        // Folded once: a damaged line can have tens of thousands of cells.
        let known = Column.allCases.map { ($0, $0.names(french: french).map(HeaderName.fold)) }
        for (position, cell) in cells.enumerated() {
            let name = HeaderName.fold(cell)
            for (column, names) in known where columns[column] == nil {
                if names.contains(name) {
                    columns[column] = position
                }
            }
        }
        guard columns[.amount] != nil || (columns[.debit] != nil && columns[.credit] != nil) else { return }
        state.header = cells
        state.columns = columns
    }

    private func handle(row: Int, of batch: CSVBatch, state: State) throws {
        guard let header = state.header else { return }
        var reader = RowReader(row: row, batch: batch, state: state, header: header, french: french)
        if batch.fieldCount(row) != header.count {
            reader.problem(nil, "this row has \(batch.fieldCount(row)) cells but the header has \(header.count)")
            return
        }
        guard let status = reader.status() else { return }
        let currency = reader.currency()
        let amountMinor = reader.amount(currency: currency)
        // Every problem of the row is reported: the dates are read even when the amount is wrong.
        let settled = reader.instant(utc: .settledUTC, local: .settledLocal, zone: context.zone)
        let operation = reader.instant(utc: .operationUTC, local: .operationLocal, zone: context.zone)
        let valueDate = reader.valueDate(default: settled?.local)
        reader.requireDates(status: status, settled: settled != nil, operation: operation != nil)
        guard reader.valid, let amountMinor else { return }
        let record = BankRecord(
            sourceFormat: format, sourceFile: context.sourceName, sourceRow: reader.line,
            transactionID: reader.text(.transactionID), accountIBAN: accountIBAN(reader, state: state),
            bookingDate: status == .booked ? settled?.local : nil, valueDate: status == .booked ? valueDate : nil,
            operationDate: operation?.local, settledAtUTC: status == .booked ? settled?.utc : nil,
            amountMinor: amountMinor, currency: currency, status: status,
            counterpartyName: reader.text(.counterpartyName),
            counterpartyIBAN: BankRecord.normalizeIBAN(reader.text(.counterpartyIBAN)),
            label: state.columns[.label] != nil ? reader.text(.label) : reader.text(.counterpartyName),
            remittanceInfo: reader.text(.reference), paymentMethod: reader.text(.paymentMethod),
            note: reader.text(.note))
        if status == .pending, record.transactionID.isEmpty {
            state.checks.pendingWithoutID += 1
            return
        }
        guard let partition = record.partition else { return }
        state.conflicts.add(id: record.transactionID, amountMinor: amountMinor, line: reader.line)
        state.records += 1
        try context.output.append(partition: partition) { record.write(into: &$0) }
    }

    /// The row's account, noted when it is not one of the pipeline's.
    private func accountIBAN(_ reader: RowReader, state: State) -> String {
        let accountIBAN = BankRecord.normalizeIBAN(reader.text(.accountIBAN))
        let own = context.pipeline.ownIBANs
        if !accountIBAN.isEmpty, !own.isEmpty, !own.contains(accountIBAN) {
            state.checks.foreignIBANs.insert(accountIBAN)
        }
        return accountIBAN
    }

    /// Maps Qonto's status words (French or English) to a status.
    static func status(_ text: String) -> BankStatus? {
        switch HeaderName.fold(text) {
        case "exécuté", "executé", "execute", "exécutée", "settled", "executed", "completed", "booked": .booked
        case "en cours", "en attente", "pending", "processing": .pending
        case "refusé", "refusée", "décliné", "rejeté", "declined", "rejected": .declined
        case "annulé", "annulée", "canceled", "cancelled": .cancelled
        case "remboursé", "remboursée", "reversed", "refunded": .reversed
        default: nil
        }
    }

    /// Parses `DD-MM-YYYY HH:MM[:SS]`, `DD/MM/YYYY …`, `YYYY-MM-DD[ T]HH:MM[:SS]` or a bare date.
    static func dateTime(_ text: String) -> (date: CivilDate, seconds: Int)? {
        let parts = text.trimmed.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard let datePart = parts.first, parts.count <= 2 else { return nil }
        var dateText = String(datePart)
        let raw = dateText.withUTF8 { LocalDateTimeText.parseDate(UnsafeRawBufferPointer($0)) }
        guard let raw, let date = raw.resolve(.dayFirst) else { return nil }
        var seconds = 0
        if parts.count == 2 {
            var timeText = String(parts[1])
            if timeText.hasSuffix("Z") { timeText.removeLast() }
            if let dot = timeText.firstIndex(of: ".") { timeText = String(timeText[..<dot]) }
            guard let time = timeText.withUTF8({ LocalDateTimeText.parseTime(UnsafeRawBufferPointer($0)) }) else {
                return nil
            }
            seconds = time.secondsOfDay
        }
        return (date, seconds)
    }
}
