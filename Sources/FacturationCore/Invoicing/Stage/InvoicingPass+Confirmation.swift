/// `numbering = "oxygene"`: the documents awaiting their number are confirmed from the register
/// export in force, before anything else of the pass (``ProvisionalMatcher`` pairs them).
///
/// The record `archive/invoicing/<pipeline>/confirmed/<reference>.json` is the commit point of a
/// confirmation. Everything after it is derived, by this run or the next one if this one is
/// killed: the Factur-X XML under the legal number (archived, then delivered by ``publish``), and,
/// in the stages after invoicing, which see the document under its legal number in
/// ``RunSnapshot/issued``, the PDF, the e-mail, the FEC entry, payments and reminders.
extension InvoicingPass {
    /// The counters of this pipeline's numbers: the legal scheme, or the provisional references.
    var numberingScheme: NumberingScheme {
        settings.numberingMode == .oxygene ? NumberingMode.provisionalScheme : settings.numbering
    }

    /// `numbering = "facturation"` while documents issued under `numbering = "oxygene"` still await
    /// their number: two owners of one sequence. Nothing is issued, and every run names them and the
    /// fix, until they are confirmed (in the `oxygene` mode) or the mode is set back.
    func strandedProvisional() -> String? {
        guard settings.numberingMode == .facturation else { return nil }
        let awaiting = snapshot.records.filter {
            $0.isAwaitingNumber && snapshot.confirmed.byReference[$0.number] == nil
        }
        guard !awaiting.isEmpty else { return nil }
        return "numbering = \"facturation\", but \(awaiting.count) document(s) issued under numbering = "
            + "\"oxygene\" still await their number from Oxygène (\(Self.listed(awaiting.map(\.number)))): "
            + "nothing is issued while they wait. Set [invoicing] numbering = \"oxygene\" again, drop Oxygène's "
            + "register export into inbox/, and switch once outbox/oxygene/confirmation.csv shows them confirmed"
    }

    /// What ``confirmNumbers(into:)`` decided, for ``deliverConfirmation(_:issued:into:)``.
    struct ConfirmationRound {
        /// The register in force, relative to the workspace.
        var register: String
        /// Its entries.
        var entries: [OxygeneRegisterEntry]
        /// The rows of the documents matched against the register in this run, by reference.
        var rows: [String: OxygeneConfirmation.Row]
    }

    /// Confirms what the register in force numbers; reports what stays ambiguous, refused or
    /// contradicted. Nil without a register (the documents awaiting are named), or in the
    /// `facturation` mode.
    func confirmNumbers(into report: inout InvoicingReport) throws -> ConfirmationRound? {
        guard settings.numberingMode == .oxygene else { return nil }
        let provisional = snapshot.records.filter(\.isAwaitingNumber)
        let awaiting = provisional.filter { snapshot.confirmed.byReference[$0.number] == nil }
        guard let register = try OxygeneRegisterStore(layout: layout).newest() else {
            guard !awaiting.isEmpty else { return nil }
            report.warnings.append(
                "\(awaiting.count) document(s) await their number from Oxygène (\(Self.listed(awaiting.map(\.number)))): "
                    + "import the Oxygène files of outbox/oxygene/ into Oxygène, then drop its register export "
                    + "(\"Factures clients.csv\") into inbox/")
            return nil
        }
        let exported = try store.exportedToOxygene()
        let requests = try ConfirmedNumberStore(layout: layout).requests().mapValues(\.number)
        let outcomes = ProvisionalMatcher.match(
            pieces(of: awaiting.filter { exported.contains($0.number) }), register: register.entries,
            taken: takenNumbers(), requests: requests)
        var round = ConfirmationRound(register: register.record.archived, entries: register.entries, rows: [:])
        for outcome in outcomes {
            round.rows[outcome.reference] = try apply(outcome, register: register.record.archived, into: &report)
        }
        let stillAwaiting = Set(
            outcomes.compactMap { if case .awaiting(let reference) = $0 { reference } else { nil } })
        let misses = ProvisionalMatcher.nearMisses(
            of: pieces(of: awaiting.filter { stillAwaiting.contains($0.number) }), register: register.entries,
            taken: takenNumbers())
        // One warning per piece, at most three entries named: a register may hold many alike.
        for (reference, entries) in Dictionary(grouping: misses, by: \.reference).sorted(by: { $0.key < $1.key }) {
            let named = entries.prefix(3).map {
                "\($0.entry.number) (line \($0.entry.line), client \($0.entry.clientCode))"
            }
            let more = entries.count > 3 ? " and \(entries.count - 3) more" : ""
            report.warnings.append(
                "\(reference) may be \(named.joined(separator: ", "))\(more) of the Oxygène register: same date, kind "
                    + "and total, another client. If it is, correct the client in Oxygène and drop a new register "
                    + "export (until then that entry is not confirmed and counts as the other client's invoice)")
        }
        let contradicted = contradictions(of: provisional, in: register.entries)
        if !contradicted.isEmpty {
            report.warnings.append(
                "Oxygène register (\(register.record.archived)): \(contradicted.count) confirmed number(s) no longer "
                    + "match it: \(Self.listed(contradicted)). The confirmations stand (their records are the legal "
                    + "numbers given); check these pieces in Oxygène")
        }
        return round
    }

