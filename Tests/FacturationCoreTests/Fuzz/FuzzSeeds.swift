import Foundation

@testable import FacturationCore

/// Starting points of the mutations: the demo exports of demo/inbox, small valid samples of
/// every variant a reader accepts, and the TOML and decision examples of the README.
enum FuzzSeeds {
    /// The repository root (`Tests/FacturationCoreTests/Fuzz/` is three folders below it).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func demo(_ name: String) -> [UInt8] {
        let url = repository.appendingPathComponent("demo/inbox/\(name)")
        return (try? Array(Data(contentsOf: url))) ?? []
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: - Clockify CSV

    static let clockifyCSV: [[UInt8]] = [
        demo("Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv"),
        demo("Clockify_Time_Report_Detailed_01_08_2025-31_08_2025.csv"),
        bytes(
            """
            Project,Client,Description,Task,User,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal),Billable Rate (EUR),Billable Amount (EUR)\r
            LAA - Support,LAA,"Tickets, ""urgent"" now",N2,Camille,c@x.fr,"onsite, remote",Yes,07/15/2025,09:00 AM,07/15/2025,11:30 PM,14:30:00,14.50,100.00,1450.00\r
            Interne - R&D,,Veille,,Hugo,h@x.fr,,No,07/16/2025,11:00 PM,07/17/2025,01:00 AM,02:00:00,2.00,0.00,0.00\r
            TOTAL,,,,,,,,,,,,16:30:00,16.50,,1450.00\r

            """),
        bytes(
            """
            "Projekt","Kunde","Beschreibung","Aufgabe","Benutzer","Gruppe","Email","Tags","Abrechenbar","Startdatum","Startzeit","Enddatum","Endzeit","Dauer (h)","Dauer (dezimal)","Abrechenbarer Tarif (CHF)","Rechnungsbetrag (CHF)"
            "Beratung","Muster AG","Workshop","","Anna","","anna@example.ch","","Ja","15.07.2025","09:00","15.07.2025","11:00","02:00:00","2.00","150.00","300.00"
            "Beratung","Muster AG","Nacht","","Anna","","anna@example.ch","","Nein","26.10.2025","02:30:00","26.10.2025","02:45:00","00:15:00","0.25","150.00","37.50"
            """),
        bytes(
            "\u{FEFF}Projet;Client;Description;Tâche;Utilisateur;E-mail;Étiquettes;Facturable;Type;Facturé;ID de facture;"
                + "Date de début;Heure de début;Date de fin;Heure de fin;Durée (h);Durée (décimal);Taux facturable (EUR);"
                + "Montant facturable (EUR);Date de création\n"
                + "Petras - ERP;Petras Industrie;Forfait paramétrage;;Camille;c@x.fr;;Oui;REGULAR;Non;;30/03/2025;01:30;30/03/2025;"
                + "03:30;01:00;1,00;110,00;110,00;2025-03-30\n"),
        bytes(
            """
            Project\tDescription\tUser\tStart Date\tStart Time\tEnd Date\tEnd Time\tDuration (h)\tBillable Rate (EUR)\tBillable Amount (EUR)
            A\tpaid\tCamille\t2025-07-01\t09:00\t2025-07-01\t10:00\t01:00:00\t100.00\t100.00
            B\t"multi
            line [approval]
            description"\tCamille\t2025-07-01\t10:00\t2025-07-01\t11:00\t01:00:00\t0.00\t0.00
            """),
    ]

    static let clockifyCSVTokens: [String] = [
        "Project", "Client", "Description", "Task", "User", "Email", "Tags", "Billable", "Start Date", "Start Time",
        "End Date", "End Time", "Duration (h)", "Duration (decimal)", "Billable Rate (EUR)", "Billable Amount (USD)",
        "Billable Rate (€)", "Type", "Invoiced", "Invoice ID", "Date of creation", "Group", "TOTAL",
        "Clockify Time Report",
        "Yes", "No", "Ja", "Oui", "2025-07-01", "07/15/2025", "15/07/2025", "31.12.9999", "0000-00-00", "2025-02-29",
        "2024-02-29", "30/03/2025", "26/10/2025", "13/13/2025", "9999-99-99", "1/1/1", "09:00", "09:00:00", "12:00 AM",
        "12:59 PM", "13:00 PM", "24:00", "23:59:60", "99:99:99", "00:00", "-01:00", "999999:00:00", "1:2:3:4", "0.5",
        "-1.00", "100,00", "1.000,50", "1,000.50", "9999999999.99", "00:00:00", "PT1H", "[approval]", "[credit_note]",
        "receipt,invoice,amount,by,comment", "\"\"", "\"a\"\"b\"", "\r\n", "\n\n",
    ]

