public import HTTPTypes

extension HTTPField.Name {
    /// Talkdesk's idempotency header on Start a Conversation and Send a Message.
    public static let idempotencyKey = Self("x-idempotency-key")!
    package static let pragma = Self("Pragma")!
}
