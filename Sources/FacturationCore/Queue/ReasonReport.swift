/// The `.reason.txt` written next to a rejected file: what is wrong, where, and what to do.
enum ReasonReport {
    static func render(rejection: Rejection, claim: Claim, scan: FileScan?) -> String {
        var text = "facturation could not import this file. Nothing from it was imported.\n\n"
        text += "File:      \(claim.originalName)"
        if let scan {
            text += " (\(scan.size) bytes, SHA-256 \(scan.sha256))\n"
        } else {
            text += "\n"
        }
        if claim.storedName != claim.originalName {
            text += "Kept as:   \(claim.storedName) (the name on disk was shortened or made safe)\n"
        }
        if let damage = scan?.utf8Damage {
            let places = damage.places == 1 ? "1 place that is not" : "\(damage.places) places that are not"
            text +=
                "Encoding:  UTF-8, with \(places) (the first at byte \(damage.firstOffset + 1), line \(damage.line))\n"
        } else if let encoding = scan?.encoding {
            text += "Encoding:  \(encoding.rawValue)\n"
        }
        text += "Received:  \(claim.claimedAt)\n"
        if let format = rejection.format { text += "Format:    \(format.displayName)\n" }
        text += "\nProblem:   \(rejection.summary)\n"
        if !rejection.problems.isEmpty {
            text += "\n"
            for problem in rejection.problems.listed {
                text += "  - \(capitalized(problem.description))\n"
            }
            let hidden = rejection.problems.total - rejection.problems.listed.count
            if hidden > 0 { text += "  … and \(hidden) more problem\(hidden == 1 ? "" : "s") of the same kind.\n" }
        }
        text += "\nWhat to do: \(rejection.advice)\n"
        text += "\nThe file is kept unchanged next to this note. Dropping the same file again gives the same result.\n"
        return text
    }

    private static func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
