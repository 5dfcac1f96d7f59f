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

    private final class State {
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
        let line = batch.line(row)
        let columns = state.columns
        func text(_ column: Column) -> String {
            guard let index = columns[column] else { return "" }
            return batch.string(row, index).trimmed
        }
        var valid = true
        func problem(_ column: Column?, _ message: String) {
            let index = column.flatMap { columns[$0] }
            state.problems.add(
                Problem(
                    line: line, column: index.map { header[$0] }, columnNumber: index.map { $0 + 1 },
                    value: column.map(text), message: message))
            valid = false
        }
        if batch.fieldCount(row) != header.count {
            problem(nil, "this row has \(batch.fieldCount(row)) cells but the header has \(header.count)")
            return
        }

        // Status.
        var status = BankStatus.booked
        if columns[.status] != nil {
            let statusText = text(.status)
            let known =
                state.statuses[statusText]
                ?? {
                    let parsed = Self.status(statusText)
                    state.statuses[statusText] = parsed
                    return parsed
                }()
            guard let parsed = known else {
                problem(
                    .status,
                    french
                        ? "unknown status (expected Exécuté, En cours, Refusé, Annulé or Remboursé)"
                        : "unknown status (expected settled, pending, declined, canceled or reversed)")
                return
            }
            status = parsed
        }

        // Amount.
        let currencyText = text(.currency)
        let currency: Currency
        if columns[.currency] == nil {
            currency = .euro
        } else if let parsed = Currency(code: currencyText) {
            currency = parsed
        } else {
            problem(.currency, "not a currency code (expected EUR, USD…)")
            currency = .euro
        }
        let style: DecimalText.Style = french ? .commaDecimal : .dotDecimal
        func amount(_ column: Column) -> Int64? {
            let value = text(column)
            if value.isEmpty { return nil }
            switch DecimalText.minorUnits(value, scale: currency.minorDigits, style: style) {
            case .success(let minor):
                if let outside = ImportBounds.problem(amountMinor: minor, scale: currency.minorDigits) {
                    problem(column, outside)
                    return nil
                }
                return minor
            case .failure(let failure): problem(column, failure.message); return nil
            }
        }
        var amountMinor: Int64?
        if columns[.amount] != nil, let total = amount(.amount) {
            amountMinor = total
        } else if valid {
            let credit = amount(.credit).map { abs($0) } ?? 0
            let debit = amount(.debit).map { abs($0) } ?? 0
            if valid, text(.credit).isEmpty, text(.debit).isEmpty {
                problem(.amount, "the amount is empty")
            } else {
                // Both are bounded (``ImportBounds``), so the difference fits.
                amountMinor = credit - debit
            }
        }

        // Dates.
        func instant(utc: Column, local: Column) -> (utc: Int64, local: CivilDate)? {
            if columns[utc] != nil, !text(utc).isEmpty {
                guard let parsed = Self.dateTime(text(utc)) else {
                    problem(utc, "not a valid date and time (expected DD-MM-YYYY HH:MM:SS, a real date)")
                    return nil
                }
                if let outside = ImportBounds.problem(date: parsed.date) {
                    problem(utc, outside)
                    return nil
                }
                let seconds = parsed.date.daysSinceEpoch * 86_400 + Int64(parsed.seconds)
                return (seconds, context.zone.localDate(utc: seconds))
            }
            if columns[local] != nil, !text(local).isEmpty {
                guard let parsed = Self.dateTime(text(local)) else {
                    problem(local, "not a valid date and time (expected DD-MM-YYYY HH:MM:SS, a real date)")
                    return nil
                }
                if let outside = ImportBounds.problem(date: parsed.date) {
                    problem(local, outside)
                    return nil
                }
                let localSeconds = parsed.date.daysSinceEpoch * 86_400 + Int64(parsed.seconds)
                return (context.zone.utc(fromLocal: localSeconds), parsed.date)
            }
            return nil
        }
        let settled = instant(utc: .settledUTC, local: .settledLocal)
        let operation = instant(utc: .operationUTC, local: .operationLocal)
        var valueDate = settled?.local
        if columns[.valueDate] != nil, !text(.valueDate).isEmpty {
            if let parsed = Self.dateTime(text(.valueDate)) {
                valueDate = parsed.date
                if let outside = ImportBounds.problem(date: parsed.date) { problem(.valueDate, outside) }
            } else {
                problem(.valueDate, "not a valid date (expected DD-MM-YYYY, a real date)")
            }
        }
        if status == .booked, settled == nil, valid {
            problem(
                columns[.settledLocal] != nil ? .settledLocal : .settledUTC,
                "an executed transaction must have a settlement date")
        }
        if status != .booked, settled == nil, operation == nil, valid {
            problem(.operationLocal, "the transaction has neither a settlement date nor an operation date")
        }
        guard valid, let amountMinor else { return }

        let accountIBAN = BankRecord.normalizeIBAN(text(.accountIBAN))
        let own = context.pipeline.ownIBANs
        if !accountIBAN.isEmpty, !own.isEmpty, !own.contains(accountIBAN) {
            state.checks.foreignIBANs.insert(accountIBAN)
        }
        let record = BankRecord(
            sourceFormat: format, sourceFile: context.sourceName, sourceRow: line,
            transactionID: text(.transactionID), accountIBAN: accountIBAN,
            bookingDate: status == .booked ? settled?.local : nil, valueDate: status == .booked ? valueDate : nil,
            operationDate: operation?.local, settledAtUTC: status == .booked ? settled?.utc : nil,
            amountMinor: amountMinor, currency: currency, status: status,
            counterpartyName: text(.counterpartyName),
            counterpartyIBAN: BankRecord.normalizeIBAN(text(.counterpartyIBAN)),
            label: columns[.label] != nil ? text(.label) : text(.counterpartyName),
            remittanceInfo: text(.reference), paymentMethod: text(.paymentMethod), note: text(.note))
        if status == .pending, record.transactionID.isEmpty {
            state.checks.pendingWithoutID += 1
            return
        }
        guard let partition = record.partition else { return }
        state.conflicts.add(id: record.transactionID, amountMinor: amountMinor, line: line)
        state.records += 1
        try context.output.append(partition: partition) { record.write(into: &$0) }
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
