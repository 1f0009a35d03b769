public import Foundation

/// One action a call ran, and the way it left it (none when the call waits there for the caller, or when
/// the action ended the call).
public struct FlowStep: Codable, Sendable, Hashable {
    public var flow: String
    public var action: String
    public var type: String
    /// `NextAction`, `Conditions: Equals speak`, `Errors: NoMatchingError`.
    public var transition: String?
    public var next: String?
    /// What happened, in tdmock's words, where it is worth saying (a wait for the caller, an error with no
    /// transition).
    public var note: String?
    /// What the caller said or typed to the action the call waited at (`(silence)` for nothing): the step
    /// goes on from there rather than running the action again.
    public var input: String?

    public init(
        flow: String,
        action: String,
        type: String,
        transition: String? = nil,
        next: String? = nil,
        note: String? = nil,
        input: String? = nil
    ) {
        self.flow = flow
        self.action = action
        self.type = type
        self.transition = transition
        self.next = next
        self.note = note
        self.input = input
    }
}

/// What Connect keeps of a call between turns: where the flow waits and the data its JSONPaths read.
public struct FlowContactState: Codable, Sendable, Hashable {
    /// The flow the call is in (`main`, or a `connect.flows` id after a `TransferToFlow`).
    public var flow: String
    /// The action waiting for the caller; nil once the call has ended.
    public var waiting: String?
    /// `$.Attributes`.
    public var attributes: [String: String]
    /// `$.External`: the last `InvokeLambdaFunction`'s answer.
    public var external: JSONValue
    /// `$.Lex.IntentName`.
    public var intentName: String?
    /// `$.StoredCustomerInput`.
    public var storedInput: String?
    /// The working queue (`UpdateContactTargetQueue`), as the flow named it.
    public var queue: String?
    /// `VOICE` (when nil) or `CHAT`: `$.Channel`.
    public var channel: String?
    /// `$.FlowAttributes`: the current flow's (or module's) own.
    public var flowAttributes: [String: String]?
    /// How often each `Loop` has sent the call round (by flow and Identifier), until it is done.
    public var loops: [String: Int]?
    /// The flows a module was invoked from, the innermost last.
    public var frames: [FlowModuleFrame]?
    /// The agent a `TransferContactToAgent` transfers to (`UpdateContactTargetQueue`'s `AgentId`).
    public var agent: String?
    /// `$.CustomerCallbackNumber` (`UpdateContactCallbackNumber`).
    public var callbackNumber: String?
    /// `$.Metrics`, by the path below it (`GetMetricData`).
    public var metrics: [String: String]?
    /// `$.Lex.Slots`: the slots of the intent the bot last closed.
    public var lexSlots: [String: String]?

    /// The channel, `VOICE` unless the contact is a chat.
    public var channelName: String { channel ?? FlowContactState.voice }
    public var isChat: Bool { channel == FlowContactState.chat }
    public static let voice = "VOICE"
    public static let chat = "CHAT"

    public init(
        flow: String = "main",
        waiting: String? = nil,
        attributes: [String: String] = [:],
        external: JSONValue = .object([:]),
        intentName: String? = nil,
        storedInput: String? = nil,
        queue: String? = nil,
        channel: String? = nil
    ) {
        self.channel = channel
        self.flow = flow
        self.waiting = waiting
        self.attributes = attributes
        self.external = external
        self.intentName = intentName
        self.storedInput = storedInput
        self.queue = queue
    }
}

/// Where a call returns to when the module it runs ends: the invoking flow, the action after the
/// `InvokeFlowModule`, and that flow's own data, which the module does not see.
public struct FlowModuleFrame: Codable, Sendable, Hashable {
    public var flow: String
    public var returnTo: String?
    public var flowAttributes: [String: String]
    public var external: JSONValue
    /// The module's inputs: `$.Modules.Input`.
    public var inputs: [String: String]

    public init(flow: String, returnTo: String?, flowAttributes: [String: String], external: JSONValue, inputs: [String: String]) {
        self.flow = flow
        self.returnTo = returnTo
        self.flowAttributes = flowAttributes
        self.external = external
        self.inputs = inputs
    }
}

extension ConnectWire {
    /// `GET /connect/v1/coverage`: every action of every flow loaded and every way out of it, with how
    /// often each was run or taken since the server started or was reset.
    public struct Coverage: Codable, Sendable, Hashable {
        public struct Transition: Codable, Sendable, Hashable {
            public var transition: String
            public var next: String
            public var taken: Int

            public init(transition: String, next: String, taken: Int) {
                self.transition = transition
                self.next = next
                self.taken = taken
            }
        }

        public struct Action: Codable, Sendable, Hashable {
            public var identifier: String
            public var type: String
            public var runs: Int
            public var transitions: [Transition]

            public init(identifier: String, type: String, runs: Int, transitions: [Transition]) {
                self.identifier = identifier
                self.type = type
                self.runs = runs
                self.transitions = transitions
            }
        }

        public struct FlowCoverage: Codable, Sendable, Hashable {
            public var flow: String
            public var file: String
            public var actions: [Action]

            public init(flow: String, file: String, actions: [Action]) {
                self.flow = flow
                self.file = file
                self.actions = actions
            }
        }

        public struct Totals: Codable, Sendable, Hashable {
            public var actions: Int
            public var actionsRun: Int
            public var transitions: Int
            public var transitionsTaken: Int

            enum CodingKeys: String, CodingKey {
                case actions, transitions
                case actionsRun = "actions_run"
                case transitionsTaken = "transitions_taken"
            }
        }

        public var since: String
        public var flows: [FlowCoverage]
        public var totals: Totals

        public init(since: String, flows: [FlowCoverage]) {
            self.since = since
            self.flows = flows
            let actions = flows.flatMap(\.actions)
            let transitions = actions.flatMap(\.transitions)
            totals = Totals(
                actions: actions.count,
                actionsRun: actions.filter { $0.runs > 0 }.count,
                transitions: transitions.count,
                transitionsTaken: transitions.filter { $0.taken > 0 }.count
            )
        }
    }
}
