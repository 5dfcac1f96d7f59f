/// Converts a CFONB 120 statement (the French banks' fixed-width "relevé de compte") into
/// normalized bank transactions, with the camt.053 converter's rules (README "Input formats").
///
/// A file holds one or more statements, each an old balance (01), movements (04) each followed
/// by its complements (05), and a new balance (07) that must equal the old balance plus the
/// movements. Records are 120 characters, one per line or back to back without line ends
/// (``CfonbRecord``). A file with any problem is rejected whole, every problem named with its
/// line (or record number), its field and positions.
struct CfonbConverter {
    let context: ConversionContext

    static let advice =
        "Download the statement again from the bank (CFONB 120, « relevé 120 caractères ») without editing it, "
        + "then drop the new file."

    func convert() throws -> ConversionReport {
        var state = StatementImport(context: context, format: .cfonb120)
        var reader = CfonbStatementReader(context: context)
        for record in try records(&state) {
            try reader.read(record, into: &state)
        }
        try reader.finish(into: &state)
        return try state.finish(
            idColumn: "reference",
            wording: ConversionDriver.Wording(unit: "record", units: "records", document: "statement"),
            advice: Self.advice)
    }

    /// The records of the file: its lines, or 120-character slices when it has no line ends.
    /// Lines that are too long, or of an unknown record code, are problems.
    private func records(_ state: inout StatementImport) throws -> [CfonbRecord] {
        let bytes = try StatementText.load(context)
        var lines = StatementText.lines(bytes)
        if lines.count == 1, lines[0].text.unicodeScalars.count > 120 {
            let characters = Array(lines[0].text.unicodeScalars)
            if characters.count % 120 != 0 {
                state.add(
                    Problem(
                        line: characters.count / 120 + 1,
                        message: "the file is \(characters.count) characters long, not a multiple of 120 "
                            + "(its last record was probably cut)"))
            }
            lines = stride(from: 0, to: characters.count, by: 120).map {
                StatementText.Line(
                    number: $0 / 120 + 1,
                    text: String(String.UnicodeScalarView(characters[$0..<min($0 + 120, characters.count)])))
            }
        }
        var records: [CfonbRecord] = []
        for line in lines {
            let count = line.text.unicodeScalars.count
            if count > 120 {
                state.add(
                    Problem(
                        line: line.number, value: String(line.text.prefix(20)),
                        message: "the record is \(count) characters long, not 120"))
            } else if let record = CfonbRecord(text: line.text, line: line.number) {
                records.append(record)
            } else {
                state.add(
                    Problem(
                        line: line.number, column: "record code (positions 1–2)", value: String(line.text.prefix(2)),
                        message: "expected 01 (old balance), 04 (movement), 05 (complement) or 07 (new balance)"))
            }
        }
        return records
    }
}
