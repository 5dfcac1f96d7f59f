/// The normalized ledgers the pipeline keeps, with their documented CSV columns.
package enum LedgerKind: String, Sendable, CaseIterable, Codable {
    case timeEntries = "time-entries"
    case bankTransactions = "bank-transactions"

    /// Column names, in order (the header row of every ledger file).
    package var columns: [String] {
        switch self {
        case .timeEntries: TimeEntryColumn.allCases.map(\.rawValue)
        case .bankTransactions: BankColumn.allCases.map(\.rawValue)
        }
    }

    /// Columns whose values order the rows of a ledger file (then `record_key`).
    var sortColumns: [Int] {
        switch self {
        case .timeEntries: [TimeEntryColumn.startUTC.index]
        case .bankTransactions:
            [
                BankColumn.bookingDate.index, BankColumn.settledAtUTC.index,
                BankColumn.operationDate.index,
            ]
        }
    }

    /// What one record is called in summaries.
    package var recordNoun: (singular: String, plural: String) {
        switch self {
        case .timeEntries: ("time entry", "time entries")
        case .bankTransactions: ("bank transaction", "bank transactions")
        }
    }

    /// The partition of bank rows that are not booked yet (kept outside the monthly files).
    package static let pendingPartition = "pending"
}

/// Columns of `time-entries/YYYY-MM.csv`.
package enum TimeEntryColumn: String, CaseIterable, Sendable {
    case recordKey = "record_key"
    case sourceFormat = "source_format"
    case sourceFile = "source_file"
    case sourceRow = "source_row"
    case sourceEntryID = "source_entry_id"
    case userName = "user_name"
    case userEmail = "user_email"
    case clientName = "client_name"
    case clientCode = "client_code"
    case projectName = "project_name"
    case taskName = "task_name"
    case description = "description"
    case tags = "tags"
    case billable = "billable"
    case entryType = "entry_type"
    case startLocal = "start_local"
    case endLocal = "end_local"
    case startUTC = "start_utc"
    case endUTC = "end_utc"
    case durationSeconds = "duration_seconds"
    case timePrecision = "time_precision"
    case hourlyRateMinor = "hourly_rate_minor"
    case hourlyRate = "hourly_rate"
    case billableAmountMinor = "billable_amount_minor"
    case billableAmount = "billable_amount"
    case currency = "currency"
    case category = "category"
    case invoiced = "invoiced"
    case invoiceRef = "invoice_ref"

    /// Position of the column (0-based).
    package var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// Columns of `bank-transactions/YYYY-MM.csv` and `bank-transactions/pending.csv`.
package enum BankColumn: String, CaseIterable, Sendable {
    case recordKey = "record_key"
    case sourceFormat = "source_format"
    case sourceFile = "source_file"
    case sourceRow = "source_row"
    case sourceTxnID = "source_txn_id"
    case accountIBAN = "account_iban"
    case bookingDate = "booking_date"
    case valueDate = "value_date"
    case operationDate = "operation_date"
    case settledAtUTC = "settled_at_utc"
    case amountMinor = "amount_minor"
    case amount = "amount"
    case currency = "currency"
    case direction = "direction"
    case status = "status"
    case counterpartyName = "counterparty_name"
    case counterpartyIBAN = "counterparty_iban"
    case label = "label"
    case remittanceInfo = "remittance_info"
    case paymentMethod = "payment_method"
    case note = "note"

    /// Position of the column (0-based).
    package var index: Int { Self.allCases.firstIndex(of: self)! }
}
