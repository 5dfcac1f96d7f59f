#!/usr/bin/env python3
"""Prints the debit and credit totals per account of a FEC file as read by fec-parser (PyPI), an
independent parser, to cross-check facturation's own reading (FECChecker) in the tests.

Usage: .venv-fx/bin/python scripts/fec_totals.py FILE

Output: one line per CompteNum, sorted: `CompteNum<TAB>debit<TAB>credit`, amounts with a dot and
2 decimals (e.g. `411000	1200.00	0.00`). fec-parser sniffs the separator (| or tab) and the encoding
(UTF-8 with or without BOM, else ISO-8859-15) and reads the columns by name. Exit 1 (errors on
stderr) when it refuses the file, 2 on a wrong command line. Needs scripts/setup-validation-venv.
"""
import sys
from decimal import Decimal

from fec_parser.errors import BadFECFileError
from fec_parser.parser import FECParser


def main(argv):
    if len(argv) != 2:
        print("usage: fec_totals.py FILE", file=sys.stderr)
        return 2
    name = argv[1]
    totals = {}
    with open(name, "rb") as stream:
        parser = FECParser.from_bytesio(stream, filename=name)
        try:
            errors = parser.parse()
        except BadFECFileError as error:
            print(f"{name}: fec-parser refuses the file: {error}", file=sys.stderr)
            return 1
        if errors:
            for error in errors:
                print(f"{error.filename}:{error.line}: {error.message}", file=sys.stderr)
            return 1
        for row in parser.get_ecritures():
            debit, credit = totals.get(row.compte_num, (Decimal(0), Decimal(0)))
            totals[row.compte_num] = (debit + row.debit, credit + row.credit)
    for account in sorted(totals):
        debit, credit = totals[account]
        print(f"{account}\t{debit:.2f}\t{credit:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
