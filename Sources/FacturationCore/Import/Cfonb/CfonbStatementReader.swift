/// Reads the records of a CFONB 120 file in order: opens a statement at its 01, turns each 04
/// (with the 05s that follow it) into a row, and checks at its 07 that the new balance is the
/// old balance plus the movements.
///
/// Rules (README "Input formats"):
/// - The account is bank + branch + account number of the 01, mapped to the company's IBAN by
///   ``StatementAccount``; every 04, 05 and 07 must name the same account and currency.
/// - Amounts are in the record's number of decimals (position 20), converted exactly to the
///   currency's minor units.
/// - A movement has no bank transaction id: its key is the fingerprint (account, booking date,
///   amount, currency, counterparty, label and remittance text); two identical movements are
///   told apart by their occurrence number when merged (`#1`, `#2`), as Qonto and camt.053 rows
///   without an id are.
/// - A movement with a rejection reason code (positions 41–42) is a returned operation: booked
///   with its sign, `note` = `reversal (rejection code NN)`.
/// - Complements: `LIB` continues the label; `NPY`, `NBE`, `NPO`, `NBU` (payer's or
///   beneficiary's name) are the counterparty; `LCC`, `LC2`, `LCS`, `RCN`, `REF` (the customer's
///   label and references) the remittance information; `MMO` (original amount in another
///   currency) is written in `note`; the other qualifiers are not kept.
struct CfonbStatementReader {
    let context: ConversionContext

    /// The statement being read (between its 01 and its 07).
    private struct Open {
        let line: Int
        let accountKey: String
        let iban: String?
        let currency: Currency
        let balance: Int64
        var movements: Int64 = 0
        var overflow = false
    }

    /// A movement waiting for its complements.
    private struct Movement {
        var record: BankRecord
        var labels: [String]
        var names: [String] = []
        var references: [String] = []
        var notes: [String]
    }

    private var open: Open?
    private var movement: Movement?
    /// True after a 04 and its 05s: the next 05 completes that movement.
    private var afterMovement = false

    init(context: ConversionContext) { self.context = context }

    mutating func read(_ record: CfonbRecord, into state: inout StatementImport) throws {
        switch record.kind {
        case .oldBalance:
            try flush(into: &state)
            if let open {
                state.add(
                    Problem(
                        line: record.line,
                        message: "a new statement starts (01) before the one of line \(open.line) ends with its "
                            + "new balance (07): the file was probably cut or edited"))
            }
            open = start(record, &state)
        case .movement:
            try flush(into: &state)
            guard sameAccount(record, &state) else { return }
            movement = self.movement(record, &state)
        case .complement:
            guard afterMovement else {
                state.add(
                    Problem(
                        line: record.line, column: "record code (positions 1–2)", value: "05",
                        message: "a complement (05) must follow a movement (04) or another complement"))
                return
            }
            guard movement != nil, sameAccount(record, &state) else { return }
            complete(with: record)
        case .newBalance:
            try flush(into: &state)
            if sameAccount(record, &state), let statement = open { close(statement, record, &state) }
            open = nil
        }
        afterMovement = record.kind == .movement || (afterMovement && record.kind == .complement)
    }

    /// At the end of the file: a statement still open was cut.
    mutating func finish(into state: inout StatementImport) throws {
        try flush(into: &state)
        if let open {
            state.add(
                Problem(
                    line: open.line,
                    message: "the statement that starts here has no new balance (07): the file was probably cut"))
        }
    }

    // MARK: - Records

    private mutating func start(_ record: CfonbRecord, _ state: inout StatementImport) -> Open? {
        let currency = currency(record, &state)
        let iban = StatementAccount.iban(
            bank: record.bank, branch: record.branch, account: record.account, key: nil,
            own: context.pipeline.ownIBANs.map(BankRecord.normalizeIBAN))
        if let iban {
            state.check(account: iban)
        } else {
            state.add(
                Problem(
                    line: record.line, column: "bank, branch, account (positions 3–7, 12–16, 22–32)",
                    value: "\(record.bank) \(record.branch) \(record.account)",
                    message: "expected a French RIB: a 5-digit bank code, a 5-digit branch code and an account "
                        + "number of up to 11 letters or digits"))
        }
        guard let currency, let balance = amount(record, currency: currency, &state) else { return nil }
        if date(record.date, record, "date (positions 35–40)", &state) == nil { return nil }
        return Open(line: record.line, accountKey: record.accountKey, iban: iban, currency: currency, balance: balance)
    }

    /// True when a 04, 05 or 07 belongs to the open statement (a problem otherwise).
    private func sameAccount(_ record: CfonbRecord, _ state: inout StatementImport) -> Bool {
        guard let open else {
            if record.kind != .complement {
                state.add(
                    Problem(
                        line: record.line, column: "record code (positions 1–2)", value: record.kind.rawValue,
                        message: "this record is outside a statement: no old balance (01) comes before it"))
            }
            return false
        }
        guard record.accountKey == open.accountKey else {
            state.add(
                Problem(
                    line: record.line, column: "bank, branch, account, currency (positions 3–19, 22–32)",
                    value: "\(record.bank) \(record.branch) \(record.account) \(record.currencyCode)",
                    message: "this record is not for the account of its statement (line \(open.line))"))
            return false
        }
        return open.iban != nil
    }

