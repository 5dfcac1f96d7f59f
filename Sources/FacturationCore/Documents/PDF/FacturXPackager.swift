/// Turns a drawn PDF into a Factur-X invoice: PDF/A-3b with the CII XML embedded as
/// `factur-x.xml` (`/AFRelationship /Data`, in the catalog's `/AF` and `/Names/EmbeddedFiles`),
/// the XMP metadata of PDF/A-3b and of Factur-X (with its extension schema), an Info dictionary
/// with the same values, and an sRGB OutputIntent (cairo draws in device RGB).
///
/// Every date is the document's (no clock is read) and the `/ID` comes from the content, so the
/// same record gives the same bytes.
enum FacturXPackager {
    /// The profile written to the XMP (`fx:ConformanceLevel`), that of our CII XML.
    static let conformanceLevel = "EN 16931"
    /// Debian `icc-profiles-free`.
    static let sRGBProfile = "/usr/share/color/icc/sRGB.icc"

    struct Info {
        var title: String
        var author: String
        var subject: String
        /// ISO 8601 instant in UTC, e.g. `2025-08-31T00:00:00Z`.
        var date: String
        var producer = "facturation"
    }

    /// Reads the drawn PDF at `visual`, writes the Factur-X PDF to `path`.
    static func package(visual: String, xml: [UInt8], info: Info, to path: String) throws {
        let profile = try Storage.read(sRGBProfile, limit: 1 << 20)
        let pdf = try QPDFDocument(path: visual)
        let root = pdf.root
        let pdfDate = Self.pdfDate(info.date)
        let embedded = pdf.stream(
            xml,
            [
                ("/Type", pdf.name("/EmbeddedFile")), ("/Subtype", pdf.name("/text/xml")),
                ("/Params", pdf.dictionary([("/ModDate", pdf.string(pdfDate)), ("/Size", pdf.integer(xml.count))])),
            ])
        let fileSpec = pdf.indirect(
            pdf.dictionary([
                ("/Type", pdf.name("/Filespec")), ("/F", pdf.string("factur-x.xml")),
                ("/UF", pdf.string("factur-x.xml")), ("/Desc", pdf.string("Factur-X XML invoice")),
                ("/AFRelationship", pdf.name("/Data")),
                ("/EF", pdf.dictionary([("/F", embedded), ("/UF", embedded)])),
            ]))
        let names = pdf.dictionary([("/Names", pdf.array([pdf.string("factur-x.xml"), fileSpec]))])
        pdf.put(root, "/Names", pdf.dictionary([("/EmbeddedFiles", names)]))
        pdf.put(root, "/AF", pdf.array([fileSpec]))
        let intent = pdf.dictionary([
            ("/Type", pdf.name("/OutputIntent")), ("/S", pdf.name("/GTS_PDFA1")),
            ("/OutputConditionIdentifier", pdf.string("sRGB IEC61966-2.1")),
            ("/Info", pdf.string("sRGB IEC61966-2.1")),
            ("/DestOutputProfile", pdf.stream(profile, [("/N", pdf.integer(3))])),
        ])
        pdf.put(root, "/OutputIntents", pdf.array([pdf.indirect(intent)]))
        pdf.put(
            root, "/Metadata",
            pdf.stream(Array(xmp(info).utf8), [("/Type", pdf.name("/Metadata")), ("/Subtype", pdf.name("/XML"))]))
        pdf.put(root, "/PageMode", pdf.name("/UseAttachments"))
        let fields = [
            ("/Title", info.title), ("/Author", info.author), ("/Subject", info.subject),
            ("/Creator", info.producer), ("/Producer", info.producer), ("/CreationDate", pdfDate),
            ("/ModDate", pdfDate),
        ]
        pdf.put(pdf.trailer, "/Info", pdf.indirect(pdf.dictionary(fields.map { ($0.0, pdf.string($0.1)) })))
        try pdf.write(to: path)
    }

    /// `D:20250831000000+00'00'` from `2025-08-31T00:00:00Z`.
    static func pdfDate(_ iso: String) -> String {
        "D:" + iso.filter(\.isNumber).prefix(14) + "+00'00'"
    }

    /// The XMP packet: PDF/A-3b identification, the Info values, the Factur-X extension schema and values.
    static func xmp(_ info: Info) -> String {
        let date = info.date.replacingOccurrences(of: "Z", with: "+00:00")
        let properties = ["DocumentFileName", "DocumentType", "Version", "ConformanceLevel"].map { name in
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>\(name)</pdfaProperty:name>"
                + "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
                + "<pdfaProperty:category>external</pdfaProperty:category>"
                + "<pdfaProperty:description>Factur-X \(name)</pdfaProperty:description></rdf:li>"
        }
        return """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
            <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format>\
            <dc:title><rdf:Alt><rdf:li xml:lang="x-default">\(escape(info.title))</rdf:li></rdf:Alt></dc:title>\
            <dc:creator><rdf:Seq><rdf:li>\(escape(info.author))</rdf:li></rdf:Seq></dc:creator>\
            <dc:description><rdf:Alt><rdf:li xml:lang="x-default">\(escape(info.subject))</rdf:li></rdf:Alt></dc:description></rdf:Description>
            <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><pdf:Producer>\(escape(info.producer))</pdf:Producer></rdf:Description>
            <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>\(escape(info.producer))</xmp:CreatorTool>\
            <xmp:CreateDate>\(date)</xmp:CreateDate><xmp:ModifyDate>\(date)</xmp:ModifyDate></rdf:Description>
            <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
            xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\
            <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
            <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
            <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>\
            <pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>\(properties.joined())</rdf:Seq>\
            </pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
            <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">\
            <fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>\
            <fx:Version>1.0</fx:Version><fx:ConformanceLevel>\(conformanceLevel)</fx:ConformanceLevel></rdf:Description>
            </rdf:RDF></x:xmpmeta><?xpacket end="w"?>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
