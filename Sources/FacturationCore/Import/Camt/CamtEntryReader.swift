/// One `Ntry` of a camt.053 statement as it is read: its rows and the problems found in it, each
/// naming the line and the element (`Ntry/Amt`).
///
/// Rules (README "Input formats"):
/// - `Sts` (`BOOK`; v08 `<Sts><Cd>BOOK</Cd></Sts>`): BOOK is booked, PDNG and FUTR are pending
///   (Qonto's pending rule: without a bank id they are not imported), INFO is not an operation
///   and is skipped (counted in a note).
/// - `Amt` is unsigned, in the `Ccy` of the attribute, exact; `CdtDbtInd` gives the sign.
/// - `RvslInd` true: a reversal is a booked movement of its own, signed by its `CdtDbtInd`
///   (the opposite of the entry it reverses), so both stay in the ledger and cancel out; its
///   `note` says `reversal`.
/// - A batched entry (several `TxDtls`) gives one row per transaction when each has its own
///   amount in the entry's currency and they add up to the entry; otherwise one row.
/// - The transaction id is the entry's `AcctSvcrRef`, else its `NtryRef`, else the `AcctSvcrRef`
///   of its only transaction; a transaction of a split batch uses its own `AcctSvcrRef`, else
///   the entry's id followed by `/n`. Without any id the row gets the fingerprint key.
struct CamtEntryReader {
    /// The account of the statement an entry belongs to.
    struct Account {
        let iban: String
        let currency: Currency?
    }

    /// What the converter collects over the whole file.
    struct FileState {
        var problems = ProblemList()
        var checks = BankFileChecks()
        var records = 0
        var informational = 0
        var batchesKeptWhole = 0
        var foreignCurrency = 0

        var notes: [String] {
            var notes: [String] = []
            if informational > 0 {
                notes.append(
                    "\(informational) informational entr\(informational == 1 ? "y" : "ies") (Sts INFO) skipped")
            }
            if batchesKeptWhole > 0 {
                notes.append(
                    "\(batchesKeptWhole) batched entr\(batchesKeptWhole == 1 ? "y was" : "ies were") imported as one row "
                        + "(its transactions have no amounts of their own, or they do not add up to the entry)")
            }
            if foreignCurrency > 0 {
                notes.append(
                    "\(foreignCurrency) entr\(foreignCurrency == 1 ? "y is" : "ies are") in another currency than the "
                        + "account's: imported in that currency, left out of payment matching and of the FEC")
            }
            return notes
        }
    }

    /// An entry's own values, once read.
    private struct Parsed {
        var status: BankStatus
        var magnitude: Int64
        var sign: Int64
        var currency: Currency
        var booking: CivilDate?
        var value: CivilDate?
        var reversal: Bool
    }

    let entry: XMLNodeRef
    let account: Account
    let context: ConversionContext
    private(set) var problems: [Problem] = []
    var valid: Bool { problems.isEmpty }

    init(entry: XMLNodeRef, account: Account, context: ConversionContext) {
        self.entry = entry
        self.account = account
        self.context = context
    }

    mutating func problem(_ element: String, _ node: XMLNodeRef?, _ message: String) {
        problems.append(
            Problem(line: node?.line ?? entry.line, column: "Ntry/" + element, value: node?.text, message: message))
    }

