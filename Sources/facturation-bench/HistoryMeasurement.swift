import FacturationCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `idle` scenario: how long a `facturation run` with nothing new to do takes on a workspace
/// holding years of history, and how that grows as years are added.
///
/// The history is made by the real binary, month by month, as cron would: a pipeline of
/// ``clients`` clients with a monthly contract each (``clients`` invoices a month), and before each
/// month's run a Qonto API export paying every invoice of the month before (``clients`` receipts
/// a month, each naming its invoice). After 1, 5 and 10 years (`--years`), the bench waits for
/// the file-system times to settle (a stamp taken within 2 s of a change is not trusted), runs
/// once more on the same day (the full pass that records the run stamp: the cost of a run once
/// something changed), then times `--repeat` runs with nothing new (median reported).
struct HistoryMeasurement {
    static let clients = 100
    static let firstYear = 2015
    static let pipelineID = "history"

    let facturation: String
    let root: String

    /// Builds the history up to the largest of `years`, measuring at each of them.
    func run(years: [Int], repeats: Int) throws -> [Measurement] {
        try Storage.makeDirectory(Path.join(root, "pipelines"))
        try Storage.makeDirectory(Path.join(root, "inbox"))
        try Storage.write(
            Self.pipelineTOML(), to: Path.join(root, "pipelines/\(Self.pipelineID).toml"),
            temporaryDirectory: Path.join(root, "pipelines"))
        var measurements: [Measurement] = []
        var previous: [(number: String, client: String, cents: Int64)] = []
        let started = Monotonic.now()
        for month in 0...(12 * (years.max() ?? 1)) {
            let (year, monthOfYear) = (Self.firstYear + month / 12, month % 12 + 1)
            let day = "\(year)-\(CivilDate.pad(monthOfYear, 2))-01"
            if !previous.isEmpty { try dropReceipts(for: previous, month: month) }
            _ = try runOnce(day)
            if !previous.isEmpty { try checkMatched(previous.count, on: day) }
            previous = try issued(on: day)
            guard !previous.isEmpty else {
                throw BenchError("the run of \(day) issued no invoice (see \(root)/summary.json)")
            }
            guard month > 0, month % 12 == 0, years.contains(month / 12) else { continue }
            StandardStreams.out(
                "History of \(month / 12) years built (\(Report.fixed(Monotonic.now() - started, 0)) s so far)\n")
            measurements.append(try measureIdle(on: day, years: month / 12, repeats: repeats))
            StandardStreams.out(Report.line(measurements[measurements.count - 1]) + "\n")
        }
        return measurements
    }

    /// The full pass that records the stamp, then `repeats` runs with nothing new.
    private func measureIdle(on day: String, years: Int, repeats: Int) throws -> Measurement {
        sleep(3)
        let full = try runOnce(day)
        sleep(3)
        var idle: [ChildProcess.Outcome] = []
        for _ in 0..<max(repeats, 3) {
            let outcome = try runOnce(day)
            let summary = try Data(contentsOf: URL(fileURLWithPath: Path.join(root, "summary.json")))
            guard String(decoding: summary, as: UTF8.self).contains("\"unchanged\"") else {
                throw BenchError("a run with nothing new did not skip the later stages (see \(root)/summary.json)")
            }
            idle.append(outcome)
        }
        let times = idle.map(\.seconds).sorted()
        let median = times[times.count / 2]
        let documents = years * 12 * Self.clients
        return Measurement(
            scenario: .idle, sizeLabel: "\(years) years", inputBytes: 0, rows: documents, seconds: median,
            peakRSSBytes: idle.map(\.maxRSSBytes).max() ?? 0,
            detail: "\(documents) invoices and \(documents - Self.clients) receipts in the archive; runs with nothing "
                + "new: " + times.map { Report.fixed($0 * 1000, 1) + " ms" }.joined(separator: ", ")
                + "; the full pass after a change (the run that records the stamp): \(Report.fixed(full.seconds, 2)) s, "
                + "\(Report.fixed(full.cpuSeconds, 2)) s CPU, \(Report.megabytes(full.maxRSSBytes)) MB")
    }

