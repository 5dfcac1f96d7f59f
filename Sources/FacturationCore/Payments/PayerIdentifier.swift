/// Tells which client a receipt comes from: by the payer's IBAN (configured, or learned from
/// earlier matches), else by the payer's name against the client's names and aliases.
package struct PayerIdentifier: Sendable {
    private var byIBAN: [String: String] = [:]
    private var byName: [String: String] = [:]

    package init(clients: [PipelineConfig.Client]) {
        for client in clients {
            for iban in client.payerIBANs { byIBAN[BankRecord.normalizeIBAN(iban)] = client.code }
            let names =
                [client.code, client.name] + client.aliases + client.payerNames
                + [client.billing?.legalName].compactMap { $0 }
            for name in names {
                let key = Self.nameKey(name)
                if !key.isEmpty, byName[key] == nil { byName[key] = client.code }
            }
        }
    }

    /// Remembers that `iban` paid `client` (from a confirmed match), unless configured otherwise.
    package mutating func learn(iban: String, client: String) {
        let key = BankRecord.normalizeIBAN(iban)
        guard !key.isEmpty, byIBAN[key] == nil else { return }
        byIBAN[key] = client
    }

    /// Remembers that `iban` paid the client `client` names, asked only when the IBAN is not known
    /// yet: a run learns from every match of history, and most come from a known IBAN (looking up
    /// each one's client was 2 of the 4 dictionary look-ups per match of a 10-year full pass).
    package mutating func learn(iban: String, client: () -> String?) {
        let key = BankRecord.normalizeIBAN(iban)
        guard !key.isEmpty, byIBAN[key] == nil, let client = client() else { return }
        byIBAN[key] = client
    }

    /// The client code and how it was recognised, or nil.
    package func client(of receipt: Receipt) -> (code: String, how: String)? {
        let iban = BankRecord.normalizeIBAN(receipt.counterpartyIBAN)
        if !iban.isEmpty, let code = byIBAN[iban] { return (code, "payer IBAN \(iban)") }
        let key = Self.nameKey(receipt.counterpartyName)
        if !key.isEmpty, let code = byName[key] { return (code, "payer name \"\(receipt.counterpartyName)\"") }
        return nil
    }

    private static let legalWords: Set<Substring> = [
        "SAS", "SARL", "SA", "EURL", "SASU", "SCI", "SNC", "SELAS", "STE",
        "SOCIETE", "LA", "LE", "LES",
    ]

    /// A name reduced for comparison: upper-case letters and digits, legal forms dropped.
    static func nameKey(_ name: String) -> String {
        // Most bank names are ASCII: upper-case them byte by byte, without Foundation's folding.
        let folded: String
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            folded = String(decoding: name.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        } else {
            folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).uppercased()
        }
        let words = folded.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).filter { !legalWords.contains($0) }
        return words.joined(separator: " ")
    }
}
