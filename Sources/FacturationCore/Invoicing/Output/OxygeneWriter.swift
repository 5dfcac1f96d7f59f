import Foundation

/// Renders issued documents as one Memsoft Oxygène sales-document import file
/// ("Outils → Import → Import XML"), validated against ``OxygeneSchema`` before it is returned.
///
/// The layout follows the file the company imported for July 2025 (`FACTURES_JUILLET_2025_STANDARD.xml`)
/// and the vendor sample (`EXEMPLE_IMPORT_PIECES.xml`):
///
/// - UTF-8 **with a byte order mark**, as in the vendor sample. The July 2025 file had none and was
///   imported too, so Oxygène takes both; the BOM keeps Windows tools from reading accents as ANSI.
/// - `<DataSet xmlns="http://tempuri.org/">` holding `<NewDataSet xmlns="http://tempuri.org/data.xsd">`,
///   one `PIECE` per document in the order given, indented with tabs like the vendor sample.
/// - `PIECE` children in the order of the July 2025 file: `CLIENT_CODE`, `TYPE`, `WEB_ID`, `DESIG`,
///   `DATE_CREATION`, `DATE_LIVRAISON`, `TAUX_REMISE`, `TAUX_ESCOMPTE`, `GCPREG_CODE`, `PORT_HT`,
///   `FRAIS_HT`, `ECOTAXE`, `NBRE_JOURS`, `DECALAGE`, `MONNAIE`, `VALID`, `ARRETE` (only for
///   end-of-month terms), one billing `adresse`, then one `LIGNE` per invoice line.
/// - `TYPE` is `F` for an invoice and `A` for a credit note (see ``pieceType(_:)``).
/// - `GCPTVA_CODE` is the Oxygène VAT code of each line's rate (standard VAT) or of the document's
///   exemption, from `[oxygene.vat_codes]` (``OxygeneSettings``): `NORM` for 20 % and `EXO` for the
///   exemptions unless configured. A document with a rate that has no code is not written (see
///   ``problem(of:settings:)``): the caller exports the others and reports it.
/// - `WEB_ID` is our legal number (`F20250803`): Oxygène keeps it as the external id.
/// - `DATE_LIVRAISON` is the Factur-X delivery date (BT-72, ``CIIWriter/actualDeliveryDate(_:)``),
///   else the issue date: never after `DATE_CREATION`, as in both real files (a fee billed on the 1st
///   for the month it covers is not delivered yet).
/// - Two `adresse` blocks, as in the July 2025 file: `facturation`, then `livraison` (the client's
///   delivery address, else a copy of the billing address without its phone and e-mail).
/// - Amounts and rates have a decimal comma and two decimals (`100,00`); quantities two to four
///   (`7,25`, `0,1250`); dates are `dd/mm/yyyy`. Amounts are written as stored on the document.
/// - Every text is NFC-normalized and its control characters (line breaks, tabs) become spaces; the
///   piece `DESIG` is the document title, shortened on a word boundary to 50 characters only when it
///   is longer (see ``title(_:)``).
package enum OxygeneWriter {
    /// Namespace of the root `DataSet`.
    package static let namespace = "http://tempuri.org/"
    /// Namespace of `NewDataSet` and everything inside it.
    package static let dataNamespace = "http://tempuri.org/data.xsd"
    /// Maximum length of the piece `DESIG`, in characters (Unicode scalars).
    ///
    /// No source gives Oxygène's limit: the real files hold titles of at most 40 characters (the
    /// July 2025 file, whose generator cut at 50, and the vendor sample, at most 20), and Memsoft's
    /// text-import help says a string longer than its field is cut by the importer. 50 is the longest
    /// length a file imported by the company could have held; the full title stays in the lines.
    package static let titleLimit = 50

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The import file for `documents`, one `PIECE` each, in the order given.
    ///
    /// - Throws: ``OxygeneExportError/noDocuments`` for an empty batch, the ``problem(of:settings:)``
    ///   of the first document that cannot be written (before anything is written; callers leave such
    ///   documents out first), and ``OxygeneExportError/invalidOutput(problems:)`` if the file does
    ///   not match ``OxygeneSchema`` (a bug, or a configured code that Oxygène cannot take, such as
    ///   one with a space).
    package static func xml(for documents: [InvoiceDocument], settings: OxygeneSettings = .init()) throws -> [UInt8] {
        guard !documents.isEmpty else { throw OxygeneExportError.noDocuments }
        for document in documents {
            if let problem = problem(of: document, settings: settings) { throw problem }
        }
        let writer = XMLWriter(indent: true, indentString: "\t")
        writer.start("DataSet")
        writer.attribute("xmlns", namespace)
        writer.start("NewDataSet")
        writer.attribute("xmlns", dataNamespace)
        for document in documents {
            writePiece(document, settings: settings, to: writer)
        }
        writer.end()
        writer.end()
        let bytes = try writer.finish(prefix: byteOrderMark)

        // Streamed: the tree of a month of invoices would be 15 times the file (see the method).
        let problems = try OxygeneSchema.validator().streamedProblems(in: bytes)
        guard problems.isEmpty else { throw OxygeneExportError.invalidOutput(problems: problems) }
        return bytes
    }

    /// Why `document` cannot be written into an Oxygène file, nil when it can: its client has no
    /// Oxygène code, or one of its lines has a VAT rate with no Oxygène VAT code (``OxygeneSettings``:
    /// a rate is never booked under another rate's code).
    package static func problem(of document: InvoiceDocument, settings: OxygeneSettings) -> OxygeneExportError? {
        if clean(document.oxygeneClientCode ?? "").isEmpty {
            return .missingClientCode(client: document.clientCode, name: document.buyer.name)
        }
        for line in document.lines
        where settings.vatCode(treatment: document.vatTreatment, rateBasisPoints: line.vatRateBasisPoints) == nil {
            return .unsupportedVATRate(document: document.number, rateBasisPoints: line.vatRateBasisPoints)
        }
        return nil
    }

    /// The Oxygène piece type: `F` (facture) for an invoice, `A` (avoir) for a credit note.
    ///
    /// The vendor sample only shows `F`, `D` (devis) and `C` (commande). `A` is our choice: it is the
    /// prefix Oxygène itself gives credit notes in the company's numbering (`A202507nn`). It must be
    /// checked by a manual import on a real Oxygène install before a credit note is exported.
    package static func pieceType(_ kind: InvoiceDocument.Kind) -> String {
        switch kind {
        case .invoice: "F"
        case .creditNote: "A"
        }
    }

    // MARK: - Elements

    private static func writePiece(_ document: InvoiceDocument, settings: OxygeneSettings, to writer: XMLWriter) {
        writer.start("PIECE")
        writer.element("CLIENT_CODE", clean(document.oxygeneClientCode ?? ""))
        writer.element("TYPE", pieceType(document.kind))
        writer.element("WEB_ID", clean(document.number))
        writer.element("DESIG", title(clean(document.title)))
        writer.element("DATE_CREATION", date(document.issueDate))
        writer.element("DATE_LIVRAISON", date(CIIWriter.actualDeliveryDate(document) ?? document.issueDate))
        writer.element("TAUX_REMISE", "0,00")
        writer.element("TAUX_ESCOMPTE", "0,00")
        writer.element("GCPREG_CODE", clean(document.payment.oxygeneMethodCode))
        writer.element("PORT_HT", "0,00")
        writer.element("FRAIS_HT", "0,00")
        writer.element("ECOTAXE", "0")
        writer.element("NBRE_JOURS", String(document.payment.days))
        writer.element("DECALAGE", "0")
        writer.element("MONNAIE", clean(document.currency))
        writer.element("VALID", "1")
        // `F` ("fin de mois") is the only value seen. The July 2025 file has it on every piece, net
        // 30 days included, because its generator wrote a constant; the vendor sample leaves it out
        // of a piece with immediate terms. Written for net terms, it would make Oxygène compute a
        // later due date than the invoice's: we write it for end-of-month terms only.
        if document.payment.endOfMonth { writer.element("ARRETE", "F") }
        writeBillingAddress(of: document.buyer, to: writer)
        writeDeliveryAddress(document.deliveryAddress ?? document.buyer.address, name: document.buyer.name, to: writer)
        for line in document.lines {
            let vatCode =
                settings.vatCode(treatment: document.vatTreatment, rateBasisPoints: line.vatRateBasisPoints) ?? ""
            writer.start("LIGNE")
            writer.element("NUMERO", String(line.number))
            writer.element("ARTICLE_WEB_CODE", clean(line.articleCode))
            writer.element("DESIG", clean(line.description))
            writer.element("QTE", line.quantity.text(minimumDecimals: 2, decimalMark: ","))
            writer.element("PUHT", amount(line.unitPriceMinor))
            writer.element("TAUX_REMISE", "0,00")
            writer.element("GCPTVA_CODE", vatCode)
            writer.end()
        }
        writer.end()
    }

    /// The buyer's billing address. Oxygène has two street lines: a third line of ours is appended
    /// to `ADRESSE2` after a comma rather than lost.
    private static func writeBillingAddress(of buyer: InvoiceDocument.Party, to writer: XMLWriter) {
        let lines = buyer.address.lines.map(clean).filter { !$0.isEmpty }
        writer.start("adresse")
        writer.element("STYPE", "facturation")
        writer.element("NOM", clean(buyer.name))
        writer.element("ADRESSE", lines.first ?? "")
        writer.optionalElement("ADRESSE2", lines.dropFirst().joined(separator: ", "))
        writer.element("CP", clean(buyer.address.postcode))
        writer.element("VILLE", clean(buyer.address.city))
        writer.element("PAYS", countryName(buyer.address.country))
        writer.optionalElement("EMAIL", buyer.email.map(clean))
        writer.end()
    }

    /// The delivery address (`STYPE` `livraison`): the client's, or a copy of the billing address
    /// without phone and e-mail, as in the July 2025 file (which also drops `ADRESSE2`: we keep it).
    private static func writeDeliveryAddress(
        _ address: InvoiceDocument.PostalAddress, name: String, to writer: XMLWriter
    ) {
        let lines = address.lines.map(clean).filter { !$0.isEmpty }
        writer.start("adresse")
        writer.element("STYPE", "livraison")
        writer.element("NOM", clean(name))
        writer.element("ADRESSE", lines.first ?? "")
        writer.optionalElement("ADRESSE2", lines.dropFirst().joined(separator: ", "))
        writer.element("CP", clean(address.postcode))
        writer.element("VILLE", clean(address.city))
        writer.element("PAYS", countryName(address.country))
        writer.end()
    }

    // MARK: - Formats

    /// French country names Oxygène shows (`PAYS`), by ISO 3166-1 alpha-2 code.
    static let countryNames: [String: String] = [
        "FR": "France", "BE": "Belgique", "CH": "Suisse", "MA": "Maroc", "GB": "Royaume-Uni",
        "DE": "Allemagne", "LU": "Luxembourg", "ES": "Espagne", "IT": "Italie", "US": "États-Unis",
        "NL": "Pays-Bas", "PT": "Portugal", "IE": "Irlande", "AT": "Autriche", "MC": "Monaco",
        "CA": "Canada", "TN": "Tunisie", "DZ": "Algérie", "SN": "Sénégal", "CI": "Côte d'Ivoire",
    ]

    /// The French name of the country `code` (`FR` → `France`), or the code itself when unknown.
    static func countryName(_ code: String) -> String {
        let key = clean(code).uppercased()
        return countryNames[key] ?? key
    }

    /// `dd/mm/yyyy`.
    static func date(_ date: CivilDate) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(date.day, 2) + "/" + pad(date.month, 2) + "/" + pad(date.year, 4)
    }

    /// Minor units with a decimal comma and two decimals: `-129279` is `-1292,79`.
    static func amount(_ minorUnits: Int64) -> String {
        DecimalText.format(minorUnits: minorUnits, scale: 2, decimalMark: ",")
    }

    /// `text` in NFC, with every control character (line break, tab…) turned into a space and the
    /// ends trimmed.
    static func clean(_ text: String) -> String {
        // Printable ASCII is already NFC and has no control character: only the trimming applies.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            guard text.utf8.first == 0x20 || text.utf8.last == 0x20 else { return text }
            return text.trimmingCharacters(in: .whitespaces)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }

    /// The piece `DESIG`: `text` itself when it has at most ``titleLimit`` characters; else cut on a
    /// word boundary. A title ending with a period (`Forfait conseil trimestriel – Juillet à septembre
    /// 2025`) keeps the period whole and shortens the label before ` – ` (`Forfait conseil – Juillet
    /// à septembre 2025`): the period is what tells two pieces of a client apart.
    static func title(_ text: String, limit: Int = titleLimit) -> String {
        guard text.unicodeScalars.count > limit else { return text }
        if let dash = text.range(of: " – ", options: .backwards) {
            let suffix = String(text[dash.lowerBound...])
            let room = limit - suffix.unicodeScalars.count
            let label = wordPrefix(String(text[..<dash.lowerBound]), toScalars: room)
            if room >= 10, !label.isEmpty { return label + suffix }
        }
        let cut = wordPrefix(text, toScalars: limit)
        return cut.isEmpty ? truncated(text, toScalars: limit) : cut
    }

    /// The longest prefix of `text` of at most `limit` scalars that ends at the end of a word
    /// (before a space, or the whole text), without trailing spaces or dashes; empty when the first
    /// word is already too long.
    static func wordPrefix(_ text: String, toScalars limit: Int) -> String {
        let prefix = truncated(text, toScalars: limit)
        if prefix.count == text.count { return prefix }
        let next = text[text.index(text.startIndex, offsetBy: prefix.count)]
        var result = Substring(prefix)
        if !next.isWhitespace {
            // The cut fell inside a word: go back to the space before it.
            guard let space = result.lastIndex(where: \.isWhitespace) else { return "" }
            result = result[..<space]
        }
        while let last = result.last, last.isWhitespace || last == "–" || last == "-" || last == "," {
            result.removeLast()
        }
        return String(result)
    }

    /// The longest prefix of `text` with at most `limit` Unicode scalars that ends on a character
    /// boundary (an accent is never separated from its letter), trailing spaces removed.
    static func truncated(_ text: String, toScalars limit: Int) -> String {
        var result = ""
        var count = 0
        for character in text {
            let size = character.unicodeScalars.count
            if count + size > limit { break }
            result.append(character)
            count += size
        }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}

