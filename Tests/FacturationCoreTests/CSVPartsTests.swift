import Foundation
import Testing

@testable import FacturationCore

/// The invariants of the small types the CSV reader is made of (CSVLines.swift, CSVBatch.swift,
/// BatchPipe.swift); CSVReaderTests test them together through whole files.
@Suite("CSV reader parts")
struct CSVPartsTests {
    // MARK: - CSVStreamPosition

    /// Advances over `text` cut into chunks of `size` bytes.
    private func position(_ text: String, chunk size: Int) -> CSVStreamPosition {
        var position = CSVStreamPosition()
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            bytes[start..<end].withUnsafeBytes { position.advance(over: $0) }
            start = end
        }
        return position
    }

    @Test("the stream position does not depend on the chunk boundaries", arguments: [1, 2, 3, 4, 5, 64])
    func streamPositionAcrossChunks(size: Int) {
        let cases: [(String, line: Int, column: Int)] = [
            ("", 1, 1),
            ("abc", 1, 4),
            ("a\nb", 2, 2),
            ("a\r\nb", 2, 2),
            ("a\rb", 2, 2),
            ("a\r\n\r\n", 3, 1),
            ("a\n\rb", 3, 2),
            ("é à\nçé", 2, 3),
            ("x\r\ny\rz\nw", 4, 2),
        ]
        for (text, line, column) in cases {
            let got = position(text, chunk: size)
            #expect(got.line == line && got.column == column, "\(text.debugDescription) in chunks of \(size)")
        }
    }

    // MARK: - CSVRowLines

    @Test func rowLinesCountBreaksInsideFieldsAndCRLFOnce() {
        var lines = CSVRowLines()
        #expect(lines.lineAtRowStart == 1)
        // Row 1 ends with CRLF: libcsv reports CR (end of row), then LF as an empty row.
        lines.fieldEnded()
        lines.rowEnded(terminator: 0x0D, hadFields: true)
        lines.rowEnded(terminator: 0x0A, hadFields: false)
        #expect(lines.lineAtRowStart == 2)
        // Row 2 holds a quoted field with a CRLF and an LF inside, and ends with LF.
        lines.fieldEnded()
        Array("a\r\nb\nc".utf8).withUnsafeBytes { lines.addLineBreaks(in: $0) }
        lines.rowEnded(terminator: 0x0A, hadFields: true)
        #expect(lines.lineAtRowStart == 5)
        // A blank line (LF alone) still counts.
        lines.rowEnded(terminator: 0x0A, hadFields: false)
        #expect(lines.lineAtRowStart == 6)
        // The end of the file (-1) adds nothing.
        lines.rowEnded(terminator: -1, hadFields: true)
        #expect(lines.lineAtRowStart == 6)
    }

    @Test func countLineBreaks() {
        for (text, count) in [("", 0), ("a", 0), ("\n", 1), ("\r\n", 1), ("\r\r", 2), ("\n\r", 2), ("a\r\nb\rc\n", 3)] {
            #expect(
                Array(text.utf8).withUnsafeBytes { CSVRowLines.countLineBreaks($0) } == count,
                "\(text.debugDescription)")
        }
    }

    // MARK: - CSVBatch

    private func append(_ text: String, to batch: CSVBatch) {
        Array(text.utf8).withUnsafeBytes { batch.appendField($0) }
    }

    @Test func resetKeepsTheOpenRowWithItsBytesAndFlag() {
        let batch = CSVBatch()
        append("a", to: batch)
        append("bb", to: batch)
        batch.closeRow(line: 1)
        append("open", to: batch)
        batch.openRowMayHoldControls = true
        #expect(batch.rowCount == 1 && batch.strings(0) == ["a", "bb"] && batch.openFieldCount == 1)
        batch.reset()
        #expect(batch.rowCount == 0 && batch.openFieldCount == 1)
        append("rest", to: batch)
        batch.closeRow(line: 2)
        #expect(batch.rowCount == 1 && batch.strings(0) == ["open", "rest"] && batch.line(0) == 2)
        #expect(batch.mayHoldControlCharacters(0), "the flag of a row split across batches is kept")
    }

    @Test func moveOpenFieldsHandsTheOpenRowToTheNextBatch() {
        let first = CSVBatch(), second = CSVBatch()
        append("x", to: first)
        first.closeRow(line: 1)
        append("y1", to: first)
        append("y2", to: first)
        first.openRowMayHoldControls = true
        first.moveOpenFields(to: second)
        #expect(first.rowCount == 1 && first.openFieldCount == 0 && first.strings(0) == ["x"])
        #expect(!first.mayHoldControlCharacters(0))
        append("y3", to: second)
        second.closeRow(line: 2)
        #expect(second.strings(0) == ["y1", "y2", "y3"] && second.mayHoldControlCharacters(0))
    }

    @Test func fieldsOutsideARowAreEmpty() {
        let batch = CSVBatch()
        append("only", to: batch)
        batch.closeRow(line: 1)
        batch.withRows { rows in
            #expect(rows.fieldCount(0) == 1)
            #expect(rows.field(0, -1).isEmpty && rows.field(0, 1).isEmpty)
            #expect(Array(rows.field(0, 0)) == Array("only".utf8))
        }
    }

    // MARK: - BatchPipe

    @Test func thePipeKeepsOrderAndBoundsTheBatches() throws {
        let pipe = BatchPipe(batches: [CSVBatch(), CSVBatch()])
        let producer = Thread {
            for index in 0..<50 {
                guard let batch = pipe.freeBatch() else { return }
                Array(String(index).utf8).withUnsafeBytes { batch.appendField($0) }
                batch.closeRow(line: index)
                pipe.send(batch)
            }
            pipe.finish(error: nil)
        }
        producer.start()
        var seen: [Int] = []
        while let batch = pipe.next() {
            seen.append(batch.line(0))
            batch.reset()
            pipe.recycle(batch)
        }
        pipe.waitUntilProducerStops()
        #expect(seen == Array(0..<50))
        #expect(pipe.producerError == nil)
    }

    @Test func cancellingStopsTheProducerAtItsNextHandOff() {
        let pipe = BatchPipe(batches: [CSVBatch()])
        let producer = Thread {
            while let batch = pipe.freeBatch() { pipe.send(batch) }
            pipe.finish(error: nil)
        }
        producer.start()
        _ = pipe.next()  // one batch taken and never given back: the producer waits for a free one
        pipe.cancel()
        pipe.waitUntilProducerStops()
        #expect(pipe.freeBatch() == nil, "no batch is handed out once cancelled")
    }
}
