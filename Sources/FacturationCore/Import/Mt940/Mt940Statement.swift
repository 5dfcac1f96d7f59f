/// Reads the fields of an MT940 file in order: a statement starts at its `:20:`, names its account
/// in `:25:`, opens with `:60F:` (or `:60M:`, a later page), lists `:61:` lines each followed by
/// its `:86:`, and closes with `:62F:` (or `:62M:`), which must equal the opening balance plus
/// the lines.
///
/// Rules (README "Input formats"):
/// - `:25:` is an IBAN (alone or after a BIC and `/`), else a French RIB (bank, branch and
///   account, with or without key and separators), mapped by ``StatementAccount``.
/// - Amounts have a decimal comma, exact; `C`/`D` give the sign; `RC` (reversal of a credit) is a
///   debit and `RD` a credit, booked with `note` = `reversal`.
/// - The booking date is the entry date (`MMDD`, in the year nearest the value date), else the
///   value date.
/// - The transaction id is the bank's reference (after `//`); without one the row gets the
///   fingerprint key.
struct Mt940Statement {
    let context: ConversionContext

    private struct Open {
        let line: Int
        var iban: String?
        var currency: Currency?
        var opening: Int64?
        var sum: Int64 = 0
        var overflow = false
    }

    private var open: Open?
    private var pending: (line: Mt940StatementLine, field: Mt940Field)?

    init(context: ConversionContext) { self.context = context }

    mutating func read(_ field: Mt940Field, into state: inout StatementImport) throws {
        if field.kind != .information { try flush(info: nil, into: &state) }
        switch field.kind {
        case .reference:
            if let open, open.opening != nil {
                state.add(
                    Problem(
                        line: field.line, column: ":20:",
                        message: "a new statement starts before the one of line \(open.line) ends with its "
                            + "closing balance (:62F:): the file was probably cut or edited"))
            }
            open = Open(line: field.line)
        case .account: account(field, &state)
        case .opening, .intermediateOpening: opening(field, &state)
        case .line: line(field, &state)
        case .information: try flush(info: field, into: &state)
        case .closing, .intermediateClosing: closing(field, &state)
        case .other: break
        }
    }

    mutating func finish(into state: inout StatementImport) throws {
        try flush(info: nil, into: &state)
        if let open, open.opening != nil {
            state.add(
                Problem(
                    line: open.line, column: ":20:",
                    message: "the statement that starts here has no closing balance (:62F:): the file was probably cut")
            )
        }
    }

    // MARK: - Fields

    private mutating func account(_ field: Mt940Field, _ state: inout StatementImport) {
        guard open != nil else { return outside(field, &state) }
        let text = field.joined.trimmed
        let own = context.pipeline.ownIBANs.map(BankRecord.normalizeIBAN)
        var iban = text.split(separator: "/").lazy.compactMap { StatementAccount.iban(String($0)) }.first
        if iban == nil {
            let rib = String(text.filter(\.isASCIIAlphanumericUpper))
            if rib.count == 21 || rib.count == 23 {
                let characters = Array(rib)
                iban = StatementAccount.iban(
                    bank: String(characters[0..<5]), branch: String(characters[5..<10]),
                    account: String(characters[10..<21]), key: rib.count == 23 ? String(characters[21...]) : nil,
                    own: own)
            }
        }
        guard let iban else {
            state.add(
                Problem(
                    line: field.line, column: ":25:", value: text,
                    message: "expected the account as an IBAN or a French RIB (bank 5 digits, branch 5 digits, "
                        + "account 11 characters)"))
            return
        }
        state.check(account: iban)
        open?.iban = iban
    }

    /// `:60F:C250901EUR1000,00`: mark, date, currency, amount.
    private mutating func opening(_ field: Mt940Field, _ state: inout StatementImport) {
        guard open != nil else { return outside(field, &state) }
        guard let (amount, currency) = balance(field, &state) else { return }
        if open?.opening == nil || field.kind == .opening {
            open?.currency = currency
            open?.opening = amount
            open?.sum = 0
            open?.overflow = false
        }
    }

    private mutating func line(_ field: Mt940Field, _ state: inout StatementImport) {
        guard let statement = open, let currency = statement.currency, statement.opening != nil else {
            state.add(
                Problem(
                    line: field.line, column: ":61:", value: field.value,
                    message: "a statement line must come after the statement's :20:, :25: and opening balance :60F:"))
            return
        }
        switch Mt940StatementLine.parse(field.value, currency: currency) {
        case .failure(let failure):
            state.add(
                Problem(line: field.line, column: ":61: " + failure.part, value: field.value, message: failure.message))
        case .success(let parsed):
            if let outside = [parsed.valueDate, parsed.entryDate].compactMap({ $0 }).lazy
                .compactMap(ImportBounds.problem(date:)).first
            {
                state.add(Problem(line: field.line, column: ":61: value date", value: field.value, message: outside))
                return
            }
            let (sum, overflow) = statement.sum.addingReportingOverflow(parsed.amountMinor)
            open?.sum = sum
            open?.overflow = statement.overflow || overflow
            pending = (parsed, field)
        }
    }

