import Foundation
package import TDMockCore
import TDMockSettings

/// tdmock's Amazon Lex V2 (config `lex:`, docs/aws.md): the bots RecognizeText and Connect talk to.
public struct LexConfiguration: Sendable, Hashable {
    public var matchThreshold: Double = ServeSettings.table.lexMatchThreshold.byDefault
    /// A file's `lex.bots` replaces these whole.
    public var bots = LexConfiguration.defaultBots

    public init() {}

    public static let defaultBots = [
        LexBot(
            id: "TDMOCKCHAT",
            name: "ChatBot",
            intents: [
                LexIntent(
                    name: "TalkToAgent",
                    sampleUtterances: ["talk to an agent", "I want to talk to a person", "human please"],
                    fulfillment: "escalate"
                ),
                LexIntent(name: "Greeting", sampleUtterances: ["hello", "hi there"], closingMessage: "Hello! How can I help you today?"),
                LexIntent(name: LexV2.fallbackIntent, closingMessage: "Sorry, I did not understand. You can ask for an agent."),
            ]
        ),
        LexBot(
            id: "TDMOCKQBOT",
            name: "QuestionBot",
            intents: [
                LexIntent(name: "Unused", sampleUtterances: ["tdmock unused intent"]),
                LexIntent(name: LexV2.fallbackIntent, fulfillment: "fallback"),
            ]
        ),
    ]

    /// The bot with that id, alias id and locale, or what is missing.
    package func bot(_ id: String, alias: String, locale: String) -> Result<(LexBot, LexBot.Alias), LexLookupFailure> {
        guard let bot = bots.first(where: { $0.id == id }) else { return .failure(.init(message: "No bot with id '\(id)'")) }
        guard let found = bot.aliases.first(where: { $0.id == alias }) else {
            return .failure(.init(message: "No alias '\(alias)' of bot '\(id)'"))
        }
        guard bot.locales.contains(locale) else { return .failure(.init(message: "Bot '\(id)' has no locale '\(locale)'")) }
        return .success((bot, found))
    }
}

package struct LexLookupFailure: Error {
    package let message: String
}

public struct LexBot: Sendable, Hashable {
    public struct Alias: Sendable, Hashable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var id: String
    public var name: String
    public var aliases = [Alias(id: "TSTALIASID", name: "TestBotAlias")]
    public var locales = ["en_US"]
    /// Seconds a session lives after its last request.
    public var idleSessionTTL: Double = 300
    /// FallbackIntent is always among them (added when not listed).
    public var intents: [LexIntent]

    public init(id: String, name: String, intents: [LexIntent]) {
        self.id = id
        self.name = name
        self.intents = intents
        if !intents.contains(where: { $0.name == LexV2.fallbackIntent }) { self.intents.append(LexIntent(name: LexV2.fallbackIntent)) }
    }

    package func intent(_ name: String) -> LexIntent? { intents.first { $0.name == name } }

    /// The bot as a Lambda event's `bot` describes it, through `alias` in `locale`.
    package func described(alias: Alias, locale: String) -> LexV2.Bot {
        var described = LexV2.Bot()
        described.id = id
        described.name = name
        described.aliasID = alias.id
        described.aliasName = alias.name
        described.localeID = locale
        return described
    }

    /// AWS's bot and alias ids: ten letters and digits.
    static func isValidID(_ id: String) -> Bool { id.count == 10 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
}

public struct LexIntent: Sendable, Hashable {
    public var name: String
    public var sampleUtterances: [String]
    /// The fulfillment code hook's function.
    public var fulfillment: String?
    /// The dialog code hook's function, invoked first with `DialogCodeHook`.
    public var dialogHook: String?
    /// What the bot says when it closes the intent itself (no fulfillment function).
    public var closingMessage: String?

    public init(name: String, sampleUtterances: [String] = [], fulfillment: String? = nil, dialogHook: String? = nil, closingMessage: String? = nil) {
        self.name = name
        self.sampleUtterances = sampleUtterances
        self.fulfillment = fulfillment
        self.dialogHook = dialogHook
        self.closingMessage = closingMessage
    }
}
