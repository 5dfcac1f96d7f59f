#!/usr/bin/env python3
"""Writes the demo exports in demo/inbox/ (deterministic). Run from the repository root.

The files imitate what the demo company drops into its inbox: Clockify detailed reports
(CSV with the "Clockify Time Report" preamble, CSV as the web app exports it, Reports API JSON),
Qonto transaction exports (French CSV, API JSON), and one damaged bank export that the
pipeline must reject with a reason.
"""
import json, random, os

random.seed(20250801)
OUT = "demo/inbox"
os.makedirs(OUT, exist_ok=True)

USER = ("Camille Martin", "camille.martin@demo-conseil.fr")
USER2 = ("Hugo Bernard", "hugo.bernard@demo-conseil.fr")
WORK = [  # project, client, descriptions, billable, tags
    ("LAA - INFRA", "Les Automatismes Appliqués", ["Migration SAGE V12 - analyse", "Configuration RDS 2022", "Sauvegardes Veeam"], True, ""),
    ("LAA - Support", "Les Automatismes Appliqués", ["Maintenance mensuelle serveurs", "Support utilisateurs, tickets N2"], True, ""),
    ("PHARMABEST - M365", "PharmaBest", ["Déploiement Exchange Online", "Configuration Teams \"Direction\""], True, ""),
    ("PHARMABEST - SharePoint", "PharmaBest", ["Migration documents qualité", "Workflows Power Automate"], True, ""),
    ("QUADRIMEX - Support", "Quadrimex", ["Maintenance mensuelle postes", "Dépannage imprimante réseau"], True, "forfait"),
    ("Petras - ERP", "Petras Industrie", ["Paramétrage module stocks", "Formation utilisateurs ERP"], True, ""),
    ("Interne - Formation", "", ["Veille technique Azure", "Préparation certification"], False, ""),
    ("Interne - Administratif", "", ["Devis et relances", "Comptabilité"], False, ""),
]

def entries(year, month, days, seed):
    rnd = random.Random(seed)
    rows = []
    for day in days:
        hour = 9
        for _ in range(rnd.choice([1, 2, 2, 3])):
            project, client, descriptions, billable, tags = rnd.choice(WORK)
            user = USER if rnd.random() < 0.7 else USER2
            minutes = rnd.choice([30, 45, 60, 90, 120, 150, 180, 210, 240])
            start = hour * 60 + rnd.choice([0, 0, 5, 15, 30])
            end = start + minutes
            hour = end // 60 + 1
            if end >= 19 * 60:
                break
            rows.append(dict(project=project, client=client, description=rnd.choice(descriptions), user=user,
                             tags=tags, billable=billable, date=(year, month, day), start=start, end=end))
    return rows

