/// The part every converter shares: reading a CSV export row by row (header first), reporting
/// progress, and ending with either one ``Rejection`` listing every problem or the report of
/// what was written. Each converter keeps only its own rules: which row is the header, what a
/// row means, and its texts.
struct ConversionDriver {
    let context: ConversionContext
    let format: InputFormat

    /// What the converter calls one unit of its input, and the input itself, for the summary of a
    /// rejection: ("row", "rows", "Clockify report") gives "3 rows of this Clockify report cannot be read".
    struct Wording {
        let unit: String
        let units: String
        let document: String
    }

    /// Reads the CSV file of the context through ``CSVReader``: rows go to `header` until it returns
    /// true (the header was found in that row), then every later row goes to `row`. A syntax error
    /// becomes a rejection that shows its position, with `syntaxAdvice`.
    func readCSV(
        syntaxAdvice: String, header: (Int, CSVBatch) throws -> Bool,
        row: (Int, CSVRows, CSVBatch) throws -> Void
    ) throws {
        let reader = try DecodingReader(path: context.path, encoding: context.scan.encoding ?? .utf8)
        let csv = CSVReader(delimiter: context.detection.delimiter)
        var sawHeader = false
        do {
            try csv.read(reader) { batch in
                try batch.withRows { rows in
                    for index in 0..<batch.rowCount {
                        if sawHeader {
                            try row(index, rows, batch)
                        } else {
                            sawHeader = try header(index, batch)
                        }
                    }
                }
                context.progress?(batch.bytesRead, reader.totalBytes)
            }
        } catch let error as CSVSyntaxError {
            var problems = ProblemList()
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
            throw Rejection(
                format: format, summary: "The file is not valid CSV.", problems: problems,
                advice: syntaxAdvice)
        }
    }

    /// Throws one rejection listing every problem, when there is any.
    func rejectIfAny(_ problems: ProblemList, _ wording: Wording, advice: String) throws {
        guard !problems.isEmpty else { return }
        let units = problems.rowsWithProblems
        throw Rejection(
            format: format,
            summary: "\(units) \(units == 1 ? wording.unit : wording.units) of this \(wording.document) cannot be read "
                + "(\(problems.total) problem\(problems.total == 1 ? "" : "s")). Nothing from this file was imported.",
            problems: problems, advice: advice)
    }

    /// Closes the normalized output and reports what was written.
    func finish(records: Int, notes: [String]) throws -> ConversionReport {
        try context.output.finish()
        return ConversionReport(format: format, records: records, partitions: context.output.rowCounts, notes: notes)
    }
}
