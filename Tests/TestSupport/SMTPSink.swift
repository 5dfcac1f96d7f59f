import FacturationCore
import Foundation

/// `scripts/smtp_sink.py`, a real SMTP server (Debian's aiosmtpd) on a free loopback port, run by
/// one test through ``withSMTPSink(_:_:)``, which always stops it, even when the test fails or
/// throws. The sink also exits by itself when the test process is gone (`--parent-pid`).
package final class SMTPSink: @unchecked Sendable {
    /// What the sink is told to do (the options of `scripts/smtp_sink.py`).
    package struct Options {
        package enum TLS: String { case starttls, implicit, none }
        package var tls: TLS = .starttls
        package var user: String? = "factures@demo.test"
        package var password: String? = "correct horse battery staple"
        package var failData = 0
        package var failRCPT = 0
        package var rejectRCPT: [String] = []
        package var rejectSender: String?
        /// The only name on the server's certificate (default: localhost and 127.0.0.1).
        package var certificateHost: String?
        package var cutAfterData = 0
        package var silent = false

        package init() {}
    }

    /// The system Python, where Debian installs aiosmtpd (not the PATH's python3, nor the venv).
    static let python = "/usr/bin/python3"
    static let script = (SMTPSink.repositoryRoot as NSString).appendingPathComponent("scripts/smtp_sink.py")

    package let folder: URL
    package let port: Int
    private let child: ChildProcess

    package var maildir: URL { folder.appendingPathComponent("mail") }
    /// The throwaway CA that signed the server's certificate.
    package var caFile: String { folder.appendingPathComponent("certs/ca.pem").path }

    package init(_ options: Options) throws {
        folder = try SMTPSink.temporaryFolder()
        let portFile = folder.appendingPathComponent("port")
        let log = folder.appendingPathComponent("sink.log")
        child = ChildProcess(
            Self.python, [Self.script] + Self.arguments(options, folder: folder, portFile: portFile), output: .file(log)
        )
        try child.start()
        port = try Self.waitForPort(portFile, child: child, log: log)
    }

    private static func arguments(_ options: Options, folder: URL, portFile: URL) -> [String] {
        var arguments = [
            "--port-file", portFile.path, "--maildir", folder.appendingPathComponent("mail").path,
            "--tls", options.tls.rawValue, "--cert-dir", folder.appendingPathComponent("certs").path,
            "--parent-pid", "\(getpid())",
        ]
        if let user = options.user, let password = options.password {
            arguments += ["--user", user, "--password", password]
        }
        arguments += ["--fail-data", "\(options.failData)", "--fail-rcpt", "\(options.failRCPT)"]
        arguments += ["--cut-after-data", "\(options.cutAfterData)"]
        arguments += options.rejectRCPT.flatMap { ["--reject-rcpt", $0] }
        if options.silent { arguments.append("--silent") }
        if let sender = options.rejectSender { arguments += ["--reject-sender", sender] }
        if let host = options.certificateHost { arguments += ["--cert-host", host] }
        return arguments
    }

    /// The port a test server (`script`) writes once it listens (it makes its certificates first:
    /// a few seconds at most, more on a loaded machine).
    static func waitForPort(
        _ file: URL, child: ChildProcess, log: URL,
        script: String = "scripts/smtp_sink.py (is python3-aiosmtpd installed?)"
    ) throws -> Int {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), let port = Int(text.trimmed) { return port }
            guard child.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        child.stop()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw SinkError(message: "\(script) did not start: \(output)")
    }

    package struct SinkError: Error, CustomStringConvertible {
        package let message: String
        package var description: String { message }

        package init(message: String) { self.message = message }
    }

    /// SIGTERM, then SIGKILL if the sink has not exited within 5 seconds (``ChildProcess/stop()``).
    package func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The messages received so far: the `.eml` bytes and the envelope recipients, in order.
    package func received() throws -> [(
        eml: URL, bytes: [UInt8], recipients: [String], mailFrom: String, user: String?
    )] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: maildir.path)) ?? []
        let numbers = names.compactMap { $0.hasSuffix(".eml") ? Int($0.dropLast(4)) : nil }.sorted()
        return try numbers.map { number in
            let eml = maildir.appendingPathComponent("\(number).eml")
            let side = try Data(contentsOf: maildir.appendingPathComponent("\(number).envelope.json"))
            let envelope = try JSONSerialization.jsonObject(with: side) as? [String: Any] ?? [:]
            return (
                eml, Array(try Data(contentsOf: eml)), envelope["rcpt_tos"] as? [String] ?? [],
                envelope["mail_from"] as? String ?? "", envelope["auth_user"] as? String
            )
        }
    }

    /// A password file in the sink's folder (removed with it).
    package func passwordFile(_ password: String) throws -> String {
        try TestSupport.passwordFile(password, in: folder)
    }

    /// Settings to send to this sink: its port, the throwaway CA, the given password file.
    package func settings(passwordFile: String?, security: SMTPSettings.Security = .starttls) -> SMTPSettings {
        SMTPSettings(
            host: "127.0.0.1", port: port, security: security, user: passwordFile == nil ? nil : "factures@demo.test",
            passwordSource: passwordFile.map { .file($0) }, from: MailAddress("factures@demo.test"),
            connectTimeout: .seconds(5), timeout: .seconds(20), caFile: caFile, file: "pipelines/demo.toml")
    }
}

/// Runs `body` with a started sink, and stops the sink afterwards whatever happens.
package func withSMTPSink<T>(_ options: SMTPSink.Options = .init(), _ body: (SMTPSink) throws -> T) throws -> T {
    let sink = try SMTPSink(options)
    defer { sink.stop() }
    return try body(sink)
}

/// A password file (mode 600) holding `password`, in `folder` (the caller removes it).
package func passwordFile(_ password: String, mode: mode_t = 0o600, in folder: URL) throws -> String {
    let path = folder.appendingPathComponent("smtp-password-\(UUID().uuidString.prefix(8))").path
    _ = FileManager.default.createFile(atPath: path, contents: Data((password + "\n").utf8))
    chmod(path, mode)
    return path
}

extension SMTPSink {
    /// The repository (for `scripts/`).
    package static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A fresh folder under the system's temporary folder (the caller removes it).
    package static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("facturation-smtp-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
