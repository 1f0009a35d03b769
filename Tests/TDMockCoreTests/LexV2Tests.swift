import Foundation
import TDMockCore
import Testing

@Suite struct LexV2Tests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func close(
        state: String = "Fulfilled",
        attributes: String = #"{"response_type":"speak","response_text":"Hi."}"#,
        messages: String = "[]"
    ) -> String {
        #"{"sessionState":{"dialogAction":{"type":"Close"},"intent":{"name":"FallbackIntent","state":"\#(state)"},"sessionAttributes":\#(attributes)},"messages":\#(messages)}"#
    }

    @Test func theEventIsShapedAsAWSDocumentsIt() throws {
        let event = LexV2.event(
            contactID: "c-1",
            utterance: "What are our earnings?",
            sessionAttributes: ["caller": "+1"],
            bot: LexV2.Bot(),
            requestID: "r-1"
        )
        let object = try #require(event.objectValue)
        #expect(object["messageVersion"] == "1.0")
        #expect(object["invocationSource"] == "FulfillmentCodeHook")
        #expect(object["inputMode"] == "Speech")
        #expect(object["responseContentType"] == "text/plain; charset=utf-8")
        #expect(object["sessionId"] == "c-1")
        #expect(object["inputTranscript"] == "What are our earnings?")
        let bot = try #require(object["bot"]?.objectValue)
        #expect(Set(bot.keys) == ["id", "name", "aliasId", "aliasName", "localeId", "version"])
        let interpretation = try #require(object["interpretations"]?.arrayValue?.first?.objectValue)
        #expect(interpretation["intent"]?.objectValue?["name"] == "FallbackIntent")
        let state = try #require(object["sessionState"]?.objectValue)
        #expect(state["intent"]?.objectValue?["state"] == "ReadyForFulfillment")
        #expect(state["intent"]?.objectValue?["confirmationState"] == "None")
        #expect(state["sessionAttributes"] == ["caller": "+1"])
        #expect(state["originatingRequestId"] == "r-1")
        let transcription = try #require(object["transcriptions"]?.arrayValue?.first?.objectValue)
        #expect(transcription["transcription"] == "What are our earnings?")
        guard case .number = transcription["transcriptionConfidence"] else {
            Issue.record("transcriptionConfidence is not a number")
            return
        }
        #expect(transcription["resolvedContext"] == ["intent": "FallbackIntent"])
        #expect(object["requestAttributes"] == .object([:]))
    }

    @Test func aCloseAnswerIsTakenWithAttributesAsText() throws {
        let answer = try LexV2.check(parse(close(attributes: #"{"response_type":"speak","count":3,"ratio":0.5,"flag":true,"gone":null}"#))).get()
        #expect(answer.dialogActionType == "Close")
        #expect(answer.sessionAttributes == ["response_type": "speak", "count": "3", "ratio": "0.5", "flag": "true"])
    }

    @Test func refusedAnswersNameTheField() throws {
        let cases: [(String, String)] = [
            ("[]", "the answer is an array, not a JSON object"),
            ("{}", "sessionState: missing"),
            (#"{"sessionState":{}}"#, "sessionState.dialogAction: missing"),
            (#"{"sessionState":{"dialogAction":{"type":"Finish"}}}"#, #"sessionState.dialogAction.type: "Finish" is not one of"#),
            (#"{"sessionState":{"dialogAction":{"type":"Close"}}}"#, "sessionState.intent: missing"),
            (#"{"sessionState":{"dialogAction":{"type":"Close"},"intent":{"state":"Fulfilled"}}}"#, "sessionState.intent.name: missing"),
            (#"{"sessionState":{"dialogAction":{"type":"Close"},"intent":{"name":"F"}}}"#, "sessionState.intent.state: missing"),
            (close(state: "Done"), #"sessionState.intent.state: "Done" is not one of"#),
            (close(attributes: #"{"account":{"id":1}}"#), "sessionState.sessionAttributes.account: an object; Lex takes strings"),
            (close(attributes: #"{"list":[1]}"#), "sessionState.sessionAttributes.list: an array; Lex takes strings"),
            (close(attributes: "[]"), "sessionState.sessionAttributes: an array; Lex takes an object of strings"),
            (close(messages: #"[{"contentType":"Text","content":"x"}]"#), #"messages[0].contentType: "Text"; one of"#),
            (close(messages: #"[{"contentType":"PlainText","content":5}]"#), "messages[0].content: a number; Lex takes a string"),
            (close(messages: #"[{"contentType":"PlainText"}]"#), "messages[0].content: missing; Lex takes a string"),
            (close(messages: #"{"contentType":"PlainText"}"#), "messages: an object; Lex takes an array"),
        ]
        for (text, expected) in cases {
            switch LexV2.check(try parse(text)) {
            case .success: Issue.record("taken: \(text)")
            case .failure(let refusal): #expect(refusal.description.hasPrefix(expected), "\(refusal) for \(text)")
            }
        }
    }

    @Test func aClosingAnswerNamesItsBranchByTheBranchAttribute() throws {
        let flow = ContactFlow()
        func branch(_ text: String) throws -> CallBranch? { flow.branch(namedBy: try LexV2.check(parse(text)).get()) }
        #expect(try branch(close()) == .speak)
        #expect(try branch(close(attributes: #"{"response_type":"disconnect"}"#)) == .disconnect)
        #expect(try branch(close(attributes: #"{"response_type":"failed","response_reason":"x"}"#)) == .failed)
        // A value not in branches, an intent closed as Failed, and a dialog left open name none.
        #expect(try branch(close(attributes: #"{"response_type":"transfer"}"#)) == nil)
        #expect(try branch(close(state: "Failed")) == nil)
        #expect(try branch(#"{"sessionState":{"dialogAction":{"type":"ElicitIntent"},"sessionAttributes":{"response_type":"speak"}}}"#) == nil)
        var custom = ContactFlow()
        custom.branchAttribute = "next"
        custom.branches = ["ANSWER": .speak]
        #expect(custom.branch(namedBy: try LexV2.check(parse(close(attributes: #"{"next":"ANSWER"}"#))).get()) == .speak)
    }
}

@Suite struct LexMatcherTests {
    let matcher = LexMatcher(
        intents: [
            (name: "TalkToAgent", utterances: ["talk to an agent", "I want to talk to a person", "human please"]),
            (name: "Greeting", utterances: ["hello", "hi there"]),
        ],
        threshold: 0.5
    )

    @Test func wordsAreLowerCaseWithoutPunctuation() {
        #expect(LexMatcher.words("Hi, THERE!  I'm here.") == ["hi", "there", "i", "m", "here"])
    }

    @Test func theScoreIsTheDiceCoefficientOfTheWordSets() {
        #expect(LexMatcher.score(["a", "b"], ["a", "b"]) == 1)
        #expect(LexMatcher.score(["a", "b"], ["c"]) == 0)
        #expect(LexMatcher.score(["talk", "to", "a", "human"], ["talk", "to", "an", "agent"]) == 0.5)
    }

    @Test func theBestIntentAtTheThresholdWinsElseFallback() {
        var (intent, candidates) = matcher.recognize("Hello!")
        #expect(intent == "Greeting")
        #expect(candidates.first == LexMatcher.Candidate(intent: "Greeting", score: 1))
        (intent, candidates) = matcher.recognize("I want to talk to a human")
        #expect(intent == "TalkToAgent")
        #expect(candidates.map(\.intent) == ["TalkToAgent"])
        (intent, candidates) = matcher.recognize("zebra")
        #expect(intent == nil)
        #expect(candidates.isEmpty)
        // Below the threshold: candidates listed, FallbackIntent chosen.
        (intent, candidates) = matcher.recognize("please tell me about my invoice and the delivery")
        #expect(intent == nil)
        #expect(candidates.map(\.intent) == ["TalkToAgent"])
    }
}
