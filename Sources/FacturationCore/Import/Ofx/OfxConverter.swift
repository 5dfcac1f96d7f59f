/// Converts an OFX bank statement (1.x SGML or 2.x XML) into normalized bank transactions, with
/// the camt.053 converter's rules (README "Input formats").
///
/// Every `STMTRS` of the file (one per `STMTTRNRS`; a file may hold several) names its account
/// in `BANKACCTFROM` (see ``account(of:import:)``) and its currency in `CURDEF`; each
/// `BANKTRANLIST/STMTTRN` becomes one booked row (``OfxTransactionReader``). Consecutive
/// statements of one account have their `LEDGERBAL` checked (``OfxBalanceChain``). A file with
/// any problem is rejected whole, every problem named with its line and element.
struct OfxConverter {
    let context: ConversionContext

    private static let advice =
        "Download the statement again from the bank (OFX, also called Money or Microsoft Money format) "
        + "without editing it, then drop the new file."

    func convert() throws -> ConversionReport {
        var state = StatementImport(context: context, format: .ofx)
        let statements = try statements()
        var chain = OfxBalanceChain()
        for statement in statements {
            let currency = Currency(code: statement["CURDEF"]?.text ?? "")
            if currency == nil {
                state.add(
                    Problem(
                        line: (statement["CURDEF"] ?? statement).line, column: "STMTRS/CURDEF",
                        value: statement["CURDEF"]?.text,
                        message: "the statement has no currency (CURDEF, a code like EUR)"))
            }
            guard let iban = account(of: statement, import: &state), let currency else { continue }
            state.check(account: iban)
            let list = statement["BANKTRANLIST"]?.children("STMTTRN") ?? []
            var balance = balanceFacts(statement, iban: iban, currency: currency)
            for transaction in list {
                var reader = OfxTransactionReader(
                    node: transaction, iban: iban, currency: currency, context: context)
                let record = reader.read()
                for problem in reader.problems { state.add(problem) }
                guard let record else { continue }
                if let sum = balance.sum {
                    let (next, overflow) = sum.addingReportingOverflow(record.amountMinor)
                    balance.sum = record.currency == currency && !overflow ? next : nil
                }
                try state.write(record, accountCurrency: currency)
            }
            if let problem = chain.add(balance) { state.add(problem) }
        }
        return try state.finish(
            idColumn: "STMTTRN/FITID",
            wording: ConversionDriver.Wording(unit: "transaction", units: "transactions", document: "statement"),
            advice: Self.advice)
    }

    /// A statement's dates and `LEDGERBAL`, for ``OfxBalanceChain`` (what cannot be read is nil:
    /// that statement is then not compared).
    private func balanceFacts(_ statement: OfxNode, iban: String, currency: Currency) -> OfxBalanceChain.Statement {
        let list = statement["BANKTRANLIST"]
        let ledger = statement["LEDGERBAL"]
        func date(_ node: OfxNode?) -> CivilDate? {
            node.flatMap { OfxTransactionReader.parseDate($0.text, zone: context.zone) }
        }
        var balance: Int64?
        if let text = ledger?["BALAMT"]?.text {
            let style: DecimalText.Style = text.contains(",") && !text.contains(".") ? .commaDecimal : .dotDecimal
            if case .success(let value) = DecimalText.minorUnits(text, scale: currency.minorDigits, style: style) {
                balance = value
            }
        }
        return OfxBalanceChain.Statement(
            iban: iban, currency: currency, start: date(list?["DTSTART"]), end: date(list?["DTEND"]),
            balance: balance, asOf: date(ledger?["DTASOF"]), line: (ledger?["BALAMT"] ?? statement).line, sum: 0)
    }

    /// The `STMTRS` elements of the document, once it is read.
    private func statements() throws -> [OfxNode] {
        let windows1252 = OfxDocument.declaresWindows1252(context.scan.head)
        let bytes = try StatementText.load(context, encoding: windows1252 ? .windows1252 : nil)
        let document: OfxDocument
        switch OfxDocument.parse(bytes) {
        case .success(let read): document = read
        case .failure(let error):
            var problems = ProblemList()
            problems.add(Problem(line: error.line, message: error.message))
            throw Rejection(
                format: .ofx, summary: "The statement is not a readable OFX document (it was probably cut or edited).",
                problems: problems, advice: Self.advice)
        }
        let statements = document.root.descendants("STMTRS")
        guard !statements.isEmpty else {
            let card = !document.root.descendants("CCSTMTRS").isEmpty
            throw Rejection(
                format: .ofx,
                summary: card
                    ? "This OFX file is a credit-card statement (CCSTMTRS), which is not read: bank accounts are."
                    : "The OFX document holds no bank statement (no STMTTRNRS/STMTRS element).",
                advice: Self.advice)
        }
        return statements
    }

    /// The company's IBAN for a statement's `BANKACCTFROM`: `ACCTID` when it is an IBAN, else the
    /// RIB `BANKID` + `BRANCHID` + `ACCTID` (+ `ACCTKEY`; an `ACCTID` of 13 characters ending in
    /// two digits is the account and its key) mapped by ``StatementAccount``. Nil with a problem
    /// when the account cannot be read.
    private func account(of statement: OfxNode, import state: inout StatementImport) -> String? {
        let from = statement["BANKACCTFROM"]
        let accountID = from?["ACCTID"]?.text ?? ""
        if let iban = StatementAccount.iban(accountID) { return iban }
        var number = accountID
        var key = from?["ACCTKEY"]?.text
        if number.count == 13, number.suffix(2).allSatisfy(\.isASCIIDigit), key == nil {
            key = String(number.suffix(2))
            number = String(number.prefix(11))
        }
        if let iban = StatementAccount.iban(
            bank: from?["BANKID"]?.text ?? "", branch: from?["BRANCHID"]?.text ?? "", account: number, key: key,
            own: context.pipeline.ownIBANs.map(BankRecord.normalizeIBAN))
        {
            return iban
        }
        state.add(
            Problem(
                line: (from ?? statement).line, column: "STMTRS/BANKACCTFROM",
                value: [from?["BANKID"]?.text, from?["BRANCHID"]?.text, from?["ACCTID"]?.text].compactMap { $0 }
                    .joined(separator: " "),
                message: "the account is neither an IBAN (ACCTID) nor a French RIB (BANKID: 5 digits, BRANCHID: "
                    + "5 digits, ACCTID: up to 11 letters or digits): every account is checked against the company's"))
        return nil
    }
}