    // MARK: - Clockify JSON

    static let clockifyJSON: [[UInt8]] = [
        demo("clockify-report-2025-09.json"),
        bytes(
            """
            {"totals": [], "timeentries": [
              {"_id": "abc123", "description": "Workshop", "userName": "Luke", "userEmail": "luke@example.com",
               "projectName": "LAA - INFRA", "clientName": "LAA", "taskName": "Consulting", "billable": true,
               "timeInterval": {"start": "2025-08-28T15:48:00+10:00", "end": "2025-08-28T18:42:00+10:00", "duration": 10440},
               "rate": 4500, "amount": 13050, "type": "REGULAR", "tags": [{"name": "onsite"}]}
            ]}
            """),
        bytes(
            """
            [
              {"id": "e1", "description": "Dev \\u00e9\\ud83d\\ude00", "billable": true, "type": "REGULAR",
               "timeInterval": {"start": "2025-08-01T07:00:00Z", "end": "2025-08-01T09:54:00Z", "duration": "PT2H54M"},
               "hourlyRate": {"amount": 10000, "currency": "EUR"}, "tagIds": null,
               "project": {"name": "PharmaBest - M365", "clientName": "PharmaBest"}, "task": {"name": "Setup"}},
              {"id": "e2", "description": "Running", "billable": true,
               "timeInterval": {"start": "2025-08-01T10:00:00Z", "end": null, "duration": null}},
              {"id": "e3", "description": "Long", "billable": false,
               "timeInterval": {"start": "2025-03-30T00:30:00.5+01:00", "end": "2025-03-31T00:30:00Z", "duration": "P1DT1H0M0.5S"},
               "hourlyRate": {"amount": 12345, "currency": "EUR"}, "project": {"name": "Interne", "clientName": ""}}
            ]
            """),
    ]

    static let jsonTokens: [String] = [
        "{", "}", "[", "]", ":", ",", "\"", "null", "true", "false", "0", "-0", "1e400", "-1e-400", "1.5E+308",
        "123456789012345678901234567890", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\uZZZZ\"", "\"\\",
        "\"timeentries\"", "\"timeInterval\"", "\"transactions\"", "\"start\"", "\"end\"", "\"duration\"", "\"rate\"",
        "\"amount\"", "\"amount_cents\"", "\"side\"", "\"credit\"", "\"debit\"", "\"status\"", "\"completed\"",
        "\"pending\"",
        "\"declined\"", "\"settled_at\"", "\"emitted_at\"", "\"currency\"", "\"EUR\"", "\"XXX\"", "\"_id\"", "\"id\"",
        "\"transaction_id\"", "\"hourlyRate\"", "\"project\"", "\"billable\"", "\"PT0S\"", "\"PT99999999999999H\"",
        "\"P9999999999999999999D\"", "\"PT-1H\"", "\"2025-08-01T07:00:00Z\"", "\"2025-13-01T25:61:61+99:99\"",
        "\"9999-12-31T23:59:59.999999999-23:59\"", "\"0000-01-01T00:00:00Z\"", "\"2025-02-30T00:00:00Z\"",
        "\"2025-03-30T02:30:00\"", "9223372036854775807", "-9223372036854775808", "99999999999999999999",
        "\"PT2562047788015216H\"", "\"P106751991167301D\"", "\"P15250284452472W\"", "\"PT153722867280912931M\"",
        "\"PT9223372036854775807S\"", "\"P1DT1H1M1.9S\"", "\"PT,5S\"", "\"P\"", "\"PT\"", "922337203685477580",
        "\"tags\"", "[{\"name\": \"x\"}]", "{\"name\": 1}", "\"label\"", "\"reference\"", "\"note\"",
    ]

    // MARK: - Qonto

