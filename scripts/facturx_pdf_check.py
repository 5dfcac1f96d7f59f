#!/usr/bin/env python3
"""Checks Factur-X PDF/A-3 files the way a receiver would, without veraPDF (not packaged for Debian or PyPI).

For each PDF given: the factur-x library (PyPI) extracts the embedded XML and validates it against the
Factur-X XSD (its own copy); the XML is written beside the PDF as <pdf>.xml, for scripts/svrl_check.py.
Then pikepdf checks the PDF/A-3 structure: trailer /ID, no encryption, no JavaScript, an sRGB GTS_PDFA1
OutputIntent, the XMP claiming PDF/A-3B with the Factur-X extension schema and values, Info = XMP,
factur-x.xml in the catalog's /AF with /AFRelationship /Data, an embedded-file stream /text/xml with
/ModDate. Prints one line per file and exits 1 when any file fails.

Usage: .venv-fx/bin/python scripts/facturx_pdf_check.py file.pdf ...
"""
import sys

import facturx
import pikepdf

FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


def xml_problems(path, data):
    try:
        name, xml = facturx.get_xml_from_pdf(data, check_xsd=True)
    except Exception as error:  # the library raises plain exceptions on an invalid XML
        return [f"factur-x: {error}"]
    if name != "factur-x.xml" or not xml:
        return [f"factur-x: embedded file is {name!r}"]
    with open(path + ".xml", "wb") as out:
        out.write(xml)
    return []


def structure_problems(path):
    problems = []
    pdf = pikepdf.open(path)
    root = pdf.Root
    if "/ID" not in pdf.trailer:
        problems.append("trailer /ID missing")
    if pdf.is_encrypted:
        problems.append("encrypted")
    if "/JavaScript" in root.get("/Names", {}) or "/OpenAction" in root:
        problems.append("JavaScript or OpenAction")
    intents = [i for i in root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i]
    if not intents:
        problems.append("no GTS_PDFA1 OutputIntent")
    meta = pdf.open_metadata()
    if meta.pdfa_status != "3B":
        problems.append(f"XMP claims PDF/A {meta.pdfa_status!r}, not 3B")
    if meta.get(f"{{{FX}}}ConformanceLevel") != "EN 16931":
        problems.append("fx:ConformanceLevel is not EN 16931")
    if meta.get(f"{{{FX}}}DocumentFileName") != "factur-x.xml" or meta.get(f"{{{FX}}}DocumentType") != "INVOICE":
        problems.append("fx:DocumentFileName or fx:DocumentType")
    if "/Metadata" not in root or b"pdfaExtension:schemas" not in root.Metadata.read_bytes():
        problems.append("no PDF/A extension schema for fx")
    for key, prop in (("/Title", "dc:title"), ("/Producer", "pdf:Producer"), ("/Creator", "xmp:CreatorTool")):
        if str(pdf.docinfo.get(key, "")) != str(meta.get(prop, "")):
            problems.append(f"Info {key} differs from XMP {prop}")
    specs = [f for f in root.get("/AF", []) if str(f.get("/UF", f.get("/F", ""))) == "factur-x.xml"]
    if not specs:
        problems.append("factur-x.xml is not in the catalog /AF")
    for spec in specs:
        if spec.get("/AFRelationship") != "/Data":
            problems.append("AFRelationship is not /Data")
        stream = spec.EF.F
        if stream.get("/Subtype") != "/text/xml" or "/ModDate" not in stream.get("/Params", {}):
            problems.append("embedded file without /Subtype /text/xml or /ModDate")
    return problems


def main(paths):
    failed = False
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        problems = xml_problems(path, data) + structure_problems(path)
        print(path, "; ".join(problems) or "OK")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
