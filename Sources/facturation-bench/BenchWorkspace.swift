import FacturationCore

/// A fresh workspace for one measurement: `pipelines/bench.toml` (a valid company pipeline
/// whose Clockify dates are `DD/MM/YYYY` and whose IBAN is the one of the Qonto file) and an
/// empty `inbox/`.
struct BenchWorkspace {
    /// The company account written in every synthetic Qonto row.
    static let companyIBAN = "FR7216958000010123456789012"
    /// The pipeline's time zone (also given to the Python peer of the run scenario).
    static let timeZone = "Europe/Paris"

    /// The bench company (with every key invoices need) and an inbox without settle time:
    /// the start of every pipeline the bench writes.
    static let companyTOML = """
        [company]
        name = "Bench Conseil SAS"
        siren = "812345676"
        vat_number = "FR19812345676"
        iban = "\(companyIBAN)"
        time_zone = "Europe/Paris"
        legal_form = "SAS"
        share_capital = "10 000 €"
        rcs_city = "Paris"
        siret = "81234567600014"
        bic = "QNTOFRP1XXX"
        email = "facturation@bench-conseil.example"

        [company.address]
        lines = ["12 rue de la Paix"]
        postcode = "75002"
        city = "Paris"
        country = "FR"

        [inbox]
        settle_seconds = 0

        """

    static let pipelineTOML =
        "# Written by facturation-bench.\n" + companyTOML + """

            [clockify]
            date_format = "DD/MM/YYYY"

            [[clients]]
            code = "ACME"
            name = "ACME Industries"
            aliases = ["Acme", "ACME - Support"]

            [[clients]]
            code = "DUPONT"
            name = "Société Dupont & Fils"

            [[rules]]
            project = "Internal*"
            category = "INTERNE"

            [[rules]]
            client = "ACME"
            description = "*forfait*"
            category = "FORFAIT"

            """

    let root: String
    var inbox: String { Path.join(root, "inbox") }
    var pipelineFile: String { Path.join(root, "pipelines/bench.toml") }

    /// A workspace that ``create(at:)`` made earlier (in this process or in the parent).
    init(existingRoot root: String) { self.root = root }

    /// Creates the folders and the pipeline file under `root`.
    static func create(at root: String) throws -> BenchWorkspace {
        let workspace = BenchWorkspace(existingRoot: root)
        try Storage.makeDirectory(Path.join(root, "pipelines"))
        try Storage.makeDirectory(workspace.inbox)
        try Storage.write(pipelineTOML, to: workspace.pipelineFile, temporaryDirectory: Path.join(root, "pipelines"))
        return workspace
    }

    /// Loads the pipeline the way `facturation` does.
    func loadPipeline() throws -> PipelineConfig {
        try PipelineLoader.load(path: pipelineFile, shownAs: "pipelines/bench.toml")
    }
}
