import CLibxml2
import Foundation

/// An XML document read whole with libxml2, offline and silently (`XML_PARSE_NONET`, no entity
/// expansion, nothing printed to stderr: a parse error comes back from `xmlGetLastError` with its
/// line). For the small documents an importer reads (a bank statement); large ones are refused
/// by the caller before they get here.
package final class XMLTree {
    private let document: xmlDocPtr

    /// Why a document could not be read: libxml2's message and the line it names.
    package struct ReadError: Error, Sendable {
        package let line: Int
        package let message: String
    }

    private init(document: xmlDocPtr) {
        self.document = document
    }

    deinit { xmlFreeDoc(document) }

    /// Reads the file at `path`; a document that is not well-formed gives libxml2's first error.
    package static func read(path: String) -> Result<XMLTree, ReadError> {
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        xmlResetLastError()
        guard let document = xmlReadFile(path, nil, options) else {
            if let error = xmlGetLastError() {
                let message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                return .failure(
                    ReadError(
                        line: Int(error.pointee.line),
                        message: message.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            return .failure(ReadError(line: 0, message: "the document is not well-formed XML"))
        }
        return .success(XMLTree(document: document))
    }

    /// The root element (nil for a document without one).
    package var root: XMLNodeRef? {
        xmlDocGetRootElement(document).map { XMLNodeRef(tree: self, pointer: $0) }
    }
}

/// An element of an ``XMLTree`` (it keeps the tree alive). Names are local names: the
/// namespace is read separately (``namespace``), since one vocabulary comes in several versions.
package struct XMLNodeRef {
    let tree: XMLTree
    let pointer: xmlNodePtr

    package var name: String { String(cString: pointer.pointee.name) }

    /// The namespace URI of the element, if any.
    package var namespace: String? { pointer.pointee.ns?.pointee.href.map { String(cString: $0) } }

    /// The line of the element's start tag.
    package var line: Int { Int(xmlGetLineNo(pointer)) }

    /// The child elements, in order.
    package var children: [XMLNodeRef] {
        var result: [XMLNodeRef] = []
        var node = pointer.pointee.children
        while let current = node {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(XMLNodeRef(tree: tree, pointer: current)) }
            node = current.pointee.next
        }
        return result
    }

    /// The child elements named `name`.
    package func children(_ name: String) -> [XMLNodeRef] { children.filter { $0.name == name } }

    /// The first element at the end of a path of child names (`node["Acct", "Id", "IBAN"]`).
    package subscript(_ path: String...) -> XMLNodeRef? {
        var node: XMLNodeRef? = self
        for name in path { node = node?.children.first { $0.name == name } }
        return node
    }

    /// The text of the element (its text and CDATA children), trimmed of white space.
    package var text: String {
        var bytes: [UInt8] = []
        var node = pointer.pointee.children
        while let current = node {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
                let content = current.pointee.content
            {
                var index = 0
                while content[index] != 0 {
                    bytes.append(content[index])
                    index += 1
                }
            }
            node = current.pointee.next
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of the attribute `name` (without namespace), or nil.
    package func attribute(_ name: String) -> String? {
        var attribute = pointer.pointee.properties
        while let current = attribute {
            if String(cString: current.pointee.name) == name {
                var bytes: [UInt8] = []
                var child = current.pointee.children
                while let text = child {
                    if let content = text.pointee.content {
                        var index = 0
                        while content[index] != 0 {
                            bytes.append(content[index])
                            index += 1
                        }
                    }
                    child = text.pointee.next
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            attribute = current.pointee.next
        }
        return nil
    }
}
