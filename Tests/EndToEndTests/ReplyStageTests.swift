import FacturationCore
import Foundation
import TestSupport
import Testing

/// The reply stage through the real binary, fed by `fetch mail` from a real Dovecot: the demo issues
/// its July invoices on 2025-08-01 (due 2025-07-31, never paid); on 2025-09-01 they are reminded at
/// level 2, except the one a client disputed by e-mail.
@Suite("Reply stage, end to end", .serialized)
struct ReplyStageTests {
    static func run(_ workspace: TestWorkspace, _ day: String) throws -> [String: Any] {
        let result = try workspace.run(["run", "--settle", "0", "--date", day, "--json"])
        #expect(result.status == 0 || result.status == 2, "\(day): \(result.stdout)\n\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    static func dunning(_ summary: [String: Any]) -> [String: Any] {
        (summary["dunning"] as? [[String: Any]])?.first ?? [:]
    }

    /// What real clients send, and hostile messages.
    static func replies(disputed: String, paid: String) -> [String: Data] {
        let latin1Body =
            "Bonjour,\r\nNous contestons cette facture : il y a une erreur sur le nombre de jours factur=E9s.\r\n"
        let paidText = "Bonjour,\nLe virement a été effectué ce jour.\nCordialement"
        let paidBase64 = Data(paidText.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn,
        ])
        let crlf = "\r\n"
        return [
            "dispute": Data(
                ("From: =?ISO-8859-1?Q?Ren=E9_Belfonte?= <compta@belfonte.fr>\r\nTo: factures@demo.test\r\n"
                    + "Subject: =?ISO-8859-1?Q?Re=3A_Facture_=E0_v=E9rifier?=\r\nMessage-ID: <dispute-1@belfonte.fr>\r\n"
                    + "In-Reply-To: <\(disputed).demo-conseil@conseil-demo.fr>\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + latin1Body + "\r\n> R=E9gl=E9 par virement\r\n").utf8),
            "paid": Data(
                ("From: client@example.fr\r\nSubject: Facture \(paid)\r\nMessage-ID: <paid-1@example.fr>\r\n"
                    + "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
                    + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + paidBase64 + crlf
                    + "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n--b1--\r\n").utf8),
            "absent": Data(
                ("From: compta@belfonte.fr\r\nSubject: Absent du bureau\r\nMessage-ID: <ooo-1@belfonte.fr>\r\n"
                    + "Auto-Submitted: auto-replied\r\nIn-Reply-To: <\(disputed).demo-conseil@conseil-demo.fr>\r\n\r\n"
                    + "Je suis en congés, je conteste rien.\r\n").utf8),
            "unrelated": Data(
                ("From: news@example.org\r\nSubject: Nos offres\r\nMessage-ID: <news-1@example.org>\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: text/html; charset=windows-1252\r\n\r\n<html><body><p>Promotions \u{80}</p></body></html>\r\n")
                    .utf8),
            "bad-base64": Data(
                ("From: x@example.fr\r\nSubject: Facture \(paid)\r\nMessage-ID: <bad-1@example.fr>\r\n"
                    + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!! not base64 ####\r\n")
                    .utf8),
            "unknown-charset": Data(
                ("From: y@example.fr\r\nSubject: Question\r\nMessage-ID: <cs-1@example.fr>\r\n"
                    + "Content-Type: text/plain; charset=x-klingon\r\n\r\nQuand la facture \(paid) arrive-t-elle ?\r\n")
                    .utf8),
            "no-headers": Data("juste du texte, sans en-têtes\r\nni rien d'autre\r\n".utf8),
            "huge": Data(
                ("From: z@example.fr\r\nSubject: Gros message\r\nMessage-ID: <huge-1@example.fr>\r\n\r\n").utf8)
                + Data(repeating: UInt8(ascii: "a"), count: 20 << 20),
        ]
    }

    @Test func aDisputeHoldsTheRemindersOfItsInvoiceAndEveryReplyIsListed() throws {
        try withIMAPServer { server in
            let workspace = try RepliesTests.workspace(server, invoicing: true)
            try workspace.dropDemoFiles()
            _ = try Self.run(workspace, "2025-07-01")
            _ = try Self.run(workspace, "2025-08-01")
            let issued = try workspace.issuedRecords(pipeline: "demo-conseil").keys.sorted()
            let disputed = "F20250701"
            let paid = try #require(issued.first { $0 != disputed && $0.hasPrefix("F202507") })
            let messages = Self.replies(disputed: disputed, paid: paid)
            for name in messages.keys.sorted() { try server.append(messages[name]!) }
            let fetched = try workspace.run(["fetch", "mail"])
            #expect(fetched.status == 0, "\(fetched.stdout)\n\(fetched.stderr)")

            let september = try Self.run(workspace, "2025-09-01")
            // A message without headers is not an e-mail: rejected with its reason, the run goes on.
            #expect(workspace.files(under: "archive/rejected").contains { $0.hasSuffix(".reason.txt") })
            let held = (Self.dunning(september)["held"] as? [String]) ?? []
            #expect(held.contains { $0.contains(disputed) && $0.contains("contestation") }, "\(held)")
            let sent = (Self.dunning(september)["sent"] as? [String]) ?? []
            #expect(!sent.isEmpty && !sent.contains { $0.contains(disputed) }, "\(sent)")
            #expect(!workspace.files(under: "outbox/relances").contains { $0.contains("BELFONTE") })

            let rows = try workspace.csvRecords("outbox/reponses/reponses.csv")
            func row(_ id: String) -> [String: String]? { rows.first { $0["message_id"] == id } }
            #expect(row("dispute-1@belfonte.fr")?["classe"] == "contestation")
            #expect(row("dispute-1@belfonte.fr")?["document"] == disputed)
            #expect(row("dispute-1@belfonte.fr")?["relances_suspendues"] == disputed)
            #expect(row("dispute-1@belfonte.fr")?["objet"] == "Re: Facture à vérifier")
            #expect(row("dispute-1@belfonte.fr")?["de"] == "René Belfonte <compta@belfonte.fr>")
            #expect(row("paid-1@example.fr")?["classe"] == "paiement-annonce", "\(rows)")
            #expect(row("paid-1@example.fr")?["regle"] == "mot « virement a ete effectue »")
            #expect(row("ooo-1@belfonte.fr")?["classe"] == "absence")
            #expect(row("news-1@example.org")?["classe"] == "sans-rapport")
            #expect(row("bad-1@example.fr")?["remarques"]?.contains("not valid base64") == true, "\(rows)")
            #expect(row("cs-1@example.fr")?["classe"] == "question")
            #expect(row("cs-1@example.fr")?["remarques"]?.contains("x-klingon") == true)
            #expect(row("huge-1@example.fr")?["remarques"]?.contains("only its start") == true)
            #expect(rows.count == 7)
            let replies = (september["replies"] as? [[String: Any]])?.first?["replies"] as? [[String: Any]]
            #expect(replies?.count == 7)

            // The day's digest lists them (handed over in memory by the reply stage of the same run).
            let digest = try workspace.text("outbox/synthese/2025-09-01.txt")
            #expect(digest.contains("Réponses reçues : 7 (contestations : 1, outbox/reponses/)"), "\(digest)")
            #expect(
                digest.contains(
                    "  - contestation  \(disputed)  René Belfonte <compta@belfonte.fr> : « Re: Facture à vérifier », relances suspendues"
                ), "\(digest)")

            // Nothing new: the replies are not classified twice; the hold stays in force.
            let next = try Self.run(workspace, "2025-09-02")
            #expect(next["replies"] == nil)
            #expect(try workspace.csvRecords("outbox/reponses/reponses.csv").count == 7)

            // A person lifts the hold the documented way: the invoice is reminded again.
            try workspace.drop(
                "lever.toml", "[dunning_hold]\ninvoice = \"\(disputed)\"\nlift = true\nby = \"Camille\"\n")
            let lifted = try Self.run(workspace, "2025-09-03")
            let sentAfter = (Self.dunning(lifted)["sent"] as? [String]) ?? []
            // Seen once on CI under the full suite's load (sent empty), never reproduced alone or
            // under load: the message carries what the next occurrence needs to be explained.
            let holds = workspace.files(under: "archive").filter { $0.contains("hold") }
            #expect(
                sentAfter.contains { $0.contains(disputed) },
                "\(sentAfter); dunning: \(Self.dunning(lifted)); stages: \(lifted["stages"] ?? "none"); holds: \(holds)"
            )

            // A reply imported alone, later the same day, is classified by that run (the run stamp
            // watches the replies: the later stages are not skipped as "nothing new").
            // (A stamp is written only by a run whose outputs are more than 2 s old: twice, 3 s apart.)
            sleep(3)
            _ = try Self.run(workspace, "2025-09-03")
            sleep(3)
            let quiet = try Self.run(workspace, "2025-09-03")
            let states = (quiet["stages"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
            #expect(states.contains("unchanged"), "\(quiet["stages"] ?? "")")
            sleep(3)
            try workspace.drop(
                "reponse.eml",
                "From: compta@belfonte.fr\r\nSubject: Re: \(disputed)\r\nMessage-ID: <late-1@belfonte.fr>\r\n\r\n"
                    + "Litige toujours en cours.\r\n")
            let late = try Self.run(workspace, "2025-09-03")
            let lateReplies = (late["replies"] as? [[String: Any]])?.first?["replies"] as? [[String: Any]]
            #expect(lateReplies?.first?["reply"] as? String == "contestation", "\(late["replies"] ?? "none")")
        }
    }
}