    /// Writes `outbox/oxygene/confirmation.csv` after the pass has issued and exported: one row per
    /// provisional document, confirmed before or not, those `issued` in this run included (written
    /// before issuing, the list missed them until the next run), after the rows of the pieces
    /// facturation numbered before a switch to this mode (``checkExported(_:register:archived:)``).
    func deliverConfirmation(
        _ round: ConfirmationRound?, issued: [InvoiceDocument], into report: inout InvoicingReport
    ) throws {
        guard let round else { return }
        let new = Set(issued.map(\.number))
        let checked = try checkExported(snapshot.records, register: round.entries, archived: round.register)
        let table = checked.rows + provisionalRows(round, new: new)
        report.warnings += try Outbox(layout: layout).deliverReport(
            OxygeneConfirmation.table(table, asOf: today), to: layout.oxygeneConfirmation, xlsx: false,
            temporaryDirectory: layout.temporary)
        report.delivered.append(shown(layout.oxygeneConfirmation))
        report.warnings += checked.warnings
        let waiting = table.filter { $0.status == .awaiting && !new.contains($0.ourNumber) }.map(\.ourNumber)
        if !waiting.isEmpty {
            report.warnings.append(
                "\(waiting.count) document(s) still await their number (not in the register \(round.register)): "
                    + Self.listed(waiting) + " (see \(shown(layout.oxygeneConfirmation)))")
        }
    }

    /// The rows of the provisional documents: matched in this round, confirmed before, issued in
    /// this run (`new`), or not exported yet.
    private func provisionalRows(_ round: ConfirmationRound, new: Set<String>) -> [OxygeneConfirmation.Row] {
        snapshot.records.filter(\.isAwaitingNumber).map { document in
            round.rows[document.number]
                ?? (new.contains(document.number)
                    ? .init(
                        ourNumber: document.number, oxygeneNumber: nil, status: .awaiting,
                        detail:
                            "issued in this run: import its Oxygène file into Oxygène, then drop the register export")
                    : Self.row(document.number, confirmed: snapshot.confirmed.byReference[document.number]))
        }
    }

