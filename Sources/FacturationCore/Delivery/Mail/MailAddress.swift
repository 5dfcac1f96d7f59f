/// An e-mail address with an optional display name (`Jeanne Dupont <jeanne@example.fr>`).
///
/// Only plain ASCII addresses (`local@domain`, no quoted local part, no comment) are accepted:
/// they are what invoices are sent to, and what every SMTP server takes without the SMTPUTF8
/// extension. The display name may be any text; it is encoded when written.
package struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    package let address: String
    package let displayName: String?

    package init(_ address: String, name: String? = nil) {
        self.address = address
        self.displayName = name
    }

    package var description: String {
        guard let displayName, !displayName.isEmpty else { return address }
        return "\(displayName) <\(address)>"
    }

    /// Why `text` is not an address we send to, or nil when it is one.
    package static func problem(with text: String) -> String? {
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            return "contains a line break, which would let it add header lines (refused)"
        }
        guard !text.isEmpty, text.utf8.count <= 254 else { return "must have 1 to 254 characters" }
        guard text.utf8.allSatisfy({ (33...126).contains($0) }) else {
            return "must be plain ASCII without spaces or control characters (like contact@example.fr)"
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return "must have the form name@domain (like contact@example.fr)"
        }
        if let bad = text.first(where: { "<>()[]\\\",;:".contains($0) }) {
            return "must not contain \"\(bad)\""
        }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else {
            return "has an invalid domain \"\(domain)\" (letters, digits, - and dots)"
        }
        return nil
    }

    /// The longest first word that fits after `From: ` or `Bcc: ` on a 78-character line.
    private static let firstWordLength = MIMEEncoding.headerLineLength - "From: ".count

    /// The address as header words: `Name <address>` with the name as is when it is plain words,
    /// else as RFC 2047 encoded words; the bare address when there is no name.
    func headerWords() -> [String] {
        guard let displayName, !displayName.isEmpty else { return [address] }
        let plainWord: (Substring) -> Bool = { word in
            !word.isEmpty
                && word.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
                }
        }
        let words = displayName.split(separator: " ", omittingEmptySubsequences: false)
        let name =
            words.allSatisfy(plainWord) && words.allSatisfy({ $0.utf8.count <= 60 }) && !displayName.contains("=?")
            ? words.map(String.init) : MIMEEncoding.encodedWords(displayName, firstWordLength: Self.firstWordLength)
        return name + ["<\(address)>"]
    }
}
