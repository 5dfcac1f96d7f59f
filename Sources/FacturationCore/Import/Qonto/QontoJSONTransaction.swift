extension QontoJSONConverter {
    /// One transaction of a Qonto API response as it is read: its values and the problems found
    /// in it, each naming the transaction's path (`transactions[3].amount_cents`), line and value.
    struct TransactionReader {
        let index: Int
        let transaction: JSONNode
        private(set) var problems: [Problem] = []
        var valid: Bool { problems.isEmpty }

        init(index: Int, transaction: JSONNode) {
            self.index = index
            self.transaction = transaction
        }

        /// What a valid transaction says.
        struct Parsed {
            var currency: Currency
            /// Unsigned, in minor units; `side` gives the sign.
            var magnitude: Int64
            var side: String
            var status: BankStatus
            var settled: Int64?
            var emitted: Int64?
        }

        mutating func problem(_ field: String, _ node: JSONNode?, _ message: String) {
            problems.append(JSONInput.problem(in: transaction, at: "transactions[\(index)].\(field)", node, message))
        }

        /// Every field, every problem; nil when something is missing or wrong.
        mutating func read(zone: ZoneConverter) -> Parsed? {
            guard transaction.object != nil else {
                problem("", transaction, "expected an object for each transaction")
                return nil
            }
            let currencyNode = transaction["currency"]
            guard let currency = Currency(code: currencyNode?.string ?? "") else {
                problem("currency", currencyNode, "expected a currency code like EUR")
                return nil
            }
            let magnitude = magnitude(currency: currency)
            let side = transaction["side"]?.string ?? ""
            if side != "credit" && side != "debit" { problem("side", transaction["side"], "expected credit or debit") }
            let status = QontoCSVConverter.status(transaction["status"]?.string ?? "")
            if status == nil {
                problem("status", transaction["status"], "expected completed, pending, declined or reversed")
            }
            let settled = timestamp("settled_at")
            let emitted = timestamp("emitted_at")
            for (field, instant) in [("settled_at", settled), ("emitted_at", emitted)] {
                if let instant, let outside = ImportBounds.problem(date: zone.localDate(utc: instant)) {
                    problem(field, transaction[field], outside)
                }
            }
            if status == .booked, settled == nil, valid {
                problem("settled_at", transaction["settled_at"], "a completed transaction must have settled_at")
            }
            guard let magnitude, let status else { return nil }
            return Parsed(
                currency: currency, magnitude: magnitude, side: side, status: status, settled: settled,
                emitted: emitted)
        }

        /// `amount_cents`, else `amount` (a decimal), unsigned and within bounds.
        private mutating func magnitude(currency: Currency) -> Int64? {
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
            guard let value = magnitude else { return nil }
            let field = transaction["amount_cents"] != nil ? "amount_cents" : "amount"
            let node = transaction["amount_cents"] ?? transaction["amount"]
            if value < 0 {
                problem(field, node, "expected an amount without sign (the side, credit or debit, gives the sign)")
            } else if let outside = ImportBounds.problem(amountMinor: value, scale: currency.minorDigits) {
                problem(field, node, outside)
            }
            return value
        }

        /// An ISO timestamp field (absent or null: nil without a problem).
        private mutating func timestamp(_ field: String) -> Int64? {
            guard let node = transaction[field], !node.isNull else { return nil }
            let instant = node.string.flatMap(ISOTimestamp.parse)?.utc
            if instant == nil { problem(field, node, "expected a timestamp like 2025-07-01T09:00:00.000Z") }
            return instant
        }
    }
}
