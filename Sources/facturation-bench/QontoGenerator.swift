/// Writes a synthetic Qonto transactions export in the French layout: `;` separator, decimal
/// comma, thousands separated by a no-break space (sometimes a plain space) as in `-1 292,79`,
/// `DD-MM-YYYY HH:MM:SS` dates in UTC and local columns, mostly `Exécuté` rows and about 2 %
/// `En cours` (pending, no settlement date). Every row has its own transaction id, and the
/// account IBAN is the benchmark company's.
struct QontoGenerator {
    static let header = [
        "Statut", "Date de la valeur (UTC)", "Date de la valeur (local)", "Date de l'opération (UTC)",
        "Date de l'opération (local)", "Montant total (TTC)", "Débit", "Crédit", "Solde", "Devise",
        "Montant total (TTC) (local)", "Devise (local)", "Montant total de la TVA", "Montant total (HT)",
        "Montant de la TVA (0.0 %)", "Montant (0.0 % HT)", "Montant de la TVA (20.0 %)", "Montant (20.0 % HT)",
        "Nom du compte", "IBAN du compte", "Nom de la contrepartie", "IBAN de la contrepartie",
        "Méthode de paiement", "Nom de la carte", "Initiateur", "Adresse email de l'initiateur", "Équipe",
        "Justificatif", "Justificatif requis", "Justificatif perdu", "Identifiant de transaction", "Référence",
        "Note", "Banque", "ID du compte", "Catégorie de trésorerie", "Sous-catégorie de trésorerie",
    ]

    private struct Counterparty {
        let name: String
        let iban: String
        let method: String
        let category: (String, String)
        let credit: Bool
    }

    private static let counterparties = [
        Counterparty(
            name: "SNCF Voyageurs", iban: "", method: "Carte", category: ("Déplacements", "Train"), credit: false),
        Counterparty(
            name: "Café de l'Époque", iban: "", method: "Carte", category: ("Repas", "Restaurant"), credit: false),
        Counterparty(
            name: "Amazon Web Services EMEA", iban: "", method: "Carte", category: ("Logiciels", "Hébergement"),
            credit: false),
        Counterparty(
            name: "Librairie « Le Chêne »", iban: "", method: "Carte", category: ("Fournitures", "Livres"),
            credit: false),
        Counterparty(
            name: "URSSAF Île-de-France", iban: "FR7630001007941234567890185", method: "Prélèvement",
            category: ("Charges sociales", "URSSAF"), credit: false),
        Counterparty(
            name: "SCI Les Tilleuls", iban: "FR1420041010050500013M02606", method: "Virement",
            category: ("Locaux", "Loyer"), credit: false),
        Counterparty(
            name: "Orange Business", iban: "FR7610107001011234567890129", method: "Prélèvement",
            category: ("Télécom", "Internet"), credit: false),
        Counterparty(
            name: "ACME Industries", iban: "FR7630004000031234567890143", method: "Virement",
            category: ("Ventes", "Prestations"), credit: true),
        Counterparty(
            name: "Société Dupont & Fils", iban: "FR7617569000501234567890174", method: "Virement",
            category: ("Ventes", "Prestations"), credit: true),
    ]

    private static let initiators = [
        ("Amélie Durand", "amelie.durand@example.fr"),
        ("François Petit", "francois.petit@example.fr"),
    ]
    private static let notes = [
        "", "", "", "", "Déjeuner d'équipe, 4 pers.", "À refacturer au client",
        "Note \"urgente\"; voir le contrat",
    ]
    /// 2025-03-30 01:00 UTC and 2025-10-26 01:00 UTC: Paris is UTC+2 in between, UTC+1 otherwise.
    private static let summerTime = (88 * 86_400 + 3600)..<(298 * 86_400 + 3600)

    private let target: SizeTarget
    private let accountIBAN: String
    private var random: SplitMix64

    init(target: SizeTarget, seed: UInt64, accountIBAN: String) {
        self.target = target
        self.accountIBAN = accountIBAN
        self.random = SplitMix64(seed: seed ^ 0x0B4A_4C0B)
    }

