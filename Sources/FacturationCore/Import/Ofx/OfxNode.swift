/// One element of an OFX document: an aggregate (`<STMTTRN>`…`</STMTTRN>`) holds children, a
/// leaf (`<TRNAMT>-12.50`) holds its text.
final class OfxNode {
    let name: String
    /// The line of its opening tag (1-based).
    let line: Int
    /// A leaf's value (entities decoded, white space trimmed); empty for an aggregate.
    var text: String
    private(set) var children: [OfxNode] = []

    init(name: String, line: Int, text: String = "") {
        self.name = name
        self.line = line
        self.text = text
    }

    func append(_ child: OfxNode) { children.append(child) }

    /// The first child named `path[0]`, then its first child named `path[1]`…
    subscript(_ path: String...) -> OfxNode? {
        var node: OfxNode? = self
        for name in path { node = node?.children.first { $0.name == name } }
        return node
    }

    /// The children named `name`.
    func children(_ name: String) -> [OfxNode] { children.filter { $0.name == name } }

    /// Every descendant named `name`, in document order (not below a match). The tree's depth is
    /// bounded by ``OfxDocument/maximumDepth``, so the recursion is too.
    func descendants(_ name: String) -> [OfxNode] {
        var found: [OfxNode] = []
        for child in children {
            if child.name == name { found.append(child) } else { found += child.descendants(name) }
        }
        return found
    }
}