    /// The rows of the entry (none when it is skipped or has a problem).
    mutating func read(state: inout FileState) -> [BankRecord] {
        guard let parsed = parse(state: &state) else { return [] }
        if let own = account.currency, own != parsed.currency { state.foreignCurrency += 1 }
        let details = entry.children("NtryDtls").flatMap { $0.children("TxDtls") }
        let entryID = [entry["AcctSvcrRef"], entry["NtryRef"]].compactMap { $0?.text }.first { !$0.isEmpty } ?? ""
        var records: [BankRecord] = []
        if details.count > 1, let amounts = splitAmounts(details, parsed) {
            for (index, (detail, amount)) in zip(details, amounts).enumerated() {
                let ownID = detail["Refs", "AcctSvcrRef"]?.text ?? ""
                let id = !ownID.isEmpty && ownID != entryID ? ownID : entryID.isEmpty ? "" : "\(entryID)/\(index + 1)"
                records.append(record(parsed, detail: detail, amount: amount, id: id, line: detail.line))
            }
        } else {
            if details.count > 1 { state.batchesKeptWhole += 1 }
            let only = details.count == 1 ? details[0] : nil
            let id = entryID.isEmpty ? (only?["Refs", "AcctSvcrRef"]?.text ?? "") : entryID
            records.append(
                record(parsed, detail: only, amount: parsed.sign * parsed.magnitude, id: id, line: entry.line))
        }
        if parsed.status == .pending {
            state.checks.pendingWithoutID += records.count { $0.transactionID.isEmpty }
            records.removeAll { $0.transactionID.isEmpty }
        }
        return records
    }

    private func record(_ parsed: Parsed, detail: XMLNodeRef?, amount: Int64, id: String, line: Int) -> BankRecord {
        row(
            parsed.status, booking: parsed.booking, value: parsed.value, detail: detail, amount: amount,
            currency: parsed.currency, id: id, line: line, reversal: parsed.reversal)
    }

    /// Status, amount, sign and dates; nil when the entry is skipped (INFO) or has a problem.
    private mutating func parse(state: inout FileState) -> Parsed? {
        let statusNode = entry["Sts", "Cd"] ?? entry["Sts", "Prtry"] ?? entry["Sts"]
        let status: BankStatus?
        switch statusNode?.text ?? "" {
        case "BOOK": status = .booked
        case "PDNG", "FUTR": status = .pending
        case "INFO":
            state.informational += 1
            return nil
        default:
            status = nil
            problem("Sts", statusNode, "expected BOOK, PDNG, FUTR or INFO")
        }
        let amount = amount(entry["Amt"], element: "Amt")
        let sign = sign(entry["CdtDbtInd"], element: "CdtDbtInd")
        let booking = date(entry["BookgDt"], element: "BookgDt")
        let value = date(entry["ValDt"], element: "ValDt")
        if status == .booked, booking == nil, value == nil, valid {
            problem("BookgDt", nil, "a booked entry must have a booking date (BookgDt/Dt) or a value date (ValDt/Dt)")
        }
        let reversalText = entry["RvslInd"]?.text ?? "false"
        if reversalText != "true", reversalText != "false", reversalText != "1", reversalText != "0" {
            problem("RvslInd", entry["RvslInd"], "expected true or false")
        }
        guard let status, let amount, let sign, valid else { return nil }
        return Parsed(
            status: status, magnitude: amount.0, sign: sign, currency: amount.1, booking: booking, value: value,
            reversal: reversalText == "true" || reversalText == "1")
    }

    /// The signed amounts of a batch's transactions, when each has one in the entry's currency
    /// and they add up to the entry; nil otherwise (the batch is then one row).
    private mutating func splitAmounts(_ details: [XMLNodeRef], _ parsed: Parsed) -> [Int64]? {
        var amounts: [Int64] = []
        var total: Int64 = 0
        for detail in details {
            guard let node = detail["Amt"] ?? detail["AmtDtls", "TxAmt", "Amt"],
                node.attribute("Ccy") == parsed.currency.code,
                case .success(let magnitude) = DecimalText.minorUnits(
                    node.text, scale: parsed.currency.minorDigits, style: .dotDecimal),
                magnitude >= 0, ImportBounds.problem(amountMinor: magnitude, scale: parsed.currency.minorDigits) == nil
            else { return nil }
            let indicator = detail["CdtDbtInd"]?.text
            let sign: Int64 = indicator == "DBIT" ? -1 : indicator == "CRDT" ? 1 : parsed.sign
            amounts.append(sign * magnitude)
            total += sign * magnitude
        }
        return total == parsed.sign * parsed.magnitude ? amounts : nil
    }
}
