/// Booked bank lines held as one 64-byte row each and their texts in a ``ByteTextPool``, sorted by
/// booking date and key, each made into a ``BankLine`` only when it is visited.
///
/// Why: the accounting stage must visit every bank line of the ledgers in booking order (the VAT
/// a receipt releases depends on the receipts before it), and the ledger files are ordered by
/// booking date, settlement time and operation date, not key, so the lines are read whole before
/// the first is used. As `BankLine` values a line costs about 550 bytes (six heap strings);
/// packed, about 250: a 145,000-line year takes 36 MB instead of 80. ``BankLine/all(in:leftOut:)``
/// is made from it too, so both visit the same lines in the same order.
struct PackedBankLines {
    private struct Row {
        var day: EntryDay
        var amountMinor: Int64
        var key: ByteTextPool.Ref
        var counterpartyName: ByteTextPool.Ref
        var counterpartyIBAN: ByteTextPool.Ref
        var label: ByteTextPool.Ref
        var remittance: ByteTextPool.Ref
        var transactionID: ByteTextPool.Ref
    }

    private var rows: [Row] = []
    private var pool = ByteTextPool()

    var count: Int { rows.count }

    /// Appends one ledger row (its fields by ``BankColumn``) as a line of `day` and `amountMinor`.
    mutating func append(_ fields: [UnsafeRawBufferPointer], day: EntryDay, amountMinor: Int64) {
        func text(_ column: BankColumn) -> ByteTextPool.Ref { pool.append(fields[column.index]) }
        rows.append(
            Row(
                day: day, amountMinor: amountMinor, key: text(.recordKey), counterpartyName: text(.counterpartyName),
                counterpartyIBAN: text(.counterpartyIBAN), label: text(.label), remittance: text(.remittanceInfo),
                transactionID: text(.sourceTxnID)))
    }

    /// Sorts the rows by booking date, then key (as `String` orders keys).
    mutating func sort() {
        let pool = self.pool
        rows.sort { a, b in
            if a.day != b.day { return a.day < b.day }
            return pool.compare(a.key, b.key) == .orderedAscending
        }
    }

    /// Calls `body` with each line, in the rows' order.
    func forEachLine(_ body: (BankLine) throws -> Void) rethrows {
        for row in rows {
            try body(
                BankLine(
                    key: pool.string(row.key), bookingDate: row.day.date, amountMinor: row.amountMinor,
                    counterpartyName: pool.string(row.counterpartyName),
                    counterpartyIBAN: pool.string(row.counterpartyIBAN), label: pool.string(row.label),
                    remittance: pool.string(row.remittance), transactionID: pool.string(row.transactionID)))
        }
    }
}

extension PackedBankLines {
    /// Writes every row as ``BankLinePack`` keeps it: the booking day (days since the epoch), the
    /// amount, then the six texts in the order ``append(_:day:amountMinor:)`` takes them.
    func write(to writer: inout PackWriter) {
        for row in rows {
            writer.int(row.day.date.daysSinceEpoch)
            writer.int(row.amountMinor)
            for ref in [
                row.key, row.counterpartyName, row.counterpartyIBAN, row.label, row.remittance, row.transactionID,
            ] {
                pool.withUTF8(ref) { writer.text(bytes: $0) }
            }
        }
    }

    /// Appends `count` rows written by ``write(to:)``; throws on anything it could not have written
    /// (a day outside the years an import accepts).
    mutating func read(_ count: Int, from reader: inout PackReader) throws(PackReader.Damaged) {
        // Each row takes at least 40 bytes: a count beyond that is damage, not an allocation.
        guard count <= (reader.bytes.count - reader.at) / 40 else { throw PackReader.Damaged() }
        rows.reserveCapacity(rows.count + count)
        for _ in 0..<count {
            let date = CivilDate(daysSinceEpoch: Int64(try reader.int()))
            guard (2000...2099).contains(date.year) else { throw PackReader.Damaged() }
            let amount = Int64(try reader.int())
            func text() throws(PackReader.Damaged) -> ByteTextPool.Ref { pool.append(try reader.textBytes()) }
            let key = try text(), name = try text(), iban = try text()
            let label = try text(), remittance = try text(), transactionID = try text()
            rows.append(
                Row(
                    day: EntryDay(date), amountMinor: amount, key: key, counterpartyName: name, counterpartyIBAN: iban,
                    label: label, remittance: remittance, transactionID: transactionID))
        }
    }
}
