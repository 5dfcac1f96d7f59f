/// Converts a Qonto API v2 `GET /transactions` response (`{"transactions": [...]}`) into
/// normalized bank transactions.
///
/// Amounts are unsigned (`amount_cents`, else `amount`) and signed here by `side`. The account
/// IBAN is the transaction's `iban` when present, else the one `fetch qonto` recorded in the file
/// (`facturation_fetch.iban`), else the company's IBAN when it has just one.
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
        // Qonto's transactions carry no IBAN: the account `fetch qonto` asked for (recorded in the
        // file), else the company's only account.
        let recorded = root["facturation_fetch"]?["iban"]
        if let recorded, recorded.string == nil {
            // Not guessed: the company's account would be given to another account's rows.
            throw Rejection(
                format: format,
                summary: "Line \(recorded.position.line): facturation_fetch.iban is not text, so the account of "
                    + "these transactions is unknown.",
                advice: "Drop the file `facturation fetch qonto` wrote, unedited (fetch again if it was changed).")
        }
        let fetchedFor = recorded?.string.map(BankRecord.normalizeIBAN)
        let defaultIBAN =
            fetchedFor ?? (context.pipeline.ownIBANs.count == 1 ? context.pipeline.ownIBANs[0] : "")
        let conflicts = TransactionIDConflicts()
        for (index, transaction) in transactions.enumerated() {
            var reader = TransactionReader(index: index, transaction: transaction)
            defer { for problem in reader.problems { problems.add(problem) } }
            guard let parsed = reader.read(zone: context.zone), reader.valid else { continue }
            let record = record(parsed, reader: reader, defaultIBAN: defaultIBAN, checks: &checks)
            if parsed.status == .pending, record.transactionID.isEmpty {
                checks.pendingWithoutID += 1
                continue
            }
            guard let partition = record.partition else {
                reader.problem("emitted_at", transaction["emitted_at"], "the transaction has no date")
                continue
            }
            try context.output.append(partition: partition) { record.write(into: &$0) }
            conflicts.add(id: record.transactionID, amountMinor: record.amountMinor, line: transaction.position.line)
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

    /// The bank record of a valid transaction; an account that is not the pipeline's is noted.
    private func record(
        _ parsed: TransactionReader.Parsed, reader: TransactionReader, defaultIBAN: String, checks: inout BankFileChecks
    ) -> BankRecord {
        let transaction = reader.transaction
        let iban = BankRecord.normalizeIBAN(transaction["iban"]?.string ?? defaultIBAN)
        let own = context.pipeline.ownIBANs
        if !iban.isEmpty, !own.isEmpty, !own.contains(iban) { checks.foreignIBANs.insert(iban) }
        let transactionID =
            JSONInput.string(transaction["transaction_id"]).isEmpty
            ? JSONInput.string(transaction["id"]) : JSONInput.string(transaction["transaction_id"])
        let counterparty = transaction["clean_counterparty_name"]?.string ?? JSONInput.string(transaction["label"])
        let booked = parsed.status == .booked
        return BankRecord(
            sourceFormat: .qontoAPIJSON, sourceFile: context.sourceName, sourceRow: reader.index + 1,
            transactionID: transactionID, accountIBAN: iban,
            bookingDate: booked ? parsed.settled.map(context.zone.localDate) : nil,
            valueDate: booked ? parsed.settled.map(context.zone.localDate) : nil,
            operationDate: parsed.emitted.map(context.zone.localDate),
            settledAtUTC: booked ? parsed.settled : nil,
            amountMinor: parsed.side == "debit" ? -parsed.magnitude : parsed.magnitude, currency: parsed.currency,
            status: parsed.status, counterpartyName: counterparty,
            counterpartyIBAN: BankRecord.normalizeIBAN(
                transaction["transfer"]?["counterparty_account_number"]?.string ?? ""),
            label: JSONInput.string(transaction["label"]),
            remittanceInfo: JSONInput.string(transaction["reference"]),
            paymentMethod: JSONInput.string(transaction["operation_type"]),
            note: JSONInput.string(transaction["note"]))
    }
}
