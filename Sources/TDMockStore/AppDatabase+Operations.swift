public import Foundation
import GRDB
public import TDMockCore

/// What the server asks of the store, one method per operation: the server never sees a `Database` or
/// writes SQL; each write below is one unit (a savepoint in a group-committed transaction).
extension AppDatabase {
    // MARK: The token service

    /// Keeps a new access token (and forgets those that expired before `now`).
    public func save(_ grant: AccessGrant, now: Date) async throws {
        try await write { db in
            try AccessTokens.deleteExpired(db, before: now)
            try AccessTokens.save(db, grant)
        }
    }

    /// The grant behind a token, expired or not; nil when the token is unknown.
    public func grant(token: String) async throws -> AccessGrant? {
        try await reader.read { db in try AccessTokens.find(db, token: token) }
    }

    // MARK: Digital Connect

    /// Starts a conversation (or finds the answer to the same idempotent request); `answer` makes the
    /// response stored for an idempotent replay. Returns the conversation when it was started now.
    public func startConversation(
        _ new: NewConversation,
        clientID: String,
        key: IdempotencyKey?,
        ids: IdentifierGenerator,
        now: Date,
        answer: @escaping @Sendable (Conversation) -> StoredResponse
    ) async throws -> (IdempotentOutcome, Conversation?) {
        try await idempotentWrite(key, now: now) { db in
            let conversation = try Inbox.startConversation(db, new, clientID: clientID, ids: ids, now: now)
            return (answer(conversation), conversation)
        }
    }

    /// Adds the contact's message (or finds the answer to the same idempotent request), from outside an
    /// async context: `completion` gets the outcome, and the message's id when it was stored now, on
    /// `executor` once committed (see `submitWrite`).
    public func submitContactMessage(
        _ message: NewContactMessage,
        conversationID: String,
        messageID: String,
        allowedTouchpoints: Set<String>?,
        key: IdempotencyKey?,
        now: Date,
        response: StoredResponse,
        on executor: (any CompletionExecutor)?,
        completion: @escaping @Sendable (Result<(IdempotentOutcome, String?), any Error>) -> Void
    ) {
        submitIdempotentWrite(
            key,
            now: now,
            { db in
                _ = try Inbox.addContactMessage(
                    db,
                    conversationID: conversationID,
                    message,
                    allowedTouchpoints: allowedTouchpoints,
                    messageID: messageID,
                    now: now
                )
                return (response, messageID)
            },
            on: executor,
            completion: completion
        )
    }

    /// Ends an open conversation on behalf of `party`.
    public func endConversation(_ id: String, by party: ConversationParty, allowedTouchpoints: Set<String>?, now: Date) async throws {
        _ = try await write { db in
            try Inbox.endConversation(db, conversationID: id, by: party, allowedTouchpoints: allowedTouchpoints, now: now)
        }
    }

    // MARK: The agent's side

    /// What an agent does to a conversation.
    public enum AgentAction: Sendable, Hashable {
        case assign
        case reply(content: String)
        case close
    }

    /// Runs an agent action and writes the callbacks it owes, in one transaction.
    public func perform(
        _ action: AgentAction,
        conversationID: String,
        agent: String,
        ids: IdentifierGenerator,
        now: Date
    ) async throws
        -> AgentActionResult
    {
        try await write { db in
            switch action {
            case .assign: try AgentActions.assign(db, conversationID: conversationID, agent: agent, ids: ids, now: now)
            case .reply(let content):
                try AgentActions.reply(db, conversationID: conversationID, agent: agent, content: content, ids: ids, now: now)
            case .close: try AgentActions.close(db, conversationID: conversationID, agent: agent, ids: ids, now: now)
            }
        }
    }

    /// One conversation with its transcript and its deliveries (each with its journal), read together; nil
    /// when there is no such conversation.
    public func conversationDetail(
        _ id: String
    ) async throws
        -> (conversation: Conversation, messages: [Message], deliveries: [(delivery: CallbackDelivery, journal: [CallbackAttempt])])?
    {
        try await reader.read { db in
            guard let conversation = try Inbox.conversation(db, id: id) else { return nil }
            return (conversation, try Inbox.messages(db, conversationID: id), try Outbox.journalledDeliveries(db, conversationID: id))
        }
    }

    /// The inbox's rows for `GET /tdmock/v1/conversations`, of one status or all, read in two halves at
    /// once, each given row by row to a reader of `Reader` (`InboxRows`); answers what each half's reader made.
    public func inboxRows<Reader: InboxRowReader & ~Copyable>(status: ConversationStatus?, into _: Reader.Type) async throws -> [Reader.Part] {
        try await InboxRows.read(reader, status: status, into: Reader.self)
    }

