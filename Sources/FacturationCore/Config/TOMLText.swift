/// Text written into the TOML files the pipeline produces (the approval forms of
/// `outbox/to-approve/`), which a person drops back into the inbox: whatever a client, project or
/// description holds, it must neither break the file nor add keys or tables to it.
package enum TOMLText {
    /// A TOML basic string, quotes included: `"` and `\` escaped, and every control character
    /// (line breaks and tabs included) written as `\uXXXX`, so the value stays on its line.
    package static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Text for a `#` comment line: control characters (CR, LF and the other C0/C1 controls, which
    /// TOML forbids in comments or reads as line ends) and the Unicode line and paragraph
    /// separators become spaces, so the text cannot leave its comment; long text is cut at
    /// `limit` characters (a form must stay readable, and its table must come early in the file:
    /// the inbox recognises requests from their first 64 KiB).
    package static func comment(_ text: String, limit: Int = 200) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                out.append("…")
                break
            }
            let value = scalar.value
            let unsafe = value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
            out.append(unsafe ? " " : scalar)
            count += 1
        }
        return String(out)
    }
}
