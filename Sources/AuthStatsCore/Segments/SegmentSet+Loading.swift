import Foundation

extension SegmentSet {
    /// Reads and checks segment definition files.
    ///
    /// Each file holds one or more JSON documents back to back, each one of:
    /// - `aws pinpoint get-segments` output, `{"SegmentsResponse": {"Item": [SegmentResponse, …]}}`;
    /// - `aws pinpoint get-segment` output, `{"SegmentResponse": {…}}`;
    /// - a list of `{"Name": …, "Dimensions" | "SegmentGroups": …}` objects (`CreateSegment`'s body).
    ///
    /// Everything is checked here, so that a run never stops on a definition after reading its
    /// input: the JSON, the shapes and types, every enumeration value, unique names,
    /// `SourceSegments` ids that exist and form no cycle.
    ///
    /// - Parameters:
    ///   - files: each file's name (as messages should show it) and content.
    ///   - timeZone: the report time zone, in which `ON` compares days.
    /// - Returns: the segments in definition order (file by file).
    /// - Throws: `SegmentDefinitionError` at the first problem, naming the file, the segment and
    ///   the JSON path.
    public static func load(files: [(name: String, data: [UInt8])], timeZone: TimeZone) throws -> SegmentSet {
        var definitions: [SegmentDefinition] = []
        var references: [[[SegmentReader.SourceReference]]] = []
        for file in files {
            for (node, place, position) in try segmentNodes(file.data, file: file.name) {
                var reader = SegmentReader(place: place, position: position, timeZone: timeZone)
                let definition = try reader.segment(node)
                try checkUnique(definition, reader: reader, against: definitions)
                definitions.append(definition)
                references.append(reader.sourceReferences)
            }
        }
        try resolveSources(&definitions, references: references, timeZone: timeZone)
        let order = try evaluationOrder(definitions, references: references, timeZone: timeZone)
        return SegmentSet(definitions: definitions, evaluationOrder: order)
    }

    /// The segment objects of one file, each with where it is and its 1-based position.
    private static func segmentNodes(_ data: [UInt8], file: String) throws(SegmentDefinitionError)
        -> [(SegmentJSON, SegmentPlace, Int)]
    {
        let documents: [SegmentJSON]
        do {
            documents = try SegmentJSONParser.documents(data)
        } catch {
            throw SegmentDefinitionError(description: "\(file): invalid JSON at \(error.place(in: data)): \(error.reason)")
        }
        guard !documents.isEmpty else {
            throw SegmentDefinitionError(
                description: "\(file): no JSON document in the file; expected the output of `aws pinpoint get-segments` "
                    + "or `get-segment`, or a list of segments")
        }
        var result: [(SegmentJSON, SegmentPlace, Int)] = []
        for (d, document) in documents.enumerated() {
            let number = documents.count > 1 ? d + 1 : nil
            func place(_ path: String) -> SegmentPlace { SegmentPlace(file: file, document: number, path: path) }
            func refuse(_ message: String) -> SegmentDefinitionError {
                SegmentDefinitionError(description: place("").filePrefix + message)
            }
            switch document.value {
            case .array(let segments):
                for (i, segment) in segments.enumerated() { result.append((segment, place("[\(i)]"), result.count + 1)) }
            case .object(let members):
                if let response = members.first(where: { $0.key == "SegmentsResponse" })?.value {
                    guard case .object(let responseMembers) = response.value else {
                        throw refuse("SegmentsResponse: expected an object, found \(response.kind)")
                    }
                    guard let items = responseMembers.first(where: { $0.key == "Item" })?.value, !items.isNull else { continue }
                    guard case .array(let segments) = items.value else {
                        throw refuse("SegmentsResponse.Item: expected a list, found \(items.kind)")
                    }
                    for (i, segment) in segments.enumerated() {
                        result.append((segment, place("SegmentsResponse.Item[\(i)]"), result.count + 1))
                    }
                } else if let segment = members.first(where: { $0.key == "SegmentResponse" })?.value {
                    result.append((segment, place("SegmentResponse"), result.count + 1))
                } else {
                    let keys = members.map { SegmentReader.quoted($0.key) }.joined(separator: ", ")
                    let looksLikeSegment = members.contains { $0.key == "Name" }
                    throw refuse(
                        "not a segment definition: expected {\"SegmentsResponse\": …} (aws pinpoint get-segments), "
                            + "{\"SegmentResponse\": …} (aws pinpoint get-segment) or a list of segments, found "
                            + (members.isEmpty ? "an empty object" : "an object with the keys \(keys)")
                            + (looksLikeSegment ? "; write a single segment as a list of one: [{\"Name\": …}]" : ""))
                }
            default:
                throw refuse(
                    "not a segment definition: expected {\"SegmentsResponse\": …} (aws pinpoint get-segments), "
                        + "{\"SegmentResponse\": …} (aws pinpoint get-segment) or a list of segments, found \(document.kind)")
            }
        }
        return result
    }

