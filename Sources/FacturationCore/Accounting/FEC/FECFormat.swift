/// The physical format of a FEC flat file (article A47 A-1 LPF §VI, §IX, §XII): field separator,
/// character set, and the fixed parts (header names, CRLF records, file name).
///
/// Both separators and both character sets are legal; `|` and UTF-8 are the defaults (what Odoo
/// produces). Records always end with CRLF, the last one included.
package struct FECFormat: Sendable, Hashable {
    /// The field separator (§VI-1°-c: a tab or `|`; comma and semicolon are not allowed).
    package enum Separator: String, Sendable, Codable, CaseIterable {
        case tab
        case pipe = "|"

        /// The byte written between two fields.
        package var byte: UInt8 { self == .tab ? 0x09 : 0x7C }
    }

    /// The character set (§XII-1°: ASCII, ISO 8859-15, or Unicode as UTF-8).
    package enum Encoding: String, Sendable, Codable, CaseIterable {
        case utf8 = "UTF-8"
        /// Latin-9: Latin-1 with €, Š, š, Ž, ž, Œ, œ, Ÿ instead of 8 symbols (see ``Latin9``).
        // The standard's own name (ISO 8859-15) reads better than lowerCamelCase here.
        // swift-format-ignore: AlwaysUseLowerCamelCase
        case iso8859_15 = "ISO-8859-15"
    }

    package var separator: Separator
    package var encoding: Encoding

    package init(separator: Separator = .pipe, encoding: Encoding = .utf8) {
        self.separator = separator
        self.encoding = encoding
    }

    /// The record terminator: CR LF.
    package static let lineEnding: [UInt8] = [0x0D, 0x0A]

    /// The 18 field names of §VII-1° (BIC/IS), in order and spelled as the law spells them.
    package static let columnNames: [String] = [
        "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
        "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
        "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
    ]

    /// The names replacing `Debit` and `Credit` (columns 12 and 13) when a system has no separate
    /// debit and credit (§VII-2°).
    package static let amountSignColumnNames: [String] = ["Montant", "Sens"]

    /// The columns the cash-basis regimes add after the 18 (§VIII-5°, §VIII-7°), in order.
    package static let regimeColumnNames: [String] = ["DateRglt", "ModeRglt", "NatOp", "IdClient"]

    /// The header line, without its terminator: the 18 names joined by the separator.
    package var headerLine: String {
        FECFormat.columnNames.joined(separator: separator == .tab ? "\t" : "|")
    }

    /// The file name required by §IX: `<SIREN>FEC<AAAAMMJJ>.txt`, with the closing date of the fiscal
    /// year, e.g. `123456782FEC20241231.txt`.
    ///
    /// The SIREN is used as given (check it with ``Identifiers/sirenProblem(_:)`` first).
    package static func fileName(siren: String, closingDate: CivilDate) -> String {
        siren + "FEC" + compactDate(closingDate) + ".txt"
    }

    /// The folder that names the period of an extract of a fiscal year, whose file keeps the legal
    /// name (the fiscal year's closing date, §IX): `2025-08-01_2025-09-15` (`fec --from --to`).
    /// A monthly FEC's folder is its month, `2025-07` (``CivilDate/monthKey``).
    package static func periodFolder(_ period: ClosedRange<CivilDate>) -> String {
        "\(period.lowerBound.description)_\(period.upperBound.description)"
    }

    /// The period a folder name gives: `YYYY-MM` (a month) or `YYYY-MM-DD_YYYY-MM-DD`; nil for any other name.
    package static func period(folderName name: String) -> ClosedRange<CivilDate>? {
        if name.count == 7, let first = CivilDate(iso: name + "-01") {
            return first...CivilDate(
                year: first.year, month: first.month,
                day: CivilDate.daysInMonth(year: first.year, month: first.month))!
        }
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 10, parts[1].count == 10,
            let first = CivilDate(iso: parts[0]), let last = CivilDate(iso: parts[1]), first <= last
        else { return nil }
        return first...last
    }

    /// `AAAAMMJJ`, the date format of §XII-4°.
    package static func compactDate(_ date: CivilDate) -> String {
        CivilDate.pad(date.year, 4) + CivilDate.pad(date.month, 2) + CivilDate.pad(date.day, 2)
    }

    /// An amount in cents as the law writes numbers (§XII-2°): comma decimal mark, 2 decimals,
    /// no thousands separator, leading `-` when negative (`123456` → `1234,56`, `0` → `0,00`).
    package static func amountText(_ minor: Int64) -> String {
        DecimalText.format(minorUnits: minor, scale: 2, decimalMark: ",")
    }
}
