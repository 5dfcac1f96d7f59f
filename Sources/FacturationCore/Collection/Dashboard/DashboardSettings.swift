/// The dashboard of a pipeline: the `[dashboard]` table of its pipeline file (optional; the
/// defaults below apply when it is absent).
///
/// ```toml
/// [dashboard]
/// enabled = true      # write outbox/dashboard/ on each run (default true)
/// months = 12         # months shown by the monthly charts and tables (default 12, 1 to 60)
/// top_clients = 10    # clients listed in "Meilleurs clients" (default 10, 1 to 100)
/// ```
package struct DashboardSettings: Sendable, Equatable {
    package var enabled = true
    package var months = 12
    package var topClients = 10

    package init(enabled: Bool = true, months: Int = 12, topClients: Int = 10) {
        self.enabled = enabled
        self.months = months
        self.topClients = topClients
    }
}

extension PipelineLoader {
    /// `[dashboard]`; the defaults when the file has none. Mistakes are recorded with their line.
    static func readDashboard(_ table: TableReader?) -> DashboardSettings {
        var settings = DashboardSettings()
        guard let table else { return settings }
        settings.enabled = table.bool("enabled") ?? settings.enabled
        settings.months = table.integer("months", in: 1...60) ?? settings.months
        settings.topClients = table.integer("top_clients", in: 1...100) ?? settings.topClients
        table.finish()
        return settings
    }
}
