/// Converts a Qonto API v2 `GET /transactions` response (`{"transactions": [...]}`) into
/// normalized bank transactions.
///
/// Amounts are unsigned (`amount_cents`, else `amount`) and signed here by `side`. The account
/// IBAN is the transaction's `iban` when present, else the company's IBAN when it has just one.
struct QontoJSONConverter {
    let context: ConversionContext

    func convert() throws -> ConversionReport {
        let format = InputFormat.qontoAPIJSON
        let root = try JSONInput.load(context)
        guard let transactions = root["transactions"]?.array else {
            throw Rejection(
                format: format, summary: "The file has no \"transactions\" list.",
                advice: "Save the whole response of GET /v2/transactions as the file.")
        }
        var problems = ProblemList()
        var checks = BankFileChecks()
        var notes: [String] = []
        var records = 0
        let defaultIBAN = context.pipeline.ownIBANs.count == 1 ? context.pipeline.ownIBANs[0] : ""
        let conflicts = TransactionIDConflicts()
        for (index, transaction) in transactions.enumerated() {
            var valid = true
            func problem(_ field: String, _ node: JSONNode?, _ message: String) {
                problems.add(
                    Problem(
                        line: (node ?? transaction).position.line, column: "transactions[\(index)].\(field)",
                        value: node.map(ClockifyJSONConverter.shown), message: message))
                valid = false
            }
            guard transaction.object != nil else {
                problem("", transaction, "expected an object for each transaction")
                continue
            }
            let currencyNode = transaction["currency"]
            guard let currency = Currency(code: currencyNode?.string ?? "") else {
                problem("currency", currencyNode, "expected a currency code like EUR")
                continue
            }
            var magnitude: Int64?
            if let cents = transaction["amount_cents"], !cents.isNull {
                magnitude = JSONInput.integer(cents)
                if magnitude == nil { problem("amount_cents", cents, "expected a whole number of cents") }
            } else if let amount = transaction["amount"], let text = amount.numberText {
                switch DecimalText.minorUnits(text, scale: currency.minorDigits, style: .dotDecimal) {
                case .success(let value): magnitude = value
                case .failure(let failure): problem("amount", amount, failure.message)
                }
            } else {
                problem("amount_cents", nil, "the transaction has no amount")
            }
            if let value = magnitude {
                if value < 0 {
                    problem(
                        transaction["amount_cents"] != nil ? "amount_cents" : "amount",
                        transaction["amount_cents"] ?? transaction["amount"],
                        "expected an amount without sign (the side, credit or debit, gives the sign)")
                } else if let outside = ImportBounds.problem(amountMinor: value, scale: currency.minorDigits) {
                    problem(
                        transaction["amount_cents"] != nil ? "amount_cents" : "amount",
                        transaction["amount_cents"] ?? transaction["amount"], outside)
                }
            }
            let side = transaction["side"]?.string ?? ""
            if side != "credit" && side != "debit" { problem("side", transaction["side"], "expected credit or debit") }
            let statusText = transaction["status"]?.string ?? ""
            let status = QontoCSVConverter.status(statusText)
            if status == nil {
                problem("status", transaction["status"], "expected completed, pending, declined or reversed")
            }
            var settled: Int64?
            if let node = transaction["settled_at"], !node.isNull {
                settled = node.string.flatMap(ISOTimestamp.parse)?.utc
                if settled == nil { problem("settled_at", node, "expected a timestamp like 2025-07-01T09:00:00.000Z") }
            }
            var emitted: Int64?
            if let node = transaction["emitted_at"], !node.isNull {
                emitted = node.string.flatMap(ISOTimestamp.parse)?.utc
                if emitted == nil { problem("emitted_at", node, "expected a timestamp like 2025-07-01T09:00:00.000Z") }
            }
            for (field, instant) in [("settled_at", settled), ("emitted_at", emitted)] {
                if let instant, let outside = ImportBounds.problem(date: context.zone.localDate(utc: instant)) {
                    problem(field, transaction[field], outside)
                }
            }
            if status == .booked, settled == nil, valid {
                problem("settled_at", transaction["settled_at"], "a completed transaction must have settled_at")
            }
            guard valid, let magnitude, let status else { continue }

            let iban = BankRecord.normalizeIBAN(transaction["iban"]?.string ?? defaultIBAN)
            let own = context.pipeline.ownIBANs
            if !iban.isEmpty, !own.isEmpty, !own.contains(iban) { checks.foreignIBANs.insert(iban) }
            let transactionID =
                JSONInput.string(transaction["transaction_id"]).isEmpty
                ? JSONInput.string(transaction["id"]) : JSONInput.string(transaction["transaction_id"])
            let counterparty = transaction["clean_counterparty_name"]?.string ?? JSONInput.string(transaction["label"])
            let record = BankRecord(
                sourceFormat: format, sourceFile: context.sourceName, sourceRow: index + 1,
                transactionID: transactionID, accountIBAN: iban,
                bookingDate: status == .booked ? settled.map(context.zone.localDate) : nil,
                valueDate: status == .booked ? settled.map(context.zone.localDate) : nil,
                operationDate: emitted.map(context.zone.localDate),
                settledAtUTC: status == .booked ? settled : nil,
                amountMinor: side == "debit" ? -magnitude : magnitude, currency: currency, status: status,
                counterpartyName: counterparty,
                counterpartyIBAN: BankRecord.normalizeIBAN(
                    transaction["transfer"]?["counterparty_account_number"]?.string ?? ""),
                label: JSONInput.string(transaction["label"]),
                remittanceInfo: JSONInput.string(transaction["reference"]),
                paymentMethod: JSONInput.string(transaction["operation_type"]),
                note: JSONInput.string(transaction["note"]))
            if status == .pending, transactionID.isEmpty {
                checks.pendingWithoutID += 1
                continue
            }
            guard let partition = record.partition else {
                problem("emitted_at", transaction["emitted_at"], "the transaction has no date")
                continue
            }
            try context.output.append(partition: partition) { record.write(into: &$0) }
            conflicts.add(id: transactionID, amountMinor: record.amountMinor, line: transaction.position.line)
            records += 1
        }
        for conflict in conflicts.problems(column: "transaction_id", amountScale: 2) { problems.add(conflict) }
        let driver = ConversionDriver(context: context, format: format)
        try driver.rejectIfAny(
            problems, ConversionDriver.Wording(unit: "transaction", units: "transactions", document: "file"),
            advice: "Fetch the transactions again from the Qonto API without editing them, then drop "
                + "the new file.")
        try checks.finish(format: format, pipeline: context.pipeline, notes: &notes)
        return try driver.finish(records: records, notes: notes)
    }
}
