import Foundation
import TDMockCore
import TDMockHTTP

extension SendMessageResponse {
    /// What `JSONResponse.data` writes for this answer (keys sorted, slashes as they are), written by hand:
    /// it is made for every message sent, where JSONEncoder's generic path costs more than the write
    /// (a test compares the two).
    var json: Data {
        var out = JSONBytes(capacity: 160)
        out.literal(#"{"created_at":"#)
        out.string(createdAt)
        out.literal(#","id":"#)
        out.string(id)
        out.literal(#","message_id":"#)
        out.string(messageId)
        out.append(byte: UInt8(ascii: "}"))
        return out.withBytes { Data($0) }
    }
}
