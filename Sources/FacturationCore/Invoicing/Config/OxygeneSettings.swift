/// The `[oxygene]` section of a pipeline file: how documents are written into the Memsoft Oxygène
/// import file.
///
/// ```toml
/// [oxygene]
/// open_since = 2025-01-01     # register invoices from this day with an amount due are receivables
/// remind = false              # the default: reminders never go for them
///
/// [oxygene.vat_codes]         # Oxygène's VAT types (GCPTVA_CODE), by French rate and by exemption
/// "20" = "NORM"               # the default
/// "10" = "RED"
/// "5.5" = "RED55"
/// "2.1" = "SUP21"
/// "0" = "EXO0"
/// reverse-charge = "EXO"      # the default for the three exemptions
/// outside-eu = "MA"
/// franchise = "EXO"
/// ```
///
/// Oxygène's VAT types are codes each company creates (only `NORM` is common to every install, and the
/// vendor sample shows `RED`): a rate with no code here is not guessed; the document is left out of
/// the Oxygène file with a reason naming the key to add, and the other documents are exported.
package struct OxygeneSettings: Sendable, Equatable {
    /// Oxygène VAT code by standard VAT rate, in basis points (2000 = 20 %).
    package var vatCodeByRate: [Int: String] = [2000: "NORM"]
    /// Oxygène VAT code of the documents without French VAT (reverse charge, outside the EU, franchise).
    package var vatCodeByTreatment: [VATTreatment: String] = [
        .reverseCharge: "EXO", .outsideEU: "EXO", .franchise: "EXO",
    ]

    /// `open_since`: the register's invoices dated on or after it that still show an amount due
    /// (`Reste dû`) are historical receivables (``OxygeneHistory``); nil (the default) loads none.
    package var openSince: CivilDate?
    /// `remind`: whether dunning follows the historical receivables (default false: a client is
    /// never reminded of an invoice that Oxygène shows open because its payment was not entered).
    package var remind = false

    package init() {}

    /// The French VAT rates a client may have (`vat_rate`), in basis points.
    package static let frenchRates: [Int] = [2000, 1000, 550, 210, 0]

    /// The Oxygène VAT code of a line at `rateBasisPoints` of a document under `treatment`, nil when
    /// none is configured.
    package func vatCode(treatment: VATTreatment, rateBasisPoints: Int) -> String? {
        treatment == .standard ? vatCodeByRate[rateBasisPoints] : vatCodeByTreatment[treatment]
    }

    /// The key of `[oxygene.vat_codes]` for a rate: `"20"`, `"5.5"`, `"2.1"`, `"0"`.
    package static func rateKey(_ rateBasisPoints: Int) -> String {
        let whole = rateBasisPoints / 100
        let fraction = rateBasisPoints % 100
        guard fraction != 0 else { return String(whole) }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension PipelineLoader {
    /// `[oxygene]` and `[oxygene.vat_codes]` (see ``OxygeneSettings``).
    static func readOxygene(_ table: TableReader?) -> OxygeneSettings {
        var settings = OxygeneSettings()
        guard let table else { return settings }
        settings.openSince = table.date("open_since")
        settings.remind = table.bool("remind") ?? false
        if let codes = table.subtable("vat_codes") {
            readVATCodes(codes, into: &settings)
            codes.finish()
        }
        table.finish()
        return settings
    }

    private static func readVATCodes(_ table: TableReader, into settings: inout OxygeneSettings) {
        for key in table.table.keys {
            if let treatment = VATTreatment(rawValue: key), treatment != .standard {
                if let code = vatCode(table, key) { settings.vatCodeByTreatment[treatment] = code }
                continue
            }
            let rate: Int?
            switch DecimalText.minorUnits(key, scale: 2, style: .dotDecimal) {
            case .success(let value) where OxygeneSettings.frenchRates.contains(Int(value)): rate = Int(value)
            default: rate = nil
            }
            guard let rate else {
                _ = table.contains(key)
                table.fail(
                    key: key,
                    "use a French VAT rate in quotes (\"20\", \"10\", \"5.5\", \"2.1\" or \"0\") "
                        + "or reverse-charge, outside-eu, franchise")
                continue
            }
            if let code = vatCode(table, key) { settings.vatCodeByRate[rate] = code }
        }
    }

    /// An Oxygène VAT code: letters, digits, `-` and `_`, at most 10 characters.
    private static func vatCode(_ table: TableReader, _ key: String) -> String? {
        guard let code = table.string(key, required: true)?.trimmed else { return nil }
        guard code.count <= 10,
            code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            table.fail(key: key, "an Oxygène VAT code is 1 to 10 letters, digits, - or _ (like NORM)")
            return nil
        }
        return code
    }
}
