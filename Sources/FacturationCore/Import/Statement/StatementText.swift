/// Loading of the text bank statements (OFX, CFONB 120, MT940): read whole, decoded to UTF-8,
/// split into lines with their numbers.
///
/// A statement is a month of one account: a few hundred kilobytes. Files above
/// ``maximumSize`` are refused before they are read (the lines take about three times the
/// file's size), as camt.053 statements are.
enum StatementText {
    /// The largest statement read.
    static let maximumSize: Int64 = 64 << 20

    /// The file's text as UTF-8 bytes, in `encoding` (else the encoding the scan found).
    static func load(_ context: ConversionContext, encoding: TextEncoding? = nil) throws -> [UInt8] {
        let format = context.detection.format
        if context.scan.size > maximumSize {
            throw Rejection(
                format: format, summary: "The statement is larger than 64 MB, which is more than can be read whole.",
                advice: "Download the statement in several periods (one month each), then drop the files.")
        }
        let reader = try DecodingReader(path: context.path, encoding: encoding ?? context.scan.encoding ?? .utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(context.scan.size))
        while let chunk = try reader.next() {
            bytes.append(contentsOf: chunk)
            context.progress?(reader.bytesRead, reader.totalBytes)
        }
        return bytes
    }

    /// One line of a statement, without its line end.
    struct Line {
        /// 1-based line number in the file.
        let number: Int
        let text: String
    }

    /// The lines of `bytes`, split at CR LF, LF or CR; empty lines are dropped (their numbers are kept).
    static func lines(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var number = 1
        var index = 0
        while index <= bytes.count {
            let end = index == bytes.count
            let byte = end ? 0 : bytes[index]
            if end || byte == 0x0A || byte == 0x0D {
                if index > start {
                    lines.append(Line(number: number, text: String(decoding: bytes[start..<index], as: UTF8.self)))
                }
                if !end, byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                number += 1
                start = index + 1
            }
            index += 1
        }
        return lines
    }
}