    /// Writes the pending `:61:` with its `:86:` (when `info` is one).
    private mutating func flush(info: Mt940Field?, into state: inout StatementImport) throws {
        guard let (parsed, field) = pending, let statement = open, let iban = statement.iban,
            let currency = statement.currency
        else {
            pending = nil
            return
        }
        pending = nil
        let information = Mt940Information(info?.joined ?? "")
        let details = field.continuation.joined().trimmed
        let reference = parsed.bankReference.uppercased() == "NONREF" ? "" : parsed.bankReference
        var notes = parsed.reversal ? ["reversal"] : []
        if let original = information.originalAmount ?? Mt940Information.originalAmount(in: details) {
            notes.append("original amount \(original)")
        }
        let record = BankRecord(
            sourceFormat: .mt940, sourceFile: context.sourceName, sourceRow: field.line, transactionID: reference,
            accountIBAN: iban, bookingDate: parsed.entryDate ?? parsed.valueDate, valueDate: parsed.valueDate,
            operationDate: parsed.entryDate ?? parsed.valueDate, settledAtUTC: nil, amountMinor: parsed.amountMinor,
            currency: currency, status: .booked, counterpartyName: information.name,
            counterpartyIBAN: StatementAccount.iban(information.partyAccount) ?? "",
            label: details.isEmpty ? information.label : details,
            remittanceInfo: information.remittance.isEmpty
                ? parsed.customerReference.replacingNonRef
                : information.remittance,
            paymentMethod: parsed.type, note: notes.joined(separator: "; "))
        try state.write(record, accountCurrency: currency)
    }

    /// `:62F:`: the closing balance must be the opening balance plus the lines.
    private mutating func closing(_ field: Mt940Field, _ state: inout StatementImport) {
        guard let statement = open, let opening = statement.opening, let currency = statement.currency else {
            return outside(field, &state)
        }
        if field.kind == .closing { open = nil }
        guard let (amount, closingCurrency) = balance(field, &state) else { return }
        let (expected, overflow) = opening.addingReportingOverflow(statement.sum)
        guard closingCurrency != currency || overflow || statement.overflow || expected != amount else {
            if field.kind == .intermediateClosing { open?.opening = amount; open?.sum = 0 }
            return
        }
        let scale = currency.minorDigits
        state.add(
            Problem(
                line: field.line, column: ":\(field.tag):", value: field.value,
                message: "the closing balance is \(DecimalText.format(minorUnits: amount, scale: scale)) "
                    + "\(closingCurrency.code), but the opening balance (line \(statement.line)) plus the lines is "
                    + (overflow || statement.overflow
                        ? "beyond what can be counted"
                        : "\(DecimalText.format(minorUnits: expected, scale: scale)) \(currency.code)")
                    + ": a line is missing or was changed; download the statement again"))
    }

    private func outside(_ field: Mt940Field, _ state: inout StatementImport) {
        state.add(
            Problem(
                line: field.line, column: ":\(field.tag):", value: field.value,
                message: "this field is outside a statement (it must follow a :20: and its opening balance :60F:)"))
    }

    /// `C250901EUR1000,00`: the signed balance and its currency.
    private func balance(_ field: Mt940Field, _ state: inout StatementImport) -> (Int64, Currency)? {
        let text = Array(field.value.trimmed)
        guard text.count >= 12, text[0] == "C" || text[0] == "D", Self.date(String(text[1..<7])[...]) != nil,
            let currency = Currency(code: String(text[7..<10])),
            case .success(let magnitude) = DecimalText.minorUnits(
                Self.decimalText(String(text[10...])[...]), scale: currency.minorDigits, style: .commaDecimal),
            magnitude >= 0
        else {
            state.add(
                Problem(
                    line: field.line, column: ":\(field.tag):", value: field.value,
                    message: "expected C or D, the date YYMMDD, the currency and the amount with a decimal comma "
                        + "(C250901EUR1000,00)"))
            return nil
        }
        return (text[0] == "D" ? -magnitude : magnitude, currency)
    }

    /// An MT940 amount for ``DecimalText``: SWIFT writes `45,` for 45,00.
    static func decimalText(_ text: Substring) -> String { text.hasSuffix(",") ? String(text) + "0" : String(text) }

    /// A YYMMDD date (years 2000 to 2099).
    static func date(_ text: Substring) -> CivilDate? {
        guard text.count == 6, text.allSatisfy(\.isASCIIDigit), let number = Int(text) else { return nil }
        return CivilDate(year: 2000 + number / 10_000, month: number / 100 % 100, day: number % 100)
    }
}

extension String {
    /// The customer's reference of a `:61:`, empty when it is `NONREF`.
    fileprivate var replacingNonRef: String { uppercased() == "NONREF" ? "" : self }
}
