/// Every action type of AWS's Flow Language reference, in its four chapters, with what its page says an
/// action of the type takes: its errors, whether it takes conditions and with which operators, the
/// parameters tdmock reads, and what tdmock does with it (docs/contact-flows.md has the table).
public enum FlowActionType: String, Sendable, Hashable, CaseIterable {
    // Contact actions
    case completeOutboundCall = "CompleteOutboundCall"
    case createCase = "CreateCase"
    case createTask = "CreateTask"
    case createWisdomSession = "CreateWisdomSession"
    case dequeueContactAndTransferToQueue = "DequeueContactAndTransferToQueue"
    case endFlowModuleExecution = "EndFlowModuleExecution"
    case getCase = "GetCase"
    case invokeFlowModule = "InvokeFlowModule"
    case startOutboundChatContact = "StartOutboundChatContact"
    case tagContact = "TagContact"
    case transferContactToAgent = "TransferContactToAgent"
    case transferContactToQueue = "TransferContactToQueue"
    case unTagContact = "UnTagContact"
    case updateCase = "UpdateCase"
    case updateContactAttributes = "UpdateContactAttributes"
    case updateContactCallbackNumber = "UpdateContactCallbackNumber"
    case updateContactData = "UpdateContactData"
    case updateContactEventHooks = "UpdateContactEventHooks"
    case updateContactMediaProcessing = "UpdateContactMediaProcessing"
    case updateContactMediaStreamingBehavior = "UpdateContactMediaStreamingBehavior"
    case updateContactRecordingAndAnalyticsBehavior = "UpdateContactRecordingAndAnalyticsBehavior"
    case updateContactRecordingBehavior = "UpdateContactRecordingBehavior"
    case resumeContact = "ResumeContact"
    case updateContactRoutingBehavior = "UpdateContactRoutingBehavior"
    case updateContactTargetQueue = "UpdateContactTargetQueue"
    case updateContactTextToSpeechVoice = "UpdateContactTextToSpeechVoice"
    case updatePreviousContactParticipantState = "UpdatePreviousContactParticipantState"
    // Flow control actions
    case checkHoursOfOperation = "CheckHoursOfOperation"
    case checkMetricData = "CheckMetricData"
    case checkOutboundCallStatus = "CheckOutboundCallStatus"
    case checkVoiceId = "CheckVoiceId"
    case compare = "Compare"
    case distributeByPercentage = "DistributeByPercentage"
    case endFlowExecution = "EndFlowExecution"
    case getMetricData = "GetMetricData"
    case loop = "Loop"
    case startVoiceIdStream = "StartVoiceIdStream"
    case transferToFlow = "TransferToFlow"
    case updateFlowAttributes = "UpdateFlowAttributes"
    case updateFlowLoggingBehavior = "UpdateFlowLoggingBehavior"
    case updateRoutingCriteria = "UpdateRoutingCriteria"
    case wait = "Wait"
    // Interactions
    case associateContactToCustomerProfile = "AssociateContactToCustomerProfile"
    case createCallbackContact = "CreateCallbackContact"
    case createCustomerProfile = "CreateCustomerProfile"
    case invokeLambdaFunction = "InvokeLambdaFunction"
    /// The name older exports give InvokeLambdaFunction (`FunctionArn`, `TimeLimit`).
    case invokeExternalResource = "InvokeExternalResource"
    case getCustomerProfile = "GetCustomerProfile"
    case getCustomerProfileObject = "GetCustomerProfileObject"
    case getCalculatedAttributesForCustomerProfile = "GetCalculatedAttributesForCustomerProfile"
    case updateCustomerProfile = "UpdateCustomerProfile"
    // Participant actions
    case connectParticipantWithLexBot = "ConnectParticipantWithLexBot"
    case disconnectParticipant = "DisconnectParticipant"
    case getParticipantInput = "GetParticipantInput"
    case messageParticipant = "MessageParticipant"
    case messageParticipantIteratively = "MessageParticipantIteratively"
    case showView = "ShowView"
    case transferParticipantToThirdParty = "TransferParticipantToThirdParty"

    /// The reference's chapters.
    public enum Chapter: String, Sendable, CaseIterable {
        case contact = "Contact actions"
        case flowControl = "Flow control actions"
        case interactions = "Interactions"
        case participant = "Participant actions"
    }