/// An Oxygène import file could not be written.
package enum OxygeneExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The batch holds no document.
    case noDocuments
    /// A document's client has no Oxygène client code (`CLIENT_CODE`); `client` is our code.
    case missingClientCode(client: String, name: String)
    /// A line of `document` has standard VAT at a rate (basis points) with no Oxygène VAT code in `[oxygene.vat_codes]`.
    case unsupportedVATRate(document: String, rateBasisPoints: Int)
    /// The file written does not match ``OxygeneSchema``; each problem is `line N: message`.
    case invalidOutput(problems: [String])

    package var description: String {
        switch self {
        case .noDocuments:
            "there is no document to export to Oxygène"
        case .missingClientCode(let client, let name):
            "client \(client) (\(name)) has no Oxygène client code: set oxygene_code in the [[clients]] "
                + "entry with code = \"\(client)\" of the pipeline file (it must match the client's code in Oxygène)"
        case .unsupportedVATRate(let document, let rate):
            "\(document) has VAT at \(DecimalText.format(minorUnits: Int64(rate), scale: 2, decimalMark: ","))\u{A0}%, "
                + "which has no Oxygène VAT code: add \"\(OxygeneSettings.rateKey(rate))\" = \"…\" (the code of that "
                + "VAT type in Oxygène) under [oxygene.vat_codes] in the pipeline file; the document is exported on the next run"
        case .invalidOutput(let problems):
            "the Oxygène file does not match its schema (a configured code may contain a space, "
                + "otherwise this is a bug):\n" + problems.map { "  " + $0 }.joined(separator: "\n")
        }
    }
}
