/// Writes FEC flat files (article A47 A-1 LPF): the header line of the 18 legal names, then one
/// record per ``FECLine``, each ended by CRLF.
///
/// - Dates are `AAAAMMJJ`; amounts have a comma and two decimals, no thousands separator, a leading
///   `-` when negative, and `0,00` for the empty side (§XII).
/// - Text is sanitised: tab, `|`, CR, LF and other control characters become spaces (a value must never
///   contain a separator, whichever is used), then leading and trailing spaces are removed. No quoting.
/// - With ``FECFormat/Encoding/iso8859_15`` every character is encoded with ``Latin9``; one that has no
///   Latin-9 byte (`→`, `¤`, Chinese…) stops the write with ``UnencodableCharacter`` naming the line,
///   the field and the character.
///
/// The writer does not judge the accounting (balance, numbering, order): run ``FECChecker`` on the result.
///
/// Two ways to write: ``bytes(_:format:)`` builds the whole file in memory (about 180 bytes a line:
/// 1,000,000 lines are ~180 MB), and ``Stream`` appends line by line to an ``OutputFile`` through a
/// 1 MiB buffer, so that memory stays flat whatever the size; both produce the same bytes.
package enum FECWriter {
    /// A character that ISO-8859-15 cannot represent.
    package struct UnencodableCharacter: Error, Sendable, Equatable, CustomStringConvertible {
        /// The line of the file (the header is line 1, the first ``FECLine`` line 2).
        package let line: Int
        /// The column's legal name (`EcritureLib`, `CompAuxLib`…).
        package let field: String
        /// The Unicode scalar that has no ISO-8859-15 byte.
        package let scalar: UInt32

        package var description: String {
            let hex = String(scalar, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let shown = Unicode.Scalar(scalar).map { String(Character($0)) } ?? "?"
            return "FEC line \(line), field \(field): the character '\(shown)' (\(code)) cannot be encoded in "
                + "ISO-8859-15; write the FEC in UTF-8 or replace the character in the source data"
        }
    }

    /// The whole file: header then every line, in the given order.
    ///
    /// - Throws: ``UnencodableCharacter`` when the encoding is ISO-8859-15 and a character has no byte.
    package static func bytes(_ lines: [FECLine], format: FECFormat) throws(UnencodableCharacter) -> [UInt8] {
        let buffer = ByteBuffer(capacity: 256 + lines.count * 180)
        let encoder = FECLineEncoder(format: format, buffer: buffer)
        encoder.appendHeader()
        for (index, line) in lines.enumerated() {
            try encoder.append(line, number: index + 2)
        }
        return buffer.array
    }

    /// An incremental writer: the header on creation, then ``append(_:)`` per line, then ``finish()``.
    ///
    /// Bytes go to the ``OutputFile`` (buffered by 1 MiB); the caller commits or discards the file
    /// after ``finish()``. A line that fails to encode is not written at all.
    package final class Stream {
        private let output: OutputFile
        private let buffer = ByteBuffer(capacity: 1 << 20 + 4096)
        private let encoder: FECLineEncoder
        /// Lines written so far, header excluded.
        package private(set) var lineCount = 0

        /// Starts a FEC in `output` (writes the header line).
        package init(output: OutputFile, format: FECFormat) {
            self.output = output
            encoder = FECLineEncoder(format: format, buffer: buffer)
            encoder.appendHeader()
        }

        /// Appends one line.
        ///
        /// - Throws: ``UnencodableCharacter`` (nothing of the line is written), or `StorageError`.
        package func append(_ line: FECLine) throws {
            try encoder.append(line, number: lineCount + 2)
            lineCount += 1
            if buffer.count >= 1 << 20 {
                try output.write(buffer.bytes)
                buffer.removeAll()
            }
        }

        /// Writes what is buffered to the output file (which is left open for the caller to commit).
        package func finish() throws(StorageError) {
            if buffer.count > 0 { try output.write(buffer.bytes) }
            buffer.removeAll()
        }
    }
}
