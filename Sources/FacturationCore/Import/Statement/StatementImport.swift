/// What the OFX, CFONB 120 and MT940 converters collect over one file: the rows written, the
/// problems found, the accounts seen, and the notes of the summary. The rules are camt.053's
/// (README "Input formats"): a file with any problem is rejected whole, every problem located;
/// an account that is not the company's rejects the file, naming it; a line in another
/// currency than the account's is kept in its own and counted.
struct StatementImport {
    let context: ConversionContext
    let format: InputFormat
    var problems = ProblemList()
    var checks = BankFileChecks()
    var records = 0
    var foreignCurrency = 0
    var reversals = 0
    private let conflicts = TransactionIDConflicts()

    init(context: ConversionContext, format: InputFormat) {
        self.context = context
        self.format = format
    }

    /// Adds `problem` unless the file already has too many to list usefully.
    mutating func add(_ problem: Problem) { problems.add(problem) }

    /// Checks an account against the company's: a foreign one is remembered (the file is then rejected).
    mutating func check(account iban: String) {
        let own = context.pipeline.ownIBANs.map(BankRecord.normalizeIBAN)
        if !own.isEmpty, !own.contains(iban) { checks.foreignIBANs.insert(iban) }
    }

    /// Writes a row into its partition (nothing is written while the file has problems: it will be rejected).
    mutating func write(_ record: BankRecord, accountCurrency: Currency?) throws {
        if let own = accountCurrency, own != record.currency { foreignCurrency += 1 }
        if record.note.hasPrefix("reversal") { reversals += 1 }
        conflicts.add(
            id: record.transactionID.isEmpty ? "" : record.accountIBAN + ":" + record.transactionID,
            amountMinor: record.amountMinor, line: record.sourceRow)
        guard problems.isEmpty, let partition = record.partition else { return }
        try context.output.append(partition: partition) { record.write(into: &$0) }
        records += 1
    }

    /// Rejects the file when it has any problem or a foreign account; otherwise closes the output.
    mutating func finish(
        idColumn: String, wording: ConversionDriver.Wording, advice: String
    ) throws -> ConversionReport {
        for conflict in conflicts.problems(column: idColumn, amountScale: 2) { problems.add(conflict) }
        let driver = ConversionDriver(context: context, format: format)
        try driver.rejectIfAny(problems, wording, advice: advice)
        var notes = notes
        try checks.finish(format: format, pipeline: context.pipeline, notes: &notes)
        return try driver.finish(records: records, notes: notes)
    }

    private var notes: [String] {
        var notes: [String] = []
        if foreignCurrency > 0 {
            notes.append(
                "\(foreignCurrency) line\(foreignCurrency == 1 ? " is" : "s are") in another currency than the "
                    + "account's: imported in that currency, left out of payment matching and of the FEC")
        }
        if reversals > 0 {
            notes.append(
                "\(reversals) reversal\(reversals == 1 ? "" : "s") imported as movement\(reversals == 1 ? "" : "s") "
                    + "of \(reversals == 1 ? "its" : "their") own (note \"reversal\")")
        }
        return notes
    }
}
