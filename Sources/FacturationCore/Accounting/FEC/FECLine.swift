/// One line of a FEC (Fichier des Écritures Comptables): the 18 fields of article A47 A-1 LPF §VII-1°,
/// typed.
///
/// Amounts are integer cents of the company currency (`debitMinor`, `creditMinor`; exactly one of them
/// should be non-zero, both non-negative); `foreignAmountMinor` is in cents of `currency`. Optional
/// fields are the six the law lets be blank ("à blanc si non utilisé"): `nil` writes an empty field.
/// Text is written as given, after ``FECWriter`` replaced tabs, `|`, CR and LF by spaces and trimmed it.
package struct FECLine: Sendable, Equatable {
    /// `JournalCode`: the journal's code (`VT`, `BQ`, `OD`, `AN`…).
    package var journalCode: String
    /// `JournalLib`: the journal's label.
    package var journalLabel: String
    /// `EcritureNum`: the entry's number, on a continuous sequence (per journal or global).
    package var entryNumber: String
    /// `EcritureDate`: the accounting date of the entry.
    package var entryDate: CivilDate
    /// `CompteNum`: the general-ledger account (first three characters are digits, PCG).
    package var accountNumber: String
    /// `CompteLib`: the account's label (one label per account in a file).
    package var accountLabel: String
    /// `CompAuxNum`: the third party's sub-ledger code, only on third-party (class 4) accounts.
    package var auxiliaryNumber: String?
    /// `CompAuxLib`: the third party's name (set exactly when `auxiliaryNumber` is).
    package var auxiliaryLabel: String?
    /// `PieceRef`: the reference of the supporting document (invoice number, bank reference).
    package var pieceRef: String
    /// `PieceDate`: the date of the supporting document.
    package var pieceDate: CivilDate
    /// `EcritureLib`: the line's label.
    package var label: String
    /// `Debit`, in cents (0 on a credit line).
    package var debitMinor: Int64
    /// `Credit`, in cents (0 on a debit line).
    package var creditMinor: Int64
    /// `EcritureLet`: the lettering (matching) code, shared by the lines matched together on one account.
    package var letteringCode: String?
    /// `DateLet`: the date the lettering was done (set exactly when `letteringCode` is).
    package var letteringDate: CivilDate?
    /// `ValidDate`: the date the entry was validated (made intangible).
    package var validationDate: CivilDate
    /// `Montantdevise`: the amount in foreign currency, in cents of `currency`.
    package var foreignAmountMinor: Int64?
    /// `Idevise`: the ISO 4217 code of the foreign currency (set exactly when `foreignAmountMinor` is).
    package var currency: String?

    package init(
        journalCode: String, journalLabel: String, entryNumber: String, entryDate: CivilDate,
        accountNumber: String, accountLabel: String, auxiliaryNumber: String? = nil, auxiliaryLabel: String? = nil,
        pieceRef: String, pieceDate: CivilDate, label: String, debitMinor: Int64, creditMinor: Int64,
        letteringCode: String? = nil, letteringDate: CivilDate? = nil, validationDate: CivilDate,
        foreignAmountMinor: Int64? = nil, currency: String? = nil
    ) {
        self.journalCode = journalCode
        self.journalLabel = journalLabel
        self.entryNumber = entryNumber
        self.entryDate = entryDate
        self.accountNumber = accountNumber
        self.accountLabel = accountLabel
        self.auxiliaryNumber = auxiliaryNumber
        self.auxiliaryLabel = auxiliaryLabel
        self.pieceRef = pieceRef
        self.pieceDate = pieceDate
        self.label = label
        self.debitMinor = debitMinor
        self.creditMinor = creditMinor
        self.letteringCode = letteringCode
        self.letteringDate = letteringDate
        self.validationDate = validationDate
        self.foreignAmountMinor = foreignAmountMinor
        self.currency = currency
    }
}
