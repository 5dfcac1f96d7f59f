import Foundation

/// Our own W3C XML Schema for the Memsoft Oxygène sales-document import file written by ``OxygeneWriter``.
///
/// Memsoft has not published the schema of its importer (a .NET typed `DataSet`), so this one is
/// reverse-engineered from the vendor sample `EXEMPLE_IMPORT_PIECES.xml` and from the file the
/// company really imported for July 2025 (`FACTURES_JUILLET_2025_STANDARD.xml`). It states exactly
/// what we write, and accepts as optional the other elements the vendor sample shows:
///
/// - Two namespaces, hence two schema documents: ``xsd`` (``fileName``, target namespace
///   `http://tempuri.org/`) declares the root `DataSet` and imports ``dataXSD`` (``dataFileName``,
///   target namespace `http://tempuri.org/data.xsd`), which declares `NewDataSet` and everything in it.
/// - Element order is fixed (`xs:sequence`) in the order of the July 2025 file, `ARRETE` after `VALID`;
///   `ARRETE` right after `NBRE_JOURS`, as in the vendor sample, is accepted too.
/// - Dates are `dd/mm/yyyy`; amounts and rates have a decimal comma and two decimals (`100,00`),
///   quantities two to four (`7,25`, `0,1250`); the dot decimals of the vendor sample are rejected.
/// - `TYPE` is `F` (invoice), `A` (credit note, our choice), `D` (quote) or `C` (order); `STYPE` is
///   `facturation` or `livraison`; `WEB_ID` is unique in a file, `STYPE` and `NUMERO` within a piece.
/// - The piece `DESIG` is 1 to 50 characters.
///
/// The vendor sample itself does not validate (dot decimals, `FRAIS_HT` `11`, elements out of order,
/// comment lines without article): Oxygène reads it leniently, we write strictly.
package enum OxygeneSchema {
    /// File name of ``xsd`` when written to disk; ``dataXSD`` must sit next to it.
    package static let fileName = "OxygeneImport.xsd"
    /// File name of ``dataXSD``, the `schemaLocation` ``xsd`` imports.
    package static let dataFileName = "OxygeneImportData.xsd"

    /// The root schema (`DataSet`, namespace `http://tempuri.org/`); it imports ``dataXSD`` from ``dataFileName``.
    package static let xsd: String = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Memsoft Oxygène sales-document import, root document (facturation's own schema). -->
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
                   xmlns:d="http://tempuri.org/data.xsd"
                   targetNamespace="http://tempuri.org/"
                   elementFormDefault="qualified">
          <xs:import namespace="http://tempuri.org/data.xsd" schemaLocation="OxygeneImportData.xsd"/>
          <xs:element name="DataSet">
            <xs:complexType>
              <xs:sequence>
                <xs:element ref="d:NewDataSet"/>
              </xs:sequence>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """#

    /// The schema of `NewDataSet` and its content (namespace `http://tempuri.org/data.xsd`).
    package static let dataXSD: String = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Memsoft Oxygène sales-document import, data namespace (facturation's own schema). -->
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
                   xmlns:d="http://tempuri.org/data.xsd"
                   targetNamespace="http://tempuri.org/data.xsd"
                   elementFormDefault="qualified">

          <xs:element name="NewDataSet">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="PIECE" type="d:Piece" maxOccurs="unbounded">
                  <xs:unique name="OneAddressPerType">
                    <xs:selector xpath="d:adresse"/>
                    <xs:field xpath="d:STYPE"/>
                  </xs:unique>
                  <xs:unique name="UniqueLineNumber">
                    <xs:selector xpath="d:LIGNE"/>
                    <xs:field xpath="d:NUMERO"/>
                  </xs:unique>
                </xs:element>
              </xs:sequence>
            </xs:complexType>
            <xs:unique name="UniqueWebID">
              <xs:selector xpath="d:PIECE"/>
              <xs:field xpath="d:WEB_ID"/>
            </xs:unique>
          </xs:element>

          <!-- One sales document. Elements marked "vendor" are accepted but never written by us. -->
          <xs:complexType name="Piece">
            <xs:sequence>
              <xs:element name="CLIENT_CODE" type="d:Code"/>
              <xs:element name="TYPE" type="d:PieceType"/>
              <xs:element name="WEB_ID" type="d:WebID"/>
              <xs:element name="DESIG" type="d:PieceTitle"/>
              <xs:element name="DATE_CREATION" type="d:Date"/>
              <xs:element name="DATE_LIVRAISON" type="d:Date"/>
              <xs:element name="TAUX_REMISE" type="d:Rate"/>
              <xs:element name="TAUX_ESCOMPTE" type="d:Rate"/>
              <xs:element name="GCPREG_CODE" type="d:Code"/>
              <xs:element name="PORT_HT" type="d:Amount"/>
              <xs:element name="PORT_TVA_CODE" type="d:OptionalCode" minOccurs="0"/>  <!-- vendor -->
              <xs:element name="FRAIS_HT" type="d:Amount"/>
              <xs:element name="FRAIS_TVA_CODE" type="d:OptionalCode" minOccurs="0"/> <!-- vendor -->
              <xs:element name="ECOTAXE" type="d:Ecotax"/>
              <xs:element name="GCPEXP_CODE" type="d:OptionalCode" minOccurs="0"/>    <!-- vendor -->
              <xs:element name="GCPTRA_CODE" type="d:OptionalCode" minOccurs="0"/>    <!-- vendor -->
              <xs:element name="NBRE_JOURS" type="d:Days"/>
              <!-- ARRETE, written only for end-of-month terms, comes after VALID as in the July 2025
                   file (our order); the vendor sample puts it right after NBRE_JOURS. -->
              <xs:choice>
                <xs:sequence>
                  <xs:element name="DECALAGE" type="d:Days"/>
                  <xs:element name="MONNAIE" type="d:Currency"/>
                  <xs:element name="VALID" type="d:Flag"/>
                  <xs:element name="ARRETE" type="d:Cutoff" minOccurs="0"/>
                </xs:sequence>
                <xs:sequence>                                                           <!-- vendor -->
                  <xs:element name="ARRETE" type="d:Cutoff"/>
                  <xs:element name="DECALAGE" type="d:Days"/>
                  <xs:element name="MONNAIE" type="d:Currency"/>
                  <xs:element name="VALID" type="d:Flag"/>
                </xs:sequence>
              </xs:choice>
              <xs:element name="GCPREGM_CODE" type="d:OptionalCode" minOccurs="0"/>   <!-- vendor -->
              <!-- A billing address, then a delivery one (the client's, else a copy), as in the July 2025 file. -->
              <xs:element name="adresse" type="d:Address" maxOccurs="2"/>
              <xs:element name="LIGNE" type="d:Line" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>

          <xs:complexType name="Address">
            <xs:sequence>
              <xs:element name="STYPE" type="d:AddressType"/>
              <xs:element name="NOM" type="d:Text"/>
              <xs:element name="ADRESSE" type="xs:string"/>
              <xs:element name="ADRESSE2" type="xs:string" minOccurs="0"/>
              <xs:element name="CP" type="xs:string"/>
              <xs:element name="VILLE" type="xs:string"/>
              <xs:element name="REGION" type="xs:string" minOccurs="0"/>                <!-- vendor -->
              <xs:element name="PAYS" type="xs:string"/>
              <xs:element name="TEL" type="xs:string" minOccurs="0"/>
              <xs:element name="MOBILE" type="xs:string" minOccurs="0"/>                <!-- vendor -->
              <xs:element name="FAX" type="xs:string" minOccurs="0"/>                   <!-- vendor -->
              <xs:element name="EMAIL" type="xs:string" minOccurs="0"/>
            </xs:sequence>
          </xs:complexType>

          <!-- One line; the vendor's comment lines (no article, no price) are not accepted. -->
          <xs:complexType name="Line">
            <xs:sequence>
              <xs:element name="NUMERO" type="d:LineNumber"/>
              <xs:element name="ARTICLE_WEB_CODE" type="d:Code"/>
              <xs:element name="DESIG" type="d:Text"/>
              <xs:element name="QTE" type="d:Quantity"/>
              <xs:element name="PUHT" type="d:Amount"/>
              <xs:element name="TAUX_REMISE" type="d:Rate"/>
              <xs:element name="GCPTVA_CODE" type="d:Code"/>
              <xs:element name="GCPTPF_CODE" type="d:OptionalCode" minOccurs="0"/>    <!-- vendor -->
              <xs:element name="GCPDEPOT_CODE" type="d:OptionalCode" minOccurs="0"/>  <!-- vendor -->
            </xs:sequence>
          </xs:complexType>

          <!-- An Oxygène code (client, article, payment method, VAT code): no spaces. -->
          <xs:simpleType name="Code">
            <xs:restriction base="xs:string">
              <xs:pattern value="[A-Za-z0-9][A-Za-z0-9_.\-]*"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="OptionalCode">
            <xs:restriction base="xs:string">
              <xs:pattern value="([A-Za-z0-9][A-Za-z0-9_.\-]*)?"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- F invoice, A credit note (avoir), D quote (devis), C order (commande). -->
          <xs:simpleType name="PieceType">
            <xs:restriction base="xs:string">
              <xs:enumeration value="F"/>
              <xs:enumeration value="A"/>
              <xs:enumeration value="D"/>
              <xs:enumeration value="C"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- Our invoice number (F20250803, F2025-0042) or the importer's #n. -->
          <xs:simpleType name="WebID">
            <xs:restriction base="xs:string">
              <xs:pattern value="#[0-9]+|[A-Za-z0-9][A-Za-z0-9_./\-]*"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="PieceTitle">
            <xs:restriction base="xs:string">
              <xs:minLength value="1"/>
              <xs:maxLength value="50"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="Text">
            <xs:restriction base="xs:string">
              <xs:minLength value="1"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- dd/mm/yyyy -->
          <xs:simpleType name="Date">
            <xs:restriction base="xs:string">
              <xs:pattern value="(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{4}"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- Money, decimal comma and two decimals: 100,00 -->
          <xs:simpleType name="Amount">
            <xs:restriction base="xs:string">
              <xs:pattern value="-?[0-9]+,[0-9]{2}"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- A percentage, decimal comma and two decimals: 0,00 -->
          <xs:simpleType name="Rate">
            <xs:restriction base="xs:string">
              <xs:pattern value="[0-9]{1,3},[0-9]{2}"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- Decimal comma, two to four decimals: 27,00 7,25 0,1250 -->
          <xs:simpleType name="Quantity">
            <xs:restriction base="xs:string">
              <xs:pattern value="-?[0-9]+,[0-9]{2,4}"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- The samples write 0. -->
          <xs:simpleType name="Ecotax">
            <xs:restriction base="xs:string">
              <xs:pattern value="-?[0-9]+(,[0-9]{2})?"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="Days">
            <xs:restriction base="xs:string">
              <xs:pattern value="[0-9]{1,3}"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="Currency">
            <xs:restriction base="xs:string">
              <xs:pattern value="[A-Z]{3}"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="Flag">
            <xs:restriction base="xs:string">
              <xs:enumeration value="0"/>
              <xs:enumeration value="1"/>
            </xs:restriction>
          </xs:simpleType>
          <!-- F: end-of-month terms ("fin de mois"), the only value seen. -->
          <xs:simpleType name="Cutoff">
            <xs:restriction base="xs:string">
              <xs:enumeration value="F"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="AddressType">
            <xs:restriction base="xs:string">
              <xs:enumeration value="facturation"/>
              <xs:enumeration value="livraison"/>
            </xs:restriction>
          </xs:simpleType>
          <xs:simpleType name="LineNumber">
            <xs:restriction base="xs:string">
              <xs:pattern value="[1-9][0-9]{0,5}"/>
            </xs:restriction>
          </xs:simpleType>
        </xs:schema>
        """#

    /// Writes ``xsd`` and ``dataXSD`` into `folder` (which must exist), e.g. next to an export so
    /// anyone can validate it with `xmllint --schema`, and returns the URL of ``xsd``.
    @discardableResult
    package static func write(to folder: URL) throws -> URL {
        try Data(dataXSD.utf8).write(to: folder.appendingPathComponent(dataFileName), options: .atomic)
        let main = folder.appendingPathComponent(fileName)
        try Data(xsd.utf8).write(to: main, options: .atomic)
        return main
    }

    /// A fresh validator for Oxygène import files (both schema documents are loaded from a temporary
    /// folder that is removed before returning).
    ///
    /// - Throws: ``XMLSchemaError`` if libxml2 rejects the schema (a bug in this file).
    package static func validator() throws -> XMLSchemaValidator {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("facturation-oxygene-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try XMLSchemaValidator(schemaPath: write(to: folder).path)
    }
}
