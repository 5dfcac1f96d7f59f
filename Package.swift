// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "facturation",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "facturation", targets: ["facturation"]),
        .executable(name: "facturation-bench", targets: ["facturation-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian, used directly.
        .systemLibrary(name: "CLibcsv", providers: [.apt(["libcsv-dev"])]),
        .systemLibrary(name: "CLibxml2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CXlsxwriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(
            name: "CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CQPDF", pkgConfig: "libqpdf", providers: [.apt(["libqpdf-dev"])]),

        .target(name: "CSupport"),

        // All logic.
        .target(
            name: "FacturationCore",
            dependencies: [
                "CLibcsv", "CLibxml2", "CCurl", "CCrypto", "CXlsxwriter", "CPangoCairo", "CQPDF", "CSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
        ),
        .target(
            name: "FacturationCommands",
            dependencies: [
                "FacturationCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Thin executables.
        .executableTarget(name: "facturation", dependencies: ["FacturationCommands"]),
        .executableTarget(
            name: "facturation-bench",
            dependencies: ["FacturationCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Tests.
        // What several test targets use: the real SMTP server of the tests (scripts/smtp_sink.py).
        .target(name: "CTestSupport", path: "Tests/CTestSupport"),
        .target(name: "TestSupport", dependencies: ["FacturationCore", "CTestSupport"], path: "Tests/TestSupport"),
        .testTarget(name: "FacturationCoreTests", dependencies: ["FacturationCore", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FacturationCore", "TestSupport", "facturation"]),
    ]
)

for target in package.targets where target.type != .system && !["CSupport", "CTestSupport"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
    ]
}
