/// The `:86:` information to the account owner that follows a `:61:`, read into the row's texts.
///
/// French banks write it in one of two structured styles, or as free text:
/// - `?NN` subfields (after an optional 3-digit code): `?00` booking text (the label), `?20`–`?29`
///   and `?60`–`?63` remittance information, `?31` the party's account, `?32`–`?33` its name;
/// - `/KEYWORD/` style: `/NAME/` the party, `/REMI/` the remittance (a leading `USTD//` or
///   `STRD/CUR/` is dropped), `/EREF/` the end-to-end reference (the remittance when there is no
///   `/REMI/`), `/IBAN/` or `/ACCT/` the party's account;
/// - anything else is the label, as written.
struct Mt940Information {
    var label = ""
    var name = ""
    var partyAccount = ""
    var remittance = ""

    init(_ text: String) {
        if text.contains("?2") || text.contains("?00") || text.contains("?3") {
            readSubfields(text)
        } else if text.hasPrefix("/"), text.dropFirst().contains("/") {
            readKeywords(text)
        } else {
            label = text.trimmed
        }
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
            "BIC", "ID",
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
