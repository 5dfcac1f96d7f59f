/// What the header line tells about the records: the separator, the column names, where each of
/// the 18 legal fields is, and the Montant/Sens variant. Read once, by ``FECHeaderParser``.
struct FECColumnLayout {
    /// No legal separator was found: nothing else is checked, lines are only counted.
    var unusable = false
    var separator: UInt8 = 0x7C
    /// The other legal separator (found inside a value: FEC-29).
    var otherSeparator: UInt8 = 0x09
    /// The names as written (trimmed).
    var columns: [String] = []
    var columnCount = 0
    /// The header ends with a separator (then every record may too).
    var trailingSeparator = false
    /// Columns 12 and 13 are Montant and Sens instead of Debit and Credit.
    var montantSens = false
    /// For each legal field (``FECField``), its column, or -1 when the header does not name it.
    var column = [Int](repeating: -1, count: 18)

    static func name(of separator: UInt8) -> String { separator == 0x09 ? "tab" : "|" }
}

/// The logical fields, in the order of the law (Debit/Credit are Montant/Sens in that variant).
enum FECField {
    static let journalCode = 0, journalLabel = 1, entryNumber = 2, entryDate = 3, account = 4, accountLabel = 5
    static let auxNumber = 6, auxLabel = 7, pieceRef = 8, pieceDate = 9, label = 10, debit = 11, credit = 12
    static let lettering = 13, letteringDate = 14, validDate = 15, foreignAmount = 16, currency = 17
    static let required = [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15]
    static let text = [0, 1, 2, 4, 5, 8, 10]
}

/// FEC-08 to FEC-12 on the first line: detects the separator (a tab when splitting by tab gives
/// at least 9 fields, else `|`, as Test Compta Demat does), then finds the fields by name so that a
/// file with misplaced columns is still checked line by line.
enum FECHeaderParser {
    static func parse(_ line: UnsafeRawBufferPointer, _ log: FECFindingLog) -> FECColumnLayout {
        var layout = FECColumnLayout()
        guard detectSeparator(line, &layout, log) else { return layout }
        var names: [String] = []
        var fieldStart = 0
        for index in 0...line.count where index == line.count || line[index] == layout.separator {
            names.append(log.text(line, fieldStart, index).trimming(" "))
            fieldStart = index + 1
        }
        if names.count > 1, names.last == "" {
            layout.trailingSeparator = true
            names.removeLast()
        }
        layout.columns = names
        layout.columnCount = names.count
        let lower = names.map { $0.lowercased() }
        layout.montantSens = names.count > 12 && lower[11] == "montant" && lower[12] == "sens"
        var expected = FECFormat.columnNames
        if layout.montantSens { expected[11] = "Montant"; expected[12] = "Sens" }
        let expectedLower = expected.map { $0.lowercased() }
        for index in 0..<18 { layout.column[index] = lower.firstIndex(of: expectedLower[index]) ?? -1 }

        if layout.column.allSatisfy({ $0 < 0 }) {
            log.flag(
                .header, line: 1, log.text(line, 0, min(line.count, 120)),
                "the first line is not the header: it must name the fields "
                    + FECFormat.columnNames.joined(separator: "|"))
            // Assume the legal order so that the following lines are still checked.
            for index in 0..<min(18, layout.columnCount) { layout.column[index] = index }
            return layout
        }
        checkLegalNames(names, lower, expected, layout, log)
        checkOtherColumns(names, lower, layout, log)
        return layout
    }

    /// Counts the candidate separators; false (and FEC-08) when neither tab nor `|` separates 9 fields.
    private static func detectSeparator(
        _ line: UnsafeRawBufferPointer, _ layout: inout FECColumnLayout,
        _ log: FECFindingLog
    ) -> Bool {
        var tabs = 0, pipes = 0, semicolons = 0, commas = 0
        for byte in line {
            switch byte {
            case 0x09: tabs += 1
            case 0x7C: pipes += 1
            case 0x3B: semicolons += 1
            case 0x2C: commas += 1
            default: break
            }
        }
        if tabs >= 8 {
            layout.separator = 0x09
            layout.otherSeparator = 0x7C
            return true
        }
        if pipes >= 8 {
            layout.separator = 0x7C
            layout.otherSeparator = 0x09
            return true
        }
        layout.unusable = true
        let found: String? = semicolons >= 8 ? ";" : commas >= 8 ? "," : nil
        let shown = log.text(line, 0, min(line.count, 120))
        if let found {
            layout.columns = log.text(line, 0, line.count).split(
                separator: Character(found), omittingEmptySubsequences: false
            )
            .map { $0.trimming(" ") }
            log.flag(
                .separator, line: 1, found,
                "the fields are separated by '\(found)': the law allows only a tab or '|' "
                    + "(A47 A-1 §VI); re-export with '|' (nothing else was checked)")
        } else {
            layout.columns = [shown]
            log.flag(
                .separator, line: 1, shown,
                "no tab or '|' separator in the first line: not a FEC flat file, or its "
                    + "header line is missing (nothing else was checked)")
        }
        return false
    }

    /// FEC-09/09b: the 18 legal names, in the legal order, with the law's case.
    private static func checkLegalNames(
        _ names: [String], _ lower: [String], _ expected: [String],
        _ layout: FECColumnLayout, _ log: FECFindingLog
    ) {
        for index in 0..<18 {
            guard index < names.count else {
                log.flag(.header, line: 1, "", "column \(index + 1) \(expected[index]) is missing")
                continue
            }
            if names[index] == expected[index] { continue }
            if lower[index] == expected[index].lowercased() {
                log.flag(
                    .headerCase, line: 1, names[index],
                    "column \(index + 1) is written '\(names[index])', the law writes '\(expected[index])' (accepted)")
            } else {
                let place =
                    layout.column[index] >= 0 ? " (found as column \(layout.column[index] + 1))" : " (not found)"
                log.flag(.header, line: 1, names[index], "column \(index + 1) must be \(expected[index])\(place)")
            }
        }
    }

    /// FEC-10 to FEC-12: Montant/Sens out of place, the regime columns 19–22, extra columns.
    private static func checkOtherColumns(
        _ names: [String], _ lower: [String], _ layout: FECColumnLayout,
        _ log: FECFindingLog
    ) {
        for (index, name) in lower.enumerated() where name == "montant" || name == "sens" {
            if layout.montantSens, index == 11 || index == 12 { continue }
            log.flag(
                .amountSignColumns, line: 1, names[index],
                "column \(index + 1): Montant and Sens may only replace Debit and Credit, as columns 12 and 13")
        }
        let regime = FECFormat.regimeColumnNames.map { $0.lowercased() }
        var seen: Set<String> = []
        for (index, name) in lower.enumerated() {
            defer { seen.insert(name) }
            if let position = regime.firstIndex(of: name) {
                let inPlace = index == 18 + position && (0..<position).allSatisfy { lower[18 + $0] == regime[$0] }
                if !inPlace {
                    log.flag(
                        .regimeColumns, line: 1, names[index],
                        "\(names[index]) must be column \(19 + position), after "
                            + (["the 18 mandatory columns"] + FECFormat.regimeColumnNames.prefix(position)).joined(
                                separator: ", "))
                }
                continue
            }
            guard index >= 18 else { continue }
            if name.isEmpty {
                log.flag(.extraColumns, line: 1, "", "column \(index + 1) has no name")
            } else if seen.contains(name) {
                log.flag(.extraColumns, line: 1, names[index], "column \(index + 1) repeats the name \(names[index])")
            }
        }
    }
}