    private mutating func movement(_ record: CfonbRecord, _ state: inout StatementImport) -> Movement? {
        guard var statement = open else { return nil }
        let booking = date(record.date, record, "booking date (positions 35–40)", &state)
        let value =
            record.valueDate.trimmed.isEmpty
            ? booking : date(record.valueDate, record, "value date (positions 43–48)", &state)
        guard let amount = amount(record, currency: statement.currency, &state), let booking, let value else {
            return nil
        }
        let (sum, overflow) = statement.movements.addingReportingOverflow(amount)
        statement.movements = sum
        statement.overflow = statement.overflow || overflow
        open = statement
        let rejection = record.rejectionCode.trimmed
        let row = BankRecord(
            sourceFormat: .cfonb120, sourceFile: context.sourceName, sourceRow: record.line, transactionID: "",
            accountIBAN: statement.iban ?? "", bookingDate: booking, valueDate: value, operationDate: booking,
            settledAtUTC: nil, amountMinor: amount, currency: statement.currency, status: .booked,
            counterpartyName: "", counterpartyIBAN: "", label: "", remittanceInfo: "",
            paymentMethod: record.interbankCode.trimmed, note: "")
        return Movement(
            record: row, labels: [record.label.trimmed],
            notes: rejection.isEmpty ? [] : ["reversal (rejection code \(rejection))"])
    }

    private mutating func complete(with record: CfonbRecord) {
        let text = record.complement.trimmed
        guard !text.isEmpty else { return }
        switch record.qualifier {
        case "LIB": movement?.labels.append(text)
        case "NPY", "NBE", "NPO", "NBU": movement?.names.append(text)
        case "LCC", "LC2", "LCS", "RCN", "REF": movement?.references.append(text)
        case "MMO":
            let characters = Array(record.complement)
            let code = String(characters[0..<3])
            if let decimals = Int(String(characters[3])), let raw = Int64(String(characters[4..<18]).trimmed) {
                movement?.notes.append(
                    "original amount \(DecimalText.format(minorUnits: raw, scale: decimals)) \(code)")
            }
        default: break
        }
    }

    /// Writes the movement waiting for its complements.
    private mutating func flush(into state: inout StatementImport) throws {
        guard var pending = movement, let statement = open else {
            movement = nil
            return
        }
        movement = nil
        pending.record.label = pending.labels.filter { !$0.isEmpty }.joined(separator: " ")
        pending.record.counterpartyName = pending.names.joined(separator: " ")
        pending.record.remittanceInfo = pending.references.joined(separator: " ")
        pending.record.note = pending.notes.joined(separator: "; ")
        try state.write(pending.record, accountCurrency: statement.currency)
    }

    /// The 07: the new balance must be the old one plus the movements.
    private func close(_ statement: Open, _ record: CfonbRecord, _ state: inout StatementImport) {
        guard let balance = amount(record, currency: statement.currency, &state) else { return }
        _ = date(record.date, record, "date (positions 35–40)", &state)
        let (expected, overflow) = statement.balance.addingReportingOverflow(statement.movements)
        guard overflow || statement.overflow || expected != balance else { return }
        let scale = statement.currency.minorDigits
        state.add(
            Problem(
                line: record.line, column: "new balance (positions 91–104)", value: record.amount,
                message: "the new balance is \(DecimalText.format(minorUnits: balance, scale: scale)) "
                    + "\(statement.currency.code), but the old balance (line \(statement.line)) plus the movements is "
                    + (overflow || statement.overflow
                        ? "beyond what can be counted" : DecimalText.format(minorUnits: expected, scale: scale))
                    + ": a movement is missing or was changed; download the statement again"))
    }

    // MARK: - Fields

    private func currency(_ record: CfonbRecord, _ state: inout StatementImport) -> Currency? {
        guard let currency = Currency(code: record.currencyCode) else {
            state.add(
                Problem(
                    line: record.line, column: "currency (positions 17–19)", value: record.currencyCode,
                    message: "expected a currency code like EUR"))
            return nil
        }
        return currency
    }

    /// The record's amount in minor units of `currency` (exact), within bounds.
    private func amount(_ record: CfonbRecord, currency: Currency, _ state: inout StatementImport) -> Int64? {
        let column = record.kind == .movement ? "amount (positions 91–104)" : "balance (positions 91–104)"
        guard let decimals = Int(record.decimalsText), decimals <= 6 else {
            state.add(
                Problem(
                    line: record.line, column: "number of decimals (position 20)", value: record.decimalsText,
                    message: "expected a digit (2 for euros)"))
            return nil
        }
        guard let raw = CfonbRecord.signedAmount(record.amount) else {
            state.add(
                Problem(
                    line: record.line, column: column, value: record.amount,
                    message: "expected 13 digits and a sign character ({ or A–I for + 0–9, } or J–R for − 0–9)"))
            return nil
        }
        var value = raw
        if decimals < currency.minorDigits {
            for _ in decimals..<currency.minorDigits { value *= 10 }
        } else if decimals > currency.minorDigits {
            var divisor: Int64 = 1
            for _ in currency.minorDigits..<decimals { divisor *= 10 }
            guard value % divisor == 0 else {
                state.add(
                    Problem(
                        line: record.line, column: column, value: record.amount,
                        message: "the amount has more decimals than \(currency.code) has (\(currency.minorDigits))"))
                return nil
            }
            value /= divisor
        }
        if record.kind == .movement, let outside = ImportBounds.problem(amountMinor: value, scale: currency.minorDigits)
        {
            state.add(Problem(line: record.line, column: column, value: record.amount, message: outside))
            return nil
        }
        return value
    }

    private func date(
        _ text: String, _ record: CfonbRecord, _ column: String, _ state: inout StatementImport
    ) -> CivilDate? {
        guard let date = CfonbRecord.date(text) else {
            state.add(Problem(line: record.line, column: column, value: text, message: "expected a date DDMMYY"))
            return nil
        }
        return date
    }
}
