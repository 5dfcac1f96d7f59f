/// One 120-character record of a CFONB 120 statement ("relevé de compte sur support
/// informatique", CFONB, 2004), cut into its fields. Positions are 1-based, as in the standard:
///
/// | positions | field | records |
/// |---|---|---|
/// | 1–2 | record code: 01 old balance, 04 movement, 05 complement, 07 new balance | all |
/// | 3–7 | bank code | all |
/// | 8–11 | internal operation code | 04, 05 |
/// | 12–16 | branch code (guichet) | all |
/// | 17–19 | currency (ISO 4217) | all |
/// | 20 | number of decimals of the amounts | all |
/// | 22–32 | account number | all |
/// | 33–34 | interbank operation code | 04, 05 |
/// | 35–40 | date DDMMYY: of the balance (01, 07), of booking (04, 05) | all |
/// | 41–42 | rejection reason code | 04 |
/// | 43–48 | value date DDMMYY | 04 |
/// | 46–48 | qualifier of the complement (LIB, NPY, NBE, RCN, MMO…) | 05 |
/// | 49–79 | label (libellé) | 04 |
/// | 49–118 | complementary information | 05 |
/// | 82–88 | entry number | 04 |
/// | 91–104 | amount: 13 digits and a last character that is the last digit and the sign (`{`, `A`–`I`: + 0–9; `}`, `J`–`R`: − 0–9) | 01, 04, 07 |
/// | 105–120 | reference | 04 |
struct CfonbRecord {
    /// The record's kind (positions 1–2).
    enum Kind: String {
        case oldBalance = "01"
        case movement = "04"
        case complement = "05"
        case newBalance = "07"
    }

    let kind: Kind
    /// The record's line in the file (its record number when the file has no line ends).
    let line: Int
    /// The record's characters, as Unicode scalars (4 bytes each): a statement of 50,000
    /// movements and as many complements took 258 MB at its peak when they were `Character`s
    /// (about 2 KB a record), 117 MB as scalars (release build; 2.2 s of CPU before, 1.8 s after). Positions are counted in scalars:
    /// the standard counts one byte per character of the bank's character set, which a scalar is.
    private let scalars: [Unicode.Scalar]

    /// The record of a line; nil when its code is not 01, 04, 05 or 07. A line that lost its
    /// trailing spaces is padded back to 120 characters.
    init?(text: String, line: Int) {
        var scalars = Array(text.unicodeScalars)
        if scalars.count < 120 { scalars += Array(repeating: " ", count: 120 - scalars.count) }
        guard let kind = Kind(rawValue: String(String.UnicodeScalarView(scalars[0..<2]))) else { return nil }
        self.kind = kind
        self.line = line
        self.scalars = scalars
    }

    /// The characters at 1-based positions `first`…`last`, as written.
    func field(_ first: Int, _ last: Int) -> String {
        String(String.UnicodeScalarView(scalars[(first - 1)..<last]))
    }

    var bank: String { field(3, 7) }
    var branch: String { field(12, 16) }
    var currencyCode: String { field(17, 19) }
    var decimalsText: String { field(20, 20) }
    var account: String { field(22, 32) }
    var interbankCode: String { field(33, 34) }
    var date: String { field(35, 40) }
    var rejectionCode: String { field(41, 42) }
    var valueDate: String { field(43, 48) }
    var label: String { field(49, 79) }
    var qualifier: String { field(46, 48) }
    var complement: String { field(49, 118) }
    var amount: String { field(91, 104) }

    /// The account's identity: bank, branch and account number, currency.
    var accountKey: String { bank + branch + account + currencyCode }

    /// The signed amount of 14 characters (13 digits and the sign-and-digit character) in
    /// 10^-`decimals` units; nil when malformed.
    static func signedAmount(_ text: String) -> Int64? {
        let characters = Array(text)
        guard characters.count == 14, let last = characters.last?.asciiValue,
            characters.dropLast().allSatisfy(\.isASCIIDigit)
        else { return nil }
        let sign: Int64
        let digit: Int64
        switch last {
        case UInt8(ascii: "{"): (sign, digit) = (1, 0)
        case UInt8(ascii: "}"): (sign, digit) = (-1, 0)
        case UInt8(ascii: "A")...UInt8(ascii: "I"): (sign, digit) = (1, Int64(last - UInt8(ascii: "A")) + 1)
        case UInt8(ascii: "J")...UInt8(ascii: "R"): (sign, digit) = (-1, Int64(last - UInt8(ascii: "J")) + 1)
        default: return nil
        }
        // 13 digits and one more: at most 99,999,999,999,999, far inside Int64.
        let magnitude = characters.dropLast().reduce(Int64(0)) { $0 * 10 + Int64($1.asciiValue! - 0x30) } * 10 + digit
        return sign * magnitude
    }

    /// A DDMMYY date (years 2000 to 2099); nil when malformed.
    static func date(_ text: String) -> CivilDate? {
        let digits = Array(text.utf8)
        guard digits.count == 6, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        func number(_ index: Int) -> Int { Int(digits[index] - 0x30) * 10 + Int(digits[index + 1] - 0x30) }
        return CivilDate(year: 2000 + number(4), month: number(2), day: number(0))
    }
}