    public var chapter: Chapter {
        switch self {
        case .completeOutboundCall, .createCase, .createTask, .createWisdomSession, .dequeueContactAndTransferToQueue,
            .endFlowModuleExecution, .getCase, .invokeFlowModule, .startOutboundChatContact, .tagContact, .transferContactToAgent,
            .transferContactToQueue, .unTagContact, .updateCase, .updateContactAttributes, .updateContactCallbackNumber,
            .updateContactData, .updateContactEventHooks, .updateContactMediaProcessing, .updateContactMediaStreamingBehavior,
            .updateContactRecordingAndAnalyticsBehavior, .updateContactRecordingBehavior, .resumeContact,
            .updateContactRoutingBehavior, .updateContactTargetQueue, .updateContactTextToSpeechVoice,
            .updatePreviousContactParticipantState:
            .contact
        case .checkHoursOfOperation, .checkMetricData, .checkOutboundCallStatus, .checkVoiceId, .compare, .distributeByPercentage,
            .endFlowExecution, .getMetricData, .loop, .startVoiceIdStream, .transferToFlow, .updateFlowAttributes,
            .updateFlowLoggingBehavior, .updateRoutingCriteria, .wait:
            .flowControl
        case .associateContactToCustomerProfile, .createCallbackContact, .createCustomerProfile, .invokeLambdaFunction,
            .invokeExternalResource, .getCustomerProfile, .getCustomerProfileObject, .getCalculatedAttributesForCustomerProfile,
            .updateCustomerProfile:
            .interactions
        case .connectParticipantWithLexBot, .disconnectParticipant, .getParticipantInput, .messageParticipant,
            .messageParticipantIteratively, .showView, .transferParticipantToThirdParty:
            .participant
        }
    }

    /// The error types the reference lists for the action.
    public var errorTypes: Set<String> {
        switch self {
        case .endFlowExecution, .disconnectParticipant, .updateFlowLoggingBehavior, .endFlowModuleExecution, .loop: []
        case .compare, .distributeByPercentage: ["NoMatchingCondition"]
        case .connectParticipantWithLexBot: ["NoMatchingCondition", "NoMatchingError", "InputTimeLimitExceeded"]
        case .getParticipantInput: ["NoMatchingCondition", "NoMatchingError", "InputTimeLimitExceeded", "InvalidPhoneNumber"]
        case .transferContactToQueue, .dequeueContactAndTransferToQueue: ["QueueAtCapacity", "NoMatchingError"]
        case .checkHoursOfOperation, .checkMetricData, .checkOutboundCallStatus, .checkVoiceId, .wait:
            ["NoMatchingCondition", "NoMatchingError"]
        case .showView: ["NoMatchingCondition", "NoMatchingError", "TimeLimitExceeded"]
        case .transferParticipantToThirdParty: ["CallFailed", "ConnectionTimeLimitExceeded", "NoMatchingError"]
        case .updateContactCallbackNumber: ["InvalidCallbackNumber", "CallbackNumberNotDialable", "NoMatchingError"]
        case .getCustomerProfile, .getCustomerProfileObject, .getCalculatedAttributesForCustomerProfile, .getCase:
            ["MultipleFoundError", "NoneFoundError", "NoMatchingError"]
        default: ["NoMatchingError"]
        }
    }

    /// Which `Conditions` the action takes.
    public enum ConditionRule: Sendable, Equatable {
        case none
        /// `Equals` with any operand (an intent, a digit, a result name).
        case equals
        /// `Equals` with one of these operands.
        case equalsOneOf(Set<String>)
        /// Any operator of `FlowComparison`.
        case anyOperator
    }

    public var conditionRule: ConditionRule {
        switch self {
        case .connectParticipantWithLexBot, .getParticipantInput, .checkOutboundCallStatus, .checkVoiceId, .showView, .getCase:
            .equals
        case .wait: .equalsOneOf(["WaitCompleted", "CustomerReturned", "BotParticipantDisconnected"])
        case .checkHoursOfOperation: .equalsOneOf(["True", "False"])
        case .loop: .equalsOneOf([FlowActionType.continueLooping, FlowActionType.doneLooping])
        case .compare, .checkMetricData, .distributeByPercentage: .anyOperator
        default: .none
        }
    }

    public static let continueLooping = "ContinueLooping"
    public static let doneLooping = "DoneLooping"

    /// Whether the action takes `Conditions`.
    public var takesConditions: Bool { conditionRule != .none }