    /// The confirmed pieces the register in force no longer holds as they were confirmed: their
    /// number missing, or with another client, date, kind or total incl. VAT.
    private func contradictions(of provisional: [InvoiceDocument], in register: [OxygeneRegisterEntry]) -> [String] {
        let entries = Dictionary(register.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        return pieces(of: provisional).compactMap { piece in
            guard let number = snapshot.confirmed.byReference[piece.number]?.number else { return nil }
            guard let entry = entries[number] else { return "\(number) (\(piece.number)): not in the register" }
            guard
                entry.clientCode != piece.clientCode || entry.date != piece.date || entry.kind != piece.kind
                    || entry.totalInclVATMinor != piece.totalInclVATMinor
            else { return nil }
            return "\(number) (\(piece.number)): the register has \(entry.kind.rawValue) \(entry.clientCode) of "
                + "\(FrenchDates.slashed(entry.date)), \(FrenchDates.euros(entry.totalInclVATMinor)) €; ours "
                + "\(piece.clientCode) of \(FrenchDates.slashed(piece.date)), \(FrenchDates.euros(piece.totalInclVATMinor)) €"
        }
    }

    /// The row of a document confirmed by an earlier run, or of one the matcher did not see (not
    /// exported to Oxygène yet, or without an Oxygène client code).
    private static func row(_ reference: String, confirmed: NumberConfirmation?) -> OxygeneConfirmation.Row {
        guard let confirmed else {
            return .init(
                ourNumber: reference, oxygeneNumber: nil, status: .awaiting,
                detail: "not in an Oxygène file yet (see the errors of the Oxygène export)")
        }
        return .init(ourNumber: reference, oxygeneNumber: confirmed.number, status: .confirmed, detail: "")
    }

    /// What Oxygène should hold of each awaiting document (those with an Oxygène client code).
    private func pieces(of documents: [InvoiceDocument]) -> [OxygeneConfirmation.Piece] {
        let codes = currentOxygeneCodes()
        return documents.compactMap { OxygeneConfirmation.piece(of: $0, codes: codes) }
    }

    /// The legal numbers already held, and by what: documents facturation numbered, and the
    /// confirmations recorded before.
    private func takenNumbers() -> [String: String] {
        var taken: [String: String] = [:]
        for document in snapshot.records where document.numbering == nil {
            taken[document.number] = "\(document.number) (numbered by facturation)"
        }
        for confirmation in snapshot.confirmed.byReference.values {
            taken[confirmation.number] = confirmation.reference
        }
        return taken
    }

    /// Records a confirmation (the commit point) or reports why there is none; the row of
    /// `confirmation.csv`.
    private func apply(
        _ outcome: ProvisionalMatcher.Outcome, register: String, into report: inout InvoicingReport
    ) throws -> OxygeneConfirmation.Row {
        let reference = outcome.reference
        switch outcome {
        case .confirmed(_, let entry, let match):
            let confirmation = NumberConfirmation(
                reference: reference, number: entry.number, date: entry.date, register: register, line: entry.line,
                match: match, at: pipelineRun.clock.utcISO(), confirmedOn: today)
            try ConfirmedNumberStore(layout: layout).record(confirmation)
            snapshot.didConfirm(confirmation)
            report.confirmed.append("\(reference) → \(entry.number) (Oxygène register, line \(entry.line))")
            return .init(ourNumber: reference, oxygeneNumber: entry.number, status: .confirmed, detail: "")
        case .ambiguous(_, let candidates, let others):
            let twins: String = others.isEmpty ? "nothing we issued" : others.joined(separator: ", ")
            let numbers: String = candidates.joined(separator: ", ")
            let example: String = candidates.first ?? "…"
            let request = "[confirmation] provisional = \"\(reference)\", number = \"\(example)\", by = \"…\""
            let detail =
                "identical to \(twins) in the register's \(numbers): drop a request naming which is ours (\(request)) into inbox/"
            report.warnings.append("\(reference) not confirmed: \(detail)")
            return .init(ourNumber: reference, oxygeneNumber: nil, status: .ambiguous, detail: detail)
        case .refused(_, let reason):
            report.errors.append("\(reference) not confirmed: \(reason)")
            return .init(ourNumber: reference, oxygeneNumber: nil, status: .refused, detail: reason)
        case .awaiting:
            return .init(
                ourNumber: reference, oxygeneNumber: nil, status: .awaiting,
                detail: "no piece of the same client, date, kind and total incl. VAT in the register yet")
        }
    }

    /// The Factur-X XML of each confirmed document, under its legal number, archived when it is
    /// not yet (this run's confirmations, or those of a run killed after its commit point). Checked
    /// against the official schema like every document; one that fails is reported, and returned
    /// so that it is not delivered.
    func archiveConfirmedDocuments(
        _ legal: [InvoiceDocument], into report: inout InvoicingReport
    ) throws -> Set<String> {
        var failed: Set<String> = []
        guard !snapshot.confirmed.isEmpty else { return failed }
        for document in legal where document.numbering == .confirmed {
            let path = documentPath(document)
            guard !Storage.exists(path) else { continue }
            let xml = try CIIWriter.xml(for: document)
            if let problems = ciiValidator?.problems(in: xml), !problems.isEmpty {
                report.errors.append(
                    "\(document.number): its Factur-X XML does not pass the "
                        + "official schema (" + problems.prefix(3).joined(separator: "; ")
                        + "); this is a bug, please report it")
                failed.insert(document.number)
                continue
            }
            try Storage.makeDirectory(Path.parent(of: path))
            try Storage.write(xml, to: path, temporaryDirectory: layout.temporary, collision: .replace)
        }
        return failed
    }

    private static func listed(_ references: [String]) -> String {
        references.prefix(10).joined(separator: ", ") + (references.count > 10 ? ", …" : "")
    }
}
