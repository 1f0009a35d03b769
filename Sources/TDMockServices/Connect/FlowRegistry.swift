public import Foundation
import Synchronization
public import TDMockCore

/// Every flow and module Connect runs (docs/connect-api.md): those of the configuration's files
/// (`connect.flow`, `connect.flows`, `connect.modules`, by the ids the configuration gives them), and those
/// made through Connect's flow API, which the store keeps. A call looks its flows up here as it goes, so
/// a flow changed through the API is what the next call runs.
public final class FlowRegistry: Sendable {
    /// A flow or module as the API describes it, with the flow it was read into.
    public struct Entry: Sendable {
        public var resource: ConnectResource
        /// None for a stored flow that no longer loads: listed, described, updated and deleted through the
        /// API, but no call reaches it.
        public var flow: Flow?
        /// The file it came from, for a configuration's flow (which the API describes but does not change).
        public var file: String?
    }

    private struct State {
        var flows: [String: Entry] = [:]
        var modules: [String: Entry] = [:]
    }

    private let state: Mutex<State>
    /// The store's flows and modules that no longer load (a later tdmock's checks refuse them), each said
    /// with what is wrong and the way out; they are left out until their content is updated.
    public let refusedAtStart: [String]

    /// The configuration's flows and modules (with their files' content), then the store's.
    public init(configured: FlowSet, stored: [ConnectResource], startedAt: Date) {
        var initial = State()
        func content(_ file: String?) -> String {
            guard let file, let data = FileManager.default.contents(atPath: file) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
        for (id, flow) in configured.flows {
            let file = configured.files[id]
            let resource = ConnectResource(
                kind: .flow,
                id: id,
                name: id,
                type: "CONTACT_FLOW",
                description: file.map { "From \($0)" },
                content: content(configured.builtIn && id == "main" ? nil : file),
                createdAt: startedAt,
                modifiedAt: startedAt
            )
            initial.flows[id] = Entry(resource: resource, flow: flow, file: file)
        }
        for (id, module) in configured.modules {
            let file = configured.moduleFiles[id]
            let resource = ConnectResource(
                kind: .module,
                id: id,
                name: id,
                type: nil,
                description: file.map { "From \($0)" },
                content: content(file),
                createdAt: startedAt,
                modifiedAt: startedAt
            )
            initial.modules[id] = Entry(resource: resource, flow: module, file: file)
        }
        var refused: [String] = []
        for resource in stored {
            var flow: Flow?
            switch Self.read(resource) {
            case .success(let load): flow = load.flow
            case .failure(let failure):
                let what = resource.kind == .flow ? "flow" : "module"
                refused.append(
                    "the \(what) '\(resource.name)' (\(resource.id)) kept in the store no longer loads, and calls cannot reach it: "
                        + "\(failure); update its content, or delete it"
                )
            }
            switch resource.kind {
            case .flow: initial.flows[resource.id] = Entry(resource: resource, flow: flow, file: nil)
            case .module: initial.modules[resource.id] = Entry(resource: resource, flow: flow, file: nil)
            }
        }
        state = Mutex(initial)
        refusedAtStart = refused
    }

    /// The Flow Language content read as the engine runs it, under the id a call's path names it by.
    public static func read(_ resource: ConnectResource) -> Result<FlowLoad, FlowFailure> {
        let module = resource.kind == .module
        return Flow.read(Data(resource.content.utf8), id: module ? FlowSet.moduleKey(resource.id) : resource.id, module: module)
    }

    public func flow(_ id: String) -> Flow? { state.withLock { $0.flows[id]?.flow ?? nil } }
    public func module(_ id: String) -> Flow? { state.withLock { $0.modules[id]?.flow ?? nil } }

    public func entry(_ kind: ConnectResource.Kind, _ id: String) -> Entry? {
        state.withLock { kind == .flow ? $0.flows[id] : $0.modules[id] }
    }

    /// Every flow or every module, oldest first.
    public func entries(_ kind: ConnectResource.Kind) -> [Entry] {
        state.withLock { (kind == .flow ? $0.flows : $0.modules).values }
            .sorted { ($0.resource.createdAt, $0.resource.id) < ($1.resource.createdAt, $1.resource.id) }
    }

    /// Every flow and module as a set, for the coverage report: each with its file, or `CreateContactFlow:
    /// NAME` for one of the API's.
    public func flowSet() -> FlowSet {
        state.withLock { state in
            var set = FlowSet()
            for (id, entry) in state.flows where entry.flow != nil {
                set.flows[id] = entry.flow
                set.files[id] = entry.file ?? "CreateContactFlow: \(entry.resource.name)"
            }
            for (id, entry) in state.modules where entry.flow != nil {
                set.modules[id] = entry.flow
                set.moduleFiles[id] = entry.file ?? "CreateContactFlowModule: \(entry.resource.name)"
            }
            return set
        }
    }

    /// Puts a flow or module made or changed through the API (the store has kept it already).
    public func put(_ resource: ConnectResource, flow: Flow?) {
        state.withLock { state in
            let entry = Entry(resource: resource, flow: flow, file: nil)
            switch resource.kind {
            case .flow: state.flows[resource.id] = entry
            case .module: state.modules[resource.id] = entry
            }
        }
    }

    public func remove(_ kind: ConnectResource.Kind, _ id: String) {
        state.withLock { state in
            switch kind {
            case .flow: state.flows[id] = nil
            case .module: state.modules[id] = nil
            }
        }
    }
}
