#!/usr/bin/env python3
"""Writes the Oxygène register export ("Factures clients.csv") that Oxygène would give after importing
facturation's pieces (outbox/oxygene/*.xml), for the demo and the tests: the round trip of issue #12
without an Oxygène.

    scripts/oxygene_register.py --out "inbox/Factures clients.csv" \
        [--history demo/oxygene/historique.csv] [--rate NORM=20 --rate EXO=0] outbox/oxygene/*.xml

What it assumes of Oxygène (the numbering mode "facturation", README "Who owns the legal numbers"):
- each piece keeps our number (WEB_ID) as Oxygène's: `F20250701` is written `F 20250701`;
- the totals are Oxygène's own: each line's amount excl. VAT is QTE x PUHT less its discount, rounded
  half up to the cent; the VAT of the piece is, per VAT code, the rate of the code (`--rate`; NORM 20 %
  and EXO 0 % by default, as `[oxygene.vat_codes]`) applied to the sum of its lines, rounded half up;
- nothing is paid in Oxygène (payments are rarely entered there): `MT Réglé` 0, `Reste dû` the total;
- the client is `CLIENT_CODE - NOM` of the billing address; the date is DATE_CREATION; a credit note
  (TYPE A) has negative totals.
`--history` adds the register's documents from before facturation (a file in the register's own format,
UTF-8, with its header), as Oxygène holds them. The file is written like the company's real export:
ISO-8859-1, `;`, CRLF, French decimals without trailing zeros, sorted by date then number; written under
a temporary name and renamed, so an inbox never sees half of it.
"""

import argparse
import csv
import os
import sys
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

HEADER = [
    "Numéro", "Client", "Date", "Total HT", "Total TTC", "Acompte TTC", "TTC origine", "Mt acompte",
    "MT Réglé", "MT Perte", "Reste dû", "Comptabilisée", "Acompte HT", "TVA / Acompte",
]
CENT = Decimal("0.01")


def french(text):
    """`1 000,50` -> Decimal('1000.50')."""
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def written(amount):
    """Decimal -> the register's form: `5358,08`, `4480`, `6436,5`, `-4186`."""
    text = format(amount.quantize(CENT), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child(element, name):
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def text(element, name):
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""


def piece_row(piece, rates, source):
    number = text(piece, "WEB_ID")
    kind = text(piece, "TYPE")
    if kind not in ("F", "A") or not number.startswith(kind) or not number[1:].isdigit():
        sys.exit(f"{source}: piece {number!r} of type {kind!r}: not an Oxygène number F… or A…")
    if french(text(piece, "TAUX_REMISE") or "0") != 0:
        sys.exit(f"{source}: {number} has a discount on the whole piece, which this script does not compute")
    name = ""
    for address in piece:
        if local(address.tag) == "adresse" and text(address, "STYPE") == "facturation":
            name = text(address, "NOM")
    by_code = {}
    for line in piece:
        if local(line.tag) != "LIGNE":
            continue
        code = text(line, "GCPTVA_CODE")
        if code not in rates:
            sys.exit(f"{source}: {number} has the VAT code {code!r}: give its rate with --rate {code}=…")
        amount = french(text(line, "QTE")) * french(text(line, "PUHT"))
        amount *= 1 - french(text(line, "TAUX_REMISE") or "0") / 100
        by_code[code] = by_code.get(code, Decimal(0)) + amount.quantize(CENT, rounding=ROUND_HALF_UP)
    excl = sum(by_code.values(), Decimal(0))
    vat = sum(((base * rates[code] / 100).quantize(CENT, rounding=ROUND_HALF_UP) for code, base in by_code.items()),
              Decimal(0))
    incl = excl + vat
    if kind == "A":
        excl, incl = -excl, -incl
    return [
        f"{kind} {number[1:]}", f"{text(piece, 'CLIENT_CODE')} - {name}", text(piece, "DATE_CREATION"),
        written(excl), written(incl), "0", "", "0", "0", "0", written(incl), "Non", "0", "0",
    ]


def sort_key(row):
    day, month, year = row[2].split("/")
    return (year, month, day, row[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="the register file to write")
    parser.add_argument("--history", help="register rows from before facturation (UTF-8, with the header)")
    parser.add_argument("--rate", action="append", default=[], help="CODE=PERCENT of an Oxygène VAT code")
    parser.add_argument("pieces", nargs="*", help="Oxygène import files written by facturation")
    arguments = parser.parse_args()
    rates = {"NORM": Decimal(20), "EXO": Decimal(0)}
    for given in arguments.rate:
        code, _, percent = given.partition("=")
        rates[code] = french(percent)
    rows = []
    for path in sorted(arguments.pieces):
        for element in ET.parse(path).getroot().iter():
            if local(element.tag) == "PIECE":
                rows.append(piece_row(element, rates, path))
    if arguments.history:
        with open(arguments.history, encoding="utf-8", newline="") as file:
            history = list(csv.reader(file, delimiter=";"))
        if not history or history[0] != HEADER:
            sys.exit(f"{arguments.history}: the first line is not the register's header")
        rows += [row for row in history[1:] if row]
    seen = set()
    for row in rows:
        if len(row) != len(HEADER):
            sys.exit(f"{row[0]}: {len(row)} columns, the register has {len(HEADER)}")
        if row[0] in seen:
            sys.exit(f"{row[0]} twice: Oxygène numbers are unique")
        seen.add(row[0])
    rows.sort(key=sort_key)
    body = "".join(";".join(row) + "\r\n" for row in [HEADER] + rows).encode("iso-8859-1")
    temporary = os.path.join(os.path.dirname(os.path.abspath(arguments.out)), ".oxygene-register.tmp")
    with open(temporary, "wb") as file:
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, arguments.out)
    print(f"{arguments.out}: {len(rows)} documents")

if __name__ == "__main__":
    main()