    /// Writes the file and returns its size and row count.
    mutating func write(to path: String) throws(BenchError) -> GeneratedFile {
        let writer = try CSVFileWriter(path: path, separator: ";", quoting: .whenNeeded)
        for name in Self.header { writer.field(name) }
        try writer.endRow()
        var rows = 0
        var balance = 10_000_000
        while !target.isReached(rows: rows, bytes: writer.size) {
            writeRow(number: rows + 1, balance: &balance, to: writer)
            try writer.endRow()
            rows += 1
        }
        try writer.flush()
        return GeneratedFile(path: path, rows: rows, bytes: writer.size)
    }

    private mutating func writeRow(number: Int, balance: inout Int, to writer: CSVFileWriter) {
        let party = random.pick(Self.counterparties)
        let executed = !random.chance(2)
        let cents = drawCents(credit: party.credit)
        if executed { balance += cents }
        let group = random.chance(80) ? "\u{00A0}" : " "
        func money(_ value: Int) -> String { SyntheticText.commaDecimal(cents: value, group: group) }
        let vat = !party.credit && random.chance(60) ? cents / 6 : 0  // 20 % VAT included in the total

        let settled = random.int(in: 0..<364) * 86_400 + random.int(in: 6 * 3600..<20 * 3600)
        let operation = max(0, settled - random.int(in: 0..<2 * 86_400 + 3600))
        func local(_ utc: Int) -> Int { utc + (Self.summerTime.contains(utc) ? 7200 : 3600) }
        let initiator = random.pick(Self.initiators)
        let card = party.method == "Carte"

        writer.field(executed ? "Exécuté" : "En cours")
        writer.field(executed ? SyntheticText.qontoDateTime(settled) : "")
        writer.field(executed ? SyntheticText.qontoDateTime(local(settled)) : "")
        writer.field(SyntheticText.qontoDateTime(operation))
        writer.field(SyntheticText.qontoDateTime(local(operation)))
        writer.field(money(cents))
        writer.field(cents < 0 ? money(-cents) : "")
        writer.field(cents > 0 ? money(cents) : "")
        writer.field(executed ? money(balance) : "")
        writer.field("EUR")
        writer.field(money(cents))
        writer.field("EUR")
        writer.field(money(vat))
        writer.field(money(cents - vat))
        writer.field(vat == 0 ? money(0) : "")
        writer.field(vat == 0 ? money(cents) : "")
        writer.field(vat == 0 ? "" : money(vat))
        writer.field(vat == 0 ? "" : money(cents - vat))
        writer.field("Compte principal")
        writer.field(accountIBAN)
        writer.field(party.name)
        writer.field(party.iban)
        writer.field(party.method)
        writer.field(card ? "Carte " + initiator.0 : "")
        writer.field(initiator.0)
        writer.field(initiator.1)
        writer.field(card ? "Équipe Paris" : "")
        writer.field(card && random.chance(70) ? "justificatif-\(number).pdf" : "")
        writer.field(card ? "true" : "false")
        writer.field("false")
        writer.field(transactionID(number: number))
        writer.field(party.method == "Virement" ? "FACTURE 2025-\(number % 10_000); acompte" : "")
        writer.field(random.pick(Self.notes))
        writer.field("Qonto")
        writer.field("compte-principal-0001")
        writer.field(party.category.0)
        writer.field(party.category.1)
    }

    /// An amount in cents: a credit of 1,000–25,000 €, or a debit, small (6 in 10), medium or large.
    private mutating func drawCents(credit: Bool) -> Int {
        if credit { return random.int(in: 100_000..<2_500_000) }
        let bucket = random.int(in: 0..<10)
        return
            -(bucket < 6
            ? random.int(in: 500..<15_000)
            : bucket < 9 ? random.int(in: 15_000..<150_000) : random.int(in: 150_000..<900_000))
    }

    /// A UUID-shaped id whose last group is the row number, so ids never repeat.
    private mutating func transactionID(number: Int) -> String {
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        let bits = random.next()
        return hex(bits >> 32, 8) + "-" + hex(bits >> 16 & 0xFFFF, 4) + "-4" + hex(bits & 0xFFF, 3) + "-a"
            + hex(random.next() & 0xFFF, 3) + "-" + hex(UInt64(number), 12)
    }
}
