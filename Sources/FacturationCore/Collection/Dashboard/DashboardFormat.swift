/// How the dashboard writes numbers for people (French) and for programs (its CSV reports).
package enum DashboardFormat {
    /// `12 345,67 €` (the invoices' format, ``FrenchDates/euros(_:)``).
    package static func euros(_ minor: Int64) -> String { FrenchDates.euros(minor) }

    /// `05/12/2026`.
    package static func date(_ date: CivilDate) -> String { FrenchDates.slashed(date) }

    /// `Décembre 2026`.
    package static func month(_ month: CivilDate) -> String {
        FrenchDates.monthName(month.month, capitalized: true) + " " + CivilDate.pad(month.year, 4)
    }

    /// `12/2026`, for chart axes.
    package static func shortMonth(_ month: CivilDate) -> String {
        CivilDate.pad(month.month, 2) + "/" + CivilDate.pad(month.year, 4)
    }

    /// Seconds in hundredths of an hour, rounded half up (45,000 s → 1,250).
    package static func hundredthsOfHours(_ seconds: Int64) -> Int64 { (seconds * 100 + 1_800) / 3_600 }

    /// `1 234,50 h` (French, thousands separated like the amounts).
    package static func hours(_ seconds: Int64) -> String {
        french(hundredthsOfHours(seconds), scale: 2) + "\u{A0}h"
    }

    /// `62,5 %` for 625 ‰.
    package static func percent(permille: Int64) -> String { french(permille, scale: 1) + "\u{A0}%" }

    /// `45,3 j` for 453 tenths of a day.
    package static func days(tenths value: Int64) -> String { french(value, scale: 1) + "\u{A0}j" }

    /// A decimal in French: `,` before the decimals, thousands separated by a narrow no-break
    /// space (as ``FrenchDates/euros(_:)`` does).
    package static func french(_ minor: Int64, scale: Int) -> String {
        let text = DecimalText.format(minorUnits: minor, scale: scale, decimalMark: ",")
        let negative = text.hasPrefix("-")
        let digits = negative ? text.dropFirst() : Substring(text)
        let comma = digits.firstIndex(of: ",") ?? digits.endIndex
        var integer = String(digits[..<comma])
        var grouped = ""
        while integer.count > 3 {
            grouped = "\u{202F}" + integer.suffix(3) + grouped
            integer = String(integer.dropLast(3))
        }
        return (negative ? "-" : "") + integer + grouped + digits[comma...]
    }

    /// Text made safe for HTML content and attribute values.
    package static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters are not allowed in HTML text (a client name is the user's text).
                if character.value < 0x20 && character != "\n" && character != "\t" || character.value == 0x7F
                    || (0x80...0x9F).contains(character.value)
                {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(character)
                }
            }
        }
        return out
    }
}