    /// One page of the inbox and how many conversations match in all (`GET /tdmock/v1/conversations?limit=`).
    public func inboxPage(
        status: ConversationStatus?,
        search: String?,
        limit: Int,
        offset: Int
    ) async throws
        -> (conversations: [Conversation], total: Int)
    {
        try await reader.read { db in try InboxPage.page(db, status: status, search: search, limit: limit, offset: offset) }
    }

    /// How many deliveries are pending and how many have failed.
    public func deliveryCounts() async throws -> (pending: Int, failed: Int) {
        try await reader.read { db in (try Outbox.count(db, status: .pending), try Outbox.count(db, status: .failed)) }
    }

    /// Deliveries, oldest first (of one conversation, of one status, or all), each with its journal.
    public func deliveries(
        conversationID: String?,
        status: DeliveryStatus?
    ) async throws
        -> [(delivery: CallbackDelivery, journal: [CallbackAttempt])]
    {
        try await reader.read { db in
            let deliveries = try Outbox.deliveries(db, conversationID: conversationID, status: status)
            let journals = try Outbox.attempts(db, deliveryIDs: deliveries.map(\.deliveryID))
            return deliveries.map { ($0, journals[$0.deliveryID] ?? []) }
        }
    }

    /// Queues a failed delivery again; returns it with its journal.
    public func redeliver(_ deliveryID: String, now: Date) async throws -> (delivery: CallbackDelivery, journal: [CallbackAttempt]) {
        try await write { db in
            (try Outbox.redeliver(db, deliveryID: deliveryID, now: now), try Outbox.attempts(db, deliveryID: deliveryID))
        }
    }

    /// Empties conversations, messages, deliveries, idempotency records, questions, contacts, attachments
    /// and test case executions (`tdmock reset`); flows and test cases stay, being what was deployed.
    public func reset() async throws {
        try await write { db in
            try Outbox.reset(db)
            try Questions.reset(db)
            try Contacts.reset(db)
            try Attachments.reset(db)
            try TestCases.resetExecutions(db)
        }
    }

    // MARK: The callback deliverer

    /// The first pending delivery of each conversation, earliest attempt time first.
    public func deliveryHeads() async throws -> [CallbackDelivery] {
        try await reader.read { db in try Outbox.heads(db) }
    }

    /// Writes an attempt to the journal and moves its delivery on.
    public func record(_ attempt: CallbackAttempt, outcome: DeliveryOutcome) async throws {
        _ = try await write { db in try Outbox.record(db, attempt, outcome: outcome) }
    }
}

/// The question-response line's operations (docs/question-response.md).
extension AppDatabase {
    // MARK: The question-response API

    public func ask(_ question: Question) async throws {
        try await write { db in try Questions.insert(db, question) }
    }

    /// Answers a queued question (refused when unknown, answered or expired).
    public func answer(questionID: String, with answer: QuestionAnswer, by agent: String?, now: Date) async throws -> Question {
        try await write { db in try Questions.answer(db, id: questionID, with: answer, by: agent, now: now) }
    }

    /// Expires a question nobody answered in time; nil when it was answered meanwhile.
    public func expire(questionID: String, now: Date) async throws -> Question? {
        try await write { db in try Questions.expire(db, id: questionID, now: now) }
    }

    public func question(_ id: String) async throws -> Question? {
        try await reader.read { db in try Questions.find(db, id: id) }
    }

    /// A question and every question of its session, oldest first; nil when there is no such question.
    public func questionWithSession(_ id: String) async throws -> (question: Question, session: [Question])? {
        try await reader.read { db in
            guard let question = try Questions.find(db, id: id) else { return nil }
            return (question, try Questions.list(db, status: nil, sessionID: question.sessionID))
        }
    }

    public func questions(status: QuestionStatus?, sessionID: String?) async throws -> [Question] {
        try await reader.read { db in try Questions.list(db, status: status, sessionID: sessionID) }
    }

    // MARK: Amazon Connect

    public func startContact(_ contact: Contact) async throws {
        try await write { db in try Contacts.insert(db, contact) }
    }

    /// A contact without its turns.
    public func contactHead(_ id: String) async throws -> Contact? {
        try await reader.read { db in try Contacts.head(db, id: id) }
    }

    /// A contact with its turns.
    public func contact(_ id: String) async throws -> Contact? {
        try await reader.read { db in try Contacts.find(db, id: id) }
    }

