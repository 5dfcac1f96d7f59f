import Foundation

/// The decoding of what real mail clients send: transfer encodings (quoted-printable, base64),
/// charsets (UTF-8, ISO-8859-1/15, Windows-1252, US-ASCII), RFC 2047 encoded words, HTML text.
/// Nothing here throws: a damaged part is read as far as it can be, and the note says why.
enum MailTextDecoding {
    /// Quoted-printable (RFC 2045 6.7): `=XX` escapes, soft line breaks `=` + CRLF; a bad escape is kept as is.
    static func quotedPrintable(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 1 < input.count, input[index + 1] == 0x0A {
                index += 2
            } else if index + 2 < input.count, input[index + 1] == 0x0D, input[index + 2] == 0x0A {
                index += 3
            } else if index + 2 < input.count, let high = hexValue(input[index + 1]),
                let low = hexValue(input[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// Base64, line breaks and spaces ignored; nil when another character or a bad length is found.
    static func base64(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var clean = bytes.filter { !($0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09) }
        while clean.count % 4 != 0, clean.last == UInt8(ascii: "=") { clean.removeLast() }
        if clean.count % 4 == 2 { clean += [UInt8(ascii: "="), UInt8(ascii: "=")] }
        if clean.count % 4 == 3 { clean.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(clean)).map { Array($0) }
    }

    /// How a charset name is read.
    enum Charset: Equatable {
        case utf8, latin1, latin9, windows1252
        /// Not one of these: read as UTF-8 when valid, else as Windows-1252, with a note.
        case unknown(String)

        init(name: String?) {
            let folded = (name ?? "us-ascii").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            switch folded {
            case "utf-8", "utf8", "us-ascii", "ascii", "": self = .utf8
            case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1": self = .latin1
            case "iso-8859-15", "iso8859-15", "latin9", "latin-9": self = .latin9
            case "windows-1252", "cp1252", "win-1252", "x-cp1252": self = .windows1252
            default: self = .unknown(folded)
            }
        }
    }

    /// `bytes` as text in `charset`; `note` is set when the text could not be read exactly.
    static func text(_ bytes: [UInt8], charset: Charset, note: inout String?) -> String {
        switch charset {
        case .utf8:
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            note = "text declared UTF-8 is not valid UTF-8: read as Windows-1252"
            return String(decoding: DecodingReader.windows1252ToUTF8(bytes), as: UTF8.self)
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .latin9:
            let euro: [UInt8: Unicode.Scalar] = [
                0xA4: "€", 0xA6: "Š", 0xA8: "š", 0xB4: "Ž", 0xB8: "ž", 0xBC: "Œ", 0xBD: "œ", 0xBE: "Ÿ",
            ]
            return String(String.UnicodeScalarView(bytes.map { euro[$0] ?? Unicode.Scalar($0) }))
        case .windows1252:
            return String(decoding: DecodingReader.windows1252ToUTF8(bytes), as: UTF8.self)
        case .unknown(let name):
            if let text = String(validating: bytes, as: UTF8.self) {
                note = "unknown charset \"\(name)\": read as UTF-8"
                return text
            }
            note = "unknown charset \"\(name)\": read as Windows-1252"
            return String(decoding: DecodingReader.windows1252ToUTF8(bytes), as: UTF8.self)
        }
    }

    /// A header value with its RFC 2047 encoded words (`=?charset?B|Q?…?=`) decoded; spaces between
    /// two encoded words are dropped (RFC 2047 6.2). A word that cannot be decoded is kept as written.
    static func headerText(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var result = ""
        var rest = Substring(value)
        var previousWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            guard let (decoded, end) = encodedWord(rest[start.lowerBound...]) else {
                result += before + "=?"
                rest = rest[start.upperBound...]
                previousWasEncoded = false
                continue
            }
            if !(previousWasEncoded && before.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })) {
                result += before
            }
            result += decoded
            rest = rest[end...]
            previousWasEncoded = true
        }
        return result + rest
    }

    /// The encoded word at the start of `text` (decoded) and where it ends.
    private static func encodedWord(_ text: Substring) -> (String, Substring.Index)? {
        let parts = text.dropFirst(2).split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), !parts[0].isEmpty, parts[2].count <= 1000 else { return nil }
        let charsetName = String(parts[0].split(separator: "*").first ?? parts[0])
        let payload = Array(parts[2].utf8)
        let bytes: [UInt8]?
        switch parts[1].uppercased() {
        case "B": bytes = base64(payload)
        case "Q": bytes = quotedPrintable(payload.map { $0 == UInt8(ascii: "_") ? 0x20 : $0 })
        default: bytes = nil
        }
        guard let bytes else { return nil }
        var note: String?
        let decoded = Self.text(bytes, charset: Charset(name: charsetName), note: &note)
        return (decoded, parts[3].index(after: parts[3].startIndex))
    }

    /// The readable text of an HTML part: no tags, no `<script>`/`<style>` content, entities decoded,
    /// a line break for each `<br>`, `<p>`, `<div>`, `<tr>` and `<li>`.
    static func htmlText(_ html: String) -> String {
        var text = ""
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[rest.endIndex...]
                break
            }
            let tag = rest[rest.index(after: open)..<close].lowercased()
            let name = tag.prefix { $0.isLetter || $0 == "/" || $0.isNumber }
            rest = rest[rest.index(after: close)...]
            if name == "script" || name == "style" {
                let end = rest.range(of: "</\(name)", options: .caseInsensitive)
                rest = end.map { rest[$0.upperBound...] } ?? rest[rest.endIndex...]
                if let gt = rest.firstIndex(of: ">") { rest = rest[rest.index(after: gt)...] }
            } else if ["br", "p", "/p", "div", "/div", "tr", "li", "blockquote", "/blockquote"].contains(String(name)) {
                text += "\n"
            }
        }
        text += rest
        return entities(text)
    }

    /// The common named entities and every numeric one.
    private static func entities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named: [String: String] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "eacute": "é",
            "egrave": "è", "ecirc": "ê", "agrave": "à", "acirc": "â", "ccedil": "ç", "ugrave": "ù", "ucirc": "û",
            "icirc": "î", "ocirc": "ô", "euro": "€", "rsquo": "’", "laquo": "«", "raquo": "»", "Eacute": "É",
        ]
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(10).firstIndex(of: ";") {
                let name = String(after[..<semicolon])
                var replacement = named[name]
                if replacement == nil, name.hasPrefix("#") {
                    let number = name.dropFirst()
                    let value =
                        number.hasPrefix("x") || number.hasPrefix("X")
                        ? UInt32(number.dropFirst(), radix: 16) : UInt32(number)
                    replacement = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                }
                if let replacement {
                    result += replacement
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            result += "&"
            rest = after
        }
        return result + rest
    }
}
