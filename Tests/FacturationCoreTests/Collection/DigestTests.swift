import FacturationCore
import Foundation
import Testing

/// The digest's text and the health judgement, from hand-made facts: every line, every rule.
@Suite("Daily digest and health, units")
struct DigestTests {
    static let day = CivilDate(iso: "2025-10-01")!

    /// Facts where every line says something (the example of README "Daily digest and health").
    static func busy() -> DigestFacts {
        var facts = DigestFacts(pipeline: "demo-conseil", company: "Demo Conseil SAS", day: day)
        facts.since = CivilDate(iso: "2025-09-30")
        facts.issued = .init(
            invoices: 3, invoicesTotalMinor: 420_000, creditNotes: 1, creditNotesTotalMinor: 12_000)
        facts.drafts = [
            .init(
                id: "time-PETRAS-2025-09-1a2b", client: "PETRAS", waitingSince: CivilDate(iso: "2025-09-26")!, days: 5),
            .init(id: "recurring-LAA-2025-10", client: "LAA", waitingSince: day, days: 0),
        ]
        facts.receiptsToReview = 2
        facts.rejected = ["releve-qonto-modifie-a-la-main.csv"]
        facts.remindersSent = 4
        facts.remindersAwaitingApproval = 1
        facts.criticalUnpaid = [.init(number: "F20250701", client: "BELFONTE", owedMinor: 90_192, daysLate: 62)]
        facts.reconciliation = .init(report: "outbox/rapprochement/rapprochement-2025-09-29.csv", differences: 2)
        facts.sendFailures = ["F20250903"]
        facts.cashAlert = .init(day: CivilDate(iso: "2025-10-20")!, balanceMinor: 850_000)
        facts.newestBankOperation = CivilDate(iso: "2025-09-30")
        facts.newestTimeEntry = day
        return facts
    }

    /// Facts with nothing to say: a fed pipeline with no queue.
    static func quiet() -> DigestFacts {
        var facts = DigestFacts(pipeline: "demo-conseil", company: "Demo Conseil SAS", day: day)
        facts.newestBankOperation = day.adding(days: -7)
        facts.newestTimeEntry = day.adding(days: -35)
        return facts
    }

