extension QontoCSVConverter {
    /// One data row of a Qonto CSV as it is read: its cells and the problems found in it, each
    /// naming its line, column and value. Its parts (status, amount, dates) are small methods so
    /// that the converter's row handler reads as the list of steps it is.
    struct RowReader {
        let row: Int
        let batch: CSVBatch
        let state: State
        let header: [String]
        let french: Bool
        let line: Int
        let columns: ColumnMap
        /// False once a problem was found.
        var valid = true

        init(row: Int, batch: CSVBatch, state: State, header: [String], french: Bool) {
            self.row = row
            self.batch = batch
            self.state = state
            self.header = header
            self.french = french
            line = batch.line(row)
            columns = state.columns
        }

        func text(_ column: Column) -> String {
            guard let index = columns[column] else { return "" }
            return batch.string(row, index).trimmed
        }

        mutating func problem(_ column: Column?, _ message: String) {
            let index = column.flatMap { columns[$0] }
            state.problems.add(
                Problem(
                    line: line, column: index.map { header[$0] }, columnNumber: index.map { $0 + 1 },
                    value: column.map(text), message: message))
            valid = false
        }

        /// The status (booked when the file has no status column), or nil with the problem.
        mutating func status() -> BankStatus? {
            guard columns[.status] != nil else { return .booked }
            let statusText = text(.status)
            let known =
                state.statuses[statusText]
                ?? {
                    let parsed = QontoCSVConverter.status(statusText)
                    state.statuses[statusText] = parsed
                    return parsed
                }()
            guard let parsed = known else {
                problem(
                    .status,
                    french
                        ? "unknown status (expected Exécuté, En cours, Refusé, Annulé or Remboursé)"
                        : "unknown status (expected settled, pending, declined, canceled or reversed)")
                return nil
            }
            return parsed
        }

        /// The currency column (EUR when absent; EUR with a problem when not a code).
        mutating func currency() -> Currency {
            guard columns[.currency] != nil else { return .euro }
            if let parsed = Currency(code: text(.currency)) { return parsed }
            problem(.currency, "not a currency code (expected EUR, USD…)")
            return .euro
        }

        /// The signed amount: the amount column, else credit − debit.
        mutating func amount(currency: Currency) -> Int64? {
            if columns[.amount] != nil, let total = amount(.amount, currency: currency) { return total }
            guard valid else { return nil }
            let credit = amount(.credit, currency: currency).map { abs($0) } ?? 0
            let debit = amount(.debit, currency: currency).map { abs($0) } ?? 0
            if valid, text(.credit).isEmpty, text(.debit).isEmpty {
                problem(.amount, "the amount is empty")
                return nil
            }
            // Both are bounded (``ImportBounds``), so the difference fits.
            return credit - debit
        }

        private mutating func amount(_ column: Column, currency: Currency) -> Int64? {
            let value = text(column)
            if value.isEmpty { return nil }
            switch DecimalText.minorUnits(
                value, scale: currency.minorDigits, style: french ? .commaDecimal : .dotDecimal)
            {
            case .success(let minor):
                if let outside = ImportBounds.problem(amountMinor: minor, scale: currency.minorDigits) {
                    problem(column, outside)
                    return nil
                }
                return minor
            case .failure(let failure):
                problem(column, failure.message)
                return nil
            }
        }

        /// A date and time from its UTC column, else from its local one.
        mutating func instant(utc: Column, local: Column, zone: ZoneConverter) -> (utc: Int64, local: CivilDate)? {
            if columns[utc] != nil, !text(utc).isEmpty {
                guard let parsed = dateTime(utc) else { return nil }
                let seconds = parsed.date.daysSinceEpoch * 86_400 + Int64(parsed.seconds)
                return (seconds, zone.localDate(utc: seconds))
            }
            if columns[local] != nil, !text(local).isEmpty {
                guard let parsed = dateTime(local) else { return nil }
                let localSeconds = parsed.date.daysSinceEpoch * 86_400 + Int64(parsed.seconds)
                return (zone.utc(fromLocal: localSeconds), parsed.date)
            }
            return nil
        }

        private mutating func dateTime(_ column: Column) -> (date: CivilDate, seconds: Int)? {
            guard let parsed = QontoCSVConverter.dateTime(text(column)) else {
                problem(column, "not a valid date and time (expected DD-MM-YYYY HH:MM:SS, a real date)")
                return nil
            }
            if let outside = ImportBounds.problem(date: parsed.date) {
                problem(column, outside)
                return nil
            }
            return (parsed.date, parsed.seconds)
        }

        /// The value date column, else `fallback` (the settlement day).
        mutating func valueDate(default fallback: CivilDate?) -> CivilDate? {
            guard columns[.valueDate] != nil, !text(.valueDate).isEmpty else { return fallback }
            guard let parsed = QontoCSVConverter.dateTime(text(.valueDate)) else {
                problem(.valueDate, "not a valid date (expected DD-MM-YYYY, a real date)")
                return fallback
            }
            if let outside = ImportBounds.problem(date: parsed.date) { problem(.valueDate, outside) }
            return parsed.date
        }

        /// An executed transaction has a settlement date; any other, at least an operation date.
        mutating func requireDates(status: BankStatus, settled: Bool, operation: Bool) {
            if status == .booked, !settled, valid {
                problem(
                    columns[.settledLocal] != nil ? .settledLocal : .settledUTC,
                    "an executed transaction must have a settlement date")
            }
            if status != .booked, !settled, !operation, valid {
                problem(.operationLocal, "the transaction has neither a settlement date nor an operation date")
            }
        }
    }
}
