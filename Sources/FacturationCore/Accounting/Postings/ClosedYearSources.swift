import Foundation

extension ClosedYearFEC {
    /// The identity of every file the closed years' inputs (``Inputs``) are decoded from, taken
    /// with `stat` calls the run mostly makes anyway: while it is the one a checkpoint recorded,
    /// that checkpoint's `inputs` is still the year's, and no field is hashed.
    ///
    /// Why (issue #9, "a run whose cost does not grow with history"): hashing every closed year's
    /// documents and bank lines field by field, with what each receipt reads of the invoices it
    /// pays, was 20 of the accounting stage's 55 ms in a 10-year full pass, to learn each time that
    /// nothing had changed.
    ///
    /// It covers more than any one year's inputs, so that an equal identity means equal inputs:
    /// - every folder of issued records, open years' too (a credit note of the open year can change
    ///   what a closed year's receipts read; a record may be dated in another year than its folder):
    ///   ``RunSnapshot/recordFolderIdentity(_:)``, the name, size and modification time of each
    ///   record file, which the invoicing pass computes for the closed folders in the same run;
    /// - the confirmed numbers' and the match files' folders (immutable files, one per
    ///   confirmation or receipt, written under a temporary name and renamed: the folder's times
    ///   move with each), as the run stamp watches them; each confirmation file's identity as the
    ///   snapshot read it (``ConfirmedNumbers/filesRead``); and each match file's own identity, as
    ///   the snapshot's ``MatchPack`` checked it (``RunSnapshot/matchFilesIdentity``; without it,
    ///   e.g. after a run recorded a match, the identity is not trusted), so a match file edited
    ///   in place is seen too;
    /// - each bank ledger file (rewritten when lines come): inode, size, modification and change
    ///   times (a ledger edited in place keeps its folder's times);
    /// - the counts of documents, bank lines and matches the run holds, and everything
    ///   ``Inputs`` starts with (settings, first month, SIREN, outbox, executable).
    ///
    /// A file or folder whose times are within ``RunStamp/racyWindow`` of now makes the identity
    /// untrusted (a change in the same clock tick could leave them equal): it is then not recorded,
    /// and the next run hashes the inputs again. A run that imports, issues or matches writes in
    /// those folders, so the identity is recorded from the next run on; a run with nothing new, the
    /// full pass, uses it. As for the run stamp, the files are taken to be what the run's snapshot
    /// was read from (a change by hand during a run is seen by the next run that hashes).
    struct Sources {
        /// SHA-256 of the identities.
        let key: String
        /// False when a time is too recent to trust.
        let trusted: Bool

        /// The identity to record in a checkpoint (nil when untrusted).
        var recordable: String? { trusted ? key : nil }

        init(_ snapshot: RunSnapshot, layout: ArchiveLayout, firstMonth: CivilDate) throws {
            var text =
                "closed-year-fec-sources 1|\(layout.pipeline.currency.code)|"
                + "\(snapshot.issued.count)|\(snapshot.bank.count)|\(snapshot.matches.count)\n"
                + Inputs.common(layout: layout, firstMonth: firstMonth)
            var statuses: [Storage.Status?] = []
            let now = Clock.system.now()
            var readTrusted = true
            for folder in try InvoiceStore(layout: layout).issuedYearFolders() {
                text += "I|\(folder)|\(try snapshot.recordFolderIdentity(folder))\n"
                statuses.append(Storage.status(Path.join(layout.issued, folder)))
            }
            for folder in [layout.issued, layout.confirmedNumbers, layout.matches] {
                let status = Storage.status(folder)
                text += "F|\(Self.describe(status))\n"
                statuses.append(status)
            }
            // Each confirmation file as the snapshot read it: one edited in place keeps its folder's times.
            for (name, status) in snapshot.confirmed.filesRead {
                text += "C|\(name)|\(Self.describe(status))\n"
                statuses.append(status)
            }
            text += "M|\(snapshot.matchFilesIdentity ?? "-")\n"
            let ledgers = Path.join(layout.ledgers, LedgerKind.bankTransactions.rawValue)
            statuses.append(Storage.status(ledgers))
            for name in try Storage.listIfPresent(ledgers).sorted() {
                // As the snapshot took its lines (a ledger edited during the run is another file
                // to the next run); else the target's identity: a ledger moved elsewhere and linked
                // back is read through the link, and edited there.
                if let read = snapshot.bankLedgersRead[name] {
                    text += "L|\(name)|\(read.inode)|\(read.size)|\(read.modified)|\(read.changed)\n"
                    readTrusted = readTrusted && read.isTrusted(now: now)
                    continue
                }
                let status = Storage.targetStatus(Path.join(ledgers, name))
                text += "L|\(name)|\(Self.describe(status))\n"
                statuses.append(status)
            }
            let hasher = SHA256Hasher()
            hasher.update(Array(text.utf8))
            key = hasher.finishHex()
            trusted =
                snapshot.matchFilesIdentity != nil && readTrusted
                && statuses.allSatisfy { $0.map { FolderIdentity($0).isTrusted(now: now) } ?? true }
        }

        private static func describe(_ status: Storage.Status?) -> String {
            guard let status else { return "-" }
            return "\(status.inode)|\(status.size)|\(status.modified)|\(status.changed)"
        }
    }
}
