import FacturationCore
import Foundation
import TestSupport
import Testing

/// `fetch mail` streams each message into its file through a bounded buffer instead of holding it
/// whole in memory, and skips, names and records a message above the 64 MB limit (README,
/// "Replies (IMAP)").
@Suite("Large messages fetched over IMAP, end to end", .serialized)
struct LargeMailTests {
    /// A message of about `megabytes` MB (base64-like lines of 76 characters).
    static func message(megabytes: Int, id: String) -> Data {
        var data = Data(
            ("From: Client <client@example.fr>\r\nTo: factures@demo.test\r\nSubject: Pièce jointe\r\n"
                + "Message-ID: <\(id)>\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n").utf8)
        let line = Data((String(repeating: "QUJD", count: 19) + "\r\n").utf8)
        var block = Data()
        for _ in 0..<(1 << 20) / line.count { block.append(line) }
        for index in 0..<megabytes {
            data.append(block)
            data.append(Data("\(index)\r\n".utf8))
        }
        return data
    }

    /// The peak resident size (KB) of `fetch mail`, measured by GNU time (`%M`).
    static func fetchMeasured(_ workspace: TestWorkspace) throws -> (CommandResult, Int) {
        let result = try Binary.run(
            ["-f", "peak-rss-kb=%M", Binary.url.path, "fetch", "mail", "--workspace", workspace.path],
            executable: URL(fileURLWithPath: "/usr/bin/time"))
        let line = result.stderr.split(separator: "\n").last { $0.hasPrefix("peak-rss-kb=") }
        return (result, line.flatMap { Int($0.dropFirst("peak-rss-kb=".count)) } ?? -1)
    }

    @Test func aFiftyMegabyteMessageIsStreamedAndOneAboveTheLimitIsNamedAndPassed() throws {
        try withIMAPServer { server in
            let workspace = try RepliesTests.workspace(server, invoicing: false)
            // The baseline: the same command fetching one small message.
            let first = RepliesTests.message("Avant", id: "before@example.fr")
            try server.append(first)
            let (baseline, small) = try Self.fetchMeasured(workspace)
            #expect(baseline.status == 0, "\(baseline.stdout)\n\(baseline.stderr)")
            let large = Self.message(megabytes: 50, id: "large@example.fr")
            try server.append(large)
            try server.append(Self.message(megabytes: 65, id: "huge@example.fr"))
            let last = RepliesTests.message("Après", id: "after@example.fr")
            try server.append(last)
            let (result, peak) = try Self.fetchMeasured(workspace)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            print(
                "fetch mail: peak RSS \(small) KB for one small message, \(peak) KB for 50 MB + 65 MB (\(Binary.url.path))"
            )
            // Holding the 50 MB message would add at least 50 MB (it added ~180 MB before the streaming).
            #expect(small > 0 && peak > 0 && peak - small < 16_000, "peak RSS \(peak) KB, baseline \(small) KB")
            let files = RepliesTests.inboxMail(workspace)
            #expect(files.count == 3, "\(files)")
            #expect(try workspace.data(try #require(files.first { $0.hasSuffix("-2.eml") })) == large)
            #expect(try workspace.data(try #require(files.first { $0.hasSuffix("-4.eml") })) == last)
            // The one above the limit: named with its size and the limit, and the cursor moves past
            // it (the next fetch does not stop on it), keeping it listed.
            #expect(result.stdout.contains("skipped: UID 3: 65 MB, above the 64 MB"), "\(result.stdout)")
            let cursor =
                try JSONSerialization.jsonObject(with: workspace.data("archive/fetch/demo-conseil/mail.json"))
                as? [String: Any]
            #expect(cursor?["lastUID"] as? Int == 4)
            #expect((cursor?["skipped"] as? [String])?.first?.hasPrefix("UID 3: 65 MB") == true, "\(cursor ?? [:])")
            let again = try RepliesTests.fetch(workspace)
            #expect(again.status == 0 && again.stdout.contains("0 new message(s)"), "\(again.stdout)")
            #expect(again.stdout.contains("skipped") == false)
            let cursorAgain =
                try JSONSerialization.jsonObject(with: workspace.data("archive/fetch/demo-conseil/mail.json"))
                as? [String: Any]
            #expect((cursorAgain?["skipped"] as? [String])?.count == 1)
        }
    }
}
