import Foundation
import Testing

@testable import FacturationCore

@Suite("FileBatch")
struct FileBatchTests {
    /// A fresh folder with `tmp/` (the batch's temporary folder) and `out/`.
    private func folder() throws -> (root: String, temporary: String, out: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString)").path
        let temporary = Path.join(root, "tmp"), out = Path.join(root, "out")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        return (root, temporary, out)
    }

    @Test("Hundreds of files (more than one sync round) appear only at the commit, with their bytes")
    func filesAppearAtTheCommit() throws {
        let (root, temporary, out) = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let batch = FileBatch(temporaryDirectory: temporary)
        let count = FileBatch.openLimit * 2 + 7
        for index in 0..<count {
            try batch.add(
                Array("file \(index)\n".utf8), to: Path.join(out, "sub\(index % 3)/\(index).txt"),
                collision: .fail)
        }
        #expect(batch.count == count)
        let visible = (0..<3).flatMap { (try? Storage.list(Path.join(out, "sub\($0)"))) ?? [] }
        #expect(visible.isEmpty, "files are visible before the commit")
        try batch.commit()
        for index in [0, 1, count / 2, count - 1] {
            #expect(try Storage.readText(Path.join(out, "sub\(index % 3)/\(index).txt")) == "file \(index)\n")
        }
        #expect((0..<3).map { try! Storage.list(Path.join(out, "sub\($0)")).count }.reduce(0, +) == count)
        #expect(try Storage.list(temporary).isEmpty, "temporary files left behind")
    }

    @Test("An existing file is never replaced with .fail: the commit throws and leaves it as it was")
    func noClobber() throws {
        let (root, temporary, out) = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "mine".write(toFile: Path.join(out, "b.txt"), atomically: false, encoding: .utf8)
        let batch = FileBatch(temporaryDirectory: temporary)
        try batch.add(Array("new a".utf8), to: Path.join(out, "a.txt"), collision: .fail)
        try batch.add(Array("new b".utf8), to: Path.join(out, "b.txt"), collision: .fail)
        #expect { try batch.commit() } throws: { ($0 as? StorageError)?.isAlreadyExists == true }
        #expect(try Storage.readText(Path.join(out, "b.txt")) == "mine")
        #expect(try Storage.list(temporary).isEmpty, "temporary files left behind")
    }

    @Test func aBatchReleasedWithoutCommitLeavesNothing() throws {
        let (root, temporary, out) = try folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let batch = FileBatch(temporaryDirectory: temporary)
            try batch.add(Array("x".utf8), to: Path.join(out, "x.txt"), collision: .replace)
        }
        #expect(try Storage.list(temporary).isEmpty)
        #expect(!Storage.exists(Path.join(out, "x.txt")))
    }
}
