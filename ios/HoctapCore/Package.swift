// swift-tools-version:5.9
// The Rust core for the iOS shell: the XCFramework built by ../build-xcframework.sh (a binary
// target holding libhoctap_ffi.a for devices and the simulators, with the C header and module
// map) and the generated Swift bindings over it.
import PackageDescription

let package = Package(
    name: "HoctapCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "HoctapCore", targets: ["HoctapCore"]),
    ],
    targets: [
        .binaryTarget(name: "HoctapCoreFFI", path: "HoctapCoreFFI.xcframework"),
        .target(
            name: "HoctapCore",
            dependencies: ["HoctapCoreFFI"],
            path: "Sources/HoctapCore",
            exclude: ["README.md"],
            // SQLCipher uses CommonCrypto (Security); reqwest reads the proxy settings
            // (SystemConfiguration).
            linkerSettings: [.linkedFramework("Security"), .linkedFramework("SystemConfiguration")]
        ),
    ]
)
