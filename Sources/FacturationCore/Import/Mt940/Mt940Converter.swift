/// Converts a SWIFT MT940 customer statement (one or more statements per file, with or without
/// the SWIFT envelope) into normalized bank transactions, with the camt.053 converter's rules
/// (README "Input formats"). The fields are read by ``Mt940Field``, each statement by
/// ``Mt940Statement``. A file with any problem is rejected whole, every problem named with its
/// line and field (`:61: amount`).
struct Mt940Converter {
    let context: ConversionContext

    private static let advice =
        "Download the statement again from the bank (MT940) without editing it, then drop the new file."

    func convert() throws -> ConversionReport {
        var state = StatementImport(context: context, format: .mt940)
        let fields = Mt940Field.fields(StatementText.lines(try StatementText.load(context)))
        guard fields.contains(where: { $0.kind == .reference }) else {
            throw Rejection(
                format: .mt940, summary: "The file holds no MT940 statement (no :20: field).", advice: Self.advice)
        }
        var reader = Mt940Statement(context: context)
        for field in fields { try reader.read(field, into: &state) }
        try reader.finish(into: &state)
        return try state.finish(
            idColumn: ":61: bank reference",
            wording: ConversionDriver.Wording(unit: "field", units: "fields", document: "statement"),
            advice: Self.advice)
    }
}
