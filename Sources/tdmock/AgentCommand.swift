import ArgumentParser
import Foundation
import TDMockConsole

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "A scripted agent: answers conversations and questions by the rules of a YAML file until stopped.",
        discussion: """
            It takes the queued conversations and each new one that a rule matches: greets (or assigns), \
            answers each contact message, and closes when the contact says one of close_when_contact_says \
            or after close_after_replies replies. Templates: {{message}}, {{contact.name}}, \
            {{contact.email}}, {{context.KEY}}. Its questions: rules answer the question-response API's \
            questions (first match wins: question_contains, attribute; then speak, disconnect or fail; \
            templates {{question}}, {{session_id}}, {{attributes.KEY}}). See fixtures/agent-script.yaml.

              $ tdmock agent --script fixtures/agent-script.yaml --agent Robo
            """
    )

    @OptionGroup var options: AgentOptions
    @Option(help: "The YAML rules file.") var script: String
    @Flag(help: "Log only failures, not each question answered.") var quiet = false

    func run() async throws {
        let rules = try AgentScript.load(path: script)
        let context = options.context
        let agent = ScriptedAgent(api: context.api, agent: context.agent, script: rules, verbose: !quiet) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let events = try await context.api.events()
        Output.line(
            "tdmock agent \(context.agent) is answering with \(rules.rules.count) conversation rule(s) and \(rules.questions.count) question rule(s); Ctrl-C stops it."
        )
        try await agent.run(events: events)
        throw CLIError("the connection to tdmock closed")
    }
}
