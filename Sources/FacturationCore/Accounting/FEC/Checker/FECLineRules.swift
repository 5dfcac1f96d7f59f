/// What the per-line rules read from a record for the rules that span lines (entries, totals).
struct FECLineValues {
    /// `AAAAMMJJ` as a number, 0 when empty or invalid.
    var entryDate: Int32 = 0
    var validDate: Int32 = 0
    /// Cents; 0 when invalid.
    var debit: Int64 = 0
    var credit: Int64 = 0
}

/// The rules on one record alone (FEC-15 to FEC-31b): mandatory fields, placeholders, dates,
/// account numbers, amounts, the fields that go in pairs, currencies, and the dates against the
/// fiscal year, the period, today and the previous line.
///
/// Why byte offsets and compact dates: every rule reads the record in place (``FECRecordFields``)
/// and dates are compared as `AAAAMMJJ` integers; Strings are only made for a finding's example.
struct FECLineRules {
    /// The bounds of EcritureDate and ValidDate, as `AAAAMMJJ` (0: not checked).
    struct Bounds {
        var closing: Int32 = 0
        var start: Int32 = 0
        /// 12 months before the closing date, when the fiscal year's start is not given (FEC-30b).
        var assumedStart: Int32 = 0
        var periodStart: Int32 = 0
        var periodEnd: Int32 = 0
        var today: Int32 = 0
    }

    let bounds: Bounds
    /// ValidDate of the previous line (FEC-39).
    private var previousValid: Int32 = 0
    /// The earliest EcritureDate (FEC-03b: a file whose entries all fall in the closing month).
    private(set) var earliestEntryDate: Int32 = 0

    init(bounds: Bounds) {
        self.bounds = bounds
    }

    mutating func check(
        _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ log: FECFindingLog
    ) -> FECLineValues {
        checkPresence(line, fields, log)
        var values = FECLineValues()
        values.entryDate = date(line, FECField.entryDate, fields, log)
        _ = date(line, FECField.pieceDate, fields, log)
        _ = date(line, FECField.letteringDate, fields, log)
        values.validDate = date(line, FECField.validDate, fields, log)
        checkAccount(line, fields, log)
        let amounts = FECAmountRules(line: line, fields: fields, log: log)
        (values.debit, values.credit) = fields.layout.montantSens ? amounts.montantSens() : amounts.debitCredit()
        let (foreignStart, foreignEnd) = fields.range(FECField.foreignAmount)
        if foreignStart < foreignEnd {
            _ = amounts.check(FECValueParser.amount(line, foreignStart, foreignEnd), FECField.foreignAmount)
        }
        checkPairs(line, fields, log)
        checkCurrency(line, fields, log)
        checkDates(values, log)
        return values
    }

    /// FEC-15 (mandatory fields) and FEC-16 (a lone `-`, `/` or `.` in a text field).
    private func checkPresence(_ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ log: FECFindingLog) {
        let column = fields.layout.column
        for field in FECField.required where column[field] >= 0 && fields.isEmpty(field) {
            log.flagHere(.requiredField, "", "\(fields.name(field)) is empty (mandatory)")
        }
        for field in FECField.text where column[field] >= 0 {
            let (first, last) = fields.range(field)
            if last - first == 1, line[first] == 0x2D || line[first] == 0x2F || line[first] == 0x2E {
                log.flagHere(
                    .placeholder, log.text(line, first, last),
                    "\(fields.name(field)) holds a placeholder instead of a real value")
            }
        }
    }

    /// Parses a date field; reports a non-empty invalid one (FEC-18). Returns `AAAAMMJJ` or 0.
    private func date(
        _ line: UnsafeRawBufferPointer, _ field: Int, _ fields: FECRecordFields,
        _ log: FECFindingLog
    ) -> Int32 {
        let (first, last) = fields.range(field)
        guard first < last else { return 0 }
        if let value = FECValueParser.date(line, first, last) { return value }
        log.flagHere(
            .date, log.text(line, first, last), "\(fields.name(field)) is not a date written AAAAMMJJ (e.g. 20241231)")
        return 0
    }

    /// FEC-17: three digits, the first a class of the plan comptable général (1 to 8).
    private func checkAccount(_ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ log: FECFindingLog) {
        let (accountStart, accountEnd) = fields.range(FECField.account)
        guard accountStart < accountEnd else { return }
        var ok = accountEnd - accountStart >= 3
        if ok {
            for index in accountStart..<(accountStart + 3) where line[index] < 0x30 || line[index] > 0x39 { ok = false }
            if line[accountStart] == 0x30 || line[accountStart] == 0x39 { ok = false }
        }
        if !ok {
            log.flagHere(
                .accountNumber, log.text(line, accountStart, accountEnd),
                "CompteNum must start with 3 digits, the first from 1 to 8 (the classes of the plan comptable général, "
                    + "A47 A-1 §VII)")
        }
    }

