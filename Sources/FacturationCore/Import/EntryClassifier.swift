/// Decides, for each time entry, which configured client it belongs to and its category.
///
/// Client: the first client whose code, name or alias equals (ignoring case) the entry's
/// Clockify client name; failing that, whose alias starts the project name ("LAA - INFRA").
/// Category: the first `[[rules]]` of the pipeline file that matches, in file order; without
/// a match, Clockify's billable flag (Yes → FACTURABLE, No → INTERNE; when the export has no
/// billable column, FACTURABLE if the entry has a rate, INTERNE otherwise).
public final class EntryClassifier {
    private let clients: [(code: String, names: [String])]
    private let rules: [PipelineConfig.CategoryRule]
    private var clientCache: [String: String?] = [:]

    public init(pipeline: PipelineConfig) {
        clients = pipeline.clients.map { client in
            (client.code, ([client.code, client.name] + client.aliases).map(GlobPattern.fold).filter { !$0.isEmpty })
        }
        rules = pipeline.categoryRules
    }

    /// The code of the configured client for these Clockify client and project names, if any.
    public func clientCode(clientName: String, projectName: String) -> String? {
        let cacheKey = clientName + "\u{1F}" + projectName
        if let cached = clientCache[cacheKey] { return cached }
        let client = GlobPattern.fold(clientName)
        let project = GlobPattern.fold(projectName)
        var found: String?
        if !client.isEmpty {
            found = clients.first(where: { $0.names.contains(client) })?.code
        }
        if found == nil, !project.isEmpty {
            found = clients.first(where: { candidate in
                candidate.names.contains { name in
                    project == name || (project.hasPrefix(name) && EntryClassifier.isSeparator(project.dropFirst(name.count).first))
                }
            })?.code
        }
        clientCache[cacheKey] = found
        return found
    }

    private static func isSeparator(_ character: Character?) -> Bool {
        guard let character else { return true }
        return character == " " || character == "-" || character == "_" || character == ":" || character == "/"
    }

    /// The category of an entry (see the type's documentation for the order of decisions).
    public func category(
        clientName: String, clientCode: String?, projectName: String, taskName: String, tags: [String],
        description: String, billable: Bool?, hasRate: Bool
    ) -> PipelineConfig.Category {
        for rule in rules {
            if let pattern = rule.client,
               !(pattern.matches(clientName) || clientCode.map(pattern.matches) == true) { continue }
            if let pattern = rule.project, !pattern.matches(projectName) { continue }
            if let pattern = rule.task, !pattern.matches(taskName) { continue }
            if let pattern = rule.tag, !tags.contains(where: pattern.matches) { continue }
            if let pattern = rule.description, !pattern.matches(description) { continue }
            if let wanted = rule.billable, wanted != (billable ?? hasRate) { continue }
            return rule.category
        }
        switch billable {
        case .some(true): return .facturable
        case .some(false): return .interne
        case .none: return hasRate ? .facturable : .interne
        }
    }
}
