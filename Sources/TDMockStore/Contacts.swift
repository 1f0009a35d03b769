import Foundation
import GRDB
import TDMockCore

/// tdmock's Amazon Connect contacts and their turns, each inside a transaction its caller opened. The
/// caller's words and the Lambda's answers go through `RawStatement` (kept whole, U+0000 included).
enum Contacts {
    static func insert(_ db: Database, _ contact: Contact) throws {
        var insert = try RawStatement(
            db,
            """
            INSERT INTO contact (id, caller, session_attributes, created_at, flow_state, start_path, start_prompt, ended_by, ended_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        )
        insert.bind(contact.id)
        insert.bind(contact.caller)
        insert.bind(try attributesText(contact.sessionAttributes))
        insert.bind(Timestamp.milliseconds(contact.createdAt))
        insert.bind(try text(contact.flowState))
        insert.bind(try text(contact.startPath))
        insert.bind(contact.startPrompt)
        insert.bind(contact.endedBy?.rawValue)
        if let ended = contact.endedAt { insert.bind(Timestamp.milliseconds(ended)) } else { insert.bind(nil as String?) }
        try insert.execute()
    }

    /// Keeps a turn, and the session attributes and the ending it leaves the contact with.
    static func record(
        _ db: Database,
        contactID: String,
        _ turn: CallTurn,
        sessionAttributes: [String: String],
        flowState: FlowContactState
    ) throws {
        var insert = try RawStatement(
            db,
            """
            INSERT INTO contact_turn (contact_id, utterance, event, status_code, function_error, answer, latency_ms, branch, prompt,
                                      ended, note, at, path)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        )
        insert.bind(contactID)
        insert.bind(turn.utterance)
        insert.bind(turn.event)
        if let status = turn.statusCode { insert.bind(Int64(status)) } else { insert.bind(nil as String?) }
        insert.bind(turn.functionError)
        if let answer = turn.answer { insert.bind(answer) } else { insert.bind(nil as String?) }
        insert.bind(Int64((turn.latency * 1_000_000).rounded()))
        insert.bind(turn.branch.rawValue)
        insert.bind(turn.prompt)
        insert.bind(turn.ended ? 1 : 0)
        insert.bind(turn.note)
        insert.bind(Timestamp.milliseconds(turn.at))
        insert.bind(try text(turn.path))
        try insert.execute()
        var update = try RawStatement(db, "UPDATE contact SET session_attributes = ?, flow_state = ? WHERE id = ?")
        update.bind(try attributesText(sessionAttributes))
        update.bind(try text(flowState))
        update.bind(contactID)
        try update.execute()
        // The caller may have hung up while the Lambda was answering: the call stays ended as it was.
        if turn.ended, try head(db, id: contactID)?.endedBy == nil { try end(db, contactID: contactID, by: turn.branch, now: turn.at) }
    }

    /// Ends a call that is on; an unknown or ended one is refused.
    static func end(_ db: Database, contactID: String, by branch: CallBranch, now: Date) throws {
        guard let head = try head(db, id: contactID) else { throw InboxError.contactNotFound(contactID) }
        if let how = head.endedBy { throw InboxError.contactEnded(contactID, how: how.rawValue) }
        var update = try RawStatement(db, "UPDATE contact SET ended_by = ?, ended_at = ? WHERE id = ?")
        update.bind(branch.rawValue)
        update.bind(Timestamp.milliseconds(now))
        update.bind(contactID)
        try update.execute()
    }

    /// A contact without its turns, or nil.
    static func head(_ db: Database, id: String) throws -> Contact? {
        var statement = try RawStatement(db, "SELECT \(columns) FROM contact WHERE id = ?")
        statement.bind(id)
        return try statement.step() ? try contact(statement) : nil
    }

    /// A contact with its turns, first first, or nil.
    static func find(_ db: Database, id: String) throws -> Contact? {
        guard var contact = try head(db, id: id) else { return nil }
        var statement = try RawStatement(
            db,
            """
            SELECT utterance, event, status_code, function_error, answer, latency_ms, branch, prompt, ended, note, at, path
            FROM contact_turn WHERE contact_id = ? ORDER BY seq
            """
        )
        statement.bind(id)
        while try statement.step() {
            contact.turns.append(
                CallTurn(
                    utterance: statement.string(0),
                    event: statement.string(1),
                    statusCode: statement.optionalInt(2),
                    functionError: statement.text(3),
                    answer: statement.isNull(4) ? nil : statement.data(4),
                    latency: Double(statement.int64(5)) / 1_000_000,
                    branch: try statement.value(6, as: CallBranch.self),
                    prompt: statement.string(7),
                    ended: statement.int(8) != 0,
                    note: statement.text(9),
                    at: statement.date(10),
                    path: decoded(statement.text(11)) ?? []
                )
            )
        }
        return contact
    }

    /// Every contact, newest first, with how many turns each has had.
    static func list(_ db: Database) throws -> [(contact: Contact, turns: Int)] {
        let statement = try RawStatement(
            db,
            """
            SELECT \(columns), (SELECT count(*) FROM contact_turn WHERE contact_turn.contact_id = contact.id)
            FROM contact ORDER BY created_at DESC, rowid DESC
            """
        )
        var contacts: [(Contact, Int)] = []
        while try statement.step() { contacts.append((try contact(statement), statement.int(9))) }
        return contacts
    }

    static func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM contact_turn; DELETE FROM contact")
    }

    private static let columns = "id, caller, session_attributes, ended_by, created_at, ended_at, flow_state, start_path, start_prompt"

    private static func contact(_ row: borrowing RawStatement) throws -> Contact {
        let attributes = (try? JSONDecoder().decode([String: String].self, from: Data(row.string(2).utf8))) ?? [:]
        return Contact(
            id: row.string(0),
            caller: row.text(1),
            sessionAttributes: attributes,
            endedBy: row.isNull(3) ? nil : try row.value(3, as: CallBranch.self),
            createdAt: row.date(4),
            endedAt: row.optionalDate(5),
            flowState: decoded(row.text(6)) ?? FlowContactState(attributes: attributes),
            startPath: decoded(row.text(7)) ?? [],
            startPrompt: row.text(8) ?? ""
        )
    }

    private static func attributesText(_ attributes: [String: String]) throws -> String { try text(attributes) }

    private static func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }

    /// A JSON column's value; nil for a row written before the column was (contacts from before flows).
    private static func decoded<Value: Decodable>(_ text: String?) -> Value? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(Value.self, from: Data(text.utf8))
    }
}
