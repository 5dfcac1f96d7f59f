/// The dashboard's charts as inline SVG: no script, no external reference, every value written
/// as text beside its bar or point (readable on paper, and by a test). Geometry is in whole
/// pixels of the `viewBox`, so the same figures always give the same bytes.
enum DashboardSVG {
    /// One series of a bar chart: its legend, its CSS class, a value per category.
    struct Series {
        var name: String
        var cssClass: String
        var values: [Int64]
    }

    static let width = 960
    static let height = 300
    /// Margins; the top one leaves room for the value labels written upwards above the bars.
    private static let left = 70, right = 20, top = 80, bottom = 50

    /// The vertical scale: `low` ≤ 0 ≤ `high`, never empty.
    private struct Scale {
        let low: Int64, high: Int64
        init(_ values: [Int64]) {
            low = min(0, values.min() ?? 0)
            high = max(values.max() ?? 0, low + 1)
        }
        /// The y of `value`, in pixels.
        func y(_ value: Int64) -> Int {
            let plot = Double(DashboardSVG.height - DashboardSVG.top - DashboardSVG.bottom)
            return DashboardSVG.top + Int((Double(high - value) / Double(high - low) * plot).rounded())
        }
    }

    private static func open(_ label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(DashboardFormat.html(label))\""
            + ">"
    }

    private static func text(
        _ value: String, x: Int, y: Int, anchor: String = "middle", cssClass: String = "value", rotate: Bool = false
    ) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(x) \(y))\"" : ""
        return "<text class=\"\(cssClass)\" x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\"\(transform)>"
            + DashboardFormat.html(value) + "</text>"
    }

    /// Grouped vertical bars, one group per category, each bar labelled with `label(value)`;
    /// `fullScale` fixes the top of the scale (a ratio's 100 %) instead of the largest value.
    static func bars(
        _ title: String, categories: [String], series: [Series], fullScale: Int64? = nil, label: (Int64) -> String
    ) -> String {
        let scale = Scale(series.flatMap(\.values) + (fullScale.map { [$0] } ?? []))
        let plotWidth = width - left - right
        let group = plotWidth / max(categories.count, 1)
        let bar = max(4, (group - 8) / max(series.count, 1))
        var out = open(title)
        out += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(scale.y(0))\" x2=\"\(width - right)\" y2=\"\(scale.y(0))\"/>"
        for (index, category) in categories.enumerated() {
            let x0 = left + index * group + 4
            for (position, serie) in series.enumerated() where index < serie.values.count {
                let value = serie.values[index]
                let x = x0 + position * bar
                let y = min(scale.y(value), scale.y(0))
                let h = max(abs(scale.y(0) - scale.y(value)), value == 0 ? 0 : 1)
                out += "<rect class=\"\(serie.cssClass)\" x=\"\(x)\" y=\"\(y)\" width=\"\(bar - 2)\" height=\"\(h)\">"
                out +=
                    "<title>\(DashboardFormat.html(serie.name + " " + category + " : " + label(value)))</title></rect>"
                // Zero is left unlabelled (the table under the chart has every value).
                if value != 0 { out += text(label(value), x: x + bar / 2 + 3, y: y - 4, anchor: "start", rotate: true) }
            }
            out += text(category, x: x0 + group / 2 - 4, y: height - bottom + 18, cssClass: "axis-label")
        }
        out += legend(series.map { ($0.name, $0.cssClass) })
        return out + "</svg>"
    }

    /// The legend, bottom left.
    private static func legend(_ entries: [(name: String, cssClass: String)]) -> String {
        var out = ""
        for (index, entry) in entries.enumerated() {
            let x = left + index * 220
            out += "<rect class=\"\(entry.cssClass)\" x=\"\(x)\" y=\"\(height - 20)\" width=\"12\" height=\"12\"/>"
            out += text(entry.name, x: x + 18, y: height - 10, anchor: "start", cssClass: "legend")
        }
        return out
    }

    /// A point of a line chart: its axis label (nil: none), its value (nil: no value that day,
    /// the line is broken there) and its value label (nil: none).
    struct Point {
        var axisLabel: String?
        var value: Int64?
        var valueLabel: String?
    }

    /// A line through `points`, evenly spaced, with their labels; `threshold` draws a dashed line.
    static func line(
        _ title: String, points: [Point], threshold: (value: Int64, label: String)? = nil
    ) -> String {
        let scale = Scale(points.compactMap(\.value) + (threshold.map { [$0.value] } ?? []))
        let plotWidth = width - left - right
        let step = points.count > 1 ? Double(plotWidth - 40) / Double(points.count - 1) : 0
        func x(_ index: Int) -> Int { left + 20 + Int((Double(index) * step).rounded()) }
        var out = open(title)
        out += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(scale.y(0))\" x2=\"\(width - right)\" y2=\"\(scale.y(0))\"/>"
        if let threshold {
            let y = scale.y(threshold.value)
            out += "<line class=\"threshold\" x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\"/>"
            out += text(threshold.label, x: width - right, y: y - 4, anchor: "end", cssClass: "threshold-label")
        }
        // One polyline per run of consecutive points that have a value.
        var run: [String] = []
        func closeRun() {
            if run.count > 1 { out += "<polyline class=\"curve\" points=\"\(run.joined(separator: " "))\"/>" }
            run = []
        }
        for (index, point) in points.enumerated() {
            guard let value = point.value else { closeRun(); continue }
            run.append("\(x(index)),\(scale.y(value))")
        }
        closeRun()
        for (index, point) in points.enumerated() {
            if let value = point.value, let label = point.valueLabel {
                let y = scale.y(value)
                out += "<circle class=\"dot\" cx=\"\(x(index))\" cy=\"\(y)\" r=\"3\"/>"
                out += text(label, x: x(index), y: y - 8)
            }
            if let axis = point.axisLabel {
                out += text(axis, x: x(index), y: height - bottom + 18, cssClass: "axis-label")
            }
        }
        return out + "</svg>"
    }
}
