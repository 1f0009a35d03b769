import Foundation
import TDMockCore
import ZIPFoundation

/// A Lex V2 bot export (docs/contact-flows.md; AWS's "JSON format for importing and exporting bots in Lex V2"), the
/// `.zip` or its unpacked folder: `manifest.json`, then `{BotName}/Bot.json`,
/// `{BotName}/BotLocales/{locale}/BotLocale.json` and `…/Intents/{intent}/Intent.json` (with
/// `Slots/{slot}/Slot.json`). File and key names are read in either letter case, as real exports
/// write them (`Manifest.json`, `metaData`).
struct LexBotExport {
    struct Intent {
        var name: String
        var utterances: [String]
        var fulfillmentEnabled: Bool
        var dialogEnabled: Bool
        var closingMessage: String?
        var slots: [String]
    }

    var name: String
    var identifier: String?
    var idleSessionTTL: Double?
    var locales: [String]
    /// The first locale's intents (tdmock's bots have one set of intents for all their locales).
    var intents: [Intent]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the export at `path` (a `.zip` file or a folder).
    static func read(_ path: String) throws(Failure) -> LexBotExport {
        let files = try Self.files(path)
        guard let manifest = files.keys.filter({ $0.hasSuffix("manifest.json") }).min(by: { $0.count < $1.count }) else {
            throw Failure(description: "no manifest.json in \(path): not a Lex V2 bot export")
        }
        let root = String(manifest.dropLast("manifest.json".count))
        guard
            let botFile = files.keys.filter({
                $0.hasPrefix(root) && $0.hasSuffix("/bot.json") && $0.dropFirst(root.count).split(separator: "/").count == 2
            }).min()
        else {
            throw Failure(description: "no {BotName}/Bot.json in \(path): export the whole bot, not one locale")
        }
        let bot = try object(files[botFile]!, botFile)
        let botDirectory = String(botFile.dropLast("bot.json".count))
        var export = LexBotExport(
            name: bot["name"]?.stringValue ?? String(botDirectory.dropFirst(root.count).dropLast()),
            identifier: bot["identifier"]?.stringValue,
            idleSessionTTL: bot["idlesessionttlinseconds"]?.numberValue,
            locales: [],
            intents: []
        )
        let localesDirectory = botDirectory + "botlocales/"
        let localeFiles = files.keys.filter { $0.hasPrefix(localesDirectory) && $0.hasSuffix("/botlocale.json") }.sorted()
        guard !localeFiles.isEmpty else { throw Failure(description: "no BotLocales/{locale}/BotLocale.json in \(path)") }
        var localeDirectories: [String] = []
        for file in localeFiles {
            let locale = try object(files[file]!, file)
            let folder = String(file.dropLast("botlocale.json".count))
            let id =
                locale["identifier"]?.stringValue ?? locale["localeid"]?.stringValue ?? String(folder.dropFirst(localesDirectory.count).dropLast())
            export.locales.append(id)
            localeDirectories.append(folder)
        }
        let intentsDirectory = localeDirectories[0] + "intents/"
        for file in files.keys.filter({ $0.hasPrefix(intentsDirectory) && $0.hasSuffix("/intent.json") }).sorted() {
            let intent = try object(files[file]!, file)
            let folder = String(file.dropLast("intent.json".count))
            var name = intent["name"]?.stringValue ?? String(folder.dropFirst(intentsDirectory.count).dropLast())
            if intent["parentintentsignature"]?.stringValue == "AMAZON.FallbackIntent" { name = LexV2.fallbackIntent }
            let utterances = (intent["sampleutterances"]?.arrayValue ?? []).compactMap { lowered($0)["utterance"]?.stringValue }
            let slots = files.keys.filter { $0.hasPrefix(folder + "slots/") && $0.hasSuffix("/slot.json") }.sorted().map { slotFile in
                (try? object(files[slotFile]!, slotFile))?["name"]?.stringValue
                    ?? String(slotFile.dropFirst((folder + "slots/").count).split(separator: "/").first ?? "")
            }
            let closing = intent["intentclosingsetting"].map(lowered)?["closingresponse"].map(lowered)?["messagegroupslist"]?.arrayValue?.first
                .map(lowered)?["message"].map(lowered)?["plaintextmessage"].map(lowered)?["value"]?.stringValue
            export.intents.append(
                Intent(
                    name: name,
                    utterances: utterances,
                    fulfillmentEnabled: intent["fulfillmentcodehook"].map(lowered)?["enabled"] == .bool(true),
                    dialogEnabled: intent["dialogcodehook"].map(lowered)?["enabled"] == .bool(true),
                    closingMessage: closing,
                    slots: slots
                )
            )
        }
        return export
    }

    /// Every file of the export, by its path in lower case (relative to the folder, or as zipped).
    private static func files(_ path: String) throws(Failure) -> [String: Data] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw Failure(description: "no file or folder \(path)") }
        var files: [String: Data] = [:]
        if isDirectory.boolValue {
            let base = URL(fileURLWithPath: path).standardizedFileURL
            let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, let data = try? Data(contentsOf: url) else {
                    continue
                }
                let relative = url.standardizedFileURL.path.dropFirst(base.path.count).drop { $0 == "/" }
                files["/" + relative.lowercased()] = data
            }
            return files
        }
        do {
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            for entry in archive where entry.type == .file {
                var data = Data()
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                files["/" + entry.path.lowercased()] = data
            }
        } catch {
            throw Failure(description: "\(path) is neither a folder nor a readable .zip: \(error)")
        }
        return files
    }

    /// A JSON object with its keys in lower case.
    private static func object(_ data: Data, _ file: String) throws(Failure) -> [String: JSONValue] {
        guard let value = JSONValue(parsing: data), value.objectValue != nil else { throw Failure(description: "\(file) is not a JSON object") }
        return lowered(value)
    }

    private static func lowered(_ value: JSONValue) -> [String: JSONValue] {
        Dictionary((value.objectValue ?? [:]).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