    @Test func everyFactHasItsLine() {
        let facts = Self.busy()
        let text = DigestText.render(facts, problems: facts.problems(DigestSettings()))
        let nnbsp = "\u{202F}"
        #expect(
            text == """
                Synthèse du 01/10/2025 : Demo Conseil SAS (demo-conseil)
                Depuis la synthèse du 30/09/2025.

                État : à traiter aujourd'hui (5 points).
                  - envois en échec
                  - alerte de trésorerie
                  - impayés de plus de 60 jours
                  - brouillons en attente d'approbation depuis trop longtemps
                  - différences au rapprochement

                Factures émises : 3, 4\(nnbsp)200,00 € TTC ; avoirs : 1, 120,00 € TTC
                Brouillons à approuver : 2, le plus ancien depuis 5 jours (time-PETRAS-2025-09-1a2b, outbox/to-approve/)
                Encaissements à examiner : 2
                Fichiers rejetés : 1
                  - releve-qonto-modifie-a-la-main.csv
                Relances envoyées : 4
                Mises en demeure à approuver : 1
                Envois en échec : 1
                  - F20250903 (outbox/send-failed/)
                Impayés de plus de 60 jours : 1
                  - F20250701  BELFONTE  901,92 € dus, 62 jours de retard
                Rapprochement : 2 différences (outbox/rapprochement/rapprochement-2025-09-29.csv)
                Alerte de trésorerie : solde prévu 8\(nnbsp)500,00 € le 20/10/2025
                Dernière opération bancaire : 30/09/2025 (il y a 1 jour)
                Dernier temps saisi : 01/10/2025 (aujourd'hui)

                """, "\(text)")
    }

    @Test func aQuietDayAndAFirstDigestSayLittle() {
        var facts = Self.quiet()
        let text = DigestText.render(facts, problems: facts.problems(DigestSettings()))
        #expect(text.contains("Première synthèse : tout ce que l'archive contient.\n"), "\(text)")
        #expect(text.contains("État : rien à signaler.\n"), "\(text)")
        #expect(text.contains("Factures émises : 0\nBrouillons à approuver : 0\n"), "\(text)")
        #expect(text.contains("Rapprochement : aucun rapport\n"), "\(text)")
        // Not wired (no dunning, no forecast): their lines are left out rather than showing 0.
        #expect(!text.contains("Relances") && !text.contains("Mises en demeure") && !text.contains("Alerte"), "\(text)")
        #expect(text.contains("Dernière opération bancaire : 24/09/2025 (il y a 7 jours)\n"), "\(text)")
        facts.newestBankOperation = nil
        facts.newestTimeEntry = nil
        let unfed = DigestText.render(facts, problems: facts.problems(DigestSettings()))
        #expect(unfed.contains("État : à surveiller (2 points).\n"), "\(unfed)")
        #expect(unfed.contains("Dernière opération bancaire : aucune\nDernier temps saisi : aucun\n"), "\(unfed)")
    }

    /// Each rule alone, on facts that are otherwise healthy: its kind, its level, and the limit it uses.
    @Test(arguments: [
        ("bank 8 days old", HealthProblem.Kind.staleBank, HealthLevel.warning),
        ("no bank", .staleBank, .warning),
        ("time 36 days old", .staleTime, .warning),
        ("draft 4 days old", .oldApproval, .warning),
        ("reconciliation differs", .reconciliationDifferences, .warning),
        ("send failure", .sendFailures, .critical),
        ("cash alert", .cashAlert, .critical),
        ("critical unpaid", .criticalUnpaid, .critical),
        ("failed run", .failedRun, .critical),
    ])
    func eachRuleAlone(_ change: String, _ kind: HealthProblem.Kind, _ level: HealthLevel) {
        var facts = Self.quiet()
        #expect(facts.problems(DigestSettings()).isEmpty, "the baseline is healthy, limits included")
        switch change {
        case "bank 8 days old": facts.newestBankOperation = Self.day.adding(days: -8)
        case "no bank": facts.newestBankOperation = nil
        case "time 36 days old": facts.newestTimeEntry = Self.day.adding(days: -36)
        case "draft 4 days old":
            facts.drafts = [.init(id: "d", client: "LAA", waitingSince: Self.day.adding(days: -4), days: 4)]
        case "reconciliation differs": facts.reconciliation = .init(report: "r.csv", differences: 1)
        case "send failure": facts.sendFailures = ["F1"]
        case "cash alert": facts.cashAlert = .init(day: Self.day, balanceMinor: -1)
        case "critical unpaid": facts.criticalUnpaid = [.init(number: "F1", client: "LAA", owedMinor: 1, daysLate: 61)]
        default: facts.failedRun = .init(startedAt: "2025-10-01T08:00:00+02:00", errors: ["disk full"])
        }
        let problems = facts.problems(DigestSettings())
        #expect(problems.map(\.kind) == [kind], "\(change): \(problems)")
        #expect(problems.first?.level == level && problems.first?.pipeline == "demo-conseil")
        #expect(problems.first?.level.exitStatus == (level == .critical ? 11 : 10))
    }

    @Test func theLimitsComeFromTheDigestSettings() {
        var facts = Self.quiet()
        facts.newestBankOperation = Self.day.adding(days: -20)
        facts.newestTimeEntry = Self.day.adding(days: -50)
        facts.drafts = [.init(id: "d", client: "LAA", waitingSince: Self.day.adding(days: -9), days: 9)]
        #expect(facts.problems(DigestSettings()).map(\.kind) == [.staleBank, .staleTime, .oldApproval])
        var relaxed = DigestSettings()
        relaxed.staleDays = 20
        relaxed.timeStaleDays = 50
        relaxed.approvalDays = 9
        #expect(facts.problems(relaxed).isEmpty)
    }

    // MARK: - [digest] in the pipeline file

    static func load(_ digest: String, delivery: String = "") throws -> Result<PipelineConfig, ConfigErrors> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = """
            [company]
            name = "Test Conseil SAS"
            siren = "812345676"
            time_zone = "Europe/Paris"

            [company.address]
            lines = ["12 rue de la République"]
            postcode = "13001"
            city = "Marseille"
            \(delivery)
            \(digest)
            """
        let path = folder.appendingPathComponent("test.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do { return .success(try PipelineLoader.load(path: path, shownAs: "pipelines/test.toml")) } catch {
            return .failure(error)
        }
    }

    @Test func theDigestSectionIsOptionalWithDefaults() throws {
        let defaults = try Self.load("").get().digest
        #expect(defaults.enabled && defaults.to.isEmpty)
        #expect(defaults.staleDays == 7 && defaults.timeStaleDays == 35 && defaults.approvalDays == 3)
        let set = try Self.load(
            "[digest]\nenabled = false\nstale_days = 3\ntime_stale_days = 40\napproval_days = 1\n"
        ).get().digest
        #expect(!set.enabled && set.staleDays == 3 && set.timeStaleDays == 40 && set.approvalDays == 1)
    }

    @Test func mistakesInTheDigestSectionAreNamedWithTheirLine() throws {
        guard case .failure(let typo) = try Self.load("[digest]\nstale_day = 3\n") else {
            Issue.record("an unknown key must be refused")
            return
        }
        let message = typo.errors.map(\.description).joined(separator: "\n")
        #expect(message.contains("pipelines/test.toml:12") && message.contains("digest.stale_day"), "\(message)")
        #expect(message.contains("did you mean stale_days?"), "\(message)")
        guard case .failure(let noSMTP) = try Self.load("[digest]\nto = [\"direction@example.fr\"]\n") else {
            Issue.record("e-mailing without [delivery.smtp] must be refused")
            return
        }
        #expect(noSMTP.errors.map(\.description).joined().contains("[delivery.smtp]"), "\(noSMTP.errors)")
        guard case .failure(let address) = try Self.load("[digest]\nto = [\"not an address\"]\n") else {
            Issue.record("a bad address must be refused")
            return
        }
        #expect(address.errors.map(\.description).joined().contains("digest.to"), "\(address.errors)")
    }
}

/// The instants that order rejected files around a digest (a file may be rejected by the run
/// after a digest in the same second).
@Suite("Digest instants")
struct DigestInstantTests {
    @Test func recordInstantsKeepTheirMilliseconds() {
        #expect(DigestFacts.milliseconds(ofISO: "1970-01-01T00:00:01.234Z") == 1_234)
        #expect(DigestFacts.milliseconds(ofISO: "1970-01-01T00:00:01Z") == 1_000)
        #expect(DigestFacts.milliseconds(ofISO: "1970-01-01T01:00:01.5+01:00") == 1_500)
        #expect(DigestFacts.milliseconds(ofISO: "yesterday") == nil)
    }
}
