import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// `[delivery.smtp]`: keys, defaults, and the password kept out of the pipeline file, the logs
/// and the messages.
@Suite("SMTPSettings")
struct SMTPSettingsTests {
    static func parse(_ table: String, folder: String = "/nonexistent") throws(ConfigErrors) -> SMTPSettings {
        try SMTPSettings.parse(toml: "[delivery.smtp]\n" + table, file: "pipelines/demo.toml", folder: folder)
    }

    static func errors(_ table: String, folder: String = "/nonexistent") -> String {
        do {
            _ = try parse(table, folder: folder)
            return ""
        } catch {
            return error.description
        }
    }

    @Test func aFullTableIsReadWithPathsRelativeToThePipelineFolder() throws {
        let temporary = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let password = try passwordFile("s3cret", in: temporary)
        let folder = temporary.path
        _ = FileManager.default.createFile(atPath: folder + "/ca.pem", contents: Data("x".utf8))
        let settings = try Self.parse(
            """
            host = "smtp.example.fr"
            security = "tls"
            user = "factures@example.fr"
            password_file = "\((password as NSString).lastPathComponent)"
            from = "factures@example.fr"
            from_name = "Exemple SARL"
            connect_timeout = 5
            timeout = 30
            ca_file = "ca.pem"
            """, folder: folder)
        #expect(settings.host == "smtp.example.fr" && settings.port == 465 && settings.security == .tls)
        #expect(settings.passwordSource == .file(password))
        #expect(settings.caFile == folder + "/ca.pem")
        #expect(settings.connectTimeout == .seconds(5) && settings.timeout == .seconds(30))
        #expect(settings.from == MailAddress("factures@example.fr", name: "Exemple SARL"))
        #expect(try settings.password()?.value == "s3cret")
    }

    @Test func defaultsAreStartTLSOn587WithBoundedTimeouts() throws {
        let settings = try Self.parse("host = \"smtp.example.fr\"\nfrom = \"f@example.fr\"")
        #expect(settings.security == .starttls && settings.port == 587 && settings.user == nil)
        #expect(settings.connectTimeout == .seconds(10) && settings.timeout == .seconds(60))
    }

    @Test func aPasswordInThePipelineFileIsAnErrorThatSaysWhereToPutIt() {
        let text = Self.errors(
            "host = \"smtp.example.fr\"\nfrom = \"f@example.fr\"\nuser = \"u\"\npassword = \"hunter22\"")
        #expect(text.contains("pipelines/demo.toml:5: delivery.smtp.password: the password must not be written"))
        #expect(text.contains("password_file") && text.contains("password_env"))
        #expect(!text.contains("hunter22"))
    }

    @Test func aPasswordFileOthersCanReadIsRefusedNamingItAndChmod() throws {
        let temporary = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: temporary) }
        let password = try passwordFile("s3cret", mode: 0o644, in: temporary)
        let text = Self.errors(
            "host = \"h.example.fr\"\nfrom = \"f@example.fr\"\nuser = \"u\"\npassword_file = \"\(password)\"")
        #expect(text.contains("delivery.smtp.password_file: \(password) can be read by other users (mode 644)"))
        #expect(text.contains("chmod 600 \(password)") && !text.contains("s3cret"))
        let missing = Self.errors(
            "host = \"h.example.fr\"\nfrom = \"f@example.fr\"\nuser = \"u\"\npassword_file = \"nope\"")
        #expect(missing.contains("/nonexistent/nope does not exist"))
    }

    @Test func plainSMTPIsOnlyForTheLoopback() throws {
        let text = Self.errors("host = \"smtp.example.fr\"\nsecurity = \"none\"\nfrom = \"f@example.fr\"")
        #expect(text.contains("delivery.smtp.security: \"none\" sends the password and the invoices in clear"))
        for host in ["127.0.0.1", "::1", "localhost"] {
            let settings = try Self.parse("host = \"\(host)\"\nsecurity = \"none\"\nfrom = \"f@example.fr\"")
            #expect(settings.port == 25)
        }
    }

    @Test func mistakesAreReportedWithTheirKey() {
        let text = Self.errors(
            "host = \"smtp://x\"\nfrom = \"not an address\"\nuser = \"u\"\nport = 70000\nsecurity = \"ssl\"\ntimout = 3"
        )
        for expected in [
            "delivery.smtp.host: must be a host name", "delivery.smtp.from: must be plain ASCII",
            "delivery.smtp.user: a user needs a password", "delivery.smtp.port must be between 1 and 65535",
            "delivery.smtp.security: expected one of", "unknown key delivery.smtp.timout; did you mean timeout?",
        ] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
    }

    @Test func anEnvironmentPasswordThatIsMissingNamesTheVariableAndTheSecretNeverShows() throws {
        let settings = try Self.parse(
            "host = \"h.example.fr\"\nfrom = \"f@example.fr\"\nuser = \"u\"\npassword_env = \"FACTURATION_TEST_UNSET_PW\""
        )
        let error = #expect(throws: FacturationError.self) { try settings.password() }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("FACTURATION_TEST_UNSET_PW, which is not set") == true)
        let secret = SMTPSecret("hunter22")
        #expect("\(secret)" == "<hidden>" && String(reflecting: secret) == "<hidden>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter22"))
    }
}
