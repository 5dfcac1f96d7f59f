import Foundation

/// Renders measurements: one line each while the benchmark runs, then a Markdown table for the
/// README. MB means 10^6 bytes everywhere (throughput and RSS).
enum Report {
    static func megabytes(_ bytes: Int64) -> String { fixed(Double(bytes) / 1e6, 1) }

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    /// Right-aligned in `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func line(_ m: Measurement) -> String {
        if m.scenario == .match {
            return "match    invoices " + pad(String(m.int("invoices")), 8) + "  receipts " + pad(String(m.rows), 8)
                + "  " + pad(fixed(m.seconds, 3), 7) + " s"
                + "  " + pad(fixed(m.rowsPerSecond, 0), 8) + " receipts/s"
                + "  peak RSS " + pad(megabytes(m.peakRSSBytes), 6) + " MB"
                + "\n    " + m.detail
        }
        if m.scenario == .fec {
            return "fec      lines " + pad(String(m.rows), 9) + "  file " + pad(megabytes(m.inputBytes), 7) + " MB"
                + "  " + pad(fixed(m.seconds, 2), 7) + " s"
                + "  CPU " + pad(fixed(m.double("cpu_seconds"), 2), 6) + " s"
                + "  " + pad(fixed(m.megabytesPerSecond, 1), 6) + " MB/s"
                + "  peak RSS " + pad(megabytes(m.peakRSSBytes), 6) + " MB"
                + "\n    " + m.detail
        }
        if m.scenario == .invoice {
            return "invoice  clients " + pad(String(m.clients ?? 0), 6) + "  entries " + pad(String(m.rows), 8)
                + "  invoices " + pad(String(m.invoices ?? 0), 6)
                + "  " + pad(fixed(m.seconds, 2), 7) + " s"
                + "  " + pad(fixed(m.invoicesPerSecond, 0), 6) + " invoices/s"
                + "  " + pad(fixed(m.rowsPerSecond, 0), 8) + " entries/s"
                + "  peak RSS " + pad(megabytes(m.peakRSSBytes), 6) + " MB"
                + "\n    " + m.detail
        }
        return m.scenario.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)
            + " input " + pad(megabytes(m.inputBytes), 7) + " MB"
            + "  rows " + pad(String(m.rows), 9)
            + "  " + pad(fixed(m.seconds, 2), 7) + " s"
            + "  " + pad(fixed(m.megabytesPerSecond, 1), 6) + " MB/s"
            + "  " + pad(fixed(m.rowsPerSecond, 0), 8) + " rows/s"
            + "  peak RSS " + pad(megabytes(m.peakRSSBytes), 6) + " MB"
            + "\n    " + m.detail
    }

    /// The table, with the median (by time; the faster middle one for an even count) of the repeats
    /// of each scenario and size.
    static func table(_ measurements: [Measurement]) -> String {
        let all = medians(measurements)
        let files = all.filter(\.scenario.usesExportFiles)
        let invoicing = all.filter { $0.scenario == .invoice }
        let matching = all.filter { $0.scenario == .match }
        let fec = all.filter { $0.scenario == .fec }
        var tables: [String] = []
        if !files.isEmpty || all.isEmpty { tables.append(fileTable(files)) }
        if !invoicing.isEmpty { tables.append(invoiceTable(invoicing)) }
        if !matching.isEmpty { tables.append(matchTable(matching)) }
        if !fec.isEmpty { tables.append(fecTable(fec)) }
        let idle = measurements.filter { $0.scenario == .idle }
        if !idle.isEmpty { tables.append(idleTable(idle)) }
        return tables.joined(separator: "\n")
    }

    /// The `idle` rows: a run with nothing new, by years of history.
    private static func idleTable(_ measurements: [Measurement]) -> String {
        var out =
            "| Scenario | History | Invoices | Run with nothing new (median) | Peak RSS MB |\n|---|---|---:|---:|---:|\n"
        for m in measurements {
            out +=
                "| idle | \(m.sizeLabel) | \(m.rows) | \(fixed(m.seconds * 1000, 1)) ms | \(megabytes(m.peakRSSBytes)) |\n"
        }
        return out
    }

    /// The `match` rows: seconds = receivables + finder + payers + the matching loop.
    private static func matchTable(_ measurements: [Measurement]) -> String {
        var out =
            "| Scenario | Open invoices | Clients | Receipts | Seconds | Receipts/s | reference | client-amount "
            + "| client-several | review | Peak RSS MB |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for m in measurements {
            let cells = [
                m.scenario.rawValue, String(m.int("invoices")), String(m.int("clients")), String(m.rows),
                fixed(m.seconds, 3), fixed(m.rowsPerSecond, 0), String(m.int("rule.reference")),
                String(m.int("rule.client-amount")), String(m.int("rule.client-several")),
                String(m.int("rule.review")), megabytes(m.peakRSSBytes),
            ]
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// The `fec` rows: the whole `facturation fec` process, from the records.
    private static func fecTable(_ measurements: [Measurement]) -> String {
        var out =
            "| Scenario | FEC lines | Entries | Invoices | File MB | Seconds | CPU s | MB/s "
            + "| Lines/s | Peak RSS MB |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for m in measurements {
            let cells = [
                m.scenario.rawValue, String(m.rows), String(m.int("entries")), String(m.int("invoices")),
                megabytes(m.inputBytes), fixed(m.seconds, 2), fixed(m.double("cpu_seconds"), 2),
                fixed(m.megabytesPerSecond, 1), fixed(m.rowsPerSecond, 0), megabytes(m.peakRSSBytes),
            ]
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    private static func fileTable(_ measurements: [Measurement]) -> String {
        var out = "| Scenario | Input MB | Rows | Seconds | MB/s | Rows/s | Peak RSS MB |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|\n"
        for m in measurements {
            let cells = [
                m.scenario.rawValue, megabytes(m.inputBytes), String(m.rows), fixed(m.seconds, 2),
                fixed(m.megabytesPerSecond, 1), fixed(m.rowsPerSecond, 0), megabytes(m.peakRSSBytes),
            ]
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// The `invoice` rows: invoices/s includes drafting, numbering, XML, XSD validation and outputs.
    private static func invoiceTable(_ measurements: [Measurement]) -> String {
        var out =
            "| Scenario | Clients | Time entries | Ledger MB | Invoices issued | Seconds | Invoices/s | Entries/s | Peak RSS MB |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for m in measurements {
            let cells = [
                m.scenario.rawValue, String(m.clients ?? 0), String(m.rows), megabytes(m.inputBytes),
                String(m.invoices ?? 0), fixed(m.seconds, 2), fixed(m.invoicesPerSecond, 0),
                fixed(m.rowsPerSecond, 0), megabytes(m.peakRSSBytes),
            ]
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// One measurement per (size, scenario), in the order they were first taken.
    static func medians(_ measurements: [Measurement]) -> [Measurement] {
        var groups: [(key: String, items: [Measurement])] = []
        for m in measurements {
            let key = m.sizeLabel + "|" + m.scenario.rawValue
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].items.append(m)
            } else {
                groups.append((key, [m]))
            }
        }
        return groups.map { group in
            let sorted = group.items.sorted { $0.seconds < $1.seconds }
            return sorted[(sorted.count - 1) / 2]
        }
    }

    /// The issues' goals, checked against the medians of the Clockify and invoice scenarios.
    static func goals(_ measurements: [Measurement]) -> String {
        var out = ""
        for m in medians(measurements) where m.scenario == .clockifyNormalize {
            out +=
                "- " + megabytes(m.inputBytes) + " MB Clockify file: " + fixed(m.megabytesPerSecond, 1)
                + " MB/s (goal ≥ 100: " + (m.megabytesPerSecond >= 100 ? "met" : "not met") + "), peak RSS "
                + megabytes(m.peakRSSBytes) + " MB (goal < 100: " + (m.peakRSSBytes < 100_000_000 ? "met" : "not met")
                + ")\n"
        }
        for m in medians(measurements) where m.scenario == .invoice {
            out +=
                "- Month close of \(m.clients ?? 0) clients and \(m.rows) time entries: \(m.invoices ?? 0) invoices in "
                + fixed(m.seconds, 2) + " s"
            if (m.clients ?? 0) >= InvoiceWorkload.defaultClients && m.rows >= InvoiceWorkload.defaultEntries {
                out +=
                    " (goal < 15 s for 5,000 clients and 1,000,000 entries: " + (m.seconds < 15 ? "met" : "not met")
                    + ")"
            }
            out += "\n"
        }
        for m in medians(measurements) where m.scenario == .match {
            out +=
                "- Matching \(m.rows) receipts against \(m.int("invoices")) open invoices: " + fixed(m.seconds, 3)
                + " s"
            if m.int("invoices") >= PaymentWorkload.defaultInvoices && m.rows >= PaymentWorkload.defaultInvoices {
                out += " (goal < 2 s for 100,000 against 100,000: " + (m.seconds < 2 ? "met" : "not met") + ")"
            }
            out += "\n"
        }
        for m in measurements where m.scenario == .idle {
            out +=
                "- A run with nothing new after \(m.sizeLabel) of history: " + fixed(m.seconds * 1000, 1)
                + " ms (goal < 100 ms: " + (m.seconds < 0.1 ? "met" : "not met") + ")\n"
        }
        for m in medians(measurements) where m.scenario == .fec {
            out +=
                "- FEC of \(m.rows) lines (" + megabytes(m.inputBytes) + " MB), `facturation fec` from the records: "
                + fixed(m.megabytesPerSecond, 1) + " MB/s, peak " + megabytes(m.peakRSSBytes) + " MB"
            if m.rows >= 1_000_000 {
                let met = m.megabytesPerSecond >= 50 && m.peakRSSBytes < 200_000_000
                out += " (goal ≥ 50 MB/s and < 200 MB for 1,000,000 lines: " + (met ? "met" : "not met") + ")"
            }
            out += "\n"
        }
        return out
    }
}