def hms(minutes):
    return "%02d:%02d:00" % (minutes // 60, minutes % 60)

def amount(e):
    return (e["end"] - e["start"]) * 110 / 60 if e["billable"] else 0

# 1. July 2025: the SYAGA-style export (preamble, no quotes, ISO dates, CRLF, TOTAL row).
july = entries(2025, 7, [1, 2, 3, 4, 7, 8, 9, 10, 11, 15, 16, 17, 18, 21, 22, 23, 24, 25, 28, 29, 30, 31], 7)
lines = ["Clockify Time Report", "", "Workspace:,Demo Conseil", "Period:,July 2025", "Generated:,2025-08-01 08:12", "",
         "Project,Client,Description,Task,User,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,"
         "Duration (h),Duration (decimal),Billable Rate (EUR),Billable Amount (EUR)"]
total_min, total_amount = 0, 0
for e in july:
    y, m, d = e["date"]
    date = "%04d-%02d-%02d" % (y, m, d)
    desc = e["description"]
    if "," in desc or '"' in desc:
        desc = '"' + desc.replace('"', '""') + '"'
    dur = e["end"] - e["start"]
    total_min += dur
    total_amount += amount(e)
    lines.append(",".join([e["project"], e["client"], desc, "", e["user"][0], e["user"][1], e["tags"],
                           "Yes" if e["billable"] else "No", date, hms(e["start"]), date, hms(e["end"]),
                           hms(dur), "%.2f" % (dur / 60), "110.00" if e["billable"] else "0.00", "%.2f" % amount(e)]))
lines += ["", ",,,,,,,TOTAL:,,,,,%d:%02d:00,%.2f,,%.2f" % (total_min // 60, total_min % 60, total_min / 60, total_amount)]
with open(f"{OUT}/Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv", "w", encoding="utf-8", newline="") as f:
    f.write("\r\n".join(lines) + "\r\n")

# 2. August 2025: the web-app export (every field quoted, DD/MM/YYYY, LF).
august = entries(2025, 8, [1, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29], 8)
header = ["Project", "Client", "Description", "Task", "User", "Group", "Email", "Tags", "Billable", "Start Date",
          "Start Time", "End Date", "End Time", "Duration (h)", "Duration (decimal)", "Billable Rate (EUR)",
          "Billable Amount (EUR)"]
def quoted(values):
    return ",".join('"' + str(v).replace('"', '""') + '"' for v in values)
with open(f"{OUT}/Clockify_Time_Report_Detailed_01_08_2025-31_08_2025.csv", "w", encoding="utf-8", newline="") as f:
    f.write(quoted(header) + "\n")
    for e in august:
        y, m, d = e["date"]
        date = "%02d/%02d/%04d" % (d, m, y)
        dur = e["end"] - e["start"]
        f.write(quoted([e["project"], e["client"], e["description"], "", e["user"][0], "", e["user"][1], e["tags"],
                        "Yes" if e["billable"] else "No", date, hms(e["start"]), date, hms(e["end"]), hms(dur),
                        "%.2f" % (dur / 60), "110.00" if e["billable"] else "0.00", "%.2f" % amount(e)]) + "\n")

# 3. September 2025: the Reports API detailed report (JSON, ids, cents, seconds).
september = entries(2025, 9, [1, 2, 3, 4, 5, 8, 9, 10], 9)
report = {"totals": [], "timeentries": []}
for index, e in enumerate(september):
    y, m, d = e["date"]
    start = "%04d-%02d-%02dT%s+02:00" % (y, m, d, hms(e["start"]))
    end = "%04d-%02d-%02dT%s+02:00" % (y, m, d, hms(e["end"]))
    dur = (e["end"] - e["start"]) * 60
    report["timeentries"].append({
        "_id": "66d%021x" % (index + 1), "description": e["description"], "userName": e["user"][0],
        "userEmail": e["user"][1], "projectName": e["project"], "clientName": e["client"], "taskName": "",
        "tags": [{"name": e["tags"]}] if e["tags"] else [], "billable": e["billable"],
        "timeInterval": {"start": start, "end": end, "duration": dur},
        "rate": 11000 if e["billable"] else 0, "amount": round(amount(e) * 100), "type": "REGULAR"})
with open(f"{OUT}/clockify-report-2025-09.json", "w", encoding="utf-8") as f:
    json.dump(report, f, ensure_ascii=False, indent=2)

# 4. Qonto French CSV for July-August 2025 (one transfer still pending at export time).
IBAN = "FR7216958000010123456789012"
qonto_header = ("Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l'opération (UTC);"
                "Date de l'opération (local);Montant total (TTC);Débit;Crédit;Solde;Devise;Nom du compte;IBAN du compte;"
                "Nom de la contrepartie;IBAN de la contrepartie;Méthode de paiement;Identifiant de transaction;"
                "Référence;Note")
txns = [
    ("Exécuté", "02-07-2025 08:14:03", -1250.00, "Loyer Bureaux Marseille", "FR7630004000031234567890143", "Prélèvement", "Loyer juillet"),
    ("Exécuté", "07-07-2025 10:02:51", 2040.00, "Les Automatismes Appliques", "FR7630003000701234567890185", "Virement", "F20250601 F20250602"),
    ("Exécuté", "15-07-2025 14:30:00", -89.99, "Microsoft Ireland", "", "Carte", "M365 Business"),
    ("Exécuté", "21-07-2025 09:11:40", 600.00, "PHARMABEST SAS", "FR7630004000039876543210107", "Virement", "Facture F20250706"),
    ("Exécuté", "31-07-2025 16:45:12", -3120.50, "URSSAF PACA", "", "Prélèvement", "Cotisations T2"),
    ("Exécuté", "05-08-2025 08:14:03", -1250.00, "Loyer Bureaux Marseille", "FR7630004000031234567890143", "Prélèvement", "Loyer août"),
    ("Exécuté", "12-08-2025 11:20:00", 1680.00, "Les Automatismes Appliques", "FR7630003000701234567890185", "Virement", "FACT F2025-0704"),
    ("Exécuté", "20-08-2025 10:00:00", 600.00, "QUADRIMEX", "", "Virement", "Paiement factures juillet et aout"),
    ("En cours", "", 240.00, "GENLOG", "", "Virement", "F20250703 F20250802"),
]
with open(f"{OUT}/qonto-transactions-juillet-aout-2025.csv", "w", encoding="utf-8", newline="") as f:
    f.write(qonto_header + "\n")
    balance = 15000.00
    for index, (status, when, value, who, their_iban, method, ref) in enumerate(txns):
        balance += value if status == "Exécuté" else 0
        def fr(x):
            text = "%.2f" % abs(x)
            whole, cents = text.split(".")
            groups = []
            while len(whole) > 3:
                groups.insert(0, whole[-3:]); whole = whole[:-3]
            groups.insert(0, whole)
            return ("-" if x < 0 else "") + "\u00a0".join(groups) + "," + cents
        utc = when  # the demo keeps UTC and local identical except for the offset written below
        operation = when or "29-08-2025 17:02:10"
        txn_id = "qonto-demo-%04d" % (index + 1)
        f.write(";".join([status, "", when, "", operation, fr(value), fr(-value) if value < 0 else "",
                          fr(value) if value > 0 else "", fr(balance), "EUR", "Compte principal", IBAN, who,
                          their_iban, method, txn_id, ref, ""]) + "\n")

# 5. Qonto API JSON (September): includes the booked version of the pending GENLOG transfer.
api = {"transactions": [
    {"id": "6f0c7b1e-0001", "transaction_id": "qonto-demo-0009", "amount": 240.0, "amount_cents": 24000,
     "side": "credit", "currency": "EUR", "status": "completed", "operation_type": "income",
     "label": "GENLOG", "clean_counterparty_name": "GENLOG", "reference": "F20250703 F20250802",
     "settled_at": "2025-09-01T07:30:00.000Z", "emitted_at": "2025-08-29T15:02:10.000Z", "note": None},
    {"id": "6f0c7b1e-0002", "transaction_id": "qonto-demo-0010", "amount": 1250.0, "amount_cents": 125000,
     "side": "debit", "currency": "EUR", "status": "completed", "operation_type": "direct_debit",
     "label": "Loyer Bureaux Marseille", "clean_counterparty_name": "Loyer Bureaux Marseille",
     "reference": "Loyer septembre", "settled_at": "2025-09-02T06:14:03.000Z",
     "emitted_at": "2025-09-02T06:14:03.000Z", "note": None},
    {"id": "6f0c7b1e-0003", "transaction_id": "qonto-demo-0011", "amount": 1400.0, "amount_cents": 140000,
     "side": "credit", "currency": "EUR", "status": "completed", "operation_type": "transfer",
     "label": "LES AUTOMATISMES APPLIQUES", "clean_counterparty_name": "Les Automatismes Appliqués",
     "reference": "F 2025 0803", "settled_at": "2025-09-08T09:45:00.000Z",
     "emitted_at": "2025-09-08T09:45:00.000Z", "note": "forfait août, acompte",
     "transfer": {"counterparty_account_number": "FR7630003000701234567890185"}},
    {"id": "6f0c7b1e-0004", "transaction_id": "qonto-demo-0012", "amount": 600.0, "amount_cents": 60000,
     "side": "credit", "currency": "EUR", "status": "completed", "operation_type": "transfer",
     "label": "PHARMABEST", "clean_counterparty_name": "PHARMABEST SAS",
     "reference": "VIREMENT PHARMABEST", "settled_at": "2025-09-05T08:00:00.000Z",
     "emitted_at": "2025-09-05T08:00:00.000Z", "note": None,
     "transfer": {"counterparty_account_number": "FR7630004000039876543210107"}},
], "meta": {"current_page": 1, "next_page": None, "prev_page": None, "total_pages": 1, "total_count": 4, "per_page": 100}}
with open(f"{OUT}/qonto-api-2025-09.json", "w", encoding="utf-8") as f:
    json.dump(api, f, ensure_ascii=False, indent=2)

# 6. A damaged Qonto export (edited by hand in a spreadsheet): it must be rejected, with reasons.
with open(f"{OUT}/releve-qonto-modifie-a-la-main.csv", "w", encoding="utf-8", newline="") as f:
    f.write(qonto_header + "\n")
    f.write(";".join(["Exécuté", "", "03-09-2025 10:00:00", "", "03-09-2025 10:00:00", "1 250,00,5", "", "", "", "EUR",
                      "Compte principal", IBAN, "PETRAS", "", "Virement", "qonto-demo-0101", "F20250805", ""]) + "\n")
    f.write(";".join(["Exécuté", "", "31-09-2025 10:00:00", "", "31-09-2025 10:00:00", "480,00", "", "", "", "EUR",
                      "Compte principal", IBAN, "BUQUET", "", "Virement", "qonto-demo-0102", "F20250806", ""]) + "\n")
print("demo files written to", OUT)