    /// The parameters the reference gives the action, for the ones tdmock runs; nil for the ones it only
    /// records (it reads none of theirs). A parameter outside the list is said at start, not refused.
    public var parameterNames: Set<String>? {
        let prompt: Set<String> = ["Text", "SSML", "PromptId", "Media"]
        switch self {
        case .messageParticipant: return prompt
        case .connectParticipantWithLexBot:
            return prompt.union(["LexV2Bot", "LexBot", "LexSessionAttributes", "LexInitializationData", "LexInitilizationData", "LexTimeoutSeconds"])
        case .getParticipantInput:
            return prompt.union(["InputTimeLimitSeconds", "StoreInput", "InputValidation", "DTMFConfiguration", "InputEncryption"])
        case .compare: return ["ComparisonValue"]
        case .updateContactAttributes: return ["Attributes", "TargetContact"]
        case .invokeLambdaFunction:
            return ["LambdaFunctionARN", "InvocationTimeLimitSeconds", "InvocationType", "LambdaInvocationAttributes", "ResponseValidation"]
        case .updateContactTargetQueue: return ["QueueId", "AgentId"]
        case .transferToFlow: return ["ContactFlowId"]
        case .transferContactToQueue, .endFlowExecution, .disconnectParticipant, .transferContactToAgent, .distributeByPercentage: return []
        case .loop: return ["LoopCount"]
        case .updateFlowAttributes: return ["FlowAttributes"]
        case .checkHoursOfOperation: return ["HoursOfOperationId"]
        case .checkMetricData: return ["MetricType", "QueueId", "AgentId"]
        case .getMetricData: return ["QueueId", "AgentId", "QueueChannel", "ChannelFilter", "Metrics"]
        case .wait: return ["TimeoutSeconds", "TimeLimitSeconds", "Events"]
        case .showView: return ["ViewResource", "InvocationTimeLimitSeconds", "ViewData"]
        case .transferParticipantToThirdParty:
            return [
                "ThirdPartyPhoneNumber", "ThirdPartyConnectionTimeoutSeconds", "ContinueFlowExecution", "ThirdPartyDTMFDigits", "CallerId",
                "VoiceConnector",
            ]
        case .updateContactCallbackNumber: return ["CallbackNumber"]
        case .dequeueContactAndTransferToQueue: return ["QueueId", "AgentId"]
        case .messageParticipantIteratively: return ["Messages", "InterruptFrequencySeconds", "InterruptEventConfiguration"]
        case .invokeFlowModule, .endFlowModuleExecution, .invokeExternalResource, .createCallbackContact: return nil
        default: return nil
        }
    }

    /// Whether the call leaves the flow at this action: a `NextAction` of these is never taken on a voice call.
    public var isTerminal: Bool {
        switch self {
        case .endFlowExecution, .disconnectParticipant, .transferContactToQueue, .transferToFlow, .transferContactToAgent,
            .dequeueContactAndTransferToQueue, .endFlowModuleExecution:
            true
        default: false
        }
    }

    /// Whether the action only records that it ran and goes on by its `NextAction`: what it does (a case,
    /// a task, a profile, recording, streaming, voice ID, a tag) changes nothing a test can see here.
    public var isRecorded: Bool { meaning == nil }

    /// What tdmock does with the action, in the words of docs/contact-flows.md's table; nil for the
    /// actions it accepts and records, which take their `NextAction`.
    public var meaning: String? {
        switch self {
        case .messageParticipant: "plays its prompt (voice) or sends it as a chat message"
        case .connectParticipantWithLexBot: "a turn of the Lex V2 bot per caller input; conditions on the intent"
        case .getParticipantInput: "waits for DTMF (voice) or a message (chat); conditions, StoreInput, phone validation"
        case .compare: "compares a resolved value with every operator"
        case .updateContactAttributes: "sets `$.Attributes`"
        case .invokeLambdaFunction, .invokeExternalResource: "calls the function through the functions table; `$.External`"
        case .updateContactTargetQueue: "sets the working queue (`$.Queue`) or agent"
        case .transferContactToQueue, .dequeueContactAndTransferToQueue: "ends the call, transferred to the queue"
        case .transferContactToAgent: "ends the call, transferred to the agent the working queue names"
        case .transferToFlow: "continues in the flow of `connect.flows`, or ends transferred to it"
        case .endFlowExecution, .disconnectParticipant: "ends the call"
        case .loop: "counts its runs: ContinueLooping LoopCount times, then DoneLooping"
        case .invokeFlowModule: "runs the module of `connect.modules`, then goes on"
        case .endFlowModuleExecution: "returns from the module to the flow that invoked it"
        case .updateFlowAttributes: "sets `$.FlowAttributes`, scoped to the flow"
        case .checkHoursOfOperation: "True or False by `connect.hours` at the harness clock"
        case .checkMetricData: "compares a queue metric of `connect.queues`"
        case .getMetricData: "loads the queue's metrics into `$.Metrics`"
        case .distributeByPercentage: "draws from the `--seed` generator"
        case .wait: "chat: waits for the customer's next message; voice: its time runs out at once"
        case .showView: "chat: the customer's message names the view action; voice: NoMatchingError"
        case .transferParticipantToThirdParty: "records the number; ends the call when ContinueFlowExecution is False"
        case .updateContactCallbackNumber: "checks and sets the callback number (`$.CustomerCallbackNumber`)"
        case .createCallbackContact: "records the callback it queues"
        case .messageParticipantIteratively: "plays its messages once; without a NextAction the call waits there"
        case .updateFlowLoggingBehavior: "checks `FlowLoggingBehavior`"
        default: nil
        }
    }
}