    static let qontoCSV: [[UInt8]] = [
        demo("qonto-transactions-juillet-aout-2025.csv"),
        demo("releve-qonto-modifie-a-la-main.csv"),
        bytes(
            """
            Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Debit,Credit,Currency,Account IBAN,Counterparty name,Transaction ID
            settled,2025-09-02 08:00:00,2025-09-02 08:00:00,,,"1,234.50",EUR,FR72 1695 8000 0101 2345 6789 012,Client SA,t-1
            settled,2025-09-03 08:00:00,2025-09-03 08:00:00,-80.00,80.00,,EUR,FR7216958000010123456789012,Supplier,t-2
            pending,,2025-09-04 08:00:00,12.00,,12.00,EUR,FR7216958000010123456789012,Client SA,
            declined,,2025-09-05 08:00:00,-3.00,3.00,,EUR,FR7216958000010123456789012,Shop,t-4
            """),
        bytes(
            [
                BankConverterTests.frenchHeader,
                BankConverterTests.french(
                    "Exécuté", settledLocal: "31-07-2025 23:30:00", operation: "31-07-2025 22:00:00",
                    amount: "-1\u{00A0}292,79", id: "q-1", reference: "Loyer"),
                BankConverterTests.french(
                    "En cours", settledLocal: "", operation: "02-08-2025 10:00:00", amount: "300,00",
                    id: "q-3"),
                BankConverterTests.french(
                    "Remboursé", settledLocal: "03-08-2025 10:00:00", operation: "03-08-2025 10:00:00",
                    amount: "-12,00", id: "q-4"),
            ].joined(separator: "\r\n")),
    ]

    static let qontoCSVTokens: [String] = [
        "Statut", "Montant total (TTC)", "Identifiant de transaction", "Date de la valeur (UTC)",
        "Date de la valeur (local)",
        "Date de l'opération (local)", "Débit", "Crédit", "Devise", "IBAN du compte", "Nom de la contrepartie",
        "Référence", "Status", "Total amount (incl. VAT)", "Transaction ID", "Settlement date (UTC)",
        "Counterparty name",
        "Account IBAN", "Exécuté", "En cours", "Refusé", "Annulé", "Remboursé", "settled", "pending", "declined",
        "reversed", "EUR", "USD", "XXX", "FR7216958000010123456789012", "FR7630004000031234567890143",
        "DE89370400440532013000",
        "31-07-2025 23:30:00", "29-02-2025 10:00:00", "31-09-2025 10:00:00", "00-00-0000 00:00:00",
        "31-12-9999 23:59:59",
        "2025-09-02 08:00:00", "1 250,00", "-1\u{00A0}292,79", "1\u{202F}000,00", "2 040,00,5", "1.000,50", "-0,01",
        "+5,00",
        "--5", "1,234.50", "99999999999999999,99", "Virement", "Prélèvement", "F20250805",
    ]

    static let qontoJSON: [[UInt8]] = [
        demo("qonto-api-2025-09.json"),
        bytes(
            """
            {"transactions": [
              {"transaction_id": "qonto-1", "amount": 12.5, "amount_cents": 1250, "side": "debit", "currency": "EUR",
               "status": "completed", "settled_at": "2025-09-30T22:30:00.000Z", "emitted_at": "2025-09-30T20:00:00.000Z",
               "label": "CB Resto", "reference": null, "operation_type": "card"},
              {"id": "uuid-2", "amount": 99.99, "side": "credit", "currency": "EUR", "status": "pending",
               "settled_at": null, "emitted_at": "2025-10-01T08:00:00Z", "label": "Client", "clean_counterparty_name": "Client SA",
               "transfer": {"counterparty_account_number": "FR76 3000 4000 0312 3456 7890 143"}}
            ], "meta": {"current_page": 1, "next_page": null, "total_count": 2}}
            """),
    ]

    // MARK: - camt.053

