import CCrypto
import CCurl
import CLibcsv
import CLibxml2
import CXlsxwriter

/// Versions of the C libraries linked into the binary (shown by `facturation check`).
package enum LibraryVersions {
    package static var all: [(name: String, version: String)] {
        [
            ("libcsv", "\(CSV_MAJOR).\(CSV_MINOR).\(CSV_RELEASE)"),
            ("libxml2", LIBXML_DOTTED_VERSION),
            ("libcurl", String(cString: curl_version())),
            ("OpenSSL", String(cString: OpenSSL_version(OPENSSL_VERSION))),
            ("libxlsxwriter", String(cString: lxw_version())),
        ]
    }
}
