import Foundation

/// The class of a reply (the `classe` column of `outbox/reponses/reponses.csv`).
package enum ReplyClass: String, Codable, Sendable, CaseIterable {
    case outOfOffice = "absence"
    case dispute = "contestation"
    case paymentAnnounced = "paiement-annonce"
    case question
    case unrelated = "sans-rapport"
}

/// The French keyword rules that classify a reply (README, "Replies (IMAP)"). The subject and the
/// text the sender wrote (quoted lines and the quoted original removed) are folded: lower case,
/// accents removed, typographic apostrophes made plain, so "Réglé", "REGLE" and "réglé" are one word.
/// A phrase matches whole words only. The first rule that matches decides, in this order.
enum ReplyClassifier {
    struct Rule: Sendable {
        let reply: ReplyClass
        let phrases: [String]
    }

    static let outOfOffice = Rule(
        reply: .outOfOffice,
        phrases: [
            "absent", "absente", "absence", "conges", "en vacances", "out of office", "reponse automatique",
            "message automatique", "automatic reply", "auto-reply", "autoreply",
        ])
    static let ordered: [Rule] = [
        Rule(
            reply: .dispute,
            phrases: [
                "contestation", "conteste", "contestons", "contester", "erreur", "erronee", "errone", "litige",
                "pas d'accord", "desaccord", "refusons", "ne correspond pas", "non conforme", "reclamation",
            ]),
        Rule(
            reply: .paymentAnnounced,
            phrases: [
                "virement effectue", "virement a ete effectue", "virement emis", "virement envoye", "virement fait",
                "virement realise", "regle", "reglee", "regles", "reglees", "paiement envoye", "paiement effectue",
                "reglement effectue", "reglement envoye", "avons paye", "ai paye", "mis en paiement", "payee",
            ]),
        Rule(
            reply: .question,
            phrases: [
                "?", "question", "pourriez-vous", "pouvez-vous", "pourriez vous", "pouvez vous",
                "merci de m'indiquer", "est-ce que", "je souhaiterais savoir",
            ]),
    ]

    /// The class of `record` and the rule that decided it ("mot « litige »"); `linked` says whether
    /// it names one of our documents (a message that names none is unrelated, unless it is an absence).
    static func classify(_ record: ReplyRecord, linked: Bool) -> (ReplyClass, String) {
        if let auto = record.autoSubmitted { return (.outOfOffice, "en-tête Auto-Submitted: \(auto)") }
        let text = fold(record.subject) + "\n" + fold(authoredText(record.text))
        if let phrase = outOfOffice.phrases.first(where: { contains(text, $0) }) {
            return (.outOfOffice, "mot « \(phrase) »")
        }
        guard linked else { return (.unrelated, "aucun de nos documents n'est cité") }
        for rule in ordered {
            if let phrase = rule.phrases.first(where: { contains(text, $0) }) {
                return (rule.reply, "mot « \(phrase) »")
            }
        }
        return (.unrelated, "aucun mot-clé")
    }

    /// Lower case, no accents, plain apostrophes, one space for any run of spaces and line breaks.
    static func fold(_ text: String) -> String {
        let folded = text.folding(
            options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "fr_FR")
        )
        .replacingOccurrences(of: "\u{2019}", with: "'").replacingOccurrences(of: "\u{00A0}", with: " ")
        return folded.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The lines the sender wrote: lines quoted with `>` are dropped, and everything from the line that
    /// introduces the quoted original ("Le … a écrit :", "-----Original Message-----", "De : …").
    static func authoredText(_ text: String) -> String {
        var kept: [Substring] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let folded = fold(trimmed)
            if folded.hasPrefix("-----original message") || folded.hasPrefix("-----message d'origine")
                || (folded.hasPrefix("le ") && (folded.hasSuffix("a ecrit :") || folded.hasSuffix("a ecrit:")))
                || (folded.hasPrefix("on ") && folded.hasSuffix("wrote:")) || folded.hasPrefix("de : ")
                || folded.hasPrefix("from: ")
            {
                break
            }
            if trimmed.hasPrefix(">") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    /// Whether `phrase` occurs in `text` as whole words ("?" anywhere).
    static func contains(_ text: String, _ phrase: String) -> Bool {
        if phrase == "?" { return text.contains("?") }
        var searchRange = text.startIndex..<text.endIndex
        while let found = text.range(of: phrase, range: searchRange) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            if !(before.map(isWordCharacter) ?? false) && !(after.map(isWordCharacter) ?? false) { return true }
            searchRange = text.index(after: found.lowerBound)..<text.endIndex
        }
        return false
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }
}
