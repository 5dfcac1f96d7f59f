/// The account a statement names, as the file gives it, and the company's IBAN it is.
///
/// camt.053 names its account by IBAN. OFX (`BANKACCTFROM`), CFONB 120 and MT940 (`:25:`) from
/// French banks usually give the RIB instead: bank code (5 digits), branch code (guichet, 5
/// digits), account number (11 characters) and, sometimes, the RIB key (2 digits). A French
/// IBAN holds the RIB: `FR76 BBBBB GGGGG CCCCCCCCCCC KK`. A RIB is therefore the company's
/// account when the bank, branch and account numbers are those of one of the pipeline's French
/// (or Monaco) IBANs; its key, when given, is not compared (the three numbers identify the
/// account). An account number written shorter than 11 characters is read with leading zeros.
/// A RIB that is none of the company's is named by the IBAN it gives (key from the file, else
/// computed with the RIB rule; check digits computed), so the rejection names an account the
/// bookkeeper can look up.
enum StatementAccount {
    /// The company's IBAN for a RIB, or the IBAN the RIB gives when it is not the company's (the
    /// caller then rejects the file); nil when the RIB is malformed.
    static func iban(bank: String, branch: String, account: String, key: String?, own: [String]) -> String? {
        let bank = normalized(bank), branch = normalized(branch)
        var account = normalized(account)
        guard bank.count == 5, branch.count == 5, !account.isEmpty, account.count <= 11,
            (bank + branch).allSatisfy(\.isASCIIDigit), account.allSatisfy(\.isASCIIAlphanumericUpper)
        else { return nil }
        account = String(repeating: "0", count: 11 - account.count) + account
        let rib = bank + branch + account
        if let match = own.first(where: { isFrench($0) && $0.dropFirst(4).prefix(21) == Substring(rib) }) {
            return match
        }
        let ribKey = key.map(normalized).flatMap { $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) ? $0 : nil }
        guard let ribKey = ribKey ?? computedKey(bank: bank, branch: branch, account: account) else { return nil }
        return iban(bban: rib + ribKey)
    }

    /// An IBAN as written (spaces allowed), normalized, or nil when the text is not an IBAN.
    static func iban(_ text: String) -> String? {
        let iban = BankRecord.normalizeIBAN(text)
        let bytes = Array(iban.utf8)
        guard (15...34).contains(bytes.count), bytes[0...1].allSatisfy({ (0x41...0x5A).contains($0) }),
            bytes[2...3].allSatisfy({ (0x30...0x39).contains($0) }), iban.allSatisfy(\.isASCIIAlphanumericUpper)
        else { return nil }
        return iban
    }

    /// True for an IBAN of France or Monaco (27 characters, the RIB after the check digits).
    private static func isFrench(_ iban: String) -> Bool {
        iban.count == 27 && (iban.hasPrefix("FR") || iban.hasPrefix("MC"))
    }

    private static func normalized(_ text: String) -> String { BankRecord.normalizeIBAN(text) }

    /// The RIB key: 97 - ((89 × bank + 15 × branch + 3 × account) mod 97), the account's letters
    /// read as digits (A, J → 1; B, K, S → 2; … I, R, Z → 9).
    static func computedKey(bank: String, branch: String, account: String) -> String? {
        let digits = account.map { character -> Character in
            guard let value = character.asciiValue, value >= 0x41 else { return character }
            let letters: [Character] = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
            let index = Int(value - 0x41)  // A = 0
            return letters[(index < 9 ? index : index < 18 ? index - 9 : index - 17) % 9]
        }
        guard let bankValue = Int64(bank), let branchValue = Int64(branch), let accountValue = Int64(String(digits))
        else { return nil }
        let rest = (89 * bankValue + 15 * branchValue + 3 * accountValue) % 97
        return CivilDate.pad(Int(97 - rest), 2)
    }

    /// The French IBAN of a 23-character BBAN (check digits by ISO 13616: mod 97 of the BBAN
    /// followed by "FR00", letters read as 10 to 35).
    static func iban(bban: String) -> String {
        var rest = 0
        for character in bban + "FR00" {
            let value =
                character.isASCIIDigit ? Int(character.asciiValue! - 0x30) : Int(character.asciiValue! - 0x41) + 10
            rest = (value >= 10 ? rest * 100 + value : rest * 10 + value) % 97
        }
        return "FR" + CivilDate.pad(98 - rest, 2) + bban
    }
}

extension Character {
    var isASCIIAlphanumericUpper: Bool { isASCIIDigit || (asciiValue.map { (0x41...0x5A).contains($0) } ?? false) }
}