    /// The v08 fixture and a one-entry v02 statement (the v02 fixture's second account is not the
    /// fuzz pipeline's, so it would be rejected as a whole).
    /// The Oxygène register export: ISO-8859-1 (`é` is one byte), `;`, CRLF, French decimals.
    static let oxygeneRegister: [[UInt8]] = [
        latin1(
            "Numéro;Client;Date;Total HT;Total TTC;Acompte TTC;TTC origine;Mt acompte;MT Réglé;MT Perte;Reste dû;"
                + "Comptabilisée;Acompte HT;TVA / Acompte\r\n"
                + "F 20250701;LAA01 - LES AUTOMATISMES APPLIQUES;01/07/2025;1800;2160;0;;0;0;0;2160;Non;0;0\r\n"
                + "A 20250702;LAA01 - LES AUTOMATISMES APPLIQUES;01/07/2025;-250;-300;0;;0;0;0;-300;Non;0;0\r\n"
                + "F 20100401;IN4001 - INQUARTO Consulting;11/04/2010;6436,5;7698,05;0;;0;7698,05;0;0;Non;0;0\r\n"),
        latin1("Numéro;Client;Date;Total HT;Total TTC\n\"F 1\";\"PH01 - PHARMA; BEST\";31/12/2024;1 000,00;1 200,00\n"),
    ]

    static let oxygeneRegisterTokens: [String] = [
        "Numéro;Client;Date;Total HT;Total TTC", ";", "\r\n", "F ", "A ", " - ", "31/07/2025", "29/02/2024",
        "-4186", "5358,08", "1 000,00", "0,005", "\"", "MT Réglé", "Reste dû", "\u{FEFF}",
    ]

