/// Converts an ISO 20022 camt.053 bank-to-customer statement (versions 001.02 to 001.08) into
/// normalized bank transactions, with the Qonto converters' rules.
///
/// The document is read whole with libxml2 (``XMLTree``: offline, silent). Each `Stmt` (a file
/// may hold several) names its account (`Acct/Id/IBAN`), which must be one of the company's;
/// each `Ntry` becomes one row, or one row per transaction of a batched entry when every
/// transaction has its own amount (``CamtEntryReader``). A file with any problem is rejected
/// whole, every problem named with its line and element.
struct CamtConverter {
    let context: ConversionContext

    /// The namespace of camt.053, without its two-digit version.
    static let namespacePrefix = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
    /// The versions read: 001.02 to 001.08.
    static let versions = 2...8

    /// The largest statement read. The libxml2 tree takes about 13 times the file's size (measured:
    /// 50,000 entries, 24.7 MB, 323 MB peak RSS in a release build), so 64 MB stays under 1 GB; a
    /// month of a small company's account is a few hundred kilobytes.
    static let maximumSize: Int64 = 64 << 20

    private static let advice =
        "Download the statement again from the bank (camt.053, XML) without editing it, then drop the new file."

    func convert() throws -> ConversionReport {
        let format = InputFormat.camt053
        let statements = try statements()
        var state = CamtEntryReader.FileState()
        let conflicts = TransactionIDConflicts()
        for statement in statements {
            guard let account = account(of: statement, state: &state) else { continue }
            for entry in statement.children("Ntry") {
                var reader = CamtEntryReader(entry: entry, account: account, context: context)
                let records = reader.read(state: &state)
                for problem in reader.problems { state.problems.add(problem) }
                guard reader.valid else { continue }
                for record in records {
                    guard let partition = record.partition else { continue }
                    try context.output.append(partition: partition) { record.write(into: &$0) }
                    conflicts.add(id: record.transactionID, amountMinor: record.amountMinor, line: record.sourceRow)
                    state.records += 1
                }
            }
        }
        for conflict in conflicts.problems(column: "AcctSvcrRef", amountScale: 2) { state.problems.add(conflict) }
        let driver = ConversionDriver(context: context, format: format)
        try driver.rejectIfAny(
            state.problems, ConversionDriver.Wording(unit: "entry", units: "entries", document: "statement"),
            advice: Self.advice)
        var notes = state.notes
        try state.checks.finish(format: format, pipeline: context.pipeline, notes: &notes)
        return try driver.finish(records: state.records, notes: notes)
    }

    /// The `Stmt` elements of the document, once it is read and its version checked.
    private func statements() throws -> [XMLNodeRef] {
        let format = InputFormat.camt053
        if context.scan.size > Self.maximumSize {
            throw Rejection(
                format: format, summary: "The statement is larger than 64 MB, which is more than can be read whole.",
                advice: "Download the statement in several periods (one month each), then drop the files.")
        }
        let tree: XMLTree
        switch XMLTree.read(path: context.path) {
        case .success(let read): tree = read
        case .failure(let error):
            var problems = ProblemList()
            problems.add(Problem(line: error.line, message: error.message))
            throw Rejection(
                format: format, summary: "The statement is not well-formed XML (it was probably cut or edited).",
                problems: problems, advice: Self.advice)
        }
        guard let root = tree.root, root.name == "Document", let namespace = root.namespace,
            namespace.hasPrefix(Self.namespacePrefix)
        else {
            throw Rejection(
                format: format,
                summary: "The root element is not a camt.053 <Document> (namespace \(Self.namespacePrefix)NN).",
                advice: Self.advice)
        }
        let version = Int(namespace.dropFirst(Self.namespacePrefix.count))
        guard let version, Self.versions.contains(version) else {
            throw Rejection(
                format: format,
                summary: "This is camt.053 version \(namespace.dropFirst(Self.namespacePrefix.count - 4)), "
                    + "which is not read: versions 001.02 to 001.08 are.",
                advice: "Ask the bank for a camt.053 in a version from 001.02 to 001.08 (most offer 001.02 or 001.08).")
        }
        let statements = root["BkToCstmrStmt"]?.children("Stmt") ?? []
        guard !statements.isEmpty else {
            throw Rejection(
                format: format, summary: "The document holds no statement (no BkToCstmrStmt/Stmt element).",
                advice: Self.advice)
        }
        return statements
    }

    /// The account of a statement, checked against the company's; nil (with a problem) without an IBAN.
    private func account(of statement: XMLNodeRef, state: inout CamtEntryReader.FileState) -> CamtEntryReader.Account? {
        let ibanNode = statement["Acct", "Id", "IBAN"]
        let iban = BankRecord.normalizeIBAN(ibanNode?.text ?? "")
        guard !iban.isEmpty else {
            let other = statement["Acct", "Id", "Othr", "Id"]?.text
            state.problems.add(
                Problem(
                    line: (statement["Acct"] ?? statement).line, column: "Stmt/Acct/Id/IBAN", value: other,
                    message: "the statement has no account IBAN"
                        + (other.map { " (its account is given as \"\($0)\", not as an IBAN)" } ?? "")
                        + ": every account is checked against the company's IBANs; ask the bank for a camt.053 "
                        + "that identifies the account by its IBAN"))
            return nil
        }
        let own = context.pipeline.ownIBANs
        if !own.isEmpty, !own.contains(iban) { state.checks.foreignIBANs.insert(iban) }
        return CamtEntryReader.Account(
            iban: iban, currency: statement["Acct", "Ccy"].flatMap { Currency(code: $0.text) })
    }
}
