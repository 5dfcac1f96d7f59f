/// An input format the pipeline can read (the value written in the `source_format` column).
package enum InputFormat: String, Sendable, CaseIterable, Codable {
    case clockifyDetailedCSV = "clockify_detailed_csv"
    case clockifyReportJSON = "clockify_report_json"
    case clockifyTimeEntriesJSON = "clockify_time_entries_json"
    case qontoCSVFrench = "qonto_csv_fr"
    case qontoCSVEnglish = "qonto_csv_en"
    case qontoAPIJSON = "qonto_api_json"
    case camt053 = "camt_053"
    case ofx = "ofx"
    case cfonb120 = "cfonb_120"
    case mt940 = "mt940"

    /// The raw value as a static word, written in the `source_format` column of every row
    /// (``CSVLineBuilder/plainField(_:)``: no String per row; issue #9). `CSVLineBuilderTests` holds
    /// it to the raw value.
    var word: StaticString {
        switch self {
        case .clockifyDetailedCSV: "clockify_detailed_csv"
        case .clockifyReportJSON: "clockify_report_json"
        case .clockifyTimeEntriesJSON: "clockify_time_entries_json"
        case .qontoCSVFrench: "qonto_csv_fr"
        case .qontoCSVEnglish: "qonto_csv_en"
        case .qontoAPIJSON: "qonto_api_json"
        case .camt053: "camt_053"
        case .ofx: "ofx"
        case .cfonb120: "cfonb_120"
        case .mt940: "mt940"
        }
    }

    /// A name a bookkeeper recognises.
    package var displayName: String {
        switch self {
        case .clockifyDetailedCSV: "Clockify detailed report (CSV)"
        case .clockifyReportJSON: "Clockify detailed report (JSON, Reports API)"
        case .clockifyTimeEntriesJSON: "Clockify time entries (JSON, time-entries API)"
        case .qontoCSVFrench: "Qonto transactions export (CSV, French)"
        case .qontoCSVEnglish: "Qonto transactions export (CSV, English)"
        case .qontoAPIJSON: "Qonto transactions (JSON, API v2)"
        case .camt053: "ISO 20022 bank statement camt.053 (XML, versions 001.02 to 001.08)"
        case .ofx: "OFX bank statement (1.x SGML or 2.x XML)"
        case .cfonb120: "CFONB 120 bank statement (relevé de compte, 120 characters per record)"
        case .mt940: "SWIFT MT940 bank statement"
        }
    }

    /// How to obtain a file in this format.
    package var howToExport: String {
        switch self {
        case .clockifyDetailedCSV: "Clockify > Reports > Detailed > Export > Save as CSV"
        case .clockifyReportJSON: "POST /workspaces/{id}/reports/detailed with exportType JSON"
        case .clockifyTimeEntriesJSON: "GET /workspaces/{id}/user/{id}/time-entries?hydrated=true"
        case .qontoCSVFrench: "Qonto > Transactions > Exporter > CSV (interface in French)"
        case .qontoCSVEnglish: "Qonto > Transactions > Export > CSV (interface in English)"
        case .qontoAPIJSON: "GET /v2/transactions (the JSON response, saved as a file)"
        case .camt053: "the bank's online banking > statements > download as camt.053 (XML)"
        case .ofx: "the bank's online banking > download operations > OFX (Money, Quicken 2.x)"
        case .cfonb120: "the bank's online banking > statements > download as CFONB 120 (relevé 120 caractères)"
        case .mt940: "the bank's online banking > statements > download as MT940 (SWIFT)"
        }
    }

    /// The ledger its records go to.
    package var ledger: LedgerKind {
        switch self {
        case .clockifyDetailedCSV, .clockifyReportJSON, .clockifyTimeEntriesJSON: .timeEntries
        case .qontoCSVFrench, .qontoCSVEnglish, .qontoAPIJSON, .camt053, .ofx, .cfonb120, .mt940:
            .bankTransactions
        }
    }

    /// The list printed when a file's format is not recognised.
    package static var understoodFormatsText: String {
        allCases.map { "  - \($0.displayName): \($0.howToExport)" }.joined(separator: "\n")
    }
}
