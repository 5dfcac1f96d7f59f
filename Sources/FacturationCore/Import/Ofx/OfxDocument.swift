/// An OFX file read into a tree of ``OfxNode``s: version 1.x (an SGML body after `KEY:VALUE`
/// header lines; leaf elements are not closed) or 2.x (XML after `<?xml …?>` and
/// `<?OFX OFXHEADER="200" …?>`; every element closed).
///
/// One reader for both: a tag followed by text is a leaf (its closing tag, when written, is
/// skipped); a tag followed by another tag is an aggregate, closed by its closing tag. A closing
/// tag closes the aggregates left open inside it (SGML allows it); a closing tag with no open
/// aggregate of its name, or a file that ends with `<OFX>` still open (a cut download), is a
/// syntax error with its line.
struct OfxDocument {
    /// The 1.x header lines (`CHARSET` → `1252`), or the attributes of the 2.x `<?OFX …?>`.
    var header: [String: String] = [:]
    var root: OfxNode

    /// Aggregates deeper than this are an error (a real statement is 6 levels deep).
    static let maximumDepth = 64

    struct SyntaxError: Error {
        let line: Int
        let message: String
    }

    /// True when the header declares a Windows-1252 or ISO-8859-1 character set (1.x
    /// `CHARSET:1252`/`ISO-8859-1`, 2.x `<?xml encoding="windows-1252"?>`).
    static func declaresWindows1252(_ head: [UInt8]) -> Bool {
        let text = String(decoding: head.prefix(1024), as: UTF8.self).uppercased()
        return [
            "CHARSET:1252", "CHARSET:ISO-8859-1", "CHARSET:8859-1", "ENCODING=\"WINDOWS-1252\"",
            "ENCODING=\"ISO-8859-1\"", "CHARSET:WINDOWS-1252",
        ].contains { text.contains($0) }
    }

    /// Reads the document from its UTF-8 text.
    static func parse(_ bytes: [UInt8]) -> Result<OfxDocument, SyntaxError> {
        var scanner = OfxScanner(bytes: bytes)
        let header = scanner.header()
        guard scanner.skip(to: Array("<OFX>".utf8)) else {
            return .failure(SyntaxError(line: scanner.line, message: "the file has no <OFX> element"))
        }
        let top = OfxNode(name: "", line: 0)
        switch scanner.body(into: top) {
        case .failure(let error): return .failure(error)
        case .success:
            guard let root = top["OFX"] else {
                return .failure(SyntaxError(line: scanner.line, message: "the file has no <OFX> element"))
            }
            return .success(OfxDocument(header: header, root: root))
        }
    }
}
