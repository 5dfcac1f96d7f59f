/// One thing wrong with an input file, located precisely enough for a person to fix it.
public struct Problem: Sendable, Equatable {
    /// Physical line in the file (1-based), when known.
    public var line: Int?
    /// Column name as written in the file's header (or JSON field path).
    public var column: String?
    /// Column number (1-based), when known.
    public var columnNumber: Int?
    /// The offending value, verbatim.
    public var value: String?
    /// What is wrong and, where possible, what to do.
    public var message: String

    public init(line: Int? = nil, column: String? = nil, columnNumber: Int? = nil, value: String? = nil,
                message: String) {
        self.line = line
        self.column = column
        self.columnNumber = columnNumber
        self.value = value
        self.message = message
    }

    /// `line 12, column "Start Date" (10): "13/15/2024": <message>`.
    public var description: String {
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
public struct ProblemList: Sendable {
    /// How many problems are listed in a reason file; the rest are only counted.
    public static let listedLimit = 100

    public private(set) var listed: [Problem] = []
    public private(set) var total = 0
    /// Distinct lines with at least one problem.
    public private(set) var rowsWithProblems = 0
    private var lastLine: Int?

    public init() {}

    public var isEmpty: Bool { total == 0 }

    public mutating func add(_ problem: Problem) {
        total += 1
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
public struct Rejection: Error, Sendable {
    /// The format, when it was recognised.
    public var format: InputFormat?
    /// One sentence: what is wrong with the file as a whole.
    public var summary: String
    /// Every problem found (the first ``ProblemList/listedLimit`` listed).
    public var problems: ProblemList
    /// What the person should do.
    public var advice: String

    public init(format: InputFormat?, summary: String, problems: ProblemList = ProblemList(), advice: String) {
        self.format = format
        self.summary = summary
        self.problems = problems
        self.advice = advice
    }
}
