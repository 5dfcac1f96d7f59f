import CLibxml2

/// Streams a UTF-8 XML document into memory with libxml2's text writer (escaping done by libxml2).
///
/// Usage: `let w = XMLWriter(indent: true); w.start("root", namespace: …); w.element("a", "text"); w.end(); let bytes = try w.finish()`.
/// Element names may carry a prefix (`ram:ID`); declare namespaces with `attribute("xmlns:ram", uri)`.
package final class XMLWriter {
    private let buffer: xmlBufferPtr
    private let writer: xmlTextWriterPtr
    private var failed = false

    /// A writer with the XML declaration already written; `indent` pretty-prints with `indentString`.
    package init(indent: Bool = true, indentString: String = "  ") {
        buffer = xmlBufferCreate()
        writer = xmlNewTextWriterMemory(buffer, 0)
        if indent {
            xmlTextWriterSetIndent(writer, 1)
            xmlTextWriterSetIndentString(writer, indentString)
        }
        check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil))
    }

    deinit {
        xmlFreeTextWriter(writer)
        xmlBufferFree(buffer)
    }

    /// Opens an element.
    package func start(_ name: String) {
        check(xmlTextWriterStartElement(writer, name))
    }

    /// Writes an attribute of the element just opened.
    package func attribute(_ name: String, _ value: String) {
        check(xmlTextWriterWriteAttribute(writer, name, Self.xmlCharacters(value)))
    }

    /// Closes the innermost open element.
    package func end() {
        check(xmlTextWriterEndElement(writer))
    }

    /// Writes `<name attributes…>text</name>`; an empty text gives an element with no content.
    package func element(_ name: String, _ text: String, attributes: [(String, String)] = []) {
        start(name)
        for (key, value) in attributes { attribute(key, value) }
        if !text.isEmpty { check(xmlTextWriterWriteString(writer, Self.xmlCharacters(text))) }
        check(xmlTextWriterFullEndElement(writer))
    }

    /// Writes an element only when `text` is non-nil and not empty.
    package func optionalElement(_ name: String, _ text: String?, attributes: [(String, String)] = []) {
        guard let text, !text.isEmpty else { return }
        element(name, text, attributes: attributes)
    }

    /// Writes a comment.
    package func comment(_ text: String) {
        check(xmlTextWriterWriteComment(writer, text))
    }

    /// Closes every open element and returns the document bytes (UTF-8, ending with a newline)
    /// after `prefix` (a byte order mark), copied once: an Oxygène file of a month is ~11 MB.
    package func finish(prefix: [UInt8] = []) throws -> [UInt8] {
        check(xmlTextWriterEndDocument(writer))
        check(xmlTextWriterFlush(writer))
        if failed { throw FacturationError(.output, "libxml2 could not write the XML document") }
        let count = Int(xmlBufferLength(buffer))
        guard let content = xmlBufferContent(buffer) else { return prefix }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.count + count)
        bytes += prefix
        bytes += UnsafeBufferPointer(start: content, count: count)
        return bytes
    }

    /// `text` as every element and attribute of our documents gets it (``TextCleaning``): the
    /// characters XML 1.0 forbids would be written by libxml2 as character references no parser or
    /// schema accepts, and a line break or C1 control has no place on a one-line field of an
    /// invoice. Imports already clean their texts; this covers every other source (older ledgers).
    static func xmlCharacters(_ text: String) -> String { TextCleaning.cleaned(text) }

    private func check(_ result: Int32) {
        if result < 0 { failed = true }
    }
}