    public func contacts() async throws -> [(contact: Contact, turns: Int)] {
        try await reader.read { db in try Contacts.list(db) }
    }

    /// Keeps a turn and moves the contact on (its session attributes; ended, if the turn ended it).
    public func record(turn: CallTurn, contactID: String, sessionAttributes: [String: String], flowState: FlowContactState) async throws {
        try await write { db in
            try Contacts.record(db, contactID: contactID, turn, sessionAttributes: sessionAttributes, flowState: flowState)
        }
    }

    /// Keeps a flow or module of Connect's flow API, new or changed.
    public func save(_ resource: ConnectResource) async throws {
        try await write { db in try ConnectResources.save(db, resource) }
    }

    /// Removes a flow or module of Connect's flow API; false when there was none.
    public func deleteResource(kind: ConnectResource.Kind, id: String) async throws -> Bool {
        try await write { db in try ConnectResources.delete(db, kind: kind, id: id) }
    }

    /// Every flow and module of Connect's flow API, oldest first.
    public func connectResources() async throws -> [ConnectResource] {
        try await reader.read { db in try ConnectResources.all(db) }
    }

    /// Keeps a test case of Connect's test-case API (made or changed); false when another has its name.
    public func save(_ testCase: TestCase) async throws -> Bool {
        try await write { db in try TestCases.save(db, testCase) }
    }

    /// Removes a test case and its executions; false when there was none.
    public func deleteTestCase(_ id: String) async throws -> Bool {
        try await write { db in try TestCases.delete(db, id: id) }
    }

    /// Every test case, oldest first.
    public func testCases() async throws -> [TestCase] {
        try await reader.read { db in try TestCases.all(db) }
    }

    public func testCase(_ id: String) async throws -> TestCase? {
        try await reader.read { db in try TestCases.one(db, id: id) }
    }

    /// Keeps an execution as it starts, and again as it ends.
    public func save(_ execution: TestExecution) async throws {
        try await write { db in try TestCases.save(db, execution) }
    }

    /// Executions, newest first, of one test case or of all.
    public func testExecutions(testCaseID: String? = nil) async throws -> [TestExecution] {
        try await reader.read { db in try TestCases.executions(db, testCaseID: testCaseID) }
    }

    public func testExecution(_ id: String) async throws -> TestExecution? {
        try await reader.read { db in try TestCases.execution(db, id: id) }
    }

    /// The caller hangs up (refused when unknown or already ended).
    public func hangUp(contactID: String, now: Date) async throws {
        try await write { db in try Contacts.end(db, contactID: contactID, by: .hangup, now: now) }
    }
}

/// Talkdesk's Attachments API.
extension AppDatabase {
    public func createUploadLink(_ upload: AttachmentUpload, clientID: String, now: Date) async throws {
        try await write { db in try Attachments.insertUpload(db, upload, clientID: clientID, now: now) }
    }

    /// Keeps an upload link's file; `AttachmentError` when the link cannot take it.
    public func upload(requestID: String, type: String, data: Data, now: Date) async throws {
        try await write { db in try Attachments.upload(db, requestID: requestID, type: type, data: data, now: now) }
    }

    public func createAttachment(
        id: String,
        name: String,
        requestID: String,
        metadata: [String: JSONValue],
        now: Date
    ) async throws
        -> AttachmentFile
    {
        try await write { db in try Attachments.create(db, id: id, name: name, requestID: requestID, metadata: metadata, now: now) }
    }

    public func attachment(id: String) async throws -> AttachmentFile? {
        try await reader.read { db in try Attachments.find(db, id: id) }
    }

    /// The attachments with these ids (those that exist).
    public func attachments(ids: [String]) async throws -> [String: AttachmentFile] {
        try await reader.read { db in
            var found: [String: AttachmentFile] = [:]
            for id in Set(ids) { if let attachment = try Attachments.find(db, id: id) { found[id] = attachment } }
            return found
        }
    }

    public func attachments(
        name: String?,
        types: [String],
        state: AttachmentFile.State?,
        limit: Int,
        offset: Int
    ) async throws
        -> (attachments: [AttachmentFile], total: Int)
    {
        try await reader.read { db in try Attachments.list(db, name: name, types: types, state: state, limit: limit, offset: offset) }
    }

    /// A published attachment's name and file.
    public func attachmentContent(id: String) async throws -> (name: String, type: String, data: Data)? {
        try await reader.read { db in try Attachments.content(db, id: id) }
    }

    public func deleteAttachment(id: String) async throws -> Bool {
        try await write { db in try Attachments.delete(db, id: id) }
    }
}
