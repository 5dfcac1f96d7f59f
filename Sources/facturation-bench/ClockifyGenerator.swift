/// Writes a synthetic Clockify detailed report (CSV) shaped like a real export: every field
/// double-quoted, LF line ends, `DD/MM/YYYY` dates over 2025, 24-hour times with seconds,
/// durations that match start and end exactly, EUR rate 110.00 and amounts rounded to cents.
///
/// Every row is unique (its description carries a reference number), about 1 % of the
/// descriptions hold a line break, some hold commas and doubled quotes, and about 10 % of the
/// entries are not billable.
struct ClockifyGenerator {
    static let header = [
        "Project", "Client", "Description", "Task", "User", "Group", "Email", "Tags", "Billable",
        "Start Date", "Start Time", "End Date", "End Time", "Duration (h)", "Duration (decimal)",
        "Billable Rate (EUR)", "Billable Amount (EUR)",
    ]

    private static let users: [(name: String, email: String, group: String)] = [
        ("Amélie Durand", "amelie.durand@example.fr", "Équipe Paris"),
        ("Bruno Lefèvre", "bruno.lefevre@example.fr", "Équipe Paris"),
        ("Chloé Martin", "chloe.martin@example.fr", "Équipe Lyon"),
        ("Denis Ngô", "denis.ngo@example.fr", "Équipe Lyon"),
        ("Élodie Roux", "elodie.roux@example.fr", ""),
        ("François Petit", "francois.petit@example.fr", "Direction"),
        ("Gaëlle Moreau", "gaelle.moreau@example.fr", "Équipe Paris"),
        ("Hugo Girard", "hugo.girard@example.fr", ""),
        ("Inès Bonnet", "ines.bonnet@example.fr", "Équipe Lyon"),
        ("Jérôme Faure", "jerome.faure@example.fr", "Direction"),
    ]

    private static let projects: [(project: String, client: String)] = [
        ("Refonte du site", "ACME Industries"), ("Support 2025", "Acme"), ("Migration ERP", "Société Dupont & Fils"),
        ("Audit sécurité", "Banque Régionale"), ("Application mobile", "Café Crème SARL"),
        ("Formation Swift", "École Supérieure d'Ingénieurs"), ("Tableau de bord", "Hôtel du Lac"),
        ("API de paiement", "Boulangerie Lefèvre"), ("Maintenance", "ACME - Support"),
        ("Intégration Qonto", "Cabinet Müller"), ("Étude de faisabilité", "Mairie de Saint-Étienne"),
        ("Data pipeline", "Transports Bérard"), ("Internal tools", ""), ("Internal - Veille", ""),
        ("Recrutement", ""), ("Conseil", "Éditions Gallimard-Test"), ("Catalogue produits", "Fromagerie Comté & Co"),
        ("Portail client", "Assurances Généreuses"), ("Migration cloud", "Clinique Saint-Roch"),
        ("Forfait maintenance", "ACME Industries"),
    ]

    private static let tasks = ["", "", "Développement", "Réunion", "Revue de code", "Déploiement", "Analyse"]
    private static let tags = ["", "", "", "Dev", "Urgent", "Réunion, Client", "Support, Niveau 2"]
    private static let descriptions = [
        "Développement de la page d'accueil",
        "Réunion hebdomadaire, point d'avancement",
        "Correction du bug \"écran blanc\" sur iOS",
        "Préparation de la démo \"v2\", relecture",
        "Analyse des besoins — étape 1",
        "Déploiement en préproduction",
        "Rédaction de la documentation (API, SDK)",
        "Forfait mensuel, support niveau 1",
        "Revue de code: module de facturation",
        "Échange téléphonique avec le client",
        "Optimisation des requêtes SQL, index",
        "Atelier UX « parcours d'achat »",
    ]

    private let target: SizeTarget
    private var random: SplitMix64

    init(target: SizeTarget, seed: UInt64) {
        self.target = target
        self.random = SplitMix64(seed: seed ^ 0xC10C_C10C)
    }

    /// Writes the file and returns its size and row count.
    mutating func write(to path: String) throws(BenchError) -> GeneratedFile {
        let writer = try CSVFileWriter(path: path, separator: ",", quoting: .always)
        for name in Self.header { writer.field(name) }
        try writer.endRow()
        var rows = 0
        while !target.isReached(rows: rows, bytes: writer.size) {
            writeRow(number: rows + 1, to: writer)
            try writer.endRow()
            rows += 1
        }
        try writer.flush()
        return GeneratedFile(path: path, rows: rows, bytes: writer.size)
    }

    private mutating func writeRow(number: Int, to writer: CSVFileWriter) {
        let user = random.pick(Self.users)
        let project = random.pick(Self.projects)
        var description = random.pick(Self.descriptions)
        if random.chance(1) { description += "\nSuite : " + random.pick(Self.descriptions) }
        description += " (réf. \(number))"
        let billable = !random.chance(10)
        // Same-day entries between 06:00 and 23:59:58 never touch a DST change (02:00-03:00).
        let day = random.int(in: 0..<365)
        let start = random.int(in: 6 * 3600..<20 * 3600)
        let duration = random.int(in: 300..<4 * 3600)
        let rateCents = 11_000
        let amountCents = billable ? (duration * rateCents + 1800) / 3600 : 0
        let date = SyntheticText.date(dayOfYear: day, separator: "/")

        writer.field(project.project)
        writer.field(project.client)
        writer.field(description)
        writer.field(random.pick(Self.tasks))
        writer.field(user.name)
        writer.field(user.group)
        writer.field(user.email)
        writer.field(random.pick(Self.tags))
        writer.field(billable ? "Yes" : "No")
        writer.field(date)
        writer.field(SyntheticText.clock(start))
        writer.field(date)
        writer.field(SyntheticText.clock(start + duration))
        writer.field(SyntheticText.clock(duration))
        writer.field(SyntheticText.dotDecimal(cents: (duration * 100 + 1800) / 3600))
        writer.field(SyntheticText.dotDecimal(cents: rateCents))
        writer.field(SyntheticText.dotDecimal(cents: amountCents))
    }
}
