import CLibxml2
import Foundation

/// Validates XML documents against one W3C XML Schema (XSD) with libxml2, offline and silently.
///
/// libxml2 never prints to stderr nor fetches anything from the network here: errors are
/// collected and returned with their line numbers. A validator can be reused for many documents
/// but not from several threads at once.
package final class XMLSchemaValidator {
    private let schema: xmlSchemaPtr
    private let context: xmlSchemaValidCtxtPtr
    /// Where the schema came from, for messages.
    package let schemaName: String

    /// Loads the schema at `path` (and the files it includes, relative to it).
    package init(schemaPath path: String) throws {
        schemaName = (path as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            throw FacturationError(.installation, "the XML schema \(path) does not exist")
        }
        guard let parser = xmlSchemaNewParserCtxt(path) else {
            throw FacturationError(.installation, "cannot read the XML schema \(path)")
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        let collector = ErrorCollector()
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        xmlSchemaSetParserStructuredErrors(parser, XMLSchemaValidator.collect, opaque)
        guard let schema = xmlSchemaParse(parser) else {
            throw FacturationError(
                .installation,
                "the XML schema \(path) is invalid: "
                    + (collector.messages.first ?? "unknown error"))
        }
        self.schema = schema
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            xmlSchemaFree(schema)
            throw FacturationError(.installation, "cannot create a validation context for \(path)")
        }
        self.context = context
    }

    /// Loads a schema given as text (it must not include other files).
    package convenience init(schemaText: String, name: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name)
        try Data(schemaText.utf8).write(to: file)
        try self.init(schemaPath: file.path)
    }

    deinit {
        xmlSchemaFreeValidCtxt(context)
        xmlSchemaFree(schema)
    }

    /// The problems of `document` (empty when it is valid), each as `line N: message`.
    package func problems(in document: [UInt8]) -> [String] {
        let collector = ErrorCollector()
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed: xmlDocPtr? = document.withUnsafeBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                xmlReadMemory($0, Int32(bytes.count), "document.xml", "UTF-8", options)
            }
        }
        guard let parsed else {
            if let error = xmlGetLastError() {
                return [XMLSchemaValidator.describe(error.pointee)]
            }
            return ["the document is not well-formed XML"]
        }
        defer { xmlFreeDoc(parsed) }
        xmlSchemaSetValidStructuredErrors(context, XMLSchemaValidator.collect, opaque)
        defer { xmlSchemaSetValidStructuredErrors(context, nil, nil) }
        let result = xmlSchemaValidateDoc(context, parsed)
        if result != 0, collector.messages.isEmpty {
            return ["the document does not match \(schemaName) (libxml2 code \(result))"]
        }
        return collector.messages
    }

    /// The problems of `document` found in one streamed pass (a libxml2 text reader with the
    /// schema plugged into it): empty exactly when ``problems(in:)`` is.
    ///
    /// Why: ``problems(in:)`` builds the whole tree first, about 15 times the document's size (a
    /// month's Oxygène file of 7,500 invoices is 11 MB of XML and its tree 160 MB, the largest
    /// part of the invoice month's peak memory). The reader keeps only the current node and the
    /// schema's identity-constraint tables (the Oxygène `UniqueWebID` key values). The messages
    /// name the same elements, but a line is where the reader noticed the problem (often the
    /// element's end rather than its start), and a document that is not well-formed gives one
    /// parse error, in the reader's words. The invariant (the same verdict, the same elements
    /// named) is tested in `OxygeneWriterTests`.
    package func streamedProblems(in document: [UInt8]) -> [String] {
        let collector = ErrorCollector()
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        return document.withUnsafeBufferPointer { bytes -> [String] in
            let reader = bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                xmlReaderForMemory($0, Int32(bytes.count), "document.xml", "UTF-8", options)
            }
            guard let reader else { return ["the document cannot be read as XML"] }
            defer { xmlFreeTextReader(reader) }
            xmlResetLastError()
            xmlSchemaSetValidStructuredErrors(context, XMLSchemaValidator.collect, opaque)
            defer { xmlSchemaSetValidStructuredErrors(context, nil, nil) }
            guard xmlTextReaderSchemaValidateCtxt(reader, context, 0) == 0 else {
                return ["cannot validate against \(schemaName) while reading"]
            }
            var status = xmlTextReaderRead(reader)
            while status == 1 { status = xmlTextReaderRead(reader) }
            if status < 0 {
                if let error = xmlGetLastError(), error.pointee.domain != Int32(XML_FROM_SCHEMASV.rawValue) {
                    return [XMLSchemaValidator.describe(error.pointee)]
                }
                if collector.messages.isEmpty { return ["the document is not well-formed XML"] }
            }
            if xmlTextReaderIsValid(reader) != 1, collector.messages.isEmpty {
                return ["the document does not match \(schemaName)"]
            }
            return collector.messages
        }
    }

    private final class ErrorCollector {
        var messages: [String] = []
    }

    private static let collect: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let collector = Unmanaged<ErrorCollector>.fromOpaque(context).takeUnretainedValue()
        if collector.messages.count < 50 {
            collector.messages.append(XMLSchemaValidator.describe(error.pointee))
        }
    }

    private static func describe(_ error: xmlError) -> String {
        let message = error.message.map { String(cString: $0) } ?? "unknown error"
        return "line \(error.line): " + message.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
