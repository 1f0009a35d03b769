/// tdmock's intent recognition (docs/aws.md; tdmock's choice, not Lex's model): lexical and
/// deterministic. The input and each sample utterance are compared as sets of words, in lower case with
/// punctuation taken out; an utterance's score is the Dice coefficient of the two sets,
/// `2 × shared words / (input words + utterance words)`, from 0 (no word in common) to 1 (the same
/// words); an intent's score is its best utterance's. The best intent wins when its score reaches the
/// threshold, else FallbackIntent.
public struct LexMatcher: Sendable {
    public struct Candidate: Sendable, Hashable {
        public var intent: String
        public var score: Double

        public init(intent: String, score: Double) {
            self.intent = intent
            self.score = score
        }
    }

    /// Intent name -> its sample utterances, each already reduced to its words.
    private let intents: [(name: String, utterances: [Set<String>])]
    public let threshold: Double

    public init(intents: [(name: String, utterances: [String])], threshold: Double) {
        self.intents = intents.map { intent in (intent.name, intent.utterances.map { Set(Self.words($0)) }) }
        self.threshold = threshold
    }

    /// Lower case, every character that is not a letter or a digit a space, split on spaces.
    public static func words(_ text: String) -> [String] {
        let spaced: [Character] = text.lowercased().map { character in character.isLetter || character.isNumber ? character : " " }
        return String(spaced).split(separator: " ").map { String($0) }
    }

    /// The Dice coefficient of two sets of words.
    public static func score(_ input: Set<String>, _ utterance: Set<String>) -> Double {
        guard !input.isEmpty, !utterance.isEmpty else { return 0 }
        return 2 * Double(input.intersection(utterance).count) / Double(input.count + utterance.count)
    }

    /// Every intent with a score above 0, best first (ties in the order the intents are listed).
    public func candidates(_ text: String) -> [Candidate] {
        let input = Set(Self.words(text))
        let scored = intents.enumerated().compactMap { index, intent -> (Int, Candidate)? in
            let best = intent.utterances.map { Self.score(input, $0) }.max() ?? 0
            return best > 0 ? (index, Candidate(intent: intent.name, score: (best * 100).rounded() / 100)) : nil
        }
        return scored.sorted { $0.1.score != $1.1.score ? $0.1.score > $1.1.score : $0.0 < $1.0 }.map(\.1)
    }

    /// The intent recognized: the best candidate at or above the threshold, else nil (FallbackIntent).
    public func recognize(_ text: String) -> (intent: String?, candidates: [Candidate]) {
        let candidates = candidates(text)
        guard let best = candidates.first, best.score >= threshold else { return (nil, candidates) }
        return (best.intent, candidates)
    }
}
