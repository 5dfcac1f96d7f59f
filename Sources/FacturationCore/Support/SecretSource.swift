/// Where a secret (an SMTP or IMAP password, an API key) is read when it is needed: never from
/// the pipeline file itself (README, "Sending invoices by e-mail", "Fetching inputs").
package enum SecretSource: Sendable, Equatable {
    /// An absolute path to a file only its owner can read (chmod 600).
    case file(String)
    /// The name of an environment variable.
    case environment(String)
}
