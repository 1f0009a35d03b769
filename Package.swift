// swift-tools-version:6.1
import PackageDescription

// The upcoming features Hummingbird's own package builds with. With InternalImportsByDefault an import is
// internal unless written `public import`, and with MemberImportVisibility a file sees only the members of
// the modules it imports itself: so a module's public face names every module it exposes, and an arrow
// that runs the wrong way (the server reaching into GRDB through the store) fails the build.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
// The tests import what they exercise, `@testable` where they look behind a module's public face.
let testSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "tdmock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tdmock", targets: ["tdmock"]),
        .library(name: "TDMockCore", targets: ["TDMockCore"]),
        .library(name: "TDMockServer", targets: ["TDMockServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(
            name: "TDMockCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TDMockSettings",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CSQLiteSetup",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "TDMockStore",
            dependencies: [
                "TDMockCore",
                "CSQLiteSetup",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP floor every surface stands on, naming none of them: the surface table and its
        // middleware, body reading, JSON answers, the request journal.
        .target(
            name: "TDMockHTTP",
            dependencies: [
                "TDMockCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both sides share: the configuration, the services (store, ids, clock, journals, tokens,
        // faults, events, coverage) and the harness APIs' error shape and agent token.
        .target(
            name: "TDMockServices",
            dependencies: [
                "TDMockCore",
                "TDMockStore",
                "TDMockSettings",
                "TDMockHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // The built-in contact flow, compiled in as bytes (PackageResources).
            resources: [.embedInCode("Connect/question-flow.json")],
            swiftSettings: swiftSettings
        ),
        // Talkdesk's side: the token service, Digital Connect, Attachments, callbacks, and the agents'
        // side (the agent API, the question API the agents answer, the workspace).
        .target(
            name: "TDMockTalkdesk",
            dependencies: [
                "TDMockCore",
                "TDMockStore",
                "TDMockHTTP",
                "TDMockServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The workspace's page, script and style sheet, compiled in as bytes (PackageResources).
            resources: [
                .embedInCode("Workspace/Assets/index.html"),
                .embedInCode("Workspace/Assets/app.js"),
                .embedInCode("Workspace/Assets/app.css"),
                .embedInCode("Workspace/Assets/icon.svg"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS's side: the functions and the Invoke API, API Gateway, Lex V2, Connect.
        .target(
            name: "TDMockAWS",
            dependencies: [
                "TDMockCore",
                "TDMockStore",
                "TDMockHTTP",
                "TDMockServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: builds serve's application from both sides on one channel.
        .target(
            name: "TDMockServer",
            dependencies: [
                "TDMockCore",
                "TDMockStore",
                "TDMockSettings",
                "TDMockHTTP",
                "TDMockServices",
                "TDMockTalkdesk",
                "TDMockAWS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TDMockConsole",
            dependencies: [
                "TDMockCore",
                "TDMockSettings",
                "CLibEdit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TDMockBridge",
            dependencies: [
                "TDMockCore",
                "TDMockSettings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tdmock",
            dependencies: [
                "TDMockCore",
                "TDMockServer",
                "TDMockServices",
                "TDMockConsole",
                "TDMockBridge",
                "TDMockSettings",
                "TDMockHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TDMockCoreTests",
            dependencies: ["TDMockCore"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "TDMockStoreTests",
            dependencies: [
                "TDMockCore", "TDMockStore",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "TDMockServerTests",
            dependencies: [
                "TDMockCore",
                "TDMockServer",
                "TDMockHTTP",
                "TDMockServices",
                "TDMockTalkdesk",
                "TDMockAWS",
                "TDMockStore",
                "TDMockSettings",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "TDMockBridgeTests",
            dependencies: ["TDMockBridge", "TDMockCore", "TDMockSettings"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "TDMockConsoleTests",
            dependencies: ["TDMockConsole", "TDMockCore"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "DocsTests",
            dependencies: ["TDMockCore", "TDMockServices", "TDMockBridge", "TDMockConsole", "TDMockSettings"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TDMockCore",
                "TDMockStore",
                "TDMockServices",
                "TDMockBridge",
                "TDMockSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: testSwiftSettings
        ),
    ]
)
