/// The `:86:` information to the account owner that follows a `:61:`, read into the row's texts.
///
/// French banks write it in one of two structured styles, or as free text:
/// - `?NN` subfields (after an optional 3-digit code): `?00` booking text (the label), `?20`–`?29`
///   and `?60`–`?63` remittance information, `?31` the party's account, `?32`–`?33` its name;
/// - `/KEYWORD/` style: `/NAME/` the party, `/REMI/` the remittance (a leading `USTD//` or
///   `STRD/CUR/` is dropped), `/EREF/` the end-to-end reference (the remittance when there is no
///   `/REMI/`), `/IBAN/` or `/ACCT/` the party's account;
/// - anything else is the label, as written.
///
/// `/OCMT/USD45,00/` (the original amount of a payment made in another currency, SWIFT's
/// keyword, in the `:86:` or in the `:61:`'s supplementary details) is ``originalAmount``,
/// written in `note` as camt.053's instructed amount and CFONB's `MMO` are.
struct Mt940Information {
    var label = ""
    var name = ""
    var partyAccount = ""
    var remittance = ""
    /// `45.00 USD`, from `/OCMT/`.
    var originalAmount: String?

    init(_ text: String) {
        if text.contains("?2") || text.contains("?00") || text.contains("?3") {
            readSubfields(text)
        } else if text.hasPrefix("/"), text.dropFirst().contains("/") {
            readKeywords(text)
        } else {
            label = text.trimmed
        }
        originalAmount = Self.originalAmount(in: text)
    }

    /// The `/OCMT/` of `text` (`/OCMT/USD45,5/` → `45.50 USD`): a currency code and an amount with
    /// a decimal comma, written with the currency's digits (more digits than it has are kept as
    /// written); nil when absent or not of that shape.
    static func originalAmount(in text: String) -> String? {
        guard let start = text.range(of: "/OCMT/") else { return nil }
        let value = text[start.upperBound...].prefix { $0 != "/" && $0 != "\n" }.trimmed
        guard let currency = Currency(code: String(value.prefix(3))) else { return nil }
        let parts = value.dropFirst(3).split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else {
            return nil
        }
        var decimals = String(parts[1])
        while decimals.count < currency.minorDigits { decimals += "0" }
        return "\(parts[0])" + (decimals.isEmpty ? "" : ".\(decimals)") + " \(currency.code)"
    }

    private mutating func readSubfields(_ text: String) {
        var remittances: [String] = []
        var names: [String] = []
        for part in text.split(separator: "?", omittingEmptySubsequences: false).dropFirst() {
            guard part.count >= 2, part.prefix(2).allSatisfy(\.isASCIIDigit) else { continue }
            let code = Int(part.prefix(2))!
            let value = String(part.dropFirst(2))
            switch code {
            case 0: label = value.trimmed
            case 20...29, 60...63: remittances.append(value)
            case 31: partyAccount = value.trimmed
            case 32, 33: names.append(value)
            default: break
            }
        }
        remittance = remittances.joined().trimmed
        name = names.joined().trimmed
    }

    private mutating func readKeywords(_ text: String) {
        var values: [String: String] = [:]
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        var index = 0
        let keywords: Set<String> = [
            "NAME", "REMI", "EREF", "IBAN", "ACCT", "ORDP", "BENM", "CDTR", "DBTR", "MARF", "PREF", "RTRN", "PURP",
            "BIC", "ID", "OCMT", "CHGS", "EXCH",
        ]
        while index < parts.count {
            let keyword = parts[index]
            index += 1
            var value: [String] = []
            while index < parts.count, !keywords.contains(parts[index]) {
                value.append(parts[index])
                index += 1
            }
            if values[keyword] == nil { values[keyword] = value.joined(separator: "/") }
        }
        name = values["NAME"]?.trimmed ?? ""
        var remittanceText = values["REMI"] ?? ""
        for prefix in ["USTD//", "USTD/", "STRD/CUR/", "STRD/"] where remittanceText.hasPrefix(prefix) {
            remittanceText = String(remittanceText.dropFirst(prefix.count))
            break
        }
        remittance = (remittanceText.isEmpty ? values["EREF"] ?? "" : remittanceText).trimmed
        partyAccount = (values["IBAN"] ?? values["ACCT"] ?? "").trimmed
    }
}
