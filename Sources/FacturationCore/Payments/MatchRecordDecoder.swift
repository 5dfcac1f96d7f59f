/// Decodes a match file (`archive/payments/<pipeline>/matches/<receipt hash>.json`) straight from
/// its bytes with the issued records' reader (``RecordReader``), or gives up (nil) so that the
/// caller decodes it with `JSONDecoder`.
///
/// Why (performance code, fenced): a run after a change reads every match file (one per receipt,
/// 12,000 at 10 years of 100 receipts a month), and a `JSONDecoder` per file cost more than the
/// file's read. Same invariant as ``IssuedRecordDecoder``: a match it returns equals what
/// `JSONDecoder` returns; anything it does not fully read (an unknown or repeated key, a number
/// with a fraction…) is left to `JSONDecoder`. `MatchRecordDecoderTests` checks it.
package enum MatchRecordDecoder {
    package static func match(from bytes: UnsafeBufferPointer<UInt8>) -> PaymentMatch? {
        var reader = RecordReader(bytes)
        do {
            let match = try reader.match()
            try reader.end()
            return match
        } catch {
            return nil
        }
    }
}

extension RecordReader {
    mutating func match() throws(UnreadRecord) -> PaymentMatch {
        var seen = SeenKeys()
        var receipt: String?, rule: String?, by: String?, evidence: String?, source: String?
        var bookingDate: CivilDate?
        var amountMinor: Int64?
        var allocations: [PaymentMatch.Allocation]?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "receipt": try seen.mark(0); receipt = try reader.string()
            case "bookingDate": try seen.mark(1); bookingDate = try reader.date()
            case "amountMinor": try seen.mark(2); amountMinor = try reader.int64()
            case "rule": try seen.mark(3); rule = try reader.string()
            case "allocations":
                try seen.mark(4)
                allocations = try reader.array { (r) throws(UnreadRecord) in try r.allocation() }
            case "by": try seen.mark(5); by = try reader.string()
            case "evidence": try seen.mark(6); evidence = try reader.string()
            case "source": try seen.mark(7); source = try reader.optionalString()
            default: throw UnreadRecord()
            }
        }
        return PaymentMatch(
            receipt: try required(receipt), bookingDate: try required(bookingDate),
            amountMinor: try required(amountMinor), rule: try required(rule), allocations: try required(allocations),
            by: try required(by), evidence: try required(evidence), source: source)
    }

    mutating func allocation() throws(UnreadRecord) -> PaymentMatch.Allocation {
        var seen = SeenKeys()
        var invoice: String?
        var amountMinor: Int64?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "invoice": try seen.mark(0); invoice = try reader.string()
            case "amountMinor": try seen.mark(1); amountMinor = try reader.int64()
            default: throw UnreadRecord()
            }
        }
        return PaymentMatch.Allocation(invoice: try required(invoice), amountMinor: try required(amountMinor))
    }
}
