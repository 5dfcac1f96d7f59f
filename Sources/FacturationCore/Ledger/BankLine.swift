/// A booked bank transaction as the accounts see it: signed amount, date, reference, texts.
package struct BankLine: Sendable, Equatable {
    package var key: String
    package var bookingDate: CivilDate
    /// Positive for money in, negative for money out.
    package var amountMinor: Int64
    package var counterpartyName: String
    package var counterpartyIBAN: String
    package var label: String
    package var remittance: String
    package var transactionID: String

    /// Booked rows of the bank ledgers that payments and accounting leave out, and why.
    package struct LeftOut: Sendable {
        /// Amount or date beyond what any import accepts today (``ImportBounds``): ledgers written
        /// before imports were bounded may hold them, and they would overflow every sum they enter.
        package var outOfBounds = 0
        /// In another currency than the pipeline's: invoices, payments and the FEC are in one
        /// currency, and an amount in yen is not an amount in euros.
        package var otherCurrencies: [String: Int] = [:]

        package init() {}

        /// One warning per cause, or nothing.
        package var warnings: [String] {
            var warnings: [String] = []
            if outOfBounds > 0 {
                warnings.append(
                    "\(outOfBounds) booked bank transaction\(outOfBounds == 1 ? " has" : "s have") an amount "
                        + "beyond 1,000,000,000.00 or a date outside 2000–2099 (imported before facturation checked these "
                        + "bounds): left out of payments and accounting; correct the bank ledger in archive/ledgers/ or ask "
                        + "your accountant")
            }
            for (currency, count) in otherCurrencies.sorted(by: { $0.key < $1.key }) {
                warnings.append(
                    "\(count) booked bank transaction\(count == 1 ? " is" : "s are") in \(currency): left out "
                        + "of payment matching and of the FEC, which are kept in the pipeline's currency; book "
                        + "\(count == 1 ? "it" : "them") by hand with your accountant")
            }
            return warnings
        }
    }

    /// Every booked transaction of the bank ledgers of `layout`, oldest first.
    package static func all(in layout: ArchiveLayout) throws -> [BankLine] {
        var leftOut = LeftOut()
        return try all(in: layout, leftOut: &leftOut)
    }

    /// Every booked transaction that payments and accounting may use; the others are counted in
    /// `leftOut` (see ``LeftOut``). `packedBefore`: the ledgers of the years before it are taken from
    /// their pack (``BankLinePack``, written when it no longer describes them): a run's snapshot,
    /// under the workspace's lock.
    package static func all(
        in layout: ArchiveLayout, leftOut: inout LeftOut, packedBefore: Int? = nil
    ) throws -> [BankLine] {
        var read: [String: MatchPack.FileIdentity] = [:]
        return try all(in: layout, leftOut: &leftOut, packedBefore: packedBefore, read: &read)
    }

    /// The same, with each ledger's identity as its lines were taken (by name; see ``packed``).
    static func all(
        in layout: ArchiveLayout, leftOut: inout LeftOut, packedBefore: Int?,
        read: inout [String: MatchPack.FileIdentity]
    ) throws -> [BankLine] {
        var lines: [BankLine] = []
        try packed(in: layout, leftOut: &leftOut, packedBefore: packedBefore, read: &read).forEachLine {
            lines.append($0)
        }
        return lines
    }

    /// The booked lines of the bank ledgers, oldest first (booking date, then key), packed: for a
    /// caller that visits them once (``PackedBankLines/forEachLine(_:)``) and keeps only a part of each.
    ///
    /// The ledgers are read in the order of their names; those of the years before `packedBefore`,
    /// which come first, from ``BankLinePack`` (the same lines in the same order, or the files read
    /// as here), so that the sort sees the same sequence either way.
    /// `read`: each ledger's identity as its lines were taken, by name: the descriptor's of the file
    /// read, or the pack's (which the path still had), so that what is keyed by it names the
    /// lines the caller holds, whatever the paths name by the time they are looked at again.
    static func packed(
        in layout: ArchiveLayout, leftOut: inout LeftOut, packedBefore: Int? = nil
    ) throws -> PackedBankLines {
        var read: [String: MatchPack.FileIdentity] = [:]
        return try packed(in: layout, leftOut: &leftOut, packedBefore: packedBefore, read: &read)
    }

    static func packed(
        in layout: ArchiveLayout, leftOut: inout LeftOut, packedBefore: Int?,
        read: inout [String: MatchPack.FileIdentity]
    ) throws -> PackedBankLines {
        let folder = Path.join(layout.ledgers, LedgerKind.bankTransactions.rawValue)
        let names = try Storage.listIfPresent(folder).sorted().filter {
            $0.hasSuffix(".csv") && $0 != LedgerKind.pendingPartition + ".csv"
        }
        var lines = PackedBankLines()
        var ignored = LeftOut()
        var first = 0
        if let packedBefore {
            first = BankLinePack.closedPrefix(names, before: packedBefore)
            (lines, ignored) = try BankLinePack.lines(layout, folder: folder, names: names[..<first], read: &read)
        }
        for name in names[first...] {
            let status = try Self.read(
                Path.join(folder, name), currency: layout.pipeline.currency.code, into: &lines, leftOut: &ignored)
            if let status { read[name] = MatchPack.FileIdentity(status) }
        }
        leftOut = ignored
        lines.sort()
        return lines
    }

    /// Appends the booked lines of one ledger file to `lines`, counting those left out in `leftOut`;
    /// returns the status of the file read (``LedgerFile/forEachRow(path:header:form:encoding:delimiter:_:)``).
    @discardableResult
    static func read(
        _ path: String, currency: String, into lines: inout PackedBankLines, leftOut ignored: inout LeftOut
    ) throws -> Storage.Status? {
        try LedgerFile.forEachRow(path: path, header: LedgerKind.bankTransactions.columns) { fields in
            func text(_ column: BankColumn) -> String { String(decoding: fields[column.index], as: UTF8.self) }
            guard text(.status) == "booked", let amount = Int64(text(.amountMinor)), amount != 0,
                let date = CivilDate(iso: text(.bookingDate))
            else { return }
            if ImportBounds.problem(amountMinor: amount, scale: 2) != nil || ImportBounds.problem(date: date) != nil {
                ignored.outOfBounds += 1
                return
            }
            let lineCurrency = text(.currency)
            if !lineCurrency.isEmpty, lineCurrency != currency {
                ignored.otherCurrencies[lineCurrency, default: 0] += 1
                return
            }
            lines.append(fields, day: EntryDay(date), amountMinor: amount)
        }
    }

    /// The document reference of the bank operation (its transaction id, else its key).
    package var pieceRef: String {
        let reference = transactionID.isEmpty ? String(key.split(separator: ":").last ?? "") : transactionID
        return String(reference.prefix(40))
    }
}
