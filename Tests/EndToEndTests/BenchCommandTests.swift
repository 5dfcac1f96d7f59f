import Foundation
import Testing

/// `facturation-bench` on ArgumentParser: the options of the hand-written parser it replaced keep their names and
/// meanings, bad values exit 64, and the children's `--measure` mode still answers the parent.
@Suite struct BenchCommandTests {
    /// The bench built with the tests, beside `facturation`.
    static let bench = Binary.url.deletingLastPathComponent().appendingPathComponent("facturation-bench")

    @Test func helpNamesEveryOptionAndHidesTheChildMode() throws {
        let help = try Binary.run(["--help"], executable: Self.bench)
        #expect(help.status == 0, "\(help.stderr)")
        for option in [
            "--megabytes <list>", "--rows <list>", "--clients <list>", "--entries <list>", "--invoices <list>",
            "--fec-lines <list>", "--scenario <name>", "--repeat <n>", "--seed <n>", "--dir <path>", "--keep",
            "-h, --help", "clockify-normalize", "Build and run (release)",
        ] {
            #expect(help.stdout.contains(option), "\(option) missing from:\n\(help.stdout)")
        }
        #expect(!help.stdout.contains("--measure"), "the children's mode is not for people")
    }

    @Test(arguments: [
        (["--megabytes", "1", "--rows", "5"], "use either --megabytes or --rows, not both"),
        (["--megabytes", "0"], "--megabytes: \"0\" is not a valid value"),
        (["--fec-lines", "99"], "--fec-lines: \"99\" is not a valid value"),
        (["--scenario", "match,nope"], "--scenario: unknown scenario \"nope\""),
        (["--repeat", "0"], "--repeat needs a positive whole number"),
        (["--clients", "1,2", "--entries", "1,2,3"], "--clients and --entries have 2 and 3 values"),
        (["--seed", "-1"], "--seed"),
        (["stray"], "Unexpected argument 'stray'"),
        (["--measure", "run", "a", "b"], "usage: --measure"),
    ])
    func wrongCommandLinesExit64(arguments: [String], message: String) throws {
        let result = try Binary.run(arguments, executable: Self.bench)
        #expect(result.status == 64, "\(arguments): \(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test func aSmallSessionRunsItsScenariosInChildren() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-bench-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Both spellings of a scenario list, a repeated option, and the in-memory scenarios' children (--measure).
        let result = try Binary.run(
            [
                "--scenario", "match", "--scenario", "fec", "--invoices", "300", "--fec-lines", "200",
                "--seed", "7", "--repeat", "2", "--dir", folder.path,
            ], executable: Self.bench)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Working folder \(folder.path), seed 7"), "\(result.stdout)")
        let rows = result.stdout.split(separator: "\n").filter {
            $0.hasPrefix("| match | 300 ") || $0.hasPrefix("| fec | 200 ")
        }
        #expect(rows.count == 2, "one median row per scenario:\n\(result.stdout)")
        // The fec rows export with the real binary and compare its file with the one computed in memory.
        #expect(!result.stdout.contains("WARNING: the exported file"), "\(result.stdout)")
        #expect(result.stdout.contains("`facturation fec --year 2025` from the records"), "\(result.stdout)")

        let child = try Binary.run(
            ["--measure", "fec", "200", "7", folder.appendingPathComponent("child").path],
            executable: Self.bench)
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.split(separator: "\n").contains { $0.hasPrefix("lines=200") }, "\(child.stdout)")
    }
}
