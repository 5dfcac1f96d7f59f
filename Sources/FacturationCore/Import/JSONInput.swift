/// Loading of JSON exports, with syntax errors turned into rejections that name the line.
enum JSONInput {
    /// A problem with the value at `path` (`timeentries[3].rate`), on the line of `node`, or of
    /// `item` when the value is missing.
    static func problem(in item: JSONNode, at path: String, _ node: JSONNode?, _ message: String) -> Problem {
        Problem(
            line: (node ?? item).position.line, column: path, value: node.map(ClockifyJSONConverter.shown),
            message: message)
    }

    /// JSON exports larger than this are refused (they are read whole into memory).
    static let maximumSize: Int64 = 512 << 20

    static func load(_ context: ConversionContext) throws -> JSONNode {
        let format = context.detection.format
        guard context.scan.size <= maximumSize else {
            throw Rejection(
                format: format,
                summary: "This JSON export is larger than \(maximumSize >> 20) MB.",
                advice: "Export a shorter period (one month at a time) and drop each file separately.")
        }
        let reader = try DecodingReader(path: context.path, encoding: context.scan.encoding ?? .utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(context.scan.size))
        while let chunk = try reader.next() {
            bytes.append(contentsOf: chunk)
            context.progress?(reader.bytesRead, reader.totalBytes)
        }
        do throws(JSONError) {
            return try JSONParser.parse(bytes)
        } catch {
            var problems = ProblemList()
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
            throw Rejection(
                format: format, summary: "The file is not valid JSON.", problems: problems,
                advice: "Save the API response again without editing it; check that the download completed.")
        }
    }

    /// Integer text (`4500`, `4500.0`) as Int64, or nil.
    static func integer(_ node: JSONNode?) -> Int64? {
        guard let text = node?.numberText else { return nil }
        return try? DecimalText.minorUnits(text, scale: 0, style: .dotDecimal).get()
    }

    /// A string member, or "" when absent or null.
    static func string(_ node: JSONNode?) -> String { node?.string ?? "" }
}
