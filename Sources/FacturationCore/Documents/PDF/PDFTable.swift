/// The columns of a table drawn on a ``PageFlow``: column titles on a grey band, then rows whose
/// height is that of their tallest cell; a row is never split across two pages.
package struct PDFTable {
    package struct Column {
        package var title: String
        /// Left edge, in points from the left margin.
        package var x: Double
        package var width: Double
        package var alignment: TextAlignment
    }

    package let columns: [Column]
    /// The style of the cells; the titles are in `titleStyle`.
    package let style: TextStyle
    package var titleStyle = TextStyle(size: 8.5, bold: true)

    package init(columns: [Column], style: TextStyle) {
        self.columns = columns
        self.style = style
    }

    /// The column titles, in bold on a grey band.
    package func titles(_ flow: inout PageFlow) {
        flow.add(.fill(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, height: 16, gray: 0.9))
        for column in columns {
            flow.text(
                column.title, x: PageFlow.margin + column.x, dy: 3, width: column.width,
                style: titleStyle, alignment: column.alignment)
        }
        flow.y += 20
    }

    /// One row of `cells` (one per column), on a new page when it does not fit; `gap` points below.
    /// A row taller than a whole page (a description has no length bound) is drawn as far as the
    /// page goes and continued on the next ones, never cut off.
    package func row(_ cells: [String], gap: Double, _ flow: inout PageFlow) {
        var cells = cells
        while true {
            let height = tallest(cells, flow.canvas)
            flow.reserve(height + gap)
            let room = PageFlow.bottom - flow.y - gap
            guard height > room else {
                draw(cells, &flow)
                flow.y += height + gap
                return
            }
            var rest: [String] = []
            var heads: [String] = []
            for (column, cell) in zip(columns, cells) {
                let cut = flow.canvas.fittingPrefix(of: cell, width: column.width, style: style, maxHeight: room)
                let utf8 = Array(cell.utf8)
                heads.append(String(decoding: utf8[..<cut], as: UTF8.self))
                rest.append(String(decoding: utf8[cut...], as: UTF8.self))
            }
            draw(heads, &flow)
            flow.newPage()
            cells = rest
        }
    }

    private func tallest(_ cells: [String], _ canvas: PDFCanvas) -> Double {
        zip(columns, cells).map { column, cell in canvas.height(of: cell, width: column.width, style: style) }
            .max() ?? 0
    }

    private func draw(_ cells: [String], _ flow: inout PageFlow) {
        for (column, cell) in zip(columns, cells) {
            flow.text(
                cell, x: PageFlow.margin + column.x, width: column.width, style: style, alignment: column.alignment)
        }
    }
}
