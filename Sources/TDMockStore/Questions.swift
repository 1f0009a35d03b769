import Foundation
import GRDB
import TDMockCore

/// The question-response API's questions, each inside a transaction its caller opened. Every string an
/// integration or an agent sent goes through `RawStatement` (kept whole, U+0000 included); the caller's
/// attributes are stored as JSON text.
enum Questions {
    /// Stores a new queued question.
    static func insert(_ db: Database, _ question: Question) throws {
        var insert = try RawStatement(
            db,
            """
            INSERT INTO question (id, session_id, question, attributes, status, created_at) VALUES (?, ?, ?, ?, 'queued', ?)
            """
        )
        insert.bind(question.id)
        insert.bind(question.sessionID)
        insert.bind(question.question)
        insert.bind(String(decoding: try JSONCoding.encoder.encode(question.attributes), as: UTF8.self))
        insert.bind(Timestamp.milliseconds(question.createdAt))
        try insert.execute()
    }

    /// Answers a queued question; an unknown, answered or expired one is refused.
    static func answer(_ db: Database, id: String, with answer: QuestionAnswer, by agent: String?, now: Date) throws -> Question {
        guard var question = try find(db, id: id) else { throw InboxError.questionNotFound(id) }
        guard question.status == .queued else { throw InboxError.questionClosed(id, question.status) }
        var update = try RawStatement(
            db,
            """
            UPDATE question SET status = 'answered', answer_type = ?, answer_text = ?, answer_reason = ?, answered_by = ?, answered_at = ?
            WHERE id = ?
            """
        )
        update.bind(answer.type)
        update.bind(answer.text)
        update.bind(answer.reason)
        update.bind(agent)
        update.bind(Timestamp.milliseconds(now))
        update.bind(id)
        try update.execute()
        question.status = .answered
        question.answer = answer
        question.answeredBy = agent
        question.answeredAt = now
        return question
    }

    /// Lets a question go when the request that asked it stops waiting; nil when it was answered meanwhile.
    static func expire(_ db: Database, id: String, now: Date) throws -> Question? {
        guard var question = try find(db, id: id), question.status == .queued else { return nil }
        var update = try RawStatement(db, "UPDATE question SET status = 'expired', answered_at = ? WHERE id = ?")
        update.bind(Timestamp.milliseconds(now))
        update.bind(id)
        try update.execute()
        question.status = .expired
        question.answeredAt = now
        return question
    }

    static func find(_ db: Database, id: String) throws -> Question? {
        var statement = try RawStatement(db, "SELECT \(columns) FROM question WHERE id = ?")
        statement.bind(id)
        return try statement.step() ? try question(statement) : nil
    }

    /// Questions, oldest first: of one status (nil: all), of one session (nil: every session).
    static func list(_ db: Database, status: QuestionStatus?, sessionID: String?) throws -> [Question] {
        var conditions: [String] = []
        if status != nil { conditions.append("status = ?") }
        if sessionID != nil { conditions.append("session_id = ?") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        var statement = try RawStatement(db, "SELECT \(columns) FROM question\(filter) ORDER BY created_at, rowid")
        if let status { statement.bind(status.rawValue) }
        if let sessionID { statement.bind(sessionID) }
        var questions: [Question] = []
        while try statement.step() { questions.append(try question(statement)) }
        return questions
    }

    static func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM question")
    }

    private static let columns = """
        id, session_id, question, attributes, status, answer_type, answer_text, answer_reason, answered_by, created_at, answered_at
        """

    private static func question(_ row: borrowing RawStatement) throws -> Question {
        let attributes = (try? JSONDecoder().decode([String: String].self, from: Data(row.string(3).utf8))) ?? [:]
        let answer = row.text(5).flatMap { QuestionAnswer(type: $0, text: row.text(6), reason: row.text(7)) }
        return Question(
            id: row.string(0),
            sessionID: row.string(1),
            question: row.string(2),
            attributes: attributes,
            status: try row.value(4, as: QuestionStatus.self),
            answer: answer,
            answeredBy: row.text(8),
            createdAt: row.date(9),
            answeredAt: row.optionalDate(10)
        )
    }
}
