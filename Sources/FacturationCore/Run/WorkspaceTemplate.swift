/// The files `facturation init` writes into a new workspace.
package enum WorkspaceTemplate {
    /// Creates the folders of a workspace with a README in each and an example pipeline.
    ///
    /// Refuses (throws) when `root` already holds a pipeline file: nothing is overwritten.
    package static func create(at root: String) throws -> [String] {
        let workspace = Workspace(root: root)
        if let existing = try Storage.listIfPresent(workspace.pipelines).first(where: { $0.hasSuffix(".toml") }) {
            throw FacturationError(
                .workspace,
                "\(workspace.pipelines)/\(existing) already exists: "
                    + "\(workspace.root) is already a workspace; nothing was changed")
        }
        var written: [String] = []
        for (folder, readme) in [
            (workspace.inbox, inboxReadme), (workspace.outbox, outboxReadme),
            (workspace.archive, archiveReadme), (workspace.pipelines, pipelinesReadme),
        ] {
            try Storage.makeDirectory(folder)
            let path = Path.join(folder, "README.md")
            if !Storage.exists(path) {
                try Storage.write(readme, to: path, temporaryDirectory: folder)
                written.append(path)
            }
        }
        let pipeline = Path.join(workspace.pipelines, "company.toml")
        try Storage.write(examplePipeline, to: pipeline, temporaryDirectory: workspace.pipelines)
        written.append(pipeline)
        // The e-mail templates, to edit (see [delivery] in the README).
        let mail = Path.join(workspace.pipelines, "mail")
        try Storage.makeDirectory(mail)
        for kind in MailTemplate.Kind.allCases {
            let path = Path.join(mail, kind.fileName)
            try Storage.write(MailTemplates.defaults[kind]!, to: path, temporaryDirectory: mail)
            written.append(path)
        }
        for kind in ReminderTemplates.Kind.allCases {
            let path = Path.join(mail, kind.fileName)
            try Storage.write(ReminderTemplates.defaults[kind]!, to: path, temporaryDirectory: mail)
            written.append(path)
        }
        return written
    }

    package static let inboxReadme = """
        # inbox/

        Drop files here: Clockify exports (detailed report, CSV or JSON) and Qonto exports
        (transactions, CSV in French or English, or API JSON). Any file name works: the format is
        recognised from the content.

        The next `facturation run` takes every complete file. A file is left alone while it is being
        written: names starting with `.` or ending in `.part`, `.tmp`, `.crdownload` or `~` are
        ignored, and so is a file whose size or date changes during the settle window.

        Requests go here too: an approval form from `outbox/to-approve/` (filled in), a credit-note
        request (`[credit_note]`, see the README), and a payment decision form from `outbox/review/`
        (only the right rows kept).

        When a workspace has several pipelines, drop each company's files into `inbox/<pipeline>/`.

        """

    package static let outboxReadme = """
        # outbox/

        Results to take away. Everything here is complete when it appears (files are written
        elsewhere and moved in). Deleting or moving files out of here never loses anything: the
        pipeline's own state is in archive/.

        - `time-entries/YYYY-MM.csv`: all time entries of the month, deduplicated.
        - `bank-transactions/YYYY-MM.csv`: booked bank transactions of the month;
          `bank-transactions/pending.csv`: transactions not executed yet.
        - `rejected/`: a copy of the reason of every rejected file.
        - `invoices/NUMBER.pdf`: each issued invoice or credit note to read and send (Factur-X PDF/A-3,
          its XML inside); `invoices/NUMBER.xml`: the same as Factur-X CII (EN 16931);
          `invoices/NUMBER-annexe.csv`: the time entries a time-based invoice bills.
        - `to-send/NAME.eml`: e-mails waiting to be sent (pipelines with `[delivery] send = true`);
          deleting one cancels it. `send-failed/NAME.eml` and `NAME.reason.txt`: e-mails the server
          refused; fix the cause, then `facturation resend NUMBER`.
        - `relances/ID.pdf`: reminders of unpaid invoices (pipelines with `[dunning]`); formal notices
          wait in `to-approve/ID.toml` (with `ID.pdf`) until approved.
        - `oxygene/`: Memsoft Oxygène import files, each issued document in exactly one file.
        - `registre-ventes.csv`: the sales register (every invoice and credit note); `registre-ventes.xlsx`:
          the same for spreadsheets (amounts in euros, dates, filters). `paiements/` and `fec/compte-attente`
          have an `.xlsx` beside their `.csv` too.
        - `to-approve/DRAFT.toml`: drafts waiting for a person; drop the file back into inbox/ to
          approve it (or set decision = "reject" and a reason).
        - `paiements/`: invoice states, aged receivables, receipts not matched yet.
        - `review/`: receipts waiting for a person; keep the right rows, fill `by`, drop the file
          into inbox/.
        - `justificatifs/YYYY-MM/`: the invoice document of each matched receipt.
        - `fec/mensuel/YYYY-MM/`: the FEC of each closed month; `fec/`: fiscal-year FEC (`facturation fec`);
          `fec/periodes/FROM_TO/`: a period's. Each is named SIRENFEC<closing date of the fiscal year>.txt.
        - `rapprochement/`: reconciliation of invoices, bank and accounting (Mondays).
        - `tresorerie/`: the cash-flow forecast of the next 90 days, rewritten by each run:
          `prevision.csv` (one row a day: receipts, payments, balance), `prevision-resume.csv` (today,
          30/60/90 days, the lowest balance, the alert), `flux-prevus.csv` (every expected movement),
          `depenses-recurrentes.csv` (the expenses found in the bank history: correct them with
          `[[forecast.ignore]]` and `[[forecast.expenses]]`), `prevision.svg` (the chart); `.xlsx` beside.
        - `synthese/YYYY-MM-DD.txt`: the daily digest: what was issued, what waits for a person, what
          is late or stale (`facturation status --health` judges the same facts for monitoring).
        - `dashboard/index.html`: the dashboard (revenue, clients, DSO, aged balance, billable time,
          cash forecast, what waits for a person), to open in a browser or print; the same numbers
          as CSV beside it. Rewritten by each run that changes them (`[dashboard]` in the README).

        A monthly file is replaced by its new version when new data arrives for that month, unless
        someone edited it here: then the new version is delivered next to it, never over it.

        In the CSV files, a text that a spreadsheet could take for a formula (it starts with `=`, `+`,
        `-` (a plain negative number aside), `@`, a tab or a carriage return) is written with a `'`
        in front, and so is a text that starts with `'`: programs reading these files remove one
        leading `'` to get the exact text back.

        """

    package static let archiveReadme = """
        # archive/

        The pipeline's memory. Do not edit these files.

        - `files/DATE/CLAIM/NAME`: every imported original, byte for byte.
        - `rejected/DATE/CLAIM/NAME` and `NAME.reason.txt`: refused files and why.
        - `duplicates/DATE/CLAIM/NAME`: files whose content had already been imported.
        - `ledgers/PIPELINE/`: the normalized monthly ledgers (the source of truth; outbox/ has copies).
        - `index/PIPELINE/`: one marker per imported file content (SHA-256).
        - `invoicing/PIPELINE/documents/YYYY/`: each issued document's XML and PDF, as issued.
        - `sending/PIPELINE/`: the e-mail queue's state; `sent/PIPELINE/NAME.eml` and `NAME.json`: each
          e-mail as sent and the server's reply (the proof).
        - `runs/DATE/`: a JSON summary of every run.
        - `invoicing/PIPELINE/`: issued invoices (`issued/`, the legal record), their XML
          (`documents/`), drafts waiting for approval, every decision, annexes, Oxygène batches.
        - `payments/PIPELINE/matches/`: how each receipt was matched (rule or person, evidence).
        - `accounting/PIPELINE/`: the FEC files as published.
        - `digest/PIPELINE/DATE.json`: the record that the day's digest was written (and e-mailed).

        """

    package static let pipelinesReadme = """
        # pipelines/

        One `<id>.toml` file per company (pipeline). `facturation check` validates them and prints
        what they say; a mistake is reported as `file:line: message` and no run starts until it is
        fixed. See the README of the project for every key.

        """

    package static let examplePipeline = """
        # Pipeline of one company. `facturation check` validates this file.
        # Every key is documented in the project's README ("Configuration").

        [company]
        name = "Example Conseil SAS"          # legal name of the seller
        siren = "812345676"                   # 9 digits (checked)
        vat_number = "FR19812345676"          # optional; FR key checked against the SIREN
        iban = "FR72 1695 8000 0101 2345 6789 012"   # the bank account whose exports you drop (checked)
        # other_ibans = []                    # other accounts of the company
        time_zone = "Europe/Paris"            # local times in Clockify exports are read in this zone
        # currency = "EUR"

        [company.address]
        lines = ["12 rue de la Paix"]
        postcode = "75002"
        city = "Paris"
        country = "FR"

        [inbox]
        settle_seconds = 2                    # a file must stay unchanged this long before it is taken

        [clockify]
        date_format = "auto"                  # or "DD/MM/YYYY" / "MM/DD/YYYY" (your Clockify profile setting)

        # Clients, with the names Clockify uses for them (client or project names).
        [[clients]]
        code = "ACME"
        name = "ACME Industries"
        aliases = ["Acme", "ACME - Support"]

        # Categories of time entries: the first rule that matches wins; without a match,
        # Clockify's Billable flag decides (Yes -> FACTURABLE, No -> INTERNE).
        # Patterns ignore case; * matches anything (use *word* for "contains").
        [[rules]]
        project = "Internal*"
        category = "INTERNE"

        [[rules]]
        client = "ACME"
        description = "*forfait*"
        category = "FORFAIT"

        # Invoicing: uncomment and fill in to issue invoices (see the README, "Invoicing").
        # The seller's legal mentions go in [company]: legal_form, share_capital, rcs_city, siret,
        # bic, email. Each invoiced client needs, in its [[clients]] entry:
        #   legal_name = "ACME Industries SAS"
        #   siren = "552081317"
        #   vat_number = "FR03552081317"
        #   address = { lines = ["1 rue de l'Usine"], postcode = "69002", city = "Lyon" }
        #   hourly_rate = 100
        #   payment_terms = "30 days"          # or "45 days end of month"
        #   oxygene_code = "ACME01"            # its client code in Oxygène
        #
        # [invoicing]
        # start = 2026-01-01                   # nothing before this day is ever invoiced
        # invoice_number = "F{YYYY}{MM}{SEQ:2}"
        # credit_note_number = "A{YYYY}{MM}{SEQ:2}"
        # next_invoice_number = "F20260101"    # to continue an existing series
        #
        # [approval]
        # above_total = 2000.00                # incl. VAT; larger invoices wait in outbox/to-approve/
        #
        # [[contracts]]
        # client = "ACME"
        # amount = 500.00                      # excl. VAT
        # frequency = "monthly"                # or "quarterly" (months = [1, 4, 7, 10]), "yearly"
        # label = "Forfait maintenance mensuel"
        #
        # Reminders of unpaid invoices at due date + 15, + 30 days, and a formal notice at + 60 that
        # waits in outbox/to-approve/ (templates relance-1.txt, relance-2.txt, mise-en-demeure.txt in mail/):
        # [dunning]
        # levels = [15, 30, 60]
        # legal_interest_rate = 2.76           # percent; penalties at 3 × this rate unless the invoice prints one
        #
        # E-mailing the invoices (the templates are in mail/, beside this file):
        # [delivery]
        # send = true
        # send_from = 2026-01-01               # documents issued before are never e-mailed
        # copy_to = ["compta@example.fr"]
        #
        # [delivery.smtp]
        # host = "smtp.example.fr"
        # port = 587
        # security = "starttls"                # or "tls" (port 465)
        # user = "factures@example.fr"
        # password_file = "secrets/smtp"       # chmod 600; never the password itself here
        # from = "factures@example.fr"
        #
        # Cash-flow forecast (outbox/tresorerie/; without a [forecast] section the balance is relative):
        # [forecast]
        # opening_balance = 15000.00           # the bank balance at the end of opening_date
        # opening_date = 2026-01-31
        # alert_below = 10000.00               # default 10000.00
        # The daily digest (outbox/synthese/), on by default; `to` e-mails it (needs [delivery.smtp]):
        # [digest]
        # to = ["direction@example.fr"]
        # stale_days = 7                       # status --health warns when the newest bank operation is older
        # time_stale_days = 35                 # ... the newest time entry
        # approval_days = 3                    # ... a draft waiting for approval
        # The dashboard (outbox/dashboard/index.html), on by default:
        # [dashboard]
        # months = 12                          # months shown (1 to 60)
        # top_clients = 10                     # clients listed (1 to 100)

        """
}
