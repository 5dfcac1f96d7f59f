/// FEC-20 to FEC-24b on one record's amounts, in either layout of the law: Debit and Credit, or
/// Montant and Sens. Returns the amounts in cents for the balances (0 for an invalid amount).
struct FECAmountRules {
    let line: UnsafeRawBufferPointer
    let fields: FECRecordFields
    let log: FECFindingLog

    /// Debit and Credit: exactly one side non-zero.
    func debitCredit() -> (debit: Int64, credit: Int64) {
        let (debitStart, debitEnd) = fields.range(FECField.debit)
        let (creditStart, creditEnd) = fields.range(FECField.credit)
        let debitAmount = FECValueParser.amount(line, debitStart, debitEnd)
        let creditAmount = FECValueParser.amount(line, creditStart, creditEnd)
        let debitValid = check(debitAmount, FECField.debit)
        let creditValid = check(creditAmount, FECField.credit)
        let debit = debitAmount.minor, credit = creditAmount.minor
        guard debitValid && creditValid else { return (debit, credit) }
        if debit != 0, credit != 0 {
            log.flagHere(
                .bothSides, log.text(line, debitStart, debitEnd) + " / " + log.text(line, creditStart, creditEnd),
                "both Debit and Credit are set: split the line in two, or keep only the difference")
        } else if debit == 0, credit == 0 {
            log.flagHere(
                .zeroLine, log.text(line, debitStart, debitEnd) + " / " + log.text(line, creditStart, creditEnd),
                "Debit and Credit are both zero")
        }
        return (debit, credit)
    }

    /// Montant and Sens (D, C, +1 or -1; d and c with a warning).
    func montantSens() -> (debit: Int64, credit: Int64) {
        let (amountStart, amountEnd) = fields.range(FECField.debit)
        let amount = FECValueParser.amount(line, amountStart, amountEnd)
        var amountValid = check(amount, FECField.debit)
        let isDebit = sens()
        if isDebit == nil { amountValid = false }
        if amountValid, amount.minor == 0 {
            log.flagHere(.zeroLine, log.text(line, amountStart, amountEnd), "Montant is zero")
        }
        switch isDebit {
        case true?: return (amount.minor, 0)
        case false?: return (0, amount.minor)
        case nil: return (0, 0)
        }
    }

    /// Whether Sens says debit; nil (and FEC-24 unless empty) when it is not a legal value.
    private func sens() -> Bool? {
        let (sensStart, sensEnd) = fields.range(FECField.credit)
        var isDebit: Bool?
        switch sensEnd - sensStart {
        case 1:
            switch line[sensStart] {
            case 0x44: isDebit = true
            case 0x43: isDebit = false
            case 0x64, 0x63:
                isDebit = line[sensStart] == 0x64
                log.flagHere(.sensCase, log.text(line, sensStart, sensEnd), "Sens is written in lower case")
            default: break
            }
        case 2:
            if line[sensStart + 1] == 0x31, line[sensStart] == 0x2B || line[sensStart] == 0x2D {
                isDebit = line[sensStart] == 0x2B
            }
        default: break
        }
        if isDebit == nil, sensStart < sensEnd {
            log.flagHere(.sens, log.text(line, sensStart, sensEnd), "Sens must be D, C, +1 or -1")
        }
        return isDebit
    }

    /// Reports an amount's problems; true when it is a valid number.
    func check(_ amount: FECValueParser.Amount, _ field: Int) -> Bool {
        let (first, last) = fields.range(field)
        let name = fields.layout.column[field] >= 0 ? fields.name(field) : FECFormat.columnNames[field]
        if let problem = amount.problem {
            log.flagHere(.amountFormat, log.text(line, first, last), "\(name): \(problem)")
            return false
        }
        if amount.negative, amount.minor != 0, field != FECField.foreignAmount {
            log.flagHere(
                .negativeAmount, log.text(line, first, last),
                "\(name) is negative: write a positive amount in the opposite column")
        }
        // Montantdevise is in the currency of Idevise, which may have 3 decimals (KWD, TND…).
        if amount.extraDecimals, field != FECField.foreignAmount {
            log.flagHere(
                .decimals, log.text(line, first, last),
                "\(name) has more than 2 decimals: amounts in euros are written to the cent "
                    + "(counted rounded to the cent)")
        }
        return true
    }
}
