/// Builds RFC 4180 CSV lines (comma separator, CRLF line end, a field quoted only when it
/// contains a comma, a double quote, CR or LF; quotes doubled).
public struct CSVLineBuilder {
    /// The bytes built so far.
    public private(set) var bytes: [UInt8] = []
    private var fieldsInLine = 0

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Appends one field given as raw UTF-8 bytes.
    public mutating func field(_ value: UnsafeRawBufferPointer) {
        if fieldsInLine > 0 { bytes.append(0x2C) }
        fieldsInLine += 1
        var needsQuotes = false
        for byte in value where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else { bytes.append(contentsOf: value); return }
        bytes.append(0x22)
        for byte in value {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }

    /// Appends one text field.
    public mutating func field(_ value: String) {
        var value = value
        value.withUTF8 { field(UnsafeRawBufferPointer($0)) }
    }

    /// Appends one integer field.
    public mutating func field(_ value: Int64) {
        if fieldsInLine > 0 { bytes.append(0x2C) }
        fieldsInLine += 1
        appendDecimal(value)
    }

    /// Appends one integer field, or an empty field for nil.
    public mutating func field(_ value: Int64?) {
        if let value { field(value) } else { field("") }
    }

    /// Appends a boolean as `true`/`false`.
    public mutating func field(_ value: Bool) { field(value ? "true" : "false") }

    /// Ends the current line with CRLF.
    public mutating func endLine() {
        bytes.append(0x0D)
        bytes.append(0x0A)
        fieldsInLine = 0
    }

    /// Appends a whole line of text fields.
    public mutating func line(_ fields: [String]) {
        for value in fields { field(value) }
        endLine()
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fieldsInLine = 0
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value == 0 { bytes.append(0x30); return }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(0x2D) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }
}
