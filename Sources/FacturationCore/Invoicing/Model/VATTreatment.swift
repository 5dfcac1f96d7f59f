/// How VAT applies to the invoices of one client (EN 16931 VAT category and the French wording).
package enum VATTreatment: String, Sendable, Codable, CaseIterable {
    /// French VAT at the client's rate (20 % by default): category `S`.
    case standard
    /// Services to a business in another EU country: taxable where the buyer is established (CGI art. 259-1,
    /// directive 2006/112/CE art. 196), which self-assesses the VAT: "Autoliquidation", category `AE`.
    /// (CGI art. 283-2 is the other direction: a buyer in France liable for a foreign supplier's VAT.)
    case reverseCharge = "reverse-charge"
    /// Services to a client outside the EU: not subject to French VAT (CGI art. 259-1), category `G`.
    case outsideEU = "outside-eu"
    /// The seller is under the "franchise en base" (CGI art. 293 B): no VAT, category `E`.
    case franchise

    /// EN 16931 VAT category code (BT-151, BT-118).
    package var categoryCode: String {
        switch self {
        case .standard: "S"
        case .reverseCharge: "AE"
        case .outsideEU: "G"
        case .franchise: "E"
        }
    }

    /// The legal wording printed on the invoice and sent as BT-120, nil for standard VAT.
    package var exemptionReason: String? {
        switch self {
        case .standard: nil
        case .reverseCharge:
            "Autoliquidation : TVA due par le preneur (art. 259-1 du CGI, art. 196 de la directive 2006/112/CE)"
        case .outsideEU: "Exonération de TVA : prestation de services hors UE (art. 259-1 du CGI)"
        case .franchise: "TVA non applicable, art. 293 B du CGI"
        }
    }

    /// The VATEX exemption reason code (BT-121), nil for standard VAT.
    package var exemptionCode: String? {
        switch self {
        case .standard: nil
        case .reverseCharge: "VATEX-EU-AE"
        case .outsideEU: "VATEX-EU-G"
        case .franchise: "VATEX-FR-FRANCHISE"
        }
    }
}
