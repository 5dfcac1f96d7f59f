/// Decides, for each time entry, which configured client it belongs to and its category.
///
/// Client: the first client whose code, name or alias equals (ignoring case) the entry's
/// Clockify client name; failing that, whose name or alias starts the project name followed
/// by a separator ("LAA - INFRA").
/// Category: the first `[[rules]]` of the pipeline file that matches, in file order; without
/// a match, Clockify's billable flag (Yes → FACTURABLE, No → INTERNE; when the export has no
/// billable column, FACTURABLE if the entry has a rate, INTERNE otherwise).
///
/// Works on the UTF-8 bytes of the fields and caches its answers, because it runs for every
/// row of files with millions of rows.
package final class EntryClassifier {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// The fields of one entry that classification looks at (bytes valid during the call).
    package struct Fields {
        package var client: UnsafeRawBufferPointer
        package var project: UnsafeRawBufferPointer
        package var task: UnsafeRawBufferPointer
        /// Tag names as exported: joined by commas.
        package var tags: UnsafeRawBufferPointer
        package var description: UnsafeRawBufferPointer
        package var billable: Bool?
        package var hasRate: Bool
    }

    private let clients: [(code: String, names: [String])]
    /// Each client's code as bytes for the rows (``PinnedText``), and their owners.
    private let codeTexts: [ByteText]
    private let codeStorage: [PinnedText]
    private let rules: [PipelineConfig.CategoryRule]
    private let usesTask: Bool
    private let usesTags: Bool
    /// The client of a (client, project) pair: its index in `clients`, or nil for none.
    @exclusivity(unchecked) private var clientCache = ByteKeyCache<Int?>()
    @exclusivity(unchecked) private var candidateCache = ByteKeyCache<[Int]>()
    private let keyBuffer = ByteBuffer(capacity: 512)
    private static let cacheLimit = 100_000

    package init(pipeline: PipelineConfig) {
        clients = pipeline.clients.map { client in
            (client.code, ([client.code, client.name] + client.aliases).map(GlobPattern.fold).filter { !$0.isEmpty })
        }
        codeStorage = clients.map { PinnedText($0.code) }
        codeTexts = codeStorage.map(\.text)
        rules = pipeline.categoryRules
        usesTask = rules.contains { $0.task != nil }
        usesTags = rules.contains { $0.tag != nil }
    }

    /// The configured client's code (bytes held by this classifier, valid while it lives; empty for
    /// none) and the category of one entry.
    func classify(_ fields: Fields) -> (clientCode: ByteText, category: PipelineConfig.Category) {
        let index = client(client: fields.client, project: fields.project)
        return (index.map { codeTexts[$0] } ?? ByteText.empty, category(fields, client: index))
    }

    /// Convenience for converters that hold Strings.
    package func classify(
        client: String, project: String, task: String, tags: [String], description: String,
        billable: Bool?, hasRate: Bool
    ) -> (clientCode: String?, category: PipelineConfig.Category) {
        let buffers = [client, project, task, tags.joined(separator: ","), description].map { Array($0.utf8) }
        return buffers[0].withUnsafeBytes { c in
            buffers[1].withUnsafeBytes { p in
                buffers[2].withUnsafeBytes { t in
                    buffers[3].withUnsafeBytes { g in
                        buffers[4].withUnsafeBytes { d in
                            let fields = Fields(
                                client: c, project: p, task: t, tags: g, description: d, billable: billable,
                                hasRate: hasRate)
                            let index = self.client(client: c, project: p)
                            return (index.map { clients[$0].code }, category(fields, client: index))
                        }
                    }
                }
            }
        }
    }

    // MARK: - Client

    private func client(client: UnsafeRawBufferPointer, project: UnsafeRawBufferPointer) -> Int? {
        guard !clients.isEmpty else { return nil }
        keyBuffer.removeAll()
        keyBuffer.append(client)
        keyBuffer.append(0x1F)
        keyBuffer.append(project)
        if let cached = clientCache.value(for: keyBuffer.bytes) { return cached }
        let found = resolveClient(
            client: GlobPattern.fold(String(decoding: client, as: UTF8.self)),
            project: GlobPattern.fold(String(decoding: project, as: UTF8.self)))
        if clientCache.count >= EntryClassifier.cacheLimit { clientCache.removeAll() }
        clientCache.insert(found, for: keyBuffer.bytes)
        return found
    }

    private func resolveClient(client: String, project: String) -> Int? {
        if !client.isEmpty, let match = clients.firstIndex(where: { $0.names.contains(client) }) {
            return match
        }
        guard !project.isEmpty else { return nil }
        return clients.firstIndex(where: { candidate in
            candidate.names.contains { name in
                project == name
                    || (project.hasPrefix(name) && EntryClassifier.isSeparator(project.dropFirst(name.count).first))
            }
        })
    }

    private static func isSeparator(_ character: Character?) -> Bool {
        guard let character else { return true }
        return character == " " || character == "-" || character == "_" || character == ":" || character == "/"
    }

    // MARK: - Category

    /// Rules are evaluated in two steps: the conditions that do not look at the description are
    /// cached per (client, project, task, tags, billable, rate) — few distinct values — as the
    /// list of rules still possible; only their description patterns run for every entry.
    private func category(_ fields: Fields, client: Int?) -> PipelineConfig.Category {
        guard !rules.isEmpty else { return defaultCategory(fields) }
        keyBuffer.removeAll()
        keyBuffer.append(fields.billable.map { $0 ? 1 : 0 } ?? 2)
        keyBuffer.append(fields.hasRate ? 1 : 0)
        keyBuffer.append(fields.client)
        keyBuffer.append(0x1F)
        keyBuffer.append(fields.project)
        if usesTask { keyBuffer.append(0x1F); keyBuffer.append(fields.task) }
        if usesTags { keyBuffer.append(0x1F); keyBuffer.append(fields.tags) }
        let candidates: [Int]
        if let cached = candidateCache.value(for: keyBuffer.bytes) {
            candidates = cached
        } else {
            let code = client.map { clients[$0].code }
            candidates = rules.indices.filter { matchesWithoutDescription(rules[$0], fields, clientCode: code) }
            if candidateCache.count >= EntryClassifier.cacheLimit { candidateCache.removeAll() }
            candidateCache.insert(candidates, for: keyBuffer.bytes)
        }
        for index in candidates {
            if let pattern = rules[index].description, !pattern.matches(bytes: fields.description) { continue }
            return rules[index].category
        }
        return defaultCategory(fields)
    }

    private func matchesWithoutDescription(
        _ rule: PipelineConfig.CategoryRule, _ fields: Fields,
        clientCode: String?
    ) -> Bool {
        if let pattern = rule.client,
            !(pattern.matches(bytes: fields.client) || clientCode.map(pattern.matches) == true)
        {
            return false
        }
        if let pattern = rule.project, !pattern.matches(bytes: fields.project) { return false }
        if let pattern = rule.task, !pattern.matches(bytes: fields.task) { return false }
        if let pattern = rule.tag, !EntryClassifier.tags(fields.tags).contains(where: pattern.matches(bytes:)) {
            return false
        }
        if let wanted = rule.billable, wanted != (fields.billable ?? fields.hasRate) { return false }
        return true
    }

    private func defaultCategory(_ fields: Fields) -> PipelineConfig.Category {
        switch fields.billable {
        case .some(true): .facturable
        case .some(false): .interne
        case .none: fields.hasRate ? .facturable : .interne
        }
    }

    /// Splits comma-joined tag names.
    static func tags(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var result: [UnsafeRawBufferPointer] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x2C {
            if index > start { result.append(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
            start = index + 1
        }
        return result
    }
}
