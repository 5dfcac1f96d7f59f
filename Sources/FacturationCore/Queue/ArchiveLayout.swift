/// Where everything of one pipeline lives in a workspace: the only type that builds these paths
/// (the workspace-wide folders — `work/`, `archive/files/`, `archive/runs/`… — are ``Workspace``'s).
///
/// ```
/// inbox/[<pipeline>/]                          files dropped for this pipeline
/// outbox/[<pipeline>/]                         its results
/// archive/ledgers/<pipeline>/<kind>/<YYYY-MM>.csv   normalized ledgers
/// archive/index/<pipeline>/                    markers of processed files, by content hash
/// archive/deliveries/<pipeline>/               what was last delivered to the outbox
/// archive/invoicing/<pipeline>/                issued records, documents, drafts, decisions, annexes, Oxygène batches
/// archive/payments/<pipeline>/matches/         one file per matched receipt
/// archive/accounting/<pipeline>/               the FEC files as published
/// archive/dunning/<pipeline>/                  reminders (<YYYY>/<id>.json + .pdf), decisions, holds
/// outbox/[<pipeline>/]tresorerie/               the cash-flow forecast (rewritten each day)
/// archive/digest/<pipeline>/                  one record per daily digest written
/// archive/fetch/<pipeline>/mail.json           fetch mail's cursor (UIDVALIDITY, last UID)
/// archive/replies/<pipeline>/                  replies read from the inbox (messages/), their classification
/// archive/checkpoints/<pipeline>/              summaries of closed periods, the reports' last deliveries (derived, rebuilt when missing)
/// archive/fetch/<pipeline>/<source>.json      where each producer (fetch clockify, fetch qonto) stopped
/// ```
/// With a single pipeline, its inbox and outbox are the workspace's own.
package struct ArchiveLayout: Sendable {
    package let workspace: Workspace
    package let pipeline: PipelineConfig
    /// Where this pipeline's files are dropped.
    package let inbox: String
    /// Where its results are delivered.
    package let outbox: String

    package init(workspace: Workspace, pipeline: PipelineConfig, shared: Bool) {
        self.workspace = workspace
        self.pipeline = pipeline
        inbox = shared ? workspace.inbox : Path.join(workspace.inbox, pipeline.id)
        outbox = shared ? workspace.outbox : Path.join(workspace.outbox, pipeline.id)
    }

    private func archived(_ folder: String) -> String { Path.join(workspace.archive, folder, pipeline.id) }

    // MARK: - Fetch

    /// The cursor of a producer: what it fetched last (`archive/fetch/<pipeline>/<source>.json`);
    /// with `account` (Qonto, several accounts: its IBAN), `<source>-<account>.json`.
    package func fetchCursor(for source: FetchSource, account: String? = nil) -> String {
        Path.join(fetchCursors, source.rawValue + (account.map { "-" + $0 } ?? "") + ".json")
    }

    /// Temporary files (same file system as everything else).
    package var temporary: String { workspace.temporary }

    // MARK: - Queue

    /// Its normalized ledgers (`<kind>/<YYYY-MM>.csv`, `bank-transactions/pending.csv`).
    package var ledgers: String { archived("ledgers") }
    /// Markers of processed files, by content hash.
    package var index: String { archived("index") }
    /// What was last delivered to the outbox, per delivered path.
    package var deliveries: String { archived("deliveries") }

    /// The ledger file of a partition.
    package func ledger(_ kind: LedgerKind, _ partition: String) -> String {
        Path.join(ledgers, kind.rawValue, partition + ".csv")
    }

    /// An outbox path (relative to the outbox), as an absolute path.
    package func inOutbox(_ outboxPath: String) -> String { Path.join(outbox, outboxPath) }

    /// An outbox path as people see it: relative to the workspace.
    package func shown(_ outboxPath: String) -> String {
        Path.relative(inOutbox(outboxPath), to: workspace.root)
    }

    /// Why a document was left out of the Oxygène files (relative to the outbox); removed once it
    /// is exported.
    package func oxygeneLeftOutReason(number: String) -> String { "oxygene/\(number).reason.txt" }

    /// The approval request of a waiting draft, relative to the outbox.
    package func approvalRequest(draftID: String) -> String { "to-approve/\(draftID).toml" }

    /// The list of invoice numbers already delivered to `outbox/invoices/`.
    package var deliveredInvoices: String { Path.join(deliveries, "invoices.txt") }

    /// The marker of a delivered outbox file that is never delivered again (supporting documents).
    package func deliveryMarker(_ outboxPath: String) -> String {
        Path.join(deliveries, outboxPath + Self.deliveryMarkerSuffix)
    }
    /// What a marker's name adds to the delivered file's.
    package static let deliveryMarkerSuffix = ".done"
    /// The folder of the markers of the files delivered to the outbox folder `outboxFolder`.
    package func deliveryMarkers(of outboxFolder: String) -> String { Path.join(deliveries, outboxFolder) }

    // MARK: - Invoicing

    /// `archive/invoicing/<pipeline>/`.
    package var invoicing: String { archived("invoicing") }
    package var issued: String { Path.join(invoicing, "issued") }
    package func issued(year: Int) -> String { Path.join(issued, CivilDate.pad(year, 4)) }
    package var drafts: String { Path.join(invoicing, "drafts") }
    /// `archive/invoicing/<pipeline>/oxygene-register/`: one record per Oxygène register export
    /// imported (``OxygeneRegisterStore``), named by its claim so the newest sorts last.
    package var oxygeneRegisters: String { Path.join(invoicing, "oxygene-register") }
    /// The confirmation of the exported pieces against the newest register, relative to the outbox.
    package var oxygeneConfirmation: String { "oxygene/confirmation.csv" }
    package var decisions: String { Path.join(invoicing, "decisions") }
    package var annexes: String { Path.join(invoicing, "annexes") }
    package var oxygeneBatches: String { Path.join(invoicing, "oxygene") }
    /// `archive/invoicing/<pipeline>/confirmed/`: the legal numbers Oxygène gave provisional
    /// documents (`numbering = "oxygene"`), one immutable file per document (``ConfirmedNumberStore``).
    package var confirmedNumbers: String { Path.join(invoicing, "confirmed") }
    package func confirmedNumber(reference: String) -> String { Path.join(confirmedNumbers, reference + ".json") }
    /// `archive/invoicing/<pipeline>/confirmation-requests/`: pairings of identical pieces named by a person.
    package var confirmationRequests: String { Path.join(invoicing, "confirmation-requests") }

    /// The archived Factur-X XML of an issued document.
    package func documentXML(number: String, issuedIn year: Int) -> String {
        Path.join(documents(issuedIn: year), number + ".xml")
    }

    /// The archived Factur-X PDF of an issued document (part of the legal record, beside its XML).
    package func documentPDF(number: String, issuedIn year: Int) -> String {
        Path.join(documents(issuedIn: year), number + ".pdf")
    }

    /// The folder of the archived documents (XML and PDF) issued in `year`.
    package func documents(issuedIn year: Int) -> String {
        Path.join(invoicing, "documents", CivilDate.pad(year, 4))
    }

    /// The list of document numbers whose PDF was delivered to `outbox/invoices/`.
    package var deliveredPDFs: String { Path.join(deliveries, "invoice-pdfs.txt") }

    /// The Factur-X PDF of an issued document, delivered to the outbox (`invoices/<number>.pdf`).
    package func documentPDFOutbox(number: String) -> String { "invoices/" + number + ".pdf" }

    /// The time entries of a time-based draft, written before it is issued.
    package func annex(draftID: String) -> String { Path.join(annexes, draftID + ".csv") }

    // MARK: - Sending

    /// `archive/sending/<pipeline>/`: the send queue's own state.
    package var sending: String { archived("sending") }
    /// The list of message names ever queued (a message someone took out of `outbox/to-send/` is
    /// not queued again).
    package var queuedMail: String { Path.join(sending, "queued.txt") }
    /// The attempts at sending a queued message (`<name>.json`), while it is queued.
    package func sendAttempts(_ name: String) -> String { Path.join(sending, "attempts", name + ".json") }
    /// `archive/sent/<pipeline>/`: each message as sent (`<name>.eml`) and the proof (`<name>.json`).
    package var sent: String { archived("sent") }
    package func sentMessage(_ name: String) -> String { Path.join(sent, name + ".eml") }
    package func sentRecord(_ name: String) -> String { Path.join(sent, name + ".json") }
    /// A queued message, in the outbox (relative path).
    package func queuedMessageOutbox(_ name: String) -> String { sendQueueOutbox + "/" + name + ".eml" }
    /// The outbox folder of the send queue (relative path).
    package var sendQueueOutbox: String { "to-send" }
    /// The outbox folder of the messages the server refused for good (relative path).
    package var sendFailedOutbox: String { "send-failed" }
    /// A message the server refused for good, and its reason (relative paths).
    package func failedMessageOutbox(_ name: String) -> String { sendFailedOutbox + "/" + name + ".eml" }
    package func failedReasonOutbox(_ name: String) -> String { sendFailedOutbox + "/" + name + ".reason.txt" }

    // MARK: - Payments and accounting

    package var payments: String { archived("payments") }
    package var matches: String { Path.join(payments, "matches") }

    /// `archive/accounting/<pipeline>/`: every FEC as published, at its outbox path.
    package var accounting: String { archived("accounting") }
    package func publishedFEC(_ outboxPath: String) -> String { Path.join(accounting, outboxPath) }
    package var publishedMonthlyFEC: String { Path.join(accounting, "fec", "mensuel") }

    // MARK: - Dunning

    /// `archive/dunning/<pipeline>/`: the reminders and their state.
    package var dunning: String { archived("dunning") }
    /// The folder of the reminders decided in `year` (`<id>.json`, the record, and `<id>.pdf`).
    package func reminders(year: Int) -> String { Path.join(dunning, CivilDate.pad(year, 4)) }
    package func reminderRecord(id: String, year: Int) -> String { Path.join(reminders(year: year), id + ".json") }
    package func reminderPDF(id: String, year: Int) -> String { Path.join(reminders(year: year), id + ".pdf") }
    /// Decisions on formal notices (`<id>.json`).
    package var reminderDecisions: String { Path.join(dunning, "decisions") }
    /// Hold requests and their lifting (`<hash>.json`).
    package var reminderHolds: String { Path.join(dunning, "holds") }
    /// The reminders whose PDF was delivered to `outbox/relances/`, and those queued as e-mails.
    package var deliveredReminders: String { Path.join(dunning, "delivered.txt") }
    package var queuedReminders: String { Path.join(dunning, "queued.txt") }
    /// A reminder's PDF in the outbox (relative path).
    package func reminderPDFOutbox(id: String) -> String { "relances/" + id + ".pdf" }
    /// The PDF of a formal notice waiting for approval, beside its request (relative path).
    package func approvalPDF(id: String) -> String { "to-approve/\(id).pdf" }
    // MARK: - Cash-flow forecast

    /// The forecast's files, relative to the outbox (`tresorerie/`): the daily balance, its summary,
    /// the expected movements, the recurring expenses (each CSV + XLSX) and the chart.
    package var forecastDaily: String { "tresorerie/prevision.csv" }
    package var forecastSummary: String { "tresorerie/prevision-resume.csv" }
    package var forecastFlows: String { "tresorerie/flux-prevus.csv" }
    package var forecastExpenses: String { "tresorerie/depenses-recurrentes.csv" }
    package var forecastChart: String { "tresorerie/prevision.svg" }
    // MARK: - Digest

    /// `archive/digest/<pipeline>/`: one record per digest written (`<YYYY-MM-DD>.json`).
    package var digestRecords: String { archived("digest") }
    /// The record that the digest of `day` was written (and queued for e-mail).
    package func digestRecord(_ day: CivilDate) -> String { Path.join(digestRecords, "\(day).json") }
    /// The digest of `day` in the outbox (relative path).
    package func digestOutbox(_ day: CivilDate) -> String { "synthese/\(day).txt" }
    /// The name of the digest's message in the send queue (`outbox/to-send/<name>.eml`).
    package func digestMessageName(_ day: CivilDate) -> String { "synthese-\(day)" }
    /// The decision forms of receipts waiting for review, as the payment stage delivers them (relative path).
    package var reviewOutbox: String { "review" }
    /// The reconciliation reports (`rapprochement-<date>.csv`, relative path).
    package var reconciliationOutbox: String { "rapprochement" }
    // MARK: - Dashboard

    /// The dashboard page, relative to the outbox (replaced by each run that changes it).
    package var dashboardPage: String { "dashboard/index.html" }
    /// A CSV report of the dashboard (`chiffre-affaires.csv`…), relative to the outbox.
    package func dashboardReport(_ name: String) -> String { "dashboard/" + name }

    // MARK: - Fetching and replies

    /// The producers' cursors (what was fetched last).
    package var fetchCursors: String { archived("fetch") }
    /// `facturation fetch mail`'s cursor: the folder's UIDVALIDITY and the last UID written into the inbox.
    package var mailFetchCursor: String { Path.join(fetchCursors, "mail.json") }
    /// The name under which a fetched message is dropped into the inbox (unique per folder and message).
    package func fetchedMailName(uidValidity: UInt32, uid: UInt32) -> String { "mail-\(uidValidity)-\(uid).eml" }

    /// Replies read from the inbox, one record per Message-ID (``ReplyStore``).
    package var replies: String { archived("replies") }
    package var replyMessages: String { Path.join(replies, "messages") }
    package func replyMessage(key: String) -> String { Path.join(replyMessages, key + ".json") }
    /// The reply stage's decision on each message (written once).
    package var replyClassifications: String { Path.join(replies, "classified") }
    package func replyClassification(key: String) -> String { Path.join(replyClassifications, key + ".json") }
    /// Every classified reply, one row each.
    package var repliesOutbox: String { "reponses/reponses.csv" }

    // MARK: - Run state

    /// Summaries of closed periods and the run's stamp: derived from the records, rebuilt when
    /// missing or damaged (the records stay the only truth).
    package var checkpoints: String { archived("checkpoints") }
    /// The summary of a closed fiscal year's monthly FEC files, by closing date
    /// (`checkpoints/<pipeline>/fec-exercices/<YYYY-MM-DD>.json`).
    package func closedYearFEC(closing: CivilDate) -> String {
        Path.join(closedYearFECs, closing.description + ".json")
    }
    /// The folder of the closed fiscal years' FEC summaries.
    package var closedYearFECs: String { Path.join(checkpoints, "fec-exercices") }
    /// The summary of one closed year's issued records (`checkpoints/<pipeline>/factures-annees/<YYYY>.json`,
    /// ``IssuedYearSummary``), by the name of its folder under `issued/`.
    package func issuedYearSummary(folder year: String) -> String {
        Path.join(issuedYearSummaries, year + ".json")
    }
    /// The folder of the closed years' summaries of issued records.
    package var issuedYearSummaries: String { Path.join(checkpoints, "factures-annees") }
    /// Every closed year's invoicing history in one file of sorted lines (``ClosedYearsHistory``).
    package var closedYearsHistory: String { Path.join(checkpoints, "factures-annees.txt") }
    /// What the sales register's table was made from, and its identity (``SalesRegisterInputs``).
    package var salesRegisterInputs: String { Path.join(checkpoints, "registre-ventes-entrees.txt") }
    /// The summary of one closed year's receivables as on 31 December
    /// (`checkpoints/<pipeline>/creances-annees/<YYYY>.json`, ``ReceivablesYearSummary``) and its
    /// line file (`<YYYY>.tsv`).
    package func receivablesYearSummary(year: Int) -> String {
        Path.join(receivablesYears, CivilDate.pad(year, 4) + ".json")
    }
    package func receivablesYearLines(year: Int) -> String {
        Path.join(receivablesYears, CivilDate.pad(year, 4) + ".tsv")
    }
    /// The folder of the closed years' receivables summaries and line files.
    package var receivablesYears: String { Path.join(checkpoints, "creances-annees") }
    /// The closed years' issued records, decoded once, with each year's identity (``IssuedRecordPack``).
    package var issuedRecordPack: String { Path.join(checkpoints, "factures.pack") }
    /// Every match file's match, decoded once, with each file's identity (``MatchPack``).
    package var matchPack: String { Path.join(checkpoints, "rapprochements.pack") }
    /// The booked lines of the closed years' bank ledgers, read once, with each ledger's identity
    /// (``BankLinePack``).
    package var bankLinePack: String { Path.join(checkpoints, "lignes-bancaires.pack") }
    /// What the open years' postings need of the closed years' records, with the identity of the
    /// files it was found from (``ClosedYearNotes``).
    package var closedYearNotes: String { Path.join(checkpoints, "notes-exercices-clos.pack") }
    /// The months whose supporting documents were all delivered (``SupportingDocumentsCheckpoint``).
    package var supportingDocumentsCheckpoint: String { Path.join(checkpoints, "justificatifs.json") }
    /// The stamp of the last run that changed nothing the later stages read (``RunStamp``).
    package var runStamp: String { Path.join(checkpoints, "run-stamp.json") }
    /// The outbox's folders and their identities at the last walk (``FolderTreeCache``).
    package var outboxFolders: String { Path.join(checkpoints, "outbox-folders.json") }
    /// The years whose PDFs are known archived, with their folders' identities (``ArchivedDocumentsCache``).
    package var archivedDocuments: String { Path.join(checkpoints, "archived-documents.json") }
    /// The dashboard's time totals of closed months (``TimeTotalsCache``).
    package var dashboardTimeTotals: String { Path.join(checkpoints, "dashboard-time.json") }
    /// What was published as the monthly FEC at `relativePath` (``FECCheckpoint``).
    package func publishedFECCheckpoint(_ relativePath: String) -> String {
        Path.join(checkpoints, relativePath + ".json")
    }
    /// The folder of the monthly FEC's checkpoints (``publishedFECCheckpoint(_:)`` of an outbox
    /// path under `fec/mensuel/`): one folder per month, as in the outbox.
    package var monthlyFECCheckpoints: String { Path.join(checkpoints, "fec", "mensuel") }
    /// What the last complete delivery of the report at `csvPath` (relative to the outbox) was
    /// (`checkpoints/<pipeline>/rapports/<csv path>.json`, ``ReportCheckpoint``).
    package func reportCheckpoint(_ csvPath: String) -> String {
        Path.join(reportCheckpoints, csvPath + ".json")
    }
    /// The folder of the reports' checkpoints (with the reports' subfolders, as in the outbox).
    package var reportCheckpoints: String { Path.join(checkpoints, "rapports") }
}