    /// `text` in ISO-8859-1 (every character is below U+0100).
    static func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }

    static let camt: [[UInt8]] = [
        (try? Array(Data(contentsOf: repository.appendingPathComponent("Tests/Fixtures/camt/camt053-v08.xml")))) ?? [],
        bytes(CamtConverterTests.v02(CamtConverterTests.entry())),
    ]

    static let camtTokens: [String] = [
        "<Ntry>", "</Ntry>", "<Stmt>", "</Stmt>", "<TxDtls>", "</TxDtls>", "<Amt Ccy=\"EUR\">", "<Amt Ccy=\"JPY\">",
        "<Amt>", "</Amt>", "<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd>", "<Sts>PDNG</Sts>",
        "<Sts>INFO</Sts>", "<Cd>BOOK</Cd>", "<RvslInd>true</RvslInd>", "<Dt>2025-02-30</Dt>",
        "<DtTm>2025-09-10T23:30:00Z</DtTm>",
        "<IBAN>", "</IBAN>", "FR7216958000010123456789012", "camt.053.001.02", "camt.053.001.99",
        "99999999999999999.99",
        "-1.00", "1.005", "<!DOCTYPE d [<!ENTITY e SYSTEM \"http://example.com/x\">]>", "&e;", "<![CDATA[x]]>", "&#0;",
    ]

    // MARK: - OFX, CFONB 120, MT940

    static func fixture(_ path: String) -> [UInt8] {
        (try? Array(Data(contentsOf: repository.appendingPathComponent("Tests/Fixtures/\(path)")))) ?? []
    }

    /// The 2.x fixture and a 1.x statement (the 1.x fixture's second account is not the fuzz
    /// pipeline's, so it would be rejected as a whole).
    static let ofx: [[UInt8]] = [
        fixture("ofx/ofx2-xml.ofx"),
        bytes(
            OfxConverterTests.sgml(OfxConverterTests.transaction() + "\n" + OfxConverterTests.transaction(id: "T-2"))),
    ]

    static let ofxTokens: [String] = [
        "<STMTTRN>", "</STMTTRN>", "<STMTRS>", "</STMTRS>", "<BANKTRANLIST>", "<TRNAMT>", "<TRNAMT>-1.00",
        "<TRNAMT>1,5", "<FITID>", "<DTPOSTED>20251010233000.000[-5:EST]", "<DTPOSTED>20250230", "<CURDEF>JPY",
        "<CURRENCY><CURSYM>USD</CURRENCY>", "<ORIGCURRENCY><CURRATE>1.1<CURSYM>USD</ORIGCURRENCY>", "<BANKID>16958",
        "<ACCTID>FR7216958000010123456789012", "<ACCTID>0123456789012", "CHARSET:1252", "<!-- c -->", "&amp;",
        "&#0;", "&#x110000;", "</OFX>", "<OFX>", "99999999999999999.99",
    ]

    /// The fixture without line ends and a one-movement statement with line ends.
    static let cfonb: [[UInt8]] = [
        fixture("cfonb/cfonb-no-line-ends.txt"),
        bytes(CfonbConverterTests.statement([("030925", 150_000, "VIR SEPA CLIENT SA"), ("040925", -1_200, "FRAIS")])),
    ]

    static let cfonbTokens: [String] = [
        CfonbConverterTests.movement("300925", -1_200, "FRAIS"), CfonbConverterTests.balance("07", "300925", 1),
        CfonbConverterTests.balance("01", "010925", 0), "0516958001100001EUR2 0123456789005030925     MMOUSD2",
        "}", "{", "R", "I", "9999999999999", "310225", "EUR9", "JPY0", "\r\n", "\n",
    ]

    /// The plain fixture and a statement with the SWIFT envelope.
    static let mt940: [[UInt8]] = [
        fixture("mt940/mt940-plain.txt"),
        bytes("{1:F01BANKFRPPAXXX0000000000}{4:\n" + Mt940ConverterTests.statement(Mt940ConverterTests.line) + "-}\n"),
    ]

    static let mt940Tokens: [String] = [
        ":20:", ":25:", ":60F:C250901EUR1000,00", ":60M:", ":61:", ":61:2509030903RC12,50NTRFNONREF//X",
        ":61:2512310102D1,NMSC", ":86:", "?20", "?32", "/NAME/", "/REMI/USTD//", ":62F:D250930EUR0,", ":62M:",
        "16958 00001 01234567890 12", "BANKFRPPXXX/FR7216958000010123456789012", "//", "NONREF", "{4:", "-}",
        "99999999999999,99",
    ]

    // MARK: - Requests (TOML)

    static var approvalForm: String {
        let line = InvoiceLine(
            number: 1, articleCode: "HOUR", description: "LAA - Support – juillet 2025",
            quantity: Quantity(tenThousandths: 15_000), unitCode: "HUR", unitPriceMinor: 11_000,
            netAmountMinor: 16_500, vatCategory: "S", vatRateBasisPoints: 2_000, period: nil, entryCount: 3)
        let draft = InvoiceDraft(
            id: "time-LAA-2025-07-1a2b3c4d5e", kind: .invoice, clientCode: "LAA",
            origin: .init(type: .time, draftID: "time-LAA-2025-07-1a2b3c4d5e", contract: nil, period: "2025-07"),
            title: "Prestations juillet 2025", servicePeriod: nil, lines: [line], recordKeys: ["te:1#1"],
            dueOn: CivilDate(year: 2025, month: 8, day: 31)!, precedingInvoice: nil, reason: nil, notes: ["a note"],
            approvalReason: nil, annex: [])
        let totals = try! InvoiceTotals.compute(lines: [line], exemption: { _ in (nil, nil) })
        return ApprovalRequest.render(
            draft: draft, totals: totals, reason: "first invoice of the client",
            pipeline: FuzzScratch.sharedPipeline)
    }

    static var requests: [[UInt8]] {
        [
            bytes(approvalForm),
            bytes(
                approvalForm.replacingOccurrences(of: "decision = \"approve\"", with: "decision = \"reject\"")
                    .replacingOccurrences(of: "reason = \"\"", with: "reason = \"Heures à revoir\"")),
            bytes(
                """
                [credit_note]
                invoice = "F20250809"
                reason = "Heures de support facturées deux fois"
                lines = [1]          # optional: every line by default
                rebill = true        # optional (default true): the credited time entries become billable again
                by = "Camille"
                """),
            bytes("\u{FEFF}# comment\npipeline = 'demo-conseil'\n\n[approval]\ndraft = \"\"\"x\"\"\"\nby = '''C'''\n"),
            bytes(
                """
                [dunning_hold]
                invoice = "F20250809"    # or client = "LAA"
                reason = "Litige sur les heures de juillet"
                by = "Camille"
                lift = false
                """),
            bytes(
                """
                [one_off]
                client = "LAA"
                title = "Audit"
                reference = "audit-2025"
                period_start = 2025-07-07
                period_end = 2025-07-11
                [[one_off.lines]]
                description = "Forfait"
                amount = 4500.00
                [[one_off.lines]]
                description = "Jours"
                days = 1.5
                daily_rate = 850
                [[one_off.lines]]
                description = "Licences"
                quantity = 12
                unit_price = "25.00"
                unit = "MON"
                """),
        ]
    }

    static let tomlTokens: [String] = [
        "[approval]", "[credit_note]", "[dunning_hold]", "[one_off]", "[[one_off.lines]]", "amount", "days", "quantity",
        "unit_price", "daily_rate", "client", "lift", "[[approval]]", "[company]",
        "[company.address]", "[[clients]]", "[[rules]]",
        "[invoicing]", "[[contracts]]", "[accounting]", "[[accounting.rules]]", "[inbox]", "[clockify]", "[approval.x]",
        "draft", "decision", "approve", "reject", "by", "reason", "invoice", "lines", "rebill", "pipeline", "=", " = ",
        "\"", "'", "\"\"\"", "'''", "\\", "\\u0000", "\\U0010FFFF", "\\uD800", "\\x41", "#", "\n", "\r\n", "\r", ".",
        "a.b.c", "\"quoted key\"", "true", "false", "nan", "+inf", "-inf", "0x7FFFFFFFFFFFFFFF", "0o777", "0b1",
        "9223372036854775808", "-9223372036854775809", "1_000", "1__0", "1e400", "1979-05-27T07:32:00Z",
        "1979-05-27T07:32:00.999999-07:00", "1979-05-27", "07:32:00", "2025-02-30", "24:00:00", "[1, 2, 3]", "[]",
        "{ a = 1 }", "{}", "[[1], [2]]", "[1,]", "code", "name", "siren", "iban", "time_zone", "Europe/Paris",
        "Mars/Olympus", "amount", "frequency", "monthly", "quarterly", "yearly", "months", "day", "start", "end",
        "above_total", "deviation_percent", "hourly_rate", "daily_rate", "vat", "vat_rate", "payment_terms",
        "\"45 days end of month\"", "\"999 days\"", "settle_seconds", "date_format", "category", "FORFAIT",
        "fec_separator", "fec_encoding", "fiscal_year_end", "\"02-30\"", "invoice_number", "\"F{YYYY}{MM}{SEQ:2}\"",
        "\"{SEQ:99}\"", "\"{SEQ:0}\"", "\"{YYYY}\"", "next_invoice_number", "\"F99999999999999999999\"", "../../x",
        "\"../../x\"", "\"A/B\"", "\"..\"", "\"X Y\"", "\"=CMD()\"", "\"\\n[approval]\\n\"",
    ]

    // MARK: - Pipelines (TOML)

    static var pipelines: [[UInt8]] {
        let demoPipeline =
            (try? Array(Data(contentsOf: repository.appendingPathComponent("pipelines/demo-conseil.toml"))))
            ?? []
        return [demoPipeline, bytes(WorkspaceTemplate.examplePipeline), bytes(FuzzScratch.pipelineText)]
    }

    // MARK: - Payment decisions

    static let decisions: [[UInt8]] = [
        bytes(
            """
            receipt,invoice,amount,by,comment
            qonto:FR7216958000010123456789012:txn-42,F20250803,,Camille,paid for LAA and LAA Maroc
            qonto:FR7216958000010123456789012:txn-42,F20250804,120.50,Camille,"partial, see ""mail"" today"
            qonto:FR7216958000010123456789012:txn-43,IGNORE,,Camille,"refund of a supplier, not a customer payment"

            """),
        bytes("\u{FEFF}receipt,invoice,amount,by,comment\r\nbank:0123abcd#1,ignore,,Hugo,\r\n"),
    ]

    static let decisionTokens: [String] = [
        "receipt", "invoice", "amount", "by", "comment", "IGNORE", "ignore", ",", "\"", "\"\"", "\r\n",
        "qonto:FR7216958000010123456789012:txn-42", "F20250803", "0", "0.00", "-1.00", "0.001", "1,5", "1.000.00",
        "92233720368547758.07", "92233720368547758.08", "1e5", " ", "receipt,invoice,amount,by,comment",
    ]

    static func tokens(_ list: [String]...) -> [[UInt8]] {
        list.flatMap { $0 }.map { Array($0.utf8) }
    }
}

extension FuzzScratch {
    /// The fuzz pipeline, loaded once (for rendering the approval form seed).
    static let sharedPipeline: PipelineConfig = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-fuzz-seed-\(UUID().uuidString.prefix(8)).toml"
        ).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(pipelineText.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try! PipelineLoader.load(path: path, shownAs: "pipelines/fuzz.toml")
    }()
}
