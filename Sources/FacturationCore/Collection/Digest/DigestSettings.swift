/// The daily digest and the health check of a pipeline: the optional `[digest]` table of its
/// pipeline file. Every key has a default, so a pipeline without the table gets a digest in
/// `outbox/synthese/` and no e-mail.
///
/// ```toml
/// [digest]
/// enabled = true                  # write the daily digest (default true)
/// to = ["direction@example.fr"]   # e-mail it through the send queue (needs [delivery.smtp])
/// stale_days = 7                  # newest bank operation older than this: a warning
/// time_stale_days = 35            # newest time entry older than this: a warning
/// approval_days = 3               # a draft waiting longer than this for approval: a warning
/// ```
package struct DigestSettings: Sendable {
    package var enabled = true
    /// Who receives the digest by e-mail; empty: the digest is only written to the outbox.
    package var to: [MailAddress] = []
    /// Days after which the newest bank operation makes the inputs stale.
    package var staleDays = 7
    /// Days after which the newest time entry makes the inputs stale (time is often exported monthly).
    package var timeStaleDays = 35
    /// Days a draft may wait for approval before it is a problem.
    package var approvalDays = 3

    package init() {}
}

extension PipelineLoader {
    /// `[digest]`; the defaults when the file has none. Mistakes are recorded with their line.
    static func readDigest(_ table: TableReader?, delivery: DeliverySettings?) -> DigestSettings {
        var settings = DigestSettings()
        guard let table else { return settings }
        settings.enabled = table.bool("enabled") ?? true
        for address in table.strings("to") ?? [] {
            if let problem = MailAddress.problem(with: address) {
                table.fail(key: "to", problem)
            } else {
                settings.to.append(MailAddress(address))
            }
        }
        if !settings.to.isEmpty, delivery?.smtp == nil {
            table.fail(
                key: "to",
                "e-mailing the digest needs a [delivery.smtp] table (host, port, security, user, from); "
                    + "without it remove `to` (the digest is still written to outbox/synthese/)")
        }
        settings.staleDays = table.integer("stale_days", in: 1...3_650) ?? settings.staleDays
        settings.timeStaleDays = table.integer("time_stale_days", in: 1...3_650) ?? settings.timeStaleDays
        settings.approvalDays = table.integer("approval_days", in: 0...3_650) ?? settings.approvalDays
        table.finish()
        return settings
    }
}
