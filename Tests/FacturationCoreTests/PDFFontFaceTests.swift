import Foundation
import Synchronization
import Testing

@testable import FacturationCore

/// PDFs drawn on several threads at once embed each DejaVu face once (the fix of commit abc8495,
/// `SharedFontFaces` in PDFCanvas.swift): two threads starting the same layout at the same moment
/// could both insert cairo's Bold face, and that thread's PDFs then embedded Bold twice (`/f-0-0`
/// and `/f-2-0`). Each round starts fresh threads (pango's fonts are per thread, and die with it),
/// released together at a barrier.
@Suite("PDF font faces across threads")
struct PDFFontFaceTests {
    static let threads = 8
    static let rounds = 12

    /// The cairo font ids of the PDF at `path`: its font resources are named `/f-<font>-<subset>`,
    /// one font id per face (each face's glyphs in one or more subsets), so a face embedded twice
    /// shows as a third id (`/f-0-0` and `/f-2-0` for Bold).
    static func fontIDs(_ path: String) throws -> Set<Substring> {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        return Set(text.matches(of: /\/f-([0-9]+)-[0-9]+/).map(\.output.1))
    }

    /// Draws one PDF of `document` on each of `threads` new threads at once; their paths.
    static func drawAtOnce(_ document: InvoiceDocument, threads: Int, in folder: String) throws -> [String] {
        let paths = (0..<threads).map { "\(folder)/\($0).pdf" }
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let failures = Mutex<[String]>([])
        for path in paths {
            done.enter()
            Thread {
                start.wait()
                do { try InvoicePDF.write(document, to: path) } catch {
                    failures.withLock { $0.append("\(path): \(error)") }
                }
                done.leave()
            }.start()
        }
        for _ in paths { start.signal() }
        done.wait()
        #expect(failures.withLock { $0 }.isEmpty)
        return paths
    }

    @Test func pdfsDrawnAtOnceEmbedEachFaceOnce() throws {
        let folder = NSTemporaryDirectory() + "facturation-faces-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let document = CIISample.standard.document
        var doubled: [String] = []
        for round in 0..<Self.rounds {
            for (index, path) in try Self.drawAtOnce(document, threads: Self.threads, in: folder).enumerated() {
                // DejaVu Sans and DejaVu Sans Bold (the sample needs no fallback font).
                let ids = try Self.fontIDs(path)
                if ids.count != 2 { doubled.append("round \(round), thread \(index): fonts \(ids.sorted())") }
            }
        }
        #expect(doubled.isEmpty, "\(doubled.count) PDF(s) embed a face twice: \(doubled)")
    }
}
