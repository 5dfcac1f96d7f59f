import Foundation

/// The encodings of an e-mail's bytes: quoted-printable text (RFC 2045), base64 lines, RFC 2047
/// encoded words for headers, RFC 2231 parameter values, and header folding (RFC 5322). Every
/// function is pure: the same input always gives the same bytes.
package enum MIMEEncoding {
    package static let crlf: [UInt8] = [13, 10]
    /// Lines of quoted-printable and base64 bodies (RFC 2045 §6.7 and §6.8).
    package static let bodyLineLength = 76
    /// Header lines are folded to this length when they can be (RFC 5322 §2.1.1).
    package static let headerLineLength = 78
    /// An encoded word is at most this long (RFC 2047 §2).
    package static let encodedWordLength = 75

    // MARK: - Bodies

    /// `text` as quoted-printable lines ending in CRLF: any line ending of `text` becomes CRLF,
    /// bytes outside printable ASCII and `=` become `=XX`, a space or tab ending a line is encoded,
    /// and long lines are cut with soft breaks (`=` CRLF) so that no line exceeds 76 characters.
    package static func quotedPrintable(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        for line in lines(of: text) {
            appendQuotedPrintable(Array(line.utf8), to: &output)
            output += crlf
        }
        return output
    }

    /// The lines of `text`, split at CRLF, LF or CR; a final line ending adds no empty line.
    static func lines(of text: String) -> [Substring] {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var parts = unified.split(separator: "\n", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        return parts
    }

    private static func appendQuotedPrintable(_ bytes: [UInt8], to output: inout [UInt8]) {
        var length = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal = (33...126).contains(byte) && byte != UInt8(ascii: "=") || (byte == 32 || byte == 9) && !isLast
            let token: [UInt8] = literal ? [byte] : percentLike(byte, marker: UInt8(ascii: "="))
            // A line that goes on needs one more column for its soft break's `=`.
            if length + token.count > bodyLineLength - (isLast ? 0 : 1) {
                output += [UInt8(ascii: "=")] + crlf
                length = 0
            }
            output += token
            length += token.count
        }
    }

    /// `bytes` in base64, in lines of 76 characters ending in CRLF.
    package static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        let text = Array(Data(bytes).base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.count + text.count / bodyLineLength * 2 + 2)
        var start = 0
        while start < text.count {
            let end = min(start + bodyLineLength, text.count)
            output += text[start..<end]
            output += crlf
            start = end
        }
        return output
    }

    // MARK: - Headers

    /// `text` as RFC 2047 encoded words (UTF-8, "Q" encoding restricted to the characters allowed
    /// in a phrase, so the words are valid in a subject and in a display name alike), each at most
    /// 75 characters and never splitting a character's bytes across two words. The first word is
    /// at most `firstWordLength` characters: it shares its line with the header's name.
    package static func encodedWords(_ text: String, firstWordLength: Int = encodedWordLength) -> [String] {
        let prefix = "=?UTF-8?Q?", suffix = "?="
        var room = min(firstWordLength, encodedWordLength) - prefix.count - suffix.count
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            var encoded = ""
            for byte in String(scalar).utf8 {
                if byte == 32 {
                    encoded += "_"
                } else if isPhraseSafe(byte) {
                    encoded.append(Character(Unicode.Scalar(byte)))
                } else {
                    encoded += String(decoding: percentLike(byte, marker: UInt8(ascii: "=")), as: UTF8.self)
                }
            }
            if current.count + encoded.count > room {
                words.append(prefix + current + suffix)
                current = ""
                room = encodedWordLength - prefix.count - suffix.count
            }
            current += encoded
        }
        if !current.isEmpty || words.isEmpty { words.append(prefix + current + suffix) }
        return words
    }

    /// The characters RFC 2047 §5 (3) allows unencoded in a phrase's encoded word.
    private static func isPhraseSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }

    /// Whether `text` can be written as is in an unstructured header (a subject): printable ASCII,
    /// no word longer than a header line, and nothing a reader would take for an encoded word.
    static func isPlainHeaderText(_ text: String, room: Int) -> Bool {
        text.utf8.allSatisfy { (32...126).contains($0) } && !text.contains("=?")
            && text.split(separator: " ").allSatisfy { $0.utf8.count <= room }
            && text.first != " " && text.last != " "
    }

    /// One header field, `name: ` then `words` separated by single spaces, folded before a word
    /// whenever the line would pass 78 characters (a word longer than a line stays whole), ending
    /// in CRLF.
    package static func header(_ name: String, _ words: [String]) -> [UInt8] {
        var output = ""
        var line = name + ":"
        var lineHasWord = false
        for word in words {
            if lineHasWord, !word.isEmpty, line.utf8.count + 1 + word.utf8.count > headerLineLength {
                output += line + "\r\n"
                line = " " + word
            } else {
                line += " " + word
            }
            lineHasWord = true
        }
        return Array((output + line + "\r\n").utf8)
    }

    // MARK: - Parameters

    /// The parameter `name` with `value`, as words for ``header(_:_:)``: a quoted string when
    /// `value` is short printable ASCII, else RFC 2231 (`name*=UTF-8''…`, percent-encoded), in
    /// continuations (`name*0*=`, `name*1*=`…) when it would not fit on a line. Every word but the
    /// last ends with `;` (`lastOfField`: whether nothing follows the parameter).
    package static func parameter(_ name: String, _ value: String, lastOfField: Bool = true) -> [String] {
        let end = lastOfField ? "" : ";"
        let quoted = "\(name)=\"\(value)\""
        if value.utf8.allSatisfy({ (32...126).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }),
            quoted.utf8.count + 2 <= headerLineLength - 1
        {
            return [quoted + end]
        }
        var encoded: [String] = []  // one item per byte, so a segment never cuts an %XX
        for byte in value.utf8 {
            encoded.append(
                isAttributeChar(byte)
                    ? String(Character(Unicode.Scalar(byte)))
                    : String(decoding: percentLike(byte, marker: UInt8(ascii: "%")), as: UTF8.self))
        }
        let whole = "\(name)*=UTF-8''" + encoded.joined()
        if whole.utf8.count + 2 <= headerLineLength - 1 { return [whole + end] }
        var segments: [String] = []
        var current = "UTF-8''"
        for item in encoded {
            if current.utf8.count + item.utf8.count > 48 {
                segments.append(current)
                current = ""
            }
            current += item
        }
        segments.append(current)
        return segments.enumerated().map { index, segment in
            "\(name)*\(index)*=\(segment)" + (index == segments.count - 1 ? end : ";")
        }
    }

    /// RFC 2231 `attribute-char`: printable ASCII but space, `*`, `'`, `%` and the tspecials.
    private static func isAttributeChar(_ byte: UInt8) -> Bool {
        guard (33...126).contains(byte) else { return false }
        return !"*'%()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    /// `byte` as `marker` followed by two upper-case hex digits (`=E9`, `%E9`).
    private static func percentLike(_ byte: UInt8, marker: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [marker, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}
