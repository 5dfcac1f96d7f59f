/// The rules ``FECChecker`` applies to a FEC file: one per item of the validator checklist
/// (`shared/reference/fec.md` §10), the number of the rule being the number of the item.
///
/// Where an item has two severities it is split in two rules, the second with a `b` suffix
/// (`FEC-21` both sides non-zero is an error, `FEC-21b` both sides zero a warning). Items that are
/// not violations are reported, not checked: 19 (merged into 15), 36 (the numbering scheme,
/// ``FECCheckReport/numbering``), 45 (``FECCheckReport/resultMinor``), 46
/// (``FECCheckReport/vatOnReceiptsBalanceMinor``) and 47 (the report itself).
package enum FECRule: String, Sendable, Codable, CaseIterable, Comparable {
    // File level
    case fileName = "FEC-01"
    case fileExtension = "FEC-01b"
    case sirenKey = "FEC-02"
    case closingDate = "FEC-03"
    case closingDateUnusual = "FEC-03b"
    case encoding = "FEC-04"
    case byteOrderMark = "FEC-04b"
    case controlCharacter = "FEC-05"
    case lineEnding = "FEC-06"
    case blankLine = "FEC-07"
    case separator = "FEC-08"
    case header = "FEC-09"
    case headerCase = "FEC-09b"
    case amountSignColumns = "FEC-10"
    case regimeColumns = "FEC-11"
    case extraColumns = "FEC-12"
    case noEntries = "FEC-13"
    // Line level
    case fieldCount = "FEC-14"
    case requiredField = "FEC-15"
    case placeholder = "FEC-16"
    case accountNumber = "FEC-17"
    case date = "FEC-18"
    case amountFormat = "FEC-20"
    case bothSides = "FEC-21"
    case zeroLine = "FEC-21b"
    case negativeAmount = "FEC-22"
    case decimals = "FEC-23"
    case sens = "FEC-24"
    case sensCase = "FEC-24b"
    case auxiliaryPair = "FEC-25"
    case auxiliaryAccount = "FEC-26"
    case letteringDateAlone = "FEC-27"
    case letteringWithoutDate = "FEC-27b"
    case currency = "FEC-28"
    case separatorInValue = "FEC-29"
    case outerSpaces = "FEC-29b"
    case dateOutsideYear = "FEC-30"
    case dateBeforeAssumedStart = "FEC-30b"
    case validationBeforeEntry = "FEC-31"
    case validationInFuture = "FEC-31b"
    // Entry level
    case unbalancedEntry = "FEC-32"
    case singleLineEntry = "FEC-33"
    case entryDates = "FEC-34"
    case entryNotContiguous = "FEC-35"
    // Sequence and order
    case numberingGap = "FEC-37"
    case numberingOrder = "FEC-38"
    case lineOrder = "FEC-39"
    case openingFirst = "FEC-40"
    // Totals and consistency
    case fileBalance = "FEC-41"
    case labelConsistency = "FEC-42"
    case letteringBalance = "FEC-43"
    case closingEntry = "FEC-44"

    /// How bad a violation is: an error makes the file non-compliant, a warning does not.
    package enum Severity: String, Sendable, Codable, Comparable {
        case error
        case warning

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    /// The rule's identifier, e.g. `FEC-07`.
    package var id: String { rawValue }

    /// The severity of a violation (``FECChecker/Options/ownExport`` makes ``lineOrder`` an error).
    ///
    /// As the checklist says, with three choices of ours: ``accountNumber`` (17) and
    /// ``entryNotContiguous`` (35) are errors, as the checklist lists them, although Test Compta Demat
    /// only alerts on the first: the law itself requires CompteNum's first three characters to be PCG
    /// digits, and an entry split across the file cannot be read as one entry by an accountant's
    /// import. ``decimals`` (23) is an error where the checklist says warning: amounts in euros are
    /// to the cent, a third decimal (even `1200,000`) means the amounts are not what was booked, and
    /// stricter readers (django-accounting-fr) refuse it.
    package var severity: Severity {
        switch self {
        case .fileExtension, .closingDateUnusual, .byteOrderMark, .headerCase, .placeholder, .zeroLine,
            .negativeAmount, .sensCase, .auxiliaryAccount, .letteringWithoutDate, .outerSpaces, .dateBeforeAssumedStart,
            .validationBeforeEntry, .singleLineEntry, .numberingOrder, .lineOrder, .openingFirst,
            .labelConsistency, .letteringBalance, .closingEntry:
            .warning
        default:
            .error
        }
    }

    /// What the rule requires, in one line.
    package var summary: String {
        switch self {
        case .fileName:
            "The file name is <SIREN>FEC<AAAAMMJJ> (optionally _N for a part), e.g. 123456782FEC20241231.txt"
        case .fileExtension: "The file name ends in .txt (or .csv, .xml)"
        case .sirenKey: "The SIREN in the file name passes the Luhn key"
        case .closingDate: "The date in the file name is a real date (AAAAMMJJ), the fiscal year's closing date"
        case .closingDateUnusual:
            "The date in the file name looks like a fiscal year's closing date (a month end, not a monthly extract's)"
        case .encoding: "The text is UTF-8 or ISO-8859-15, one of them throughout (no bytes 0x80-0x9F in ISO-8859-15)"
        case .byteOrderMark: "The file has no UTF-8 byte-order mark (tolerated)"
        case .controlCharacter: "No NUL or other control character except tab, CR and LF"
        case .lineEnding: "Records end with CR, LF or CRLF, the same on every line"
        case .blankLine: "No blank line"
        case .separator: "Fields are separated by a tab or '|' (not ',' or ';'), the same on every line"
        case .header: "The first line has the 18 legal field names, in order"
        case .headerCase: "Field names are spelled with the law's case (e.g. Montantdevise)"
        case .amountSignColumns: "Montant and Sens only replace Debit and Credit, as columns 12 and 13"
        case .regimeColumns: "DateRglt, ModeRglt, NatOp, IdClient only as columns 19 to 22, in that order"
        case .extraColumns: "Extra columns follow the mandatory ones and have unique, non-empty names"
        case .noEntries: "The file has at least one entry line"
        case .fieldCount: "Every line has as many fields as the header"
        case .requiredField:
            "Mandatory fields are not empty (all but CompAuxNum/Lib, EcritureLet, DateLet, Montantdevise, Idevise)"
        case .placeholder: "Mandatory text fields hold a real value, not a placeholder such as '-', '/' or '.'"
        case .accountNumber: "CompteNum starts with 3 digits, the first from 1 to 8 (PCG)"
        case .date: "Dates are AAAAMMJJ and exist in the calendar"
        case .amountFormat:
            "Amounts are digits with a comma decimal mark and at most one sign (no '.', spaces, thousands separators)"
        case .bothSides: "A line does not have both a Debit and a Credit"
        case .zeroLine: "A line has a non-zero Debit or Credit"
        case .negativeAmount: "Amounts are not negative (a positive amount goes in the opposite column)"
        case .decimals: "Amounts in euros have at most 2 decimals (1200,00, not 1200,000)"
        case .sens: "Sens is D, C, +1 or -1"
        case .sensCase: "Sens is upper case (D, C)"
        case .auxiliaryPair: "CompAuxNum and CompAuxLib are both filled or both empty"
        case .auxiliaryAccount: "CompAuxNum is used only on third-party accounts (class 4)"
        case .letteringDateAlone: "DateLet is set only with EcritureLet"
        case .letteringWithoutDate: "EcritureLet comes with its DateLet"
        case .currency:
            "Montantdevise and Idevise are both filled or both empty; Idevise is an ISO 4217 code (3 capitals)"
        case .separatorInValue: "No value contains a tab or '|'"
        case .outerSpaces: "Values have no leading or trailing spaces"
        case .dateOutsideYear:
            "EcritureDate lies within the fiscal year (not after the closing date, not before the start) and the extract's period"
        case .dateBeforeAssumedStart:
            "EcritureDate lies within the 12 months ending on the closing date (no start date given)"
        case .validationBeforeEntry: "ValidDate is not before EcritureDate"
        case .validationInFuture: "ValidDate is not after the day the file is checked"
        case .unbalancedEntry: "Each entry (JournalCode + EcritureNum) balances: debits = credits, to the cent"
        case .singleLineEntry: "An entry has at least two lines"
        case .entryDates: "All lines of an entry share EcritureDate and ValidDate"
        case .entryNotContiguous: "The lines of an entry are contiguous"
        case .numberingGap: "EcritureNum is continuous, without gaps or repeats (per journal or global)"
        case .numberingOrder: "Entry numbers increase with ValidDate"
        case .lineOrder: "Lines are sorted by ValidDate (validation chronology)"
        case .openingFirst: "Opening entries (AN, OUV, RAN journals) come first and carry the lowest numbers"
        case .fileBalance: "The whole file and each journal balance (debits = credits)"
        case .labelConsistency: "Each JournalCode, CompteNum and CompAuxNum has a single label"
        case .letteringBalance: "Lettering groups (CompteNum + CompAuxNum + EcritureLet) net to zero"
        case .closingEntry: "No entry moves class 6/7 balances to 120/129 (closing entries are excluded)"
        }
    }

    package static func < (lhs: FECRule, rhs: FECRule) -> Bool {
        lhs.ordinal < rhs.ordinal
    }

    /// The position in ``allCases`` (the checklist order).
    var ordinal: Int { FECRule.ordinals[self]! }

    private static let ordinals: [FECRule: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, $0.offset) })
}
