/// What is drawn on a page, in page coordinates (points, origin at the top left).
package enum PDFItem {
    case text(String, x: Double, y: Double, width: Double, style: TextStyle, alignment: TextAlignment)
    case rule(x: Double, y: Double, width: Double, weight: Double, gray: Double)
    case fill(x: Double, y: Double, width: Double, height: Double, gray: Double)
    case image(PNGImage, x: Double, y: Double, width: Double, height: Double)
}

/// Pours blocks down A4 pages: a block that does not fit below the cursor starts a new page
/// (after the `continuation` header, such as a table's repeated column titles), so nothing is ever
/// cut at the bottom. Pages are drawn once all are known, so each footer can say "page n/N".
package struct PageFlow {
    package static let margin = 42.0
    package static let contentWidth = PDFCanvas.pageWidth - 2 * margin
    /// The lowest point a block may reach: the footer lives below.
    package static let bottom = PDFCanvas.pageHeight - 72.0

    package let canvas: PDFCanvas
    package private(set) var pages: [[PDFItem]] = [[]]
    /// Where the next block starts.
    package var y = margin
    /// Drawn at the top of every page this flow starts (nil: none).
    package var continuation: ((inout PageFlow) -> Void)?

    package init(canvas: PDFCanvas) { self.canvas = canvas }

    /// Makes room for a block of `height`: a new page when it does not fit (unless the page is
    /// still empty: a block taller than a page is then drawn as it is).
    package mutating func reserve(_ height: Double) {
        guard y + height > Self.bottom, y > Self.margin else { return }
        pages.append([])
        y = Self.margin
        if let continuation {
            continuation(&self)
        }
    }

    /// Starts a new page (with the `continuation` header when set), unless the current one is empty.
    package mutating func newPage() {
        guard y > Self.margin else { return }
        y = Self.bottom + 1
        reserve(1)
    }

    package mutating func add(_ item: PDFItem) { pages[pages.count - 1].append(item) }

    /// A text block at (x, y + dy); returns its height.
    @discardableResult
    package mutating func text(
        _ text: String, x: Double, dy: Double = 0, width: Double, style: TextStyle,
        alignment: TextAlignment = .left
    ) -> Double {
        guard !text.isEmpty else { return 0 }
        add(.text(text, x: x, y: y + dy, width: width, style: style, alignment: alignment))
        return canvas.height(of: text, width: width, style: style)
    }

    /// Draws every page, with `footer(page, count)` at its bottom.
    package func draw(footer: (Int, Int) -> [PDFItem]) {
        for (index, items) in pages.enumerated() {
            for item in items + footer(index + 1, pages.count) { draw(item) }
            canvas.endPage()
        }
    }

    private func draw(_ item: PDFItem) {
        switch item {
        case .text(let text, let x, let y, let width, let style, let alignment):
            canvas.draw(text, x: x, y: y, width: width, style: style, alignment: alignment)
        case .rule(let x, let y, let width, let weight, let gray):
            canvas.rule(x: x, y: y, width: width, weight: weight, gray: gray)
        case .fill(let x, let y, let width, let height, let gray):
            canvas.fill(x: x, y: y, width: width, height: height, gray: gray)
        case .image(let image, let x, let y, let width, let height):
            canvas.draw(image, x: x, y: y, width: width, height: height)
        }
    }
}
