import Foundation

/// A real IMAP server for one test: Debian's Dovecot (`/usr/sbin/dovecot`, `dovecot-imapd`) on a free
/// loopback port with a throwaway configuration, certificate (openssl) and maildir in a temporary
/// folder; passwd-file authentication of one user. Started in the foreground as a child of the
/// test and stopped by ``withIMAPServer(_:)``, even when the test throws.
///
/// As root (CI), Dovecot refuses to run its processes or to read mail as root: its own users
/// `dovecot` and `dovenull` (created by the package) run them, and the maildir belongs to `dovecot`.
/// As another user, every process runs as that user and group, without chroot (checked by hand as
/// `nobody` with the same configuration; the CI runs as root).
package final class IMAPServer: @unchecked Sendable {
    package static let dovecot = "/usr/sbin/dovecot"
    package let folder: URL
    /// `imaps://` (implicit TLS).
    package let tlsPort: Int
    /// `imap://` (STARTTLS required: plain-text login is refused before it).
    package let starttlsPort: Int
    package let user = "factures@demo.test"
    package let password = "imap secret 42"
    private let child: ChildProcess

    package var caFile: String { folder.appendingPathComponent("cert.pem").path }
    package var configFile: String { folder.appendingPathComponent("dovecot.conf").path }

    package init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facturation-imap-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(folder.path, 0o755)
        tlsPort = try Self.freePort()
        starttlsPort = try Self.freePort(avoiding: tlsPort)
        // Started by ``ChildProcess`` with no signal blocked: Dovecot's master must see SIGTERM and
        // SIGCHLD to stop and reap its processes.
        child = ChildProcess(
            Self.dovecot, ["-F", "-c", folder.appendingPathComponent("dovecot.conf").path],
            output: .file(folder.appendingPathComponent("stdout.log")))
        try makeCertificate()
        try Data("\(user):{PLAIN}\(password)\n".utf8).write(to: folder.appendingPathComponent("passwd"))
        try Data(configuration().utf8).write(to: URL(fileURLWithPath: configFile))
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("mail"), withIntermediateDirectories: true)
        if getuid() == 0 { try Self.chown(folder.appendingPathComponent("mail").path, to: "dovecot") }

        try child.start()
        try waitUntilListening()
    }

    package func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The `[fetch.mail]` table for this server (`folder` is the IMAP folder read).
    package func fetchTable(passwordFile: String, mailbox: String = "INBOX", starttls: Bool = false) -> String {
        let url = starttls ? "imap://127.0.0.1:\(starttlsPort)/\(mailbox)" : "imaps://127.0.0.1:\(tlsPort)/\(mailbox)"
        return """

            [fetch.mail]
            url = "\(url)"
            user = "\(user)"
            password_file = "\(passwordFile)"
            ca_file = "\(caFile)"
            timeout = 20

            """
    }

    // MARK: - Putting messages in, as a mail client does (IMAP, with the system's curl)

    /// Appends `message` to `mailbox` (IMAP APPEND).
    package func append(_ message: Data, to mailbox: String = "INBOX") throws {
        let file = folder.appendingPathComponent("append-\(UUID().uuidString).eml")
        try message.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try curl(["-T", file.path, "imaps://127.0.0.1:\(tlsPort)/\(mailbox)"])
    }

    /// Sends one IMAP command (`CREATE Replies`, `DELETE Replies`…) and returns the untagged replies.
    @discardableResult
    package func command(_ text: String) throws -> String {
        try curl(["-X", text, "imaps://127.0.0.1:\(tlsPort)/"])
    }

    /// Removes `\Seen` from every message of `mailbox` (curl's APPEND sets it on what it appends).
    package func markUnread(_ mailbox: String = "INBOX") throws {
        try curl(["-X", "STORE 1:* -FLAGS (\\Seen)", "imaps://127.0.0.1:\(tlsPort)/\(mailbox)"])
    }

    /// The flags of every message of `mailbox` (to check that nothing was marked as read).
    package func flags(_ mailbox: String = "INBOX") throws -> String {
        try curl(["-X", "FETCH 1:* (FLAGS)", "imaps://127.0.0.1:\(tlsPort)/\(mailbox)"])
    }

    @discardableResult
    private func curl(_ arguments: [String]) throws -> String {
        let result = try runTool(
            "/usr/bin/curl", ["-sS", "--cacert", caFile, "-u", "\(user):\(password)", "--max-time", "20"] + arguments)
        guard result.status == 0 else {
            throw ServerError(message: "curl \(arguments.joined(separator: " ")) failed: \(result.output)\n\(log())")
        }
        return result.output
    }

    package struct ServerError: Error, CustomStringConvertible {
        package let message: String
        package var description: String { message }
    }

    package func log() -> String {
        (try? String(contentsOf: folder.appendingPathComponent("dovecot.log"), encoding: .utf8)) ?? ""
    }

    // MARK: - Setting up

    private func configuration() -> String {
        let root = folder.path
        let isRoot = getuid() == 0
        let me = String(cString: getpwuid(getuid()).pointee.pw_name)
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? me
        let users =
            isRoot
            ? "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
            : "default_internal_user = \(me)\ndefault_login_user = \(me)\ndefault_internal_group = \(group)\n"
                + "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
        let mailUser = isRoot ? "uid=dovecot gid=dovecot" : "uid=\(getuid()) gid=\(getgid())"
        return """
            base_dir = \(root)/run
            state_dir = \(root)/state
            log_path = \(root)/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = yes
            ssl_cert = <\(root)/cert.pem
            ssl_key = <\(root)/key.pem
            disable_plaintext_auth = yes
            first_valid_uid = 1
            auth_mechanisms = plain login
            \(users)
            mail_location = maildir:\(root)/mail/%n/Maildir
            service imap-login {
              inet_listener imap {
                port = \(starttlsPort)
              }
              inet_listener imaps {
                port = \(tlsPort)
                ssl = yes
              }
            }
            passdb {
              driver = passwd-file
              args = scheme=PLAIN \(root)/passwd
            }
            userdb {
              driver = static
              args = \(mailUser) home=\(root)/mail/%n
            }

            """
    }

    private func makeCertificate() throws {
        let result = try runTool(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", folder.appendingPathComponent("key.pem").path,
                "-out", folder.appendingPathComponent("cert.pem").path,
            ])
        guard result.status == 0 else { throw ServerError(message: "openssl failed: \(result.output)") }
    }

    private static func chown(_ path: String, to user: String) throws {
        guard let entry = getpwnam(user) else { throw ServerError(message: "no user \(user) (install dovecot-imapd)") }
        Foundation.chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// A port nobody listens on now (the kernel's choice for port 0).
    private static func freePort(avoiding other: Int = 0) throws -> Int {
        for _ in 0..<20 {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
                }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            if bound, port != other { return port }
        }
        throw ServerError(message: "no free loopback port")
    }

    private func waitUntilListening() throws {
        for _ in 0..<100 {
            if !child.isRunning { break }
            if Self.accepts(port: tlsPort) && Self.accepts(port: starttlsPort) { return }
            usleep(100_000)
        }
        child.stop()
        throw ServerError(message: "dovecot did not start:\n\(log())")
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs `body` with a fresh Dovecot, always stopped afterwards.
package func withIMAPServer<T>(_ body: (IMAPServer) throws -> T) throws -> T {
    let server = try IMAPServer()
    defer { server.stop() }
    return try body(server)
}