    private func runOnce(_ day: String) throws -> ChildProcess.Outcome {
        let outcome = try ChildProcess(
            executable: facturation,
            arguments: ["run", "--workspace", root, "--settle", "0", "--date", day, "--json", "--quiet"],
            standardOutput: Path.join(root, "summary.json")
        ).run()
        guard outcome.exitStatus == 0 else {
            throw BenchError(
                "facturation run --date \(day) exited with status \(outcome.exitStatus ?? -1) "
                    + "(summary in \(root)/summary.json)")
        }
        return outcome
    }

    /// The invoices of the sales register issued on `day`.
    private func issued(on day: String) throws -> [(number: String, client: String, cents: Int64)] {
        let text = try Storage.readText(Path.join(root, "outbox/registre-ventes.csv"), limit: 1 << 30)
        var result: [(number: String, client: String, cents: Int64)] = []
        // The register's lines end in CRLF, one `Character` in Swift: split on newlines, not "\n"
        // (which found no line, so no receipt was ever dropped; `checkMatched` now guards it).
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 7, fields[2] == day,
                let cents = try? DecimalText.minorUnits(fields[7], scale: 2, style: .dotDecimal).get()
            else { continue }
            result.append((fields[0], fields[4], cents))
        }
        return result
    }

    /// Fails unless the last run imported the month's receipts and matched every one of them to
    /// its invoice: a history without them would measure a workspace with no bank line or match.
    private func checkMatched(_ expected: Int, on day: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Path.join(root, "summary.json")))
        let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let payments = summary?["payments"] as? [[String: Any]] ?? []
        let matched = payments.reduce(0) { $0 + (($1["matched"] as? [Any])?.count ?? 0) }
        guard matched == expected else {
            throw BenchError(
                "the run of \(day) matched \(matched) of the \(expected) receipts dropped for it "
                    + "(see \(root)/summary.json)")
        }
    }

    /// A Qonto API export, dated the 20th of the month after `month`'s... of the month just run:
    /// one credit per invoice, naming it.
    private func dropReceipts(for invoices: [(number: String, client: String, cents: Int64)], month: Int) throws {
        let paid = month - 1
        let (year, monthOfYear) = (Self.firstYear + paid / 12, paid % 12 + 1)
        let date = "\(year)-\(CivilDate.pad(monthOfYear, 2))-20T10:00:00.000Z"
        var json = "{\n  \"transactions\": [\n"
        for (index, invoice) in invoices.enumerated() {
            let euros = DecimalText.format(minorUnits: invoice.cents, scale: 2)
            json +=
                (index > 0 ? ",\n" : "") + """
                        {"id": "h-\(invoice.number)", "transaction_id": "h-\(invoice.number)", "amount": \(euros),
                         "amount_cents": \(invoice.cents), "side": "credit", "currency": "EUR", "status": "completed",
                         "operation_type": "transfer", "label": "\(invoice.client)", "clean_counterparty_name": "\(invoice.client)",
                         "reference": "\(invoice.number)", "settled_at": "\(date)", "emitted_at": "\(date)", "note": null}
                    """
        }
        json += "\n  ]\n}\n"
        let name = "qonto-api-\(year)-\(CivilDate.pad(monthOfYear, 2)).json"
        try Storage.write(json, to: Path.join(root, "inbox/" + name), temporaryDirectory: Path.join(root, "pipelines"))
    }

    /// The company, ``clients`` clients with a monthly contract each, invoicing from the first year.
    static func pipelineTOML() -> String {
        var text = "# Written by facturation-bench (idle scenario).\n" + BenchWorkspace.companyTOML + "\n"
        let clients = (0..<clients).map(BenchClient.init(index:))
        for client in clients { text += client.toml(paymentTerms: "30 days") }
        text += """
            [invoicing]
            start = \(firstYear)-01-01
            invoice_number = "F{YYYY}-{SEQ:5}"
            credit_note_number = "A{YYYY}-{SEQ:5}"

            [approval]
            new_clients = false
            above_total_enabled = false
            deviation_percent = 0


            """
        for client in clients {
            text += """
                [[contracts]]
                client = "\(client.code)"
                amount = \(client.contractEuros).00
                frequency = "monthly"
                label = "Forfait mensuel"
                start = \(firstYear)-01-01


                """
        }
        return text
    }
}
