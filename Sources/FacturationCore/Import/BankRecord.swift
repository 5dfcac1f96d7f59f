/// The life-cycle state of a bank transaction (`status` column).
package enum BankStatus: String, Sendable {
    /// Executed by the bank: the only state that counts in the accounts.
    case booked
    /// Not executed yet; kept in `pending.csv` until its booked version arrives.
    case pending
    case declined
    case reversed
    case cancelled
}

/// One normalized bank transaction, as the bank converters build it.
struct BankRecord {
    var sourceFormat: InputFormat
    var sourceFile: String
    var sourceRow: Int
    var transactionID: String
    var accountIBAN: String
    var bookingDate: CivilDate?
    var valueDate: CivilDate?
    var operationDate: CivilDate?
    var settledAtUTC: Int64?
    var amountMinor: Int64
    var currency: Currency
    var status: BankStatus
    var counterpartyName: String
    var counterpartyIBAN: String
    var label: String
    var remittanceInfo: String
    var paymentMethod: String
    var note: String

    /// `qonto:<iban>:<id>` when the bank gave an id, otherwise a fingerprint (`bank:<hash>`).
    var key: String {
        if !transactionID.isEmpty {
            return "qonto:" + (accountIBAN.isEmpty ? "-" : accountIBAN) + ":" + TextCleaning.cleaned(transactionID)
        }
        let fingerprint = FingerprintBuilder()
        fingerprint.start()
        fingerprint.append(accountIBAN)
        fingerprint.append((bookingDate ?? operationDate)?.description ?? "")
        fingerprint.append(amountMinor)
        fingerprint.append(currency.code)
        fingerprint.append(RecordKey.normalize(counterpartyName + " " + label + " " + remittanceInfo).lowercased())
        return fingerprint.key(.bank)
    }

    /// The ledger file the record belongs to: `pending`, or the month of its booking (or operation) date.
    var partition: String? {
        if status == .pending { return LedgerKind.pendingPartition }
        return (bookingDate ?? operationDate)?.monthKey
    }

    func write(into out: inout CSVLineBuilder) {
        out.field(key)
        out.plainField(sourceFormat.word)
        out.field(sourceFile)
        out.field(Int64(sourceRow))
        out.field(TextCleaning.cleaned(transactionID))
        out.field(accountIBAN)
        out.field(bookingDate?.description ?? "")
        out.field(valueDate?.description ?? "")
        out.field(operationDate?.description ?? "")
        out.field(settledAtUTC.map(ISOTimestamp.formatUTC) ?? "")
        out.field(amountMinor)
        out.field(DecimalText.format(minorUnits: amountMinor, scale: currency.minorDigits))
        out.field(currency.code)
        out.field(amountMinor < 0 ? "debit" : "credit")
        out.field(status.rawValue)
        // Texts from the bank, cleaned of control characters (``TextCleaning``).
        out.field(TextCleaning.cleaned(counterpartyName))
        out.field(TextCleaning.cleaned(counterpartyIBAN))
        out.field(TextCleaning.cleaned(label))
        out.field(TextCleaning.cleaned(remittanceInfo))
        out.field(TextCleaning.cleaned(paymentMethod))
        out.field(TextCleaning.cleaned(note))
    }

    /// Uppercase, without spaces.
    static func normalizeIBAN(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (the usual case): drop spaces and dashes, upper-case, byte by byte.
            return String(
                decoding: text.utf8.compactMap { byte -> UInt8? in
                    byte == 0x20 || byte == 0x2D ? nil : (byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
                }, as: UTF8.self)
        }
        return String(text.unicodeScalars.filter { $0 != " " && $0 != "\u{00A0}" && $0 != "-" }.map(Character.init))
            .uppercased()
    }
}

/// Collects what every bank converter checks at the end of a file.
struct BankFileChecks {
    var foreignIBANs: Set<String> = []
    var pendingWithoutID = 0

    /// Notes and rejections shared by the bank converters.
    func finish(format: InputFormat, pipeline: PipelineConfig, notes: inout [String]) throws {
        if !foreignIBANs.isEmpty {
            // An account comes from the file: shown without control characters, at most 34
            // characters (the longest IBAN) and five accounts, so a hostile value cannot fill the log.
            let shown = foreignIBANs.sorted().prefix(5).map { iban -> String in
                let clean = TextCleaning.cleaned(iban)
                return clean.count > 34 ? String(clean.prefix(34)) + "… (\(clean.count) characters)" : clean
            }
            let list =
                shown.joined(separator: ", ") + (foreignIBANs.count > 5 ? " and \(foreignIBANs.count - 5) more" : "")
            throw Rejection(
                format: format,
                summary: "This export is for the account \(list), which is not an account of \(pipeline.company.name).",
                advice: "Check that the file belongs to this company. If the account is the company's, add it to "
                    + "\(pipeline.file) under [company] (iban = \"…\" or other_ibans = [\"…\"]), then drop the file again."
            )
        }
        if pendingWithoutID > 0 {
            notes.append(
                "\(pendingWithoutID) pending transaction\(pendingWithoutID == 1 ? "" : "s") without a transaction id "
                    + "\(pendingWithoutID == 1 ? "was" : "were") not imported: without an id the booked version could not "
                    + "replace it; it will be imported once executed")
        }
    }
}
