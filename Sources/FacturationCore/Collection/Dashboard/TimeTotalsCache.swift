import Foundation

/// The hours of each closed month, kept with the ledger identity they were counted from, so a
/// run does not read a month's time ledger again while it has not changed.
///
/// Why: a month of 1,000,000 time entries is a 380 MB ledger, and counting its hours took 2.7 s
/// of CPU on every run that does the full work (README, "Dashboard"). Only months that ended
/// before the run's day are kept (their totals do not depend on the day), and only ledgers
/// whose times are older than ``RunStamp/racyWindow`` (a ledger rewritten in the same clock
/// tick could keep its size and times). A ledger is replaced by a rename, so any new version
/// has another inode or times. Derived data in `archive/checkpoints/`: missing or damaged, it
/// is rebuilt from the ledgers, and the page is the same (the demo replay without checkpoints
/// checks it byte for byte).
struct TimeTotalsCache: Codable, Equatable {
    /// One month's totals and the identity of the ledger they come from.
    struct Entry: Codable, Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64
        var billableSeconds: Int64
        var flatFeeSeconds: Int64
        var internalSeconds: Int64
    }

    /// By month (`YYYY-MM`).
    var months: [String: Entry] = [:]

    static func path(in layout: ArchiveLayout) -> String { layout.dashboardTimeTotals }

    /// The cache on disk, or an empty one when it is missing or cannot be read.
    static func load(_ layout: ArchiveLayout) -> TimeTotalsCache {
        let path = path(in: layout)
        guard Storage.exists(path) else { return TimeTotalsCache() }
        return (try? FacturationError.decode(TimeTotalsCache.self, at: path, limit: 16 << 20)) ?? TimeTotalsCache()
    }

    /// The totals of `month` when they were counted from a ledger with exactly this identity.
    func totals(of month: CivilDate, ledger status: Storage.Status) -> DashboardFigures.TimeMonth? {
        guard let entry = months[month.monthKey], entry.inode == status.inode, entry.size == status.size,
            entry.modified == status.modified, entry.changed == status.changed
        else { return nil }
        var totals = DashboardFigures.TimeMonth(month: month)
        totals.billableSeconds = entry.billableSeconds
        totals.flatFeeSeconds = entry.flatFeeSeconds
        totals.internalSeconds = entry.internalSeconds
        return totals
    }

    /// Keeps `totals` for a ledger whose times are old enough to be trusted; returns whether it did.
    @discardableResult
    mutating func remember(
        _ totals: DashboardFigures.TimeMonth, ledger status: Storage.Status, now: Clock.Instant
    )
        -> Bool
    {
        let threshold = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) - RunStamp.racyWindow
        guard status.modified < threshold, status.changed < threshold else { return false }
        months[totals.month.monthKey] = Entry(
            inode: status.inode, size: status.size, modified: status.modified, changed: status.changed,
            billableSeconds: totals.billableSeconds, flatFeeSeconds: totals.flatFeeSeconds,
            internalSeconds: totals.internalSeconds)
        return true
    }

    func save(_ layout: ArchiveLayout) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        Storage.replaceDerived(
            Array(try encoder.encode(self)) + [0x0A], at: Self.path(in: layout), temporaryDirectory: layout.temporary)
    }
}
