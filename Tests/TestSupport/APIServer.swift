import FacturationCore
import Foundation

/// `scripts/api_server.py`: a loopback HTTPS server speaking the Clockify Reports API and the
/// Qonto API (standard-library Python, a throwaway CA made with openssl), run by one test through
/// ``withAPIServer(_:_:)``, which always stops it.
package final class APIServer: @unchecked Sendable {
    /// What the server is told to do (the options of `scripts/api_server.py`).
    package struct Options {
        /// The detailed report whose entries it serves (default: the demo's September report).
        package var clockify = APIServer.demo("clockify-report-2025-09.json")
        /// The transactions it serves (default: the demo's September API export).
        package var qonto = APIServer.demo("qonto-api-2025-09.json")
        package var expired = false
        package var rateLimit = 0
        package var retryAfter = 1
        package var unavailable = 0
        package var cut = 0
        /// More Qonto accounts: (IBAN, the file of its transactions); the first is the demo's IBAN.
        package var accounts: [(iban: String, file: String)] = []

        package init() {}
    }

    package static let clockifyKey = "clockify-test-key"
    package static let qontoLogin = "demo-conseil"
    package static let qontoSecret = "qonto-test-secret"
    package static let workspaceID = "ws-demo"

    package let folder: URL
    package let port: Int
    private let child: ChildProcess

    /// The throwaway CA that signed the server's certificate.
    package var caFile: String { folder.appendingPathComponent("certs/ca.pem").path }
    package var baseURL: String { "https://127.0.0.1:\(port)" }

    package init(_ options: Options) throws {
        folder = try SMTPSink.temporaryFolder()
        let portFile = folder.appendingPathComponent("port")
        let arguments =
            [
                (SMTPSink.repositoryRoot as NSString).appendingPathComponent("scripts/api_server.py"),
                "--port-file", portFile.path, "--cert-dir", folder.appendingPathComponent("certs").path,
                "--log", folder.appendingPathComponent("requests.jsonl").path, "--parent-pid", "\(getpid())",
                "--clockify", options.clockify, "--qonto", options.qonto, "--rate-limit", "\(options.rateLimit)",
                "--retry-after", "\(options.retryAfter)", "--unavailable", "\(options.unavailable)",
                "--cut", "\(options.cut)",
            ] + (options.expired ? ["--expired"] : [])
            + options.accounts.flatMap { ["--account", "\($0.iban)=\($0.file)"] }
        let log = folder.appendingPathComponent("server.log")
        child = ChildProcess("/usr/bin/python3", arguments, output: .file(log))
        try child.start()
        port = try SMTPSink.waitForPort(portFile, child: child, log: log, script: "scripts/api_server.py")
    }

    package static func demo(_ name: String) -> String {
        (SMTPSink.repositoryRoot as NSString).appendingPathComponent("demo/inbox/\(name)")
    }

    /// The requests received so far, in order (method, path, query, body, status, key_ok).
    package func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("requests.jsonl"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    package func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Runs `body` with a started server, and stops it afterwards whatever happens.
package func withAPIServer<T>(_ options: APIServer.Options = .init(), _ body: (APIServer) throws -> T) throws -> T {
    let server = try APIServer(options)
    defer { server.stop() }
    return try body(server)
}
