/// The amounts a reminder claims for one invoice (README, "Reminders (relances)").
///
/// penalty = owed × rate × days late / 365, owed incl. VAT after partial payments and credit
/// notes, rate the annual percentage; computed exactly in integers (minor units × thousandths of
/// a percent × days), then rounded half up to the cent. Every step is checked: an overflow throws
/// ``ArithmeticOverflow``, never a wrong amount.
package enum DunningAmounts {
    /// Thousandths of a percent per unit: 100 % = 100,000.
    static let rateScale: Int64 = 100_000

    /// The penalty in minor units; `rate` in thousandths of a percent (12.5 % = 12,500).
    package static func penalty(owedMinor: Int64, rate: Int64, daysLate: Int) throws(ArithmeticOverflow) -> Int64 {
        guard owedMinor > 0, rate > 0, daysLate > 0 else { return 0 }
        let product = try Checked.multiply(
            try Checked.multiply(owedMinor, rate, "late-payment penalty"), Int64(daysLate), "late-payment penalty")
        let divisor = rateScale * 365
        // Half up: quotient + 1 when the remainder is at least half the divisor.
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: divisor)
        return remainder * 2 >= divisor ? quotient + 1 : quotient
    }

    /// The annual rate printed in an invoice's late-penalty note ("taux annuel de 12,5 %"), in
    /// thousandths of a percent: the first number followed by `%`; nil when the note has none
    /// (the default note says "trois fois le taux d'intérêt légal").
    package static func printedRate(in note: String) -> Int64? {
        let scalars = Array(note.unicodeScalars)
        var index = 0
        while index < scalars.count {
            guard ("0"..."9").contains(scalars[index]) else {
                index += 1
                continue
            }
            var end = index
            var text = ""
            while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == "," || scalars[end] == "."
            {
                text.unicodeScalars.append(scalars[end] == "," ? "." : scalars[end])
                end += 1
            }
            var after = end
            while after < scalars.count,
                scalars[after] == " " || scalars[after] == "\u{00A0}" || scalars[after] == "\u{202F}"
            {
                after += 1
            }
            if after < scalars.count, scalars[after] == "%" {
                while text.hasSuffix(".") { text.removeLast() }
                if case .success(let value) = DecimalText.minorUnits(text, scale: 3, style: .dotDecimal),
                    value > 0, value <= rateScale
                {
                    return value
                }
            }
            index = end
        }
        return nil
    }

    /// The rate of `document`: its own printed rate, else 3 × the legal rate when configured.
    package static func rate(
        of document: InvoiceDocument, settings: DunningSettings
    )
        -> (rate: Int64, source: Reminder.RateSource)?
    {
        if let printed = printedRate(in: document.legalNotes.latePenalty) { return (printed, .invoice) }
        if let legal = settings.legalInterestRate { return (legal * 3, .legalRateTimesThree) }
        return nil
    }
}
