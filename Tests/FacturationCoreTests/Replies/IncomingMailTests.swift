import Foundation
import Testing

@testable import FacturationCore

/// Reading what real mail clients send, and the French keyword rules (no network, no files).
@Suite("Incoming mail and reply classes")
struct IncomingMailTests {
    static func mail(_ text: String) -> IncomingMail { IncomingMail(bytes: Array(text.utf8)) }

    static func record(subject: String, body: String, autoSubmitted: String? = nil) -> ReplyRecord {
        let auto = autoSubmitted.map { "Auto-Submitted: \($0)\r\n" } ?? ""
        let bytes = Array("From: a@b.fr\r\nSubject: \(subject)\r\nMessage-ID: <x@b.fr>\r\n\(auto)\r\n\(body)".utf8)
        return ReplyRecord(bytes: bytes, file: "x.eml", sha256: "00", receivedAt: "2025-09-01T08:00:00+02:00")
    }

    @Test func quotedPrintableLatin1AndEncodedSubject() {
        let mail = Self.mail(
            "Subject: =?ISO-8859-1?Q?Re=3A_Facture_=E0_v=E9rifier?= =?UTF-8?B?IOKCrA==?=\r\n"
                + "Content-Type: text/plain; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "D=E9j=E0 r=E9gl=E9, lign=\r\ne coup=E9e.\r\n")
        #expect(mail.header("subject") == "Re: Facture à vérifier €")
        #expect(mail.text == "Déjà réglé, ligne coupée.\r\n")
        #expect(mail.notes.isEmpty)
    }

    @Test func windows1252AndLatin9Bytes() {
        var bytes = Array("Content-Type: text/plain; charset=windows-1252\r\n\r\nPrix : 10 ".utf8)
        bytes += [0x80, 0x20, 0x93, 0x6F, 0x6B, 0x94]
        #expect(IncomingMail(bytes: bytes).text == "Prix : 10 € “ok”")
        var latin9 = Array("Content-Type: text/plain; charset=ISO-8859-15\r\n\r\n".utf8)
        latin9 += [0xA4, 0x20, 0xBD, 0x75, 0x76, 0x72, 0x65]
        #expect(IncomingMail(bytes: latin9).text == "€ œuvre")
    }

    @Test func alternativePrefersPlainTextElseStripsHTML() {
        let both = Self.mail(
            "Content-Type: multipart/alternative; boundary=\"zz\"\r\n\r\npreamble\r\n--zz\r\n"
                + "Content-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n--zz\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Data("Texte brut é".utf8).base64EncodedString() + "\r\n--zz--\r\nepilogue\r\n")
        #expect(both.text == "Texte brut é")
        let html = Self.mail(
            "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
                + "--b\r\nContent-Type: text/html\r\n\r\n<html><style>p{}</style><p>Vir&eacute;ment&nbsp;fait<br>ok &#8364; &amp;</p>"
                + "<script>alert(1)</script></html>\r\n--b--\r\n--a\r\nContent-Type: application/pdf\r\n"
                + "Content-Disposition: attachment\r\n\r\nJVBERi0=\r\n--a--\r\n")
        #expect(html.text == "\nVirément fait\nok € &\n")
    }

    @Test func damagedPartsAreReadWithAReason() {
        let badBase64 = Self.mail(
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@ not base64\r\n")
        #expect(badBase64.text.isEmpty && badBase64.notes.contains { $0.contains("not valid base64") })
        let unknown = Self.mail("Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla'\r\n")
        #expect(unknown.text == "qapla'\r\n" && unknown.notes == ["unknown charset \"x-klingon\": read as UTF-8"])
        let invalidUTF8 = IncomingMail(bytes: Array("Content-Type: text/plain; charset=utf-8\r\n\r\n".utf8) + [0xE9])
        #expect(invalidUTF8.text == "é" && invalidUTF8.notes.count == 1)
        var nested = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
        for level in 1...12 { nested += "--b\(level - 1)\r\nContent-Type: multipart/mixed; boundary=b\(level)\r\n\r\n" }
        #expect(Self.mail(nested).notes.contains { $0.contains("nested deeper") })
        #expect(Self.mail("").text.isEmpty)
    }

    @Test func sniffingNeedsTwoKnownHeaders() {
        #expect(IncomingMail.looksLikeMessage(Array("From: a@b.fr\r\nSubject: x\r\n\r\nbody".utf8)))
        #expect(IncomingMail.looksLikeMessage(Array("Received: from x\n by y\nMessage-ID: <a@b>\n\n".utf8)))
        #expect(!IncomingMail.looksLikeMessage(Array("juste du texte\r\nFrom: a@b.fr\r\n".utf8)))
        #expect(!IncomingMail.looksLikeMessage(Array("Date,Montant,Libellé\n2025-01-01,1,x\n".utf8)))
        #expect(!IncomingMail.looksLikeMessage(Array("[dunning_hold]\ninvoice = \"F1\"\n".utf8)))
    }

    @Test func rulesAreAccentAndCaseInsensitiveAndIgnoreTheQuotedOriginal() {
        func classify(_ subject: String, _ body: String, auto: String? = nil, linked: Bool = true) -> ReplyClass {
            ReplyClassifier.classify(Self.record(subject: subject, body: body, autoSubmitted: auto), linked: linked).0
        }
        #expect(classify("Re: facture", "Nous CONTESTONS ce montant.") == .dispute)
        #expect(classify("Re: facture", "Il y a une Érreur.") == .dispute)
        #expect(classify("Re: facture", "Nous ne sommes pas d’accord.") == .dispute)
        #expect(classify("Re: facture", "Facture RÉGLÉE hier.") == .paymentAnnounced)
        #expect(classify("Re: facture", "Le virement effectué ce matin.") == .paymentAnnounced)
        #expect(classify("Re: facture", "Quel est le RIB ?") == .question)
        #expect(classify("Re: facture", "Merci.") == .unrelated)
        // The quoted original (our own text, which speaks of "règlement") does not count.
        #expect(
            classify("Re: facture", "Merci.\r\n\r\nLe 1 sept. 2025, Demo a écrit :\r\n> réglé, erreur\r\n")
                == .unrelated)
        #expect(classify("Re: facture", "Merci.\r\n> litige\r\n") == .unrelated)
        // Absences first, whatever they say; a message naming none of our documents is unrelated.
        #expect(classify("Réponse automatique", "Je conteste.", auto: "auto-replied") == .outOfOffice)
        #expect(classify("Absent", "En congés jusqu'au 15.", linked: false) == .outOfOffice)
        #expect(classify("Bonjour", "Nous contestons.", linked: false) == .unrelated)
        // Whole words only: "règlement" is not "réglé", "erreurs" is not "erreur".
        #expect(classify("Re: facture", "Conditions de règlement, erreurs") == .unrelated)
        let (_, rule) = ReplyClassifier.classify(Self.record(subject: "x", body: "Litige !"), linked: true)
        #expect(rule == "mot « litige »")
    }

    @Test func messageIDsAndTheRecordKey() {
        #expect(ReplyRecord.messageIDs(in: "<a@b> (comment) <c.d@e>") == ["a@b", "c.d@e"])
        let record = Self.record(subject: "=?utf-8?q?caf=C3=A9?=", body: "x")
        #expect(record.subject == "café" && record.messageID == "x@b.fr")
        #expect(record.key == SHA256Hasher.hex("x@b.fr"))
        let bare = ReplyRecord(
            bytes: Array("From: a\r\nTo: b\r\n\r\nx".utf8), file: "f", sha256: "abc", receivedAt: "t")
        #expect(bare.key == "file-abc" && bare.notes.contains { $0.contains("no Message-ID") })
    }

    /// Seeded mutations of real-looking messages (flipped, inserted, deleted and repeated bytes,
    /// truncations): every one is read and classified without a crash, its text within the bound.
    @Test func mutatedMessagesAreAlwaysRead() {
        var state: UInt64 = 20_251_205
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % max(bound, 1)
        }
        let seeds = [
            "From: =?ISO-8859-1?Q?Ren=E9?= <a@b.fr>\r\nSubject: =?UTF-8?B?UsOpZ2zDqQ==?=\r\nMessage-ID: <a@b>\r\n"
                + "In-Reply-To: <F1.demo@x>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\nR=E9gl=E9 =\r\nhier.\r\n> cit=E9\r\n",
            "From: a@b\r\nContent-Type: multipart/alternative; boundary=\"q\"\r\n\r\n--q\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "Q29udGVzdGF0aW9uID8=\r\n--q\r\nContent-Type: text/html\r\n\r\n<p>x&amp;<br></p>\r\n--q--\r\n",
        ]
        let interesting: [UInt8] = [0x3D, 0x3F, 0x3C, 0x3E, 0x2D, 0x0D, 0x0A, 0x3A, 0x3B, 0x22, 0xFF, 0xC3, 0x00, 0x26]
        for index in 0..<3_000 {
            var bytes = Array(seeds[index % seeds.count].utf8)
            for _ in 0...next(8) {
                guard !bytes.isEmpty else { break }
                let at = next(bytes.count)
                switch next(5) {
                case 0: bytes[at] ^= UInt8(1 << next(8))
                case 1: bytes.insert(interesting[next(interesting.count)], at: at)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + next(20)))
                case 3: bytes.removeLast(next(bytes.count))
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + next(40))], at: at)
                }
            }
            let record = ReplyRecord(bytes: bytes, file: "f.eml", sha256: "00", receivedAt: "t")
            _ = ReplyClassifier.classify(record, linked: index % 2 == 0)
            #expect(record.text.count <= IncomingMail.textLimit, "case \(index)")
        }
    }
}