    /// FEC-25 to FEC-27b: auxiliary number and label together, only on class 4, lettering and its date together.
    private func checkPairs(_ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ log: FECFindingLog) {
        let (accountStart, accountEnd) = fields.range(FECField.account)
        let (auxStart, auxEnd) = fields.range(FECField.auxNumber)
        let (auxLabelStart, auxLabelEnd) = fields.range(FECField.auxLabel)
        if (auxStart < auxEnd) != (auxLabelStart < auxLabelEnd) {
            log.flagHere(
                .auxiliaryPair,
                auxStart < auxEnd ? log.text(line, auxStart, auxEnd) : log.text(line, auxLabelStart, auxLabelEnd),
                auxStart < auxEnd
                    ? "CompAuxNum is set but CompAuxLib is empty" : "CompAuxLib is set but CompAuxNum is empty")
        }
        if auxStart < auxEnd, accountStart < accountEnd, line[accountStart] != 0x34 {
            log.flagHere(
                .auxiliaryAccount, log.text(line, accountStart, accountEnd),
                "CompAuxNum \(log.text(line, auxStart, auxEnd)) on a non-third-party account (not class 4)")
        }
        let (letStart, letEnd) = fields.range(FECField.lettering)
        let hasLetteringDate = !fields.isEmpty(FECField.letteringDate)
        if letStart >= letEnd, hasLetteringDate {
            let (first, last) = fields.range(FECField.letteringDate)
            log.flagHere(.letteringDateAlone, log.text(line, first, last), "DateLet is set but EcritureLet is empty")
        } else if letStart < letEnd, !hasLetteringDate, fields.layout.column[FECField.letteringDate] >= 0 {
            log.flagHere(
                .letteringWithoutDate, log.text(line, letStart, letEnd), "EcritureLet is set but DateLet is empty")
        }
    }

    /// FEC-28: Montantdevise and Idevise together, Idevise an ISO 4217 code.
    private func checkCurrency(_ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ log: FECFindingLog) {
        let (foreignStart, foreignEnd) = fields.range(FECField.foreignAmount)
        let (currencyStart, currencyEnd) = fields.range(FECField.currency)
        if (foreignStart < foreignEnd) != (currencyStart < currencyEnd) {
            log.flagHere(
                .currency,
                foreignStart < foreignEnd
                    ? log.text(line, foreignStart, foreignEnd)
                    : log.text(line, currencyStart, currencyEnd),
                foreignStart < foreignEnd
                    ? "Montantdevise is set but Idevise is empty"
                    : "Idevise is set but Montantdevise is empty")
        }
        guard currencyStart < currencyEnd else { return }
        var ok = currencyEnd - currencyStart == 3
        if ok { for index in currencyStart..<currencyEnd where line[index] < 0x41 || line[index] > 0x5A { ok = false } }
        if !ok {
            log.flagHere(
                .currency, log.text(line, currencyStart, currencyEnd),
                "Idevise must be an ISO 4217 code of 3 capital letters (USD, GBP…)")
        }
    }

    /// FEC-30 to FEC-31b and FEC-39: the dates against the year, the period, today and the line before.
    private mutating func checkDates(_ values: FECLineValues, _ log: FECFindingLog) {
        let entryDate = values.entryDate, validDate = values.validDate
        if entryDate != 0, bounds.closing != 0 {
            if entryDate > bounds.closing {
                log.flagHere(
                    .dateOutsideYear, String(entryDate), "EcritureDate is after the closing date \(bounds.closing)")
            } else if bounds.start != 0, entryDate < bounds.start {
                log.flagHere(
                    .dateOutsideYear, String(entryDate), "EcritureDate is before the fiscal year start \(bounds.start)")
            } else if bounds.assumedStart != 0, entryDate < bounds.assumedStart {
                log.flagHere(
                    .dateBeforeAssumedStart, String(entryDate),
                    "EcritureDate is more than 12 months before the closing date \(bounds.closing) (give the fiscal "
                        + "year start if the year is longer)")
            }
        }
        if entryDate != 0, bounds.periodStart != 0, entryDate < bounds.periodStart || entryDate > bounds.periodEnd {
            log.flagHere(
                .dateOutsideYear, String(entryDate),
                "EcritureDate is outside the period the file covers (\(bounds.periodStart) to \(bounds.periodEnd))")
        }
        if entryDate != 0, earliestEntryDate == 0 || entryDate < earliestEntryDate { earliestEntryDate = entryDate }
        guard validDate != 0 else { return }
        if entryDate != 0, validDate < entryDate {
            log.flagHere(.validationBeforeEntry, String(validDate), "ValidDate is before EcritureDate \(entryDate)")
        }
        if bounds.today != 0, validDate > bounds.today {
            log.flagHere(.validationInFuture, String(validDate), "ValidDate is after today (\(bounds.today))")
        }
        if previousValid != 0, validDate < previousValid {
            log.flagHere(
                .lineOrder, String(validDate),
                "ValidDate \(validDate) comes after \(previousValid) on the line before: sort the lines by validation date"
            )
        }
        previousValid = validDate
    }
}
