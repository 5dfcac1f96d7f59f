/// A place under `archive/checkpoints/<pipeline>/` that only runs write
/// (``Storage/replaceDerived(_:at:temporaryDirectory:)``) and rebuild from the records whenever it
/// is missing or damaged, and whether a file or a folder of derived files goes there.
package struct DerivedPlace: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case file, folder
    }

    package var path: String
    package var kind: Kind

    package init(_ path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// True when what stands there is what a run cannot replace, and so leaves alone: a folder
    /// where a file goes, anything but a folder (a file, a FIFO, a link even to a folder: nothing
    /// is written through a link) where a folder goes. Nothing there is no obstacle.
    package var isBlocked: Bool {
        guard let found = Storage.status(path) else { return false }
        return found.isDirectory != (kind == .folder)
    }

    /// What the run's log and `status --health` say of a blocked place (its path relative to the
    /// workspace's `root`): what stands there, what it costs and what to do.
    package func warning(relativeTo root: String) -> String {
        let what = kind == .file ? "a folder where a derived file goes" : "not a folder, where derived files go"
        // Escaped (as an inbox name is shown): a name under a derived folder is anyone's, and a line
        // end in it would forge a line of the report.
        let shown = InboxName.escaped(Array(Path.relative(path, to: root).utf8))
        return "\(shown) is \(what): remove it: it is derived, rebuilt by the next run; "
            + "until then every run reads the records again"
    }
}

extension ArchiveLayout {
    /// The derived files whose names are fixed.
    package var derivedFiles: [String] {
        [
            runStamp, supportingDocumentsCheckpoint, outboxFolders, archivedDocuments, dashboardTimeTotals,
            issuedRecordPack, matchPack, bankLinePack, closedYearsHistory, salesRegisterInputs, closedYearNotes,
        ]
    }

    /// The folders of the derived files named by a year, a closing date, a month or a report.
    package var derivedFolders: [String] {
        [issuedYearSummaries, receivablesYears, closedYearFECs, monthlyFECCheckpoints, reportCheckpoints]
    }

    /// Every derived place as the workspace has them now: the folder of every pipeline's
    /// checkpoints and this pipeline's, the files and folders of fixed names, and what the folders hold (each year's, closing's and report's file,
    /// each month's folder of monthly FEC checkpoints and its files). Reads those folders: for
    /// `status --health` and the tests; a run notes what it leaves alone as it writes instead.
    package func derivedPlaces() -> [DerivedPlace] {
        var places = [DerivedPlace(Path.parent(of: checkpoints), .folder), DerivedPlace(checkpoints, .folder)]
        places += derivedFiles.map { DerivedPlace($0, .file) }
        for folder in derivedFolders {
            places.append(DerivedPlace(folder, .folder))
            let holds: Holding =
                folder == monthlyFECCheckpoints
                ? .months : folder == reportCheckpoints ? .reports(mirroring: outbox) : .files
            places += Self.places(in: folder, holding: holds)
        }
        return places
    }

    /// What a folder of derived places holds: only files; a folder per month of files; the
    /// reports' checkpoints (`<csv path>.json`), in subfolders as the reports are in the outbox
    /// folder it mirrors.
    private enum Holding {
        case files, months
        case reports(mirroring: String)
    }

    /// Among the reports' checkpoints, a name without `.json` is a subfolder's when it is a folder or
    /// when the outbox holds a folder of that name (`fec/` for `fec/compte-attente.csv`): something
    /// else there (a file, a link) stands where a run makes the folder, and is named as such, as the
    /// run names it (``Storage/replaceDerived(_:at:temporaryDirectory:)``). Any other stray file
    /// (`….json.bak`) is no obstacle to a run, and is not named.
    private static func places(in folder: String, holding: Holding) -> [DerivedPlace] {
        guard Storage.isDirectory(folder), let names = try? Storage.list(folder) else { return [] }
        var places: [DerivedPlace] = []
        for name in names {
            let path = Path.join(folder, name)
            switch holding {
            case .months:
                places += [DerivedPlace(path, .folder)] + Self.places(in: path, holding: .files)
            case .reports(let outbox)
            where !name.hasSuffix(".json")
                && (Storage.isDirectory(path) || Storage.isDirectory(Path.join(outbox, name))):
                places +=
                    [DerivedPlace(path, .folder)]
                    + Self.places(in: path, holding: .reports(mirroring: Path.join(outbox, name)))
            case .files, .reports:
                places.append(DerivedPlace(path, .file))
            }
        }
        return places
    }
}
