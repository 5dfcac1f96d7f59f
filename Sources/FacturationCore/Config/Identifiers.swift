/// Checks of French and European identifiers, so that a typo in the configuration is caught
/// before it reaches an invoice or a bank match.
package enum Identifiers {
    /// The pattern of a client code. Codes become parts of file names (draft ids, so
    /// `outbox/to-approve/<draft>.toml`), FEC sub-accounts and Oxygène rows: capital letters,
    /// digits, `-` and `_`, starting with a letter or digit, at most 32 characters.
    package static let clientCodePattern = "^[A-Z0-9][A-Z0-9_-]{0,31}$"

    /// Why a client code does not match ``clientCodePattern``, or nil when it does.
    package static func clientCodeProblem(_ code: String) -> String? {
        func valid(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return (1...32).contains(bytes.count)
                && bytes.enumerated().allSatisfy { index, byte in
                    (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte)
                        || (index > 0 && (byte == 0x2D || byte == 0x5F))
                }
        }
        if valid(code) { return nil }
        let shown = code.count > 40 ? String(code.prefix(40)) + "… (\(code.count) characters)" : code
        var message =
            "\(TOMLText.quoted(shown)) is not a valid client code: use 1 to 32 capital letters, digits, "
            + "- or _, starting with a letter or a digit (\(clientCodePattern)), like \"LAA\" or \"PHARMA-01\""
        if valid(code.uppercased()) { message += "; write \"\(code.uppercased())\"" }
        return message
    }

    /// Why an identifier is invalid, or nil when it is valid. SIREN: 9 digits, Luhn checksum.
    package static func sirenProblem(_ siren: String) -> String? {
        let digits = Array(siren.utf8)
        guard digits.count == 9, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return "a SIREN has exactly 9 digits, without spaces (found \"\(siren)\")"
        }
        var sum = 0
        for (index, byte) in digits.reversed().enumerated() {
            var digit = Int(byte - 0x30)
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0 ? nil : "\(siren) is not a valid SIREN (its check digit is wrong): check it on the Kbis"
    }

    /// IBAN: country code, check digits, mod-97 = 1 (ISO 13616); spaces allowed.
    package static func ibanProblem(_ iban: String) -> String? {
        let compact = BankRecord.normalizeIBAN(iban)
        let bytes = Array(compact.utf8)
        guard bytes.count >= 15, bytes.count <= 34,
            bytes.prefix(2).allSatisfy({ (0x41...0x5A).contains($0) }),
            bytes.dropFirst(2).prefix(2).allSatisfy({ (0x30...0x39).contains($0) }),
            bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) })
        else {
            return
                "\"\(iban)\" is not an IBAN (expected a country code, 2 check digits and the account, like FR76 3000 …)"
        }
        if compact.hasPrefix("FR"), bytes.count != 27 {
            return "a French IBAN has 27 characters (found \(bytes.count))"
        }
        var remainder = 0
        for byte in bytes.dropFirst(4) + bytes.prefix(4) {
            let value = byte <= 0x39 ? Int(byte - 0x30) : Int(byte - 0x41) + 10
            remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97
        }
        return remainder == 1 ? nil : "\(iban) is not a valid IBAN (its check digits are wrong)"
    }

    /// French VAT number: `FR` + 2-digit key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97.
    /// Other EU numbers are only checked for shape (2 letters then 2 to 13 characters).
    package static func vatNumberProblem(_ vat: String, siren: String?) -> String? {
        let compact = BankRecord.normalizeIBAN(vat)
        guard compact.count >= 4, compact.prefix(2).allSatisfy({ $0.isLetter }) else {
            return "\"\(vat)\" is not a VAT number (expected a country code then the number, like FR32123456789)"
        }
        guard compact.hasPrefix("FR") else { return nil }
        let rest = compact.dropFirst(2)
        guard rest.count == 11, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let key = Int(rest.prefix(2)),
            let number = Int(rest.dropFirst(2))
        else {
            return "a French VAT number is FR followed by 11 digits (found \"\(vat)\")"
        }
        if let siren, String(rest.dropFirst(2)) != siren {
            return "the VAT number \(vat) does not contain the SIREN \(siren)"
        }
        let expected = (12 + 3 * (number % 97)) % 97
        return key == expected
            ? nil
            : "the key of the VAT number \(vat) is wrong: for SIREN \(rest.dropFirst(2)) it is FR\(CivilDate.pad(expected, 2))"
    }
}
