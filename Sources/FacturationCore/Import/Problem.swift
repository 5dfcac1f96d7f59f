/// One thing wrong with an input file, located precisely enough for a person to fix it.
package struct Problem: Sendable, Equatable {
    /// Physical line in the file (1-based), when known.
    package var line: Int?
    /// Column name as written in the file's header (or JSON field path).
    package var column: String?
    /// Column number (1-based), when known.
    package var columnNumber: Int?
    /// The offending value, verbatim.
    package var value: String?
    /// What is wrong and, where possible, what to do.
    package var message: String

    package init(
        line: Int? = nil, column: String? = nil, columnNumber: Int? = nil, value: String? = nil,
        message: String
    ) {
        self.line = line
        self.column = column
        self.columnNumber = columnNumber
        self.value = value
        self.message = message
    }

    /// `line 12, column "Start Date" (10): "13/15/2024": <message>`.
    package var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let column {
            parts.append("column \"\(column)\"" + (columnNumber.map { " (\($0))" } ?? ""))
        } else if let columnNumber {
            parts.append("column \(columnNumber)")
        }
        var text = parts.joined(separator: ", ")
        if let value {
            let shown = value.count > 80 ? String(value.prefix(77)) + "..." : value
            text += (text.isEmpty ? "" : ": ") + "\"\(shown)\""
        }
        return text.isEmpty ? message : text + " - " + message
    }
}

/// Collects problems while a file is read, keeping the first ones and counting all.
package struct ProblemList: Sendable {
    /// How many problems are listed in a reason file; the rest are only counted.
    package static let listedLimit = 100

    package private(set) var listed: [Problem] = []
    package private(set) var total = 0
    /// Distinct lines with at least one problem.
    package private(set) var rowsWithProblems = 0
    private var lastLine: Int?
    /// The line of the first problem that has one (to join two lists, ``append(contentsOf:)``).
    private var firstLine: Int?

    package init() {}

    /// Adds the problems of `other` as if each had been added here after those already here
    /// (the same counts and list as one list built in that order).
    package mutating func append(contentsOf other: ProblemList) {
        total += other.total
        rowsWithProblems += other.rowsWithProblems
        // `other` counted its first line as a new row; here it continues the row of `lastLine`.
        if let first = other.firstLine, first == lastLine { rowsWithProblems -= 1 }
        if firstLine == nil { firstLine = other.firstLine }
        if let last = other.lastLine { lastLine = last }
        listed.append(contentsOf: other.listed.prefix(ProblemList.listedLimit - listed.count))
    }

    package var isEmpty: Bool { total == 0 }

    package mutating func add(_ problem: Problem) {
        total += 1
        if firstLine == nil, let line = problem.line { firstLine = line }
        if let line = problem.line, line != lastLine {
            rowsWithProblems += 1
            lastLine = line
        } else if problem.line == nil {
            rowsWithProblems += 1
        }
        if listed.count < ProblemList.listedLimit { listed.append(problem) }
    }
}

/// The reason a whole file is refused: it goes to the rejected area with this explanation.
package struct Rejection: Error, Sendable {
    /// The format, when it was recognised.
    package var format: InputFormat?
    /// One sentence: what is wrong with the file as a whole.
    package var summary: String
    /// Every problem found (the first ``ProblemList/listedLimit`` listed).
    package var problems: ProblemList
    /// What the person should do.
    package var advice: String

    package init(format: InputFormat?, summary: String, problems: ProblemList = ProblemList(), advice: String) {
        self.format = format
        self.summary = summary
        self.problems = problems
        self.advice = advice
    }
}
