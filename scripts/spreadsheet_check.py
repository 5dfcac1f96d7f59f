#!/usr/bin/env python3
"""Opens CSV and XLSX files in LibreOffice Calc (headless) and prints what Calc sees, as JSON.

    scripts/spreadsheet_check.py FILE...

CSV files are imported the way that is most dangerous for them: comma separator, UTF-8, quoted
fields NOT forced to text, special numbers detected, and formulas EVALUATED (CSV filter option
token 13), so an unguarded `=1+1` or `=HYPERLINK(...)` becomes a formula cell. XLSX files are
opened as they are. Each file is converted to flat ODF (`.fods`) by one `soffice --convert-to`
run per kind, with a private profile (-env:UserInstallation) and a timeout, and the first sheet is
read back with the standard library.

Output: {"files": {"<path>": {"cells": [[row, column, type, value, text, formula], ...],
"filter": "A1:K41" or null, "frozen_rows": 1 or null}}}, rows and columns from 0, only
non-empty cells; type is LibreOffice's office:value-type (float, currency, percentage, date,
time, boolean, string); value is office:value / office:date-value / office:boolean-value (or the
text for strings); formula is table:formula or null; filter is the range of the autofilter Calc
found; frozen_rows is read from the XLSX itself (headless Calc keeps no view settings).
Exit 2 when LibreOffice is missing or fails.
"""
import re
import zipfile
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

# Separator 44 (,), text delimiter 34 ("), charset 76 (UTF-8), first line 1, no column formats,
# language 1033 (en-US: a point is the decimal mark), quoted field as text false, detect special
# numbers true, (3 export-only tokens), all sheets -1, evaluate formulas true.
CSV_FILTER = "Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1,true"
TIMEOUT_SECONDS = 300


def soffice():
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("error: LibreOffice (soffice) is not installed: run scripts/setup-deps "
             "(Debian package libreoffice-calc-nogui)")


def convert(inputs, outdir, profile, infilter=None):
    if not inputs:
        return
    command = [soffice(), "-env:UserInstallation=file://" + profile, "--headless", "--norestore",
               "--nolockcheck"]
    if infilter:
        command.append("--infilter=" + infilter)
    command += ["--convert-to", "fods", "--outdir", outdir] + inputs
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout.decode("utf-8", "replace"))
        sys.exit(2)


def cell_text(element):
    """The text of a text:p, with text:s (spaces), tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag.split("}")[1]
        if tag == "s":
            parts.append(" " * int(child.get(f"{{{TEXT}}}c", "1")))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        else:
            parts.append(cell_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_cells(fods):
    tree = ET.parse(fods)
    table = next(tree.iter(f"{{{TABLE}}}table"))
    cells = []
    row_index = 0
    for row in table.iter(f"{{{TABLE}}}table-row"):
        row_repeat = int(row.get(f"{{{TABLE}}}number-rows-repeated", "1"))
        column = 0
        for cell in row:
            if cell.tag not in (f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell"):
                continue
            repeat = int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1"))
            kind = cell.get(f"{{{OFFICE}}}value-type")
            formula = cell.get(f"{{{TABLE}}}formula")
            text = "\n".join(cell_text(p) for p in cell.findall(f"{{{TEXT}}}p"))
            if kind or formula or text:
                value = (cell.get(f"{{{OFFICE}}}value") or cell.get(f"{{{OFFICE}}}date-value")
                         or cell.get(f"{{{OFFICE}}}boolean-value") or cell.get(f"{{{OFFICE}}}time-value")
                         or cell.get(f"{{{OFFICE}}}string-value") or text)
                # Equal neighbours are written once with a repeat count.
                for extra_row in range(min(row_repeat, 1024)):
                    for offset in range(min(repeat, 1024)):
                        cells.append([row_index + extra_row, column + offset, kind, value, text, formula])
            column += repeat
        row_index += row_repeat
    return cells


def read_filter(fods):
    """The cell range of the first autofilter (database range with filter buttons), sheet names dropped."""
    for database in ET.parse(fods).iter(f"{{{TABLE}}}database-range"):
        if database.get(f"{{{TABLE}}}display-filter-buttons") == "true":
            address = database.get(f"{{{TABLE}}}target-range-address", "")
            return ":".join(part.rsplit(".", 1)[-1] for part in address.split(":"))
    return None


def frozen_rows(xlsx):
    with zipfile.ZipFile(xlsx) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    pane = re.search(r'<pane [^>]*ySplit="(\d+)"[^>]*state="frozen"', sheet)
    return int(pane.group(1)) if pane else None


def main(paths):
    if not paths:
        sys.exit(__doc__)
    work = tempfile.mkdtemp(prefix="spreadsheet-check-")
    try:
        profile = os.path.join(work, "profile")
        outdir = os.path.join(work, "out")
        os.makedirs(outdir)
        names = {}
        groups = {"csv": [], "xlsx": []}
        for index, path in enumerate(paths):
            kind = "xlsx" if path.lower().endswith(".xlsx") else "csv"
            # Unique names: files of different folders often share one (2025-07.csv).
            copy = os.path.join(work, f"f{index:05d}.{kind}")
            shutil.copyfile(path, copy)
            groups[kind].append(copy)
            names[path] = os.path.join(outdir, f"f{index:05d}.fods")
        convert(groups["csv"], outdir, profile, CSV_FILTER)
        convert(groups["xlsx"], outdir, profile)
        files = {}
        for path, fods in names.items():
            if not os.path.exists(fods):
                sys.stderr.write(f"error: LibreOffice did not convert {path}\n")
                sys.exit(2)
            files[path] = {"cells": read_cells(fods), "filter": read_filter(fods),
                           "frozen_rows": frozen_rows(path) if path.lower().endswith(".xlsx") else None}
        json.dump({"files": files}, sys.stdout, ensure_ascii=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
