public import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
public import NIOSSL
import ServiceLifecycle
import TDMockAWS
public import TDMockCore
import TDMockHTTP
public import TDMockServices
import TDMockStore
import TDMockTalkdesk

/// Builds the `tdmock serve` application: the Talkdesk surface, the agent API, the question-response
/// API, the contact API and `/healthz`, on the configured address, with the callback deliverer as a service.
///
/// - Parameter onServerRunning: called with the bound port once the server listens (the real one for port 0).
public func buildApplication(
    _ configuration: ServeConfiguration,
    ids: IdentifierGenerator? = nil,
    clock: @escaping @Sendable () -> Date = Timestamp.now,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onTLSRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let database = try AppServices.openDatabase(configuration.database)
    let ids = ids ?? configuration.seed.map(IdentifierGenerator.init(seed:)) ?? IdentifierGenerator()
    var tls: TLSConfiguration?
    if configuration.tlsPort != nil {
        let ca = try LocalCA.load(directory: configuration.caDirectory)
        tls = try ca.serverConfiguration(hosts: [configuration.host])
    }
    let stored = try await database.connectResources()
    let services = AppServices(configuration: configuration, database: database, ids: ids, clock: clock, storedFlows: stored)
    for refusal in services.flows.refusedAtStart { (logger ?? Logger(label: "tdmock")).warning("\(refusal)") }
    return buildApplication(
        services,
        logger: logger,
        tls: tls,
        onServerRunning: onServerRunning,
        onTLSRunning: onTLSRunning
    )
}

/// The same application on services made beforehand: tests keep them, to look into the store, to move the
/// clock, or to start a second server on the same store.
/// With `tls`, the same routes are served over HTTPS and WSS on `configuration.tlsPort` as well
/// (docs/your-functions.md): a second listener, run beside the first.
public func buildApplication(
    _ services: AppServices,
    logger: Logger? = nil,
    tls: TLSConfiguration? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onTLSRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "tdmock")
    let configuration = services.configuration
    let events = EventHub()
    let deliverer = CallbackDeliverer(services: services, events: events, logger: logger)
    let webSockets = WebSocketAPI(services: services, functions: FunctionInvoker(services: services, events: events), events: events)
    let router = buildRouter(services, events: events, deliverer: deliverer, webSockets: webSockets)
    var background: [any Service] = [deliverer, webSockets]
    // HummingbirdTLS wraps serve's own channel (limits, fast path, WebSocket upgrade) in TLS; `tls(_:)`
    // builds nothing until a connection comes, so it has nothing to throw here.
    if let tls, let port = configuration.tlsPort,
        let secure = try? HTTPServerBuilder.tls(httpServer(services, events: events, webSockets: webSockets, logger: logger), tlsConfiguration: tls)
    {
        background.append(
            Application(
                router: router,
                server: secure,
                configuration: .init(address: .hostname(configuration.host, port: port), serverName: ServerIdentity.name),
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? port
                    services.listeningTLS.set(port)
                    await onTLSRunning(port)
                },
                logger: logger
            )
        )
    }
    return Application(
        router: router,
        server: httpServer(services, events: events, webSockets: webSockets, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: ServerIdentity.name),
        services: background,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            services.listening.set(port)
            deliverer.notify()
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// The HTTP server of `tdmock serve`: the configured limits, and (unless `fastPath` is off) Send a Message
/// answered by `SendMessageFastPath` before the router when it can be. What the fast path answers never
/// reaches the router's middleware (`SurfaceMiddleware`, with the agent token's check): a middleware that must
/// see every Send a Message needs `fastPath` off, or its check in the fast path too.
func httpServer(_ services: AppServices, events: EventHub, webSockets: WebSocketAPI, logger: Logger) -> HTTPServerBuilder {
    services.configuration.limits.http1(
        logger: logger,
        sendMessage: services.configuration.fastPath ? DigitalConnectController(services: services, events: events) : nil,
        webSockets: webSockets
    )
}

/// The routes of `tdmock serve`, the workspace's page at `/` among them. Middleware added here does not
/// see the Send a Message requests that `SendMessageFastPath` answers (see `httpServer`).
func buildRouter(_ services: AppServices, events: EventHub, deliverer: CallbackDeliverer, webSockets: WebSocketAPI) -> Router<ServeRequestContext> {
    let router = Router(context: ServeRequestContext.self)
    let routes = RouteTable()
    let surfaces = SurfaceTable(
        surfaces(agentToken: services.configuration.agentToken, stage: services.configuration.apiGateway.webSocket.stage)
    )
    router.add(middleware: JournalMiddleware(journal: services.journal, surfaces: surfaces, clock: services.clock))
    router.add(middleware: SurfaceMiddleware(surfaces: surfaces, routes: routes))
    router.get("/healthz") { _, _ in JSONResponse.make(status: .ok, body: ["status": "ok"]) }
    OAuthController(services: services).addRoutes(to: router)
    DigitalConnectController(services: services, events: events).addRoutes(to: router)
    AttachmentsController(services: services).addRoutes(to: router)
    AgentController(services: services, events: events, deliverer: deliverer).addRoutes(to: router)
    QuestionController(services: services, events: events, waiters: QuestionWaiters()).addRoutes(to: router)
    let functions = webSockets.functions
    LambdaController(services: services, functions: functions).addRoutes(to: router)
    let lex = LexRuntime(services: services, functions: functions)
    LexController(services: services, runtime: lex).addRoutes(to: router)
    ConnectController(services: services, events: events, lex: lex).addRoutes(to: router)
    ConnectHarnessController(services: services).addRoutes(to: router)
    ConnectFlowAPIController(services: services).addRoutes(to: router)
    ConnectTestCaseController(services: services, lex: lex).addRoutes(to: router)
    RESTAPIController(services: services, functions: functions).addRoutes(to: router)
    ManagementController(services: services, webSockets: webSockets).addRoutes(to: router)
    WorkspaceController(services: services).addRoutes(to: router)
    routes.fill(from: router)
    return router
}

/// Every surface `serve` answers, as each declares itself: the router applies their admission, body rule
/// and error shape (`SurfaceMiddleware`), and the request journal keeps the requests of those that say so.
func surfaces(agentToken: String?, stage: String = "prod") -> [Surface] {
    [
        OAuthController.surface,
        DigitalConnectController.surface,
        AttachmentsController.surface,
        AgentController.surface(token: agentToken),
        QuestionController.surface,
        ConnectController.surface(token: agentToken),
        LambdaController.surface,
        LexController.surface,
        ConnectFlowAPIController.surface,
        ConnectTestCaseController.surface,
        RESTAPIController.surface,
        ManagementController.surface(stage: stage),
        UnknownAWSOperation.surface,
    ]
}
