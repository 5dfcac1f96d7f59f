/// Decides a file's format from its first bytes (never from its name or extension).
package enum FormatSniffer {
    /// A recognised, readable format.
    package struct Detection: Sendable, Equatable {
        package let format: InputFormat
        /// The CSV separator (for CSV formats).
        package let delimiter: UInt8
    }

    /// Returns the format of a file, or the rejection that explains why it cannot be read.
    package static func detect(_ scan: FileScan) -> Result<Detection, Rejection> {
        let head = scan.head
        if scan.size == 0 {
            return .failure(
                Rejection(
                    format: nil, summary: "The file is empty.",
                    advice: "Export the data again and drop the new file into inbox/."))
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return .failure(
                unsupported(
                    "This is an Excel workbook (XLSX) or a ZIP archive, which cannot be read yet.",
                    advice: "Export the report as CSV instead (Clockify: Export > Save as CSV; Qonto: Export > CSV)."))
        }
        if head.starts(with: Array("%PDF".utf8)) {
            return .failure(
                unsupported(
                    "This is a PDF document: it holds no data that can be imported.",
                    advice: "Export the data as CSV and drop that file instead."))
        }
        guard let encoding = scan.encoding else {
            return .failure(notText(scan))
        }
        // An OFX file that says it is in Windows-1252 (`CHARSET:1252`) is read so by its converter.
        if let damage = scan.utf8Damage,
            !(isOFX(decodeHead(head, encoding: .utf8).drop(while: \.isWhitespace))
                && OfxDocument.declaresWindows1252(head))
        {
            return .failure(damagedUTF8(scan, damage))
        }
        let text = decodeHead(head, encoding: encoding)
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        // Before JSON: an MT940 in its SWIFT envelope starts with "{1:".
        if isMT940(trimmed) { return .success(Detection(format: .mt940, delimiter: 0)) }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return detectJSON(String(trimmed.prefix(65_536)))
        }
        if isCamt053(trimmed) { return .success(Detection(format: .camt053, delimiter: 0)) }
        if isOFX(trimmed) { return .success(Detection(format: .ofx, delimiter: 0)) }
        if isCFONB120(trimmed) { return .success(Detection(format: .cfonb120, delimiter: 0)) }
        if let rejection = detectKnownUnsupported(trimmed) { return .failure(rejection) }
        return detectCSV(text)
    }

    // MARK: - JSON

    private static func detectJSON(_ text: String) -> Result<Detection, Rejection> {
        if text.contains("\"timeentries\"") {
            return .success(Detection(format: .clockifyReportJSON, delimiter: 0))
        }
        if text.hasPrefix("[") && text.contains("\"timeInterval\"") {
            return .success(Detection(format: .clockifyTimeEntriesJSON, delimiter: 0))
        }
        if text.contains("\"transactions\"") {
            return .success(Detection(format: .qontoAPIJSON, delimiter: 0))
        }
        return .failure(
            Rejection(
                format: nil,
                summary: "This JSON file is not one of the understood exports (no \"timeentries\", "
                    + "time-entry array or Qonto \"transactions\" list was found at its start).",
                advice: "Understood formats:\n\(InputFormat.understoodFormatsText)"))
    }

    // MARK: - XML

    /// A camt.053 statement: an XML document whose root `Document` declares the camt.053
    /// namespace (any version: the converter names the versions it reads).
    private static func isCamt053(_ text: Substring) -> Bool {
        guard text.hasPrefix("<") else { return false }
        let start = String(text.prefix(4096))
        guard let namespace = start.range(of: CamtConverter.namespacePrefix) else { return false }
        return start[..<namespace.lowerBound].contains("Document")
    }

    // MARK: - Text bank statements

    /// An OFX statement: 1.x starts with its `OFXHEADER:100` header; 2.x is XML with an
    /// `<?OFX …?>` processing instruction or an `<OFX>` element near its start.
    private static func isOFX(_ text: Substring) -> Bool {
        if text.hasPrefix("OFXHEADER") { return true }
        guard text.hasPrefix("<") else { return false }
        let start = String(text.prefix(4096))
        return start.contains("<?OFX ") || start.contains("<OFX>")
    }

    /// A CFONB 120 statement: a first record 01 (old balance) with a numeric bank code
    /// (positions 3–7) and a currency code (17–19), 120 characters long (104 to 120 when a line
    /// has lost its trailing spaces), followed by lines of at most 120 characters, or records back
    /// to back without line ends. The records themselves are checked by the converter, which
    /// names a damaged one.
    private static func isCFONB120(_ text: Substring) -> Bool {
        let start = text.prefix(4096)
        let lines = start.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let first = lines.first.map(Array.init), first.count >= 104, String(first[0..<2]) == "01",
            first[2..<7].allSatisfy(\.isASCIIDigit),
            first[16..<19].allSatisfy({ $0.isASCIIAlphanumericUpper && !$0.isASCIIDigit })
        else { return false }
        if lines.count == 1 && first.count > 120 {
            return ["01", "04", "05", "07"].contains(String(first[120..<min(122, first.count)]))
        }
        return first.count <= 120 && lines.dropLast().allSatisfy { $0.count <= 120 }
    }

    /// An MT940 statement: the fields `:20:`, `:25:` and an opening balance `:60F:` or `:60M:`
    /// near the start, each at the start of a line (or after the SWIFT envelope's `{4:`).
    private static func isMT940(_ text: Substring) -> Bool {
        let start = String(text.prefix(4096))
        func field(_ tag: String) -> Bool {
            start.hasPrefix(tag) || start.contains("\n" + tag) || start.contains("\r" + tag)
                || start.contains("{4:" + tag)
        }
        return field(":20:") && field(":25:") && (field(":60F:") || field(":60M:"))
    }

    // MARK: - Formats recognised but not supported yet

    private static func detectKnownUnsupported(_ text: Substring) -> Rejection? {
        let start = String(text.prefix(4096))
        if start.contains("urn:iso:std:iso:20022:tech:xsd:camt.05") {
            return unsupported(
                "This is an ISO 20022 camt.05x bank statement, which is not supported yet.",
                advice: "Export the transactions from the bank as CSV (Qonto) for now.")
        }
        if start.hasPrefix("<") {
            return unsupported(
                "This is an XML document that is not one of the understood exports.",
                advice: "Understood formats:\n\(InputFormat.understoodFormatsText)")
        }
        return nil
    }

    // MARK: - CSV

    private static func detectCSV(_ text: String) -> Result<Detection, Rejection> {
        let lines = text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for line in lines.prefix(40) {
            for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")] {
                let names = Set(splitHeader(String(line), delimiter: delimiter).map(HeaderName.fold))
                guard names.count >= 3 else { continue }
                if let format = classify(names) {
                    switch format {
                    case .success(let format): return .success(Detection(format: format, delimiter: delimiter))
                    case .failure(let rejection): return .failure(rejection)
                    }
                }
            }
        }
        return .failure(unknown(firstLine: lines.first.map(String.init)))
    }

    private static func classify(_ names: Set<String>) -> Result<InputFormat, Rejection>? {
        func has(_ candidates: [String]) -> Bool { candidates.contains { names.contains(HeaderName.fold($0)) } }
        if has(ClockifyColumns.startDate.names) && has(ClockifyColumns.startTime.names)
            && has(ClockifyColumns.endDate.names) && has(ClockifyColumns.endTime.names)
        {
            return .success(.clockifyDetailedCSV)
        }
        if has(["Time (h)", "Zeit (h)", "Temps (h)"]) && has(["Time (decimal)", "Zeit (dezimal)", "Temps (décimal)"]) {
            return .failure(
                unsupported(
                    "This is a Clockify summary report: it holds totals, not the individual time entries.",
                    advice: "In Clockify, open Reports > Detailed (not Summary), then Export > Save as CSV."))
        }
        if has(["Montant total (TTC)"])
            && has([
                "Identifiant de transaction", "Nom de la contrepartie",
                "Date de la valeur (UTC)", "Statut",
            ])
        {
            return .success(.qontoCSVFrench)
        }
        if has(["Total amount (incl. VAT)"])
            && has([
                "Transaction ID", "Counterparty name",
                "Settlement date (UTC)", "Status",
            ])
        {
            return .success(.qontoCSVEnglish)
        }
        if has(["Journal code", "Code journal"]) && has(["General account number", "Numéro de compte général"]) {
            return .failure(
                unsupported(
                    "This is a Qonto accounting (journal entries) export, not a transactions export.",
                    advice: "In Qonto, export Transactions (not the accounting export) as CSV."))
        }
        return nil
    }

    /// Splits one header line, honouring double quotes.
    static func splitHeader(_ line: String, delimiter: UInt8) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == 0x22 {
                    if index + 1 < bytes.count, bytes[index + 1] == 0x22 {
                        current.append(0x22); index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == 0x22 {
                inQuotes = true
            } else if byte == delimiter {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
            } else {
                current.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: current, as: UTF8.self))
        return fields
    }

    // MARK: - Helpers

    private static func decodeHead(_ head: [UInt8], encoding: TextEncoding) -> String {
        var bytes = Array(head.dropFirst(encoding.byteOrderMarkLength))
        switch encoding {
        case .utf8, .utf8WithBOM:
            // The head may end in the middle of a sequence: drop the incomplete tail.
            while let last = bytes.last, last & 0xC0 == 0x80 || last >= 0xC0 {
                bytes.removeLast(); if last >= 0xC0 { break }
            }
            return String(decoding: bytes, as: UTF8.self)
        case .windows1252:
            return String(decoding: DecodingReader.windows1252ToUTF8(bytes), as: UTF8.self)
        case .utf16LittleEndian, .utf16BigEndian:
            if bytes.count % 2 == 1 { bytes.removeLast() }
            var units: [UInt16] = []
            for index in stride(from: 0, to: bytes.count, by: 2) {
                units.append(
                    encoding == .utf16BigEndian
                        ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                        : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index]))
            }
            return String(decoding: units, as: UTF16.self)
        }
    }

    private static func unsupported(_ summary: String, advice: String) -> Rejection {
        Rejection(format: nil, summary: summary, advice: advice)
    }

    /// A file with a zero (NUL) byte outside UTF-16: no export holds one. The reason says where it
    /// is and, when the bytes before it look like an understood export, which one: that file was
    /// damaged (a copy cut short, a transfer or disk error), not dropped by mistake.
    private static func notText(_ scan: FileScan) -> Rejection {
        guard let offset = scan.firstNUL else { return unknown(firstLine: nil) }
        let before = scan.head.prefix(Int(min(offset, Int64(scan.head.count))))
        var place = "at byte \(offset + 1)"
        if offset < Int64(scan.head.count) {
            // Lines end as the readers end them: LF, CRLF or a lone CR.
            var lines = LineEnds()
            before.withUnsafeBytes { lines.feed($0) }
            place = "on line \(lines.count + 1) (byte \(offset + 1))"
        }
        // Detection reads only the head and the encoding: the prefix needs no digest of its own.
        let prefix = FileScan(
            sha256: "", size: Int64(before.count),
            encoding: String(validating: before, as: UTF8.self) == nil
                ? .windows1252 : before.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8WithBOM : .utf8,
            head: Array(before))
        guard !before.isEmpty, case .success(let detection) = detect(prefix) else {
            var rejection = unknown(firstLine: nil)
            rejection.summary += " It holds a zero (NUL) byte \(place)."
            return rejection
        }
        return Rejection(
            format: detection.format,
            summary: "This looks like a \(detection.format.displayName), but it holds a zero (NUL) byte "
                + "\(place), which no export contains: the file was damaged (a copy cut short, a "
                + "transfer or disk error).",
            advice: "Export the data again and drop the new file into inbox/.")
    }

    /// A UTF-8 file with places that are not UTF-8 (``UTF8Damage``): how many, where the first
    /// is and what it looks like, and the format the file's head shows when read as UTF-8 (or
    /// `described`, for the files that are not exports).
    package static func damagedUTF8(_ scan: FileScan, _ damage: UTF8Damage, described: String? = nil) -> Rejection {
        let asUTF8 = FileScan(sha256: "", size: scan.size, encoding: .utf8, head: scan.head)
        let format: InputFormat? =
            if described == nil, case .success(let detection) = detect(asUTF8) { detection.format } else { nil }
        let what = described ?? format.map { "This \($0.displayName)" } ?? "This file"
        var problems = ProblemList()
        let byte = "byte \(damage.firstOffset + 1) of the file"
        if damage.endsInsideCharacter {
            problems.add(
                Problem(
                    line: damage.line, value: damage.context,
                    message: "\(byte) starts a character that the file ends before"))
            return Rejection(
                format: format,
                summary: "\(what) is written in UTF-8, but it ends in the middle of a character: the file was cut "
                    + "short (a copy or a transfer that did not finish), or its last character was written in "
                    + "another encoding.",
                problems: problems, advice: "Export the data again and drop the new file into inbox/.")
        }
        problems.add(Problem(line: damage.line, value: damage.context, message: "\(byte) is not UTF-8 (shown as <..>)"))
        if let sequence = damage.firstSequence {
            problems.add(
                Problem(
                    line: sequence.line, value: sequence.context,
                    message: "byte \(sequence.offset + 1) of the file starts the first character written as UTF-8"))
        }
        var evidence: [String] = []
        if damage.byteOrderMark { evidence.append("it starts with UTF-8's byte-order mark") }
        if damage.sequences > 0 {
            evidence.append(
                "\(damage.sequences) character\(damage.sequences == 1 ? " such as é, ’ or € is" : "s such as é, ’ or € are") "
                    + "written as UTF-8")
        }
        let places = damage.places == 1 ? "one place in it is not" : "\(damage.places) places in it are not"
        // Which reading the file is mostly in decides how it is told, not whether it is rejected.
        let summary =
            damage.places > damage.sequences && !damage.byteOrderMark
            ? "\(what) mixes two encodings: \(places) UTF-8 (an accent written by a program saving in "
                + "Windows-1252 is one place), but \(evidence.joined(separator: ", and ")) (both listed below): read "
                + "in either encoding, some of its characters would be garbled, so nothing was imported."
            : "\(what) is written in UTF-8 (\(evidence.joined(separator: ", and "))), but \(places) (listed below): "
                + "read as Windows-1252 instead, every character written as UTF-8 would be garbled (é as Ã©) and "
                + "names would no longer match the pipeline's clients, so nothing was imported."
        return Rejection(
            format: format, summary: summary,
            problems: problems,
            advice: "Export the file again from where it came from and drop the new file into inbox/. If the file "
                + "was edited, fix the characters shown as <..> (a program saving in another encoding wrote them: "
                + "in Windows-1252, é is <E9>), save it as UTF-8, then drop it into inbox/ again.")
    }

    private static func unknown(firstLine: String?) -> Rejection {
        var summary = "The format of this file is not recognised."
        if let firstLine {
            let shown = firstLine.count > 120 ? String(firstLine.prefix(117)) + "..." : firstLine
            summary += " Its first line is: \(shown)"
        } else {
            summary += " It does not look like a text file."
        }
        return Rejection(
            format: nil, summary: summary,
            advice: "Drop one of the understood exports instead:\n\(InputFormat.understoodFormatsText)\n"
                + "If this file is one of them, check that it was not modified or truncated.")
    }
}

/// Comparison rules for CSV column names: trimmed, case-insensitive.
enum HeaderName {
    static func fold(_ name: String) -> String {
        name.trimmed.lowercased().replacingApostrophes()
    }
}

extension String {
    /// Replaces typographic apostrophes (’) by straight ones (').
    func replacingApostrophes() -> String {
        contains("\u{2019}") ? String(map { $0 == "\u{2019}" ? "'" : $0 }) : self
    }
}
