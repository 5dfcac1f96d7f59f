/// Document totals computed the EN 16931 way: line nets rounded first, VAT once per (category, rate) group.
package struct InvoiceTotals: Sendable, Codable, Equatable {
    /// Sum of line net amounts (BT-106).
    package var lineTotalMinor: Int64
    /// Total excl. VAT (BT-109); equal to BT-106 since no document-level allowance or charge is used.
    package var taxBasisTotalMinor: Int64
    /// VAT breakdown (BG-23), one entry per (category, rate), in order of first appearance.
    package var vatBreakdown: [VATGroup]
    /// Total VAT (BT-110) = Σ group VAT.
    package var taxTotalMinor: Int64
    /// Total incl. VAT (BT-112) = BT-109 + BT-110.
    package var grandTotalMinor: Int64
    /// Amount due (BT-115) = BT-112 (nothing prepaid).
    package var duePayableMinor: Int64

    /// One VAT group (BG-23).
    package struct VATGroup: Sendable, Codable, Equatable {
        /// VAT category code (BT-118): `S`, `AE`, `G`, `E`…
        package var category: String
        /// Rate in basis points (BT-119): 2000 = 20 %.
        package var rateBasisPoints: Int
        /// Taxable amount (BT-116) = Σ line nets of the group.
        package var basisMinor: Int64
        /// VAT amount (BT-117) = basis × rate, rounded half-up to the cent.
        package var taxMinor: Int64
        /// Exemption reason text (BT-120) and code (BT-121) for categories other than `S`.
        package var exemptionReason: String?
        package var exemptionCode: String?
    }

    /// The line amount of a draft whose quantity × price overflows: far beyond the bound every
    /// document total is checked against, so such a draft is always set aside and never issued.
    static let beyondAnyBound: Int64 = .max / 16

    /// No amount: shown for a draft whose totals cannot be computed (``ArithmeticOverflow``).
    static let zero = InvoiceTotals(
        lineTotalMinor: 0, taxBasisTotalMinor: 0, vatBreakdown: [], taxTotalMinor: 0,
        grandTotalMinor: 0, duePayableMinor: 0)

    /// Computes the totals of `lines`; `exemption` gives BT-120/121 for a non-standard category.
    package static func compute(
        lines: [InvoiceLine], exemption: (String) -> (reason: String?, code: String?)
    )
        throws(ArithmeticOverflow) -> InvoiceTotals
    {
        var groups: [VATGroup] = []
        var lineTotal: Int64 = 0
        for line in lines {
            lineTotal = try Checked.add(lineTotal, line.netAmountMinor, "sum of the line amounts")
            if let index = groups.firstIndex(where: {
                $0.category == line.vatCategory && $0.rateBasisPoints == line.vatRateBasisPoints
            }) {
                groups[index].basisMinor = try Checked.add(
                    groups[index].basisMinor, line.netAmountMinor,
                    "VAT basis of rate \(line.vatRateBasisPoints)")
            } else {
                let (reason, code) = exemption(line.vatCategory)
                groups.append(
                    VATGroup(
                        category: line.vatCategory, rateBasisPoints: line.vatRateBasisPoints,
                        basisMinor: line.netAmountMinor, taxMinor: 0,
                        exemptionReason: reason, exemptionCode: code))
            }
        }
        var taxTotal: Int64 = 0
        for index in groups.indices {
            let product = try Checked.multiply(
                groups[index].basisMinor, Int64(groups[index].rateBasisPoints), "VAT amount")
            groups[index].taxMinor = roundHalfUp(product, divisor: 10_000)
            taxTotal = try Checked.add(taxTotal, groups[index].taxMinor, "total VAT")
        }
        let grandTotal = try Checked.add(lineTotal, taxTotal, "total including VAT")
        return InvoiceTotals(
            lineTotalMinor: lineTotal, taxBasisTotalMinor: lineTotal, vatBreakdown: groups,
            taxTotalMinor: taxTotal, grandTotalMinor: grandTotal, duePayableMinor: grandTotal)
    }

    /// Line net amount in minor units: quantity × unit price, rounded half-up (away from zero) to the cent.
    package static func lineNet(quantity: Quantity, unitPriceMinor: Int64) throws(ArithmeticOverflow) -> Int64 {
        roundHalfUp(
            try Checked.multiply(quantity.tenThousandths, unitPriceMinor, "quantity × unit price"),
            divisor: 10_000)
    }

    /// `value / divisor` rounded half away from zero.
    static func roundHalfUp(_ value: Int64, divisor: Int64) -> Int64 {
        let half = divisor / 2
        return value >= 0 ? (value + half) / divisor : -((-value + half) / divisor)
    }
}
