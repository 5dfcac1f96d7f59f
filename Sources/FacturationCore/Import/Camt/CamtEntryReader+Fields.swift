extension CamtEntryReader {
    /// An unsigned `Amt` with its `Ccy` attribute, exact, within bounds.
    mutating func amount(_ node: XMLNodeRef?, element: String) -> (Int64, Currency)? {
        guard let node else {
            problem(element, nil, "the entry has no amount")
            return nil
        }
        guard let currency = Currency(code: node.attribute("Ccy") ?? "") else {
            problem(
                element, node, "expected a Ccy attribute with a currency code like EUR (<Amt Ccy=\"EUR\">12.50</Amt>)")
            return nil
        }
        switch DecimalText.minorUnits(node.text, scale: currency.minorDigits, style: .dotDecimal) {
        case .failure(let failure):
            problem(element, node, failure.message)
            return nil
        case .success(let magnitude):
            if magnitude < 0 {
                problem(element, node, "expected an amount without sign (CdtDbtInd, CRDT or DBIT, gives the sign)")
                return nil
            }
            if let outside = ImportBounds.problem(amountMinor: magnitude, scale: currency.minorDigits) {
                problem(element, node, outside)
                return nil
            }
            return (magnitude, currency)
        }
    }

    /// `CRDT` (+1, money in) or `DBIT` (-1).
    mutating func sign(_ node: XMLNodeRef?, element: String) -> Int64? {
        switch node?.text {
        case "CRDT": return 1
        case "DBIT": return -1
        default:
            problem(element, node, "expected CRDT or DBIT")
            return nil
        }
    }

    /// A `Dt` (a date) or `DtTm` (a date and time: with a zone, its local date in the pipeline's
    /// time zone; without, its date as written). Absent: nil without a problem.
    mutating func date(_ node: XMLNodeRef?, element: String) -> CivilDate? {
        guard let node else { return nil }
        var date: CivilDate?
        if let day = node["Dt"] {
            date = CivilDate(iso: day.text)
        } else if let stamp = node["DtTm"] {
            if let instant = ISOTimestamp.parse(stamp.text) {
                date = context.zone.localDate(utc: instant.utc)
            } else {
                date = CivilDate(iso: stamp.text.prefix(10))
            }
        }
        guard let date else {
            problem(element, node["Dt"] ?? node["DtTm"] ?? node, "expected <Dt>YYYY-MM-DD</Dt> or <DtTm>")
            return nil
        }
        if let outside = ImportBounds.problem(date: date) {
            problem(element, node["Dt"] ?? node["DtTm"], outside)
            return nil
        }
        return date
    }

    /// The row of the entry (or of one transaction of a split batch).
    func row(
        _ status: BankStatus, booking: CivilDate?, value: CivilDate?, detail: XMLNodeRef?, amount: Int64,
        currency: Currency, id: String, line: Int, reversal: Bool
    ) -> BankRecord {
        let parties = detail?["RltdPties"]
        let (party, accountNode) =
            amount >= 0 ? (parties?["Dbtr"], parties?["DbtrAcct"]) : (parties?["Cdtr"], parties?["CdtrAcct"])
        let name = party?["Nm"]?.text ?? party?["Pty", "Nm"]?.text ?? ""
        let remittance = detail?["RmtInf"]?.children("Ustrd").map(\.text).joined(separator: " ") ?? ""
        let reference = detail?["RmtInf", "Strd", "CdtrRefInf", "Ref"]?.text ?? ""
        let codes = detail?["BkTxCd"] ?? entry["BkTxCd"]
        let domain = [codes?["Domn", "Cd"], codes?["Domn", "Fmly", "Cd"], codes?["Domn", "Fmly", "SubFmlyCd"]]
            .compactMap { $0?.text }.joined(separator: "/")
        var notes: [String] = reversal ? ["reversal"] : []
        if let instructed = detail?["AmtDtls", "InstdAmt", "Amt"], let code = instructed.attribute("Ccy"),
            code != currency.code
        {
            notes.append("instructed \(instructed.text) \(code)")
        }
        let booked = status == .booked
        return BankRecord(
            sourceFormat: .camt053, sourceFile: context.sourceName, sourceRow: line, transactionID: id,
            accountIBAN: account.iban, bookingDate: booked ? booking ?? value : nil, valueDate: value,
            operationDate: booking ?? value, settledAtUTC: nil, amountMinor: amount, currency: currency,
            status: status, counterpartyName: name,
            counterpartyIBAN: BankRecord.normalizeIBAN(accountNode?["Id", "IBAN"]?.text ?? ""),
            label: entry["AddtlNtryInf"]?.text ?? detail?["AddtlTxInf"]?.text ?? "",
            remittanceInfo: remittance.isEmpty ? reference : remittance,
            paymentMethod: domain.isEmpty ? codes?["Prtry", "Cd"]?.text ?? "" : domain,
            note: notes.joined(separator: "; "))
    }
}