    /// Refuses a second segment of the same name, or of the same id.
    private static func checkUnique(_ definition: SegmentDefinition, reader: SegmentReader, against earlier: [SegmentDefinition])
        throws(SegmentDefinitionError)
    {
        func location(_ other: SegmentDefinition) -> String { other.place.filePrefix + other.place.path }
        // As exact text: two spellings of "Café" are two names (their files get distinct names).
        if let other = earlier.first(where: { ExactText.same($0.name, definition.name) }) {
            throw reader.fail(
                definition.place.path + ".Name",
                "the name \(SegmentReader.quoted(definition.name)) is also the name of the segment at \(location(other)); "
                    + "segment names must be unique")
        }
        if let id = definition.id, let other = earlier.first(where: { $0.id == id }) {
            throw reader.fail(
                definition.place.path + ".Id",
                "the Id \(SegmentReader.quoted(id)) is also the Id of segment \(SegmentReader.quoted(other.name)) "
                    + "at \(location(other)); segment Ids must be unique")
        }
    }

    /// A `SegmentReader` for messages about a segment that has been read.
    private static func reader(for definition: SegmentDefinition, timeZone: TimeZone) -> SegmentReader {
        var reader = SegmentReader(place: definition.place, position: 0, timeZone: timeZone)
        reader.name(definition.name)
        return reader
    }

    /// Turns every `SourceSegments` id into the index of the segment with that `Id`.
    private static func resolveSources(
        _ definitions: inout [SegmentDefinition], references: [[[SegmentReader.SourceReference]]], timeZone: TimeZone
    ) throws(SegmentDefinitionError) {
        var indexByID: [String: Int] = [:]
        for (i, definition) in definitions.enumerated() {
            if let id = definition.id { indexByID[id] = i }
        }
        for i in definitions.indices {
            guard var groups = definitions[i].groups else { continue }
            for g in groups.groups.indices {
                for reference in references[i][g] {
                    guard let base = indexByID[reference.id] else {
                        throw reader(for: definitions[i], timeZone: timeZone).fail(
                            reference.path, "no segment with Id \(SegmentReader.quoted(reference.id)) among the segments given")
                    }
                    groups.groups[g].sources.append(base)
                }
            }
            definitions[i].groups = groups
        }
    }

    /// Every base before the segments built on it, otherwise in definition order; refuses a
    /// cycle, naming it from the first segment on it.
    ///
    /// - Complexity: O(n²) in the number of segments, a few hundred at most.
    private static func evaluationOrder(
        _ definitions: [SegmentDefinition], references: [[[SegmentReader.SourceReference]]], timeZone: TimeZone
    ) throws(SegmentDefinitionError) -> [Int] {
        let bases = definitions.map { definition in
            definition.groups.map { Array(Set($0.groups.flatMap(\.sources))).sorted() } ?? []
        }
        if let cycle = firstCycle(bases) {
            let (from, to) = (cycle[0], cycle[1])
            let path = zip(definitions[from].groups?.groups ?? [], references[from])
                .flatMap { group, references in zip(group.sources, references).filter { $0.0 == to }.map(\.1.path) }
                .first ?? definitions[from].place.path
            let names = cycle.map { SegmentReader.quoted(definitions[$0].name) }.joined(separator: " -> ")
            throw reader(for: definitions[from], timeZone: timeZone).fail(path, "a cycle of SourceSegments: \(names)")
        }
        var order: [Int] = []
        var done = [Bool](repeating: false, count: definitions.count)
        while order.count < definitions.count {
            // The first segment, in definition order, whose bases are all placed.
            guard let next = definitions.indices.first(where: { !done[$0] && bases[$0].allSatisfy { done[$0] } }) else { break }
            done[next] = true
            order.append(next)
        }
        return order
    }

    /// A cycle of the base graph as segment indices, first and last the same and the first
    /// the smallest index on it; nil when there is none.
    static func firstCycle(_ bases: [[Int]]) -> [Int]? {
        enum Mark { case unvisited, onStack, finished }
        var marks = [Mark](repeating: .unvisited, count: bases.count)
        var stack: [Int] = []
        var cycle: [Int]?
        func visit(_ node: Int) {
            marks[node] = .onStack
            stack.append(node)
            for base in bases[node] where cycle == nil {
                switch marks[base] {
                case .onStack:
                    let start = stack.lastIndex(of: base)!
                    cycle = Array(stack[start...])
                case .unvisited: visit(base)
                case .finished: break
                }
            }
            stack.removeLast()
            marks[node] = .finished
        }
        for node in bases.indices where marks[node] == .unvisited && cycle == nil { visit(node) }
        guard let found = cycle else { return nil }
        // Rotate so the earliest-defined segment of the cycle comes first.
        let smallest = found.firstIndex(of: found.min()!)!
        let rotated = Array(found[smallest...] + found[..<smallest])
        return rotated + [rotated[0]]
    }
}
