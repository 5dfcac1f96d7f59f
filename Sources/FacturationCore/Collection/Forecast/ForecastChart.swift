import Foundation

/// `tresorerie/prevision.svg`: the daily balance of the forecast as a line, with the alert
/// threshold, as a self-contained SVG (no script, font file or link: it can be opened alone or
/// pasted into an HTML page). Coordinates are rounded to tenths of a pixel and written as
/// integers, so the same forecast always gives the same bytes.
package enum ForecastChart {
    static let width: Int64 = 720
    static let height: Int64 = 300
    static let left: Int64 = 100
    static let right: Int64 = 20
    static let top: Int64 = 40
    static let bottom: Int64 = 40

    package static func svg(_ forecast: CashForecast) -> String {
        let points = [(forecast.today, forecast.openingBalanceMinor)] + forecast.days.map { ($0.date, $0.balanceMinor) }
        let values = points.map(\.1) + [forecast.thresholdMinor]
        let axis = Axis(low: values.min()!, high: values.max()!)
        let plotWidth = (width - left - right) * 10, plotHeight = (height - top - bottom) * 10
        let count = Int64(max(points.count - 1, 1))
        func x(_ index: Int) -> Int64 { left * 10 + Int64(index) * plotWidth / count }
        func y(_ value: Int64) -> Int64 {
            // In doubles: a difference of two balances may not fit in 64 bits; one IEEE division, rounded.
            let share = (Double(axis.high) - Double(value)) / (Double(axis.high) - Double(axis.low))
            return top * 10 + Int64((share * Double(plotHeight)).rounded())
        }
        let title =
            "Solde prévu sur \(forecast.days.count) jours" + (forecast.balanceIsAbsolute ? "" : " (solde relatif)")
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        out +=
            "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escaped(title))\" font-family=\"sans-serif\">\n"
        out += "<title>\(escaped(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(left)\" y=\"22\" font-size=\"14\" fill=\"#222222\">\(escaped(title))</text>\n"
        for value in axis.ticks {
            let line = tenths(y(value))
            out += "<line x1=\"\(left)\" y1=\"\(line)\" x2=\"\(width - right)\" y2=\"\(line)\" stroke=\"#dddddd\"/>\n"
            out += "<text x=\"\(left - 6)\" y=\"\(line)\" font-size=\"11\" text-anchor=\"end\" "
            out += "dominant-baseline=\"middle\" fill=\"#555555\">\(escaped(wholeEuros(value)))</text>\n"
        }
        let labelled =
            Array(stride(from: 0, to: points.count, by: 30)) + (points.count % 30 == 1 ? [] : [points.count - 1])
        for index in labelled {
            let anchor = index == 0 ? "start" : index == points.count - 1 ? "end" : "middle"
            out +=
                "<text x=\"\(tenths(x(index)))\" y=\"\(height - bottom + 18)\" font-size=\"11\" text-anchor=\"\(anchor)\" "
            out += "fill=\"#555555\">\(FrenchDates.slashed(points[index].0))</text>\n"
        }
        let threshold = tenths(y(forecast.thresholdMinor))
        out += "<line x1=\"\(left)\" y1=\"\(threshold)\" x2=\"\(width - right)\" y2=\"\(threshold)\" "
        out += "stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        out +=
            "<text x=\"\(width - right)\" y=\"\(threshold)\" dy=\"-4\" font-size=\"11\" text-anchor=\"end\" fill=\"#c0392b\">"
        out += "Seuil d'alerte \(escaped(FrenchDates.euros(forecast.thresholdMinor)))</text>\n"
        let line = points.indices.map { "\(tenths(x($0))),\(tenths(y(points[$0].1)))" }.joined(separator: " ")
        out += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\"/>\n"
        if let below = forecast.firstDayBelow, let index = points.firstIndex(where: { $0.0 == below }) {
            out +=
                "<circle cx=\"\(tenths(x(index)))\" cy=\"\(tenths(y(points[index].1)))\" r=\"4\" fill=\"#c0392b\"/>\n"
        }
        return out + "</svg>\n"
    }

    /// The vertical axis: round bounds and a round step (1, 2 or 5 × a power of ten euros) giving
    /// 3 to 6 grid lines, in minor units.
    struct Axis: Equatable {
        var low: Int64
        var high: Int64
        var step: Int64

        init(low lowest: Int64, high highest: Int64) {
            // In euros, rounded outwards: far from the bounds of Int64 even for the largest balances.
            let lowEuros = lowest / 100 - (lowest % 100 < 0 ? 1 : 0)
            let highEuros = highest / 100 + (highest % 100 > 0 ? 1 : 0)
            let wanted = max((highEuros - lowEuros) / 4, 1)
            var power: Int64 = 1
            while power <= wanted / 10 { power *= 10 }
            let step = [1, 2, 5, 10].map { $0 * power }.first { $0 >= wanted }!
            var bottom = (lowEuros / step) * step
            if bottom > lowEuros { bottom -= step }
            var top = (highEuros / step) * step
            if top < highEuros { top += step }
            if top == bottom { top += step }
            (low, high, self.step) = (bottom * 100, top * 100, step * 100)
        }

        var ticks: [Int64] { Array(stride(from: low, through: high, by: Int(step))) }
    }

    /// Tenths of a pixel as an SVG number: `1234` → `123.4`.
    static func tenths(_ value: Int64) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        return sign + "\(magnitude / 10)" + (magnitude % 10 == 0 ? "" : ".\(magnitude % 10)")
    }

    /// An axis label: the amount rounded to the euro, "12 345 €".
    static func wholeEuros(_ minor: Int64) -> String {
        let rounded = InvoiceTotals.roundHalfUp(minor, divisor: 100) * 100
        return String(FrenchDates.euros(rounded).replacingOccurrences(of: ",00 €", with: " €"))
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
