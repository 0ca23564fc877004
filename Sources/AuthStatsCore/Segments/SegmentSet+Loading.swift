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
        var seen = SeenNames()
        for file in files {
            for (node, place, position) in try segmentNodes(file.data, file: file.name) {
                var reader = SegmentReader(place: place, position: position, timeZone: timeZone)
                let definition = try reader.segment(node)
                try checkUnique(definition, reader: reader, against: definitions, seen: &seen)
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
        // UTF-16, as Windows PowerShell's `>` writes a file: "found byte 0xFF" said nothing of it
        // (a review, 2026-12-07).
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            throw SegmentDefinitionError(
                description: "\(file): the file is UTF-16 (as Windows PowerShell's > writes one), not UTF-8; save it as UTF-8 "
                    + "(`Out-File -Encoding utf8`, or `iconv -f UTF-16 -t UTF-8`)")
        }
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
                // Both in one document (`jq -s add` of a get-segment and a get-segments output):
                // one of them was read past, its segments dropped without a word (a review).
                if members.contains(where: { $0.key == "SegmentsResponse" }) && members.contains(where: { $0.key == "SegmentResponse" }) {
                    throw refuse(
                        "the document holds both SegmentsResponse and SegmentResponse; give each as a document of its own "
                            + "(one after the other in the file) or in files of their own")
                }
                if let response = members.first(where: { $0.key == "SegmentsResponse" })?.value {
                    guard case .object(let responseMembers) = response.value else {
                        throw refuse("SegmentsResponse: expected an object, found \(response.kind)")
                    }
                    guard let items = responseMembers.first(where: { $0.key == "Item" })?.value, !items.isNull else {
                        // `Items` or another misspelling was read as no segment at all, exit 0
                        // (a review, 2026-12-07); an empty page holds `Item: []` or nothing.
                        let other = responseMembers.filter { $0.key != "NextToken" && $0.key != "Item" }.map { SegmentReader.quoted($0.key) }
                        guard other.isEmpty else {
                            throw refuse("SegmentsResponse: no Item list (get-segments puts the segments in \"Item\"), found the keys \(other.joined(separator: ", "))")
                        }
                        continue
                    }
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

    /// The names and Ids of the segments read so far, each with its segment's index: looked up,
    /// not compared with every earlier segment (10,000 segments took 8 s, a review found).
    struct SeenNames {
        var names: [ExactText: Int] = [:]
        var ids: [String: Int] = [:]
    }

    /// Refuses a second segment of the same name, or of the same id.
    private static func checkUnique(
        _ definition: SegmentDefinition, reader: SegmentReader, against earlier: [SegmentDefinition], seen: inout SeenNames
    ) throws(SegmentDefinitionError) {
        func location(_ other: SegmentDefinition) -> String { other.place.filePrefix + other.place.path }
        // As exact text: two spellings of "Café" are two names (their files get distinct names).
        if let other = seen.names[ExactText(definition.name)].map({ earlier[$0] }) {
            throw reader.fail(
                definition.place.path + ".Name",
                "the name \(SegmentReader.quoted(definition.name)) is also the name of the segment at \(location(other)); "
                    + "segment names must be unique")
        }
        if let id = definition.id, let other = seen.ids[id].map({ earlier[$0] }) {
            throw reader.fail(
                definition.place.path + ".Id",
                "the Id \(SegmentReader.quoted(id)) is also the Id of segment \(SegmentReader.quoted(other.name)) "
                    + "at \(location(other)); segment Ids must be unique")
        }
        seen.names[ExactText(definition.name)] = earlier.count
        if let id = definition.id { seen.ids[id] = earlier.count }
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
    /// - Complexity: O((n + e) log n) for n segments and e `SourceSegments`.
    private static func evaluationOrder(
        _ definitions: [SegmentDefinition], references: [[[SegmentReader.SourceReference]]], timeZone: TimeZone
    ) throws(SegmentDefinitionError) -> [Int] {
        let bases = definitions.map { definition in
            definition.groups.map { Array(Set($0.groups.flatMap(\.sources))).sorted() } ?? []
        }
        // Each time the first segment, in definition order, whose bases are all placed: the
        // smallest index among the ready ones (a scan of every segment for each, until
        // 2026-12-07, was quadratic). Segments left unplaced lie on or behind a cycle, which is
        // only then searched for, to be named.
        var waiting = bases.map(\.count)
        var dependents = [[Int]](repeating: [], count: definitions.count)
        for (node, nodeBases) in bases.enumerated() { for base in nodeBases { dependents[base].append(node) } }
        var ready = SmallestFirst(bases.indices.filter { waiting[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(definitions.count)
        while let next = ready.pop() {
            order.append(next)
            for node in dependents[next] {
                waiting[node] -= 1
                if waiting[node] == 0 { ready.push(node) }
            }
        }
        if order.count < definitions.count, let cycle = firstCycle(bases) {
            let (from, to) = (cycle[0], cycle[1])
            let path = zip(definitions[from].groups?.groups ?? [], references[from])
                .flatMap { group, references in zip(group.sources, references).filter { $0.0 == to }.map(\.1.path) }
                .first ?? definitions[from].place.path
            let names = cycle.map { SegmentReader.quoted(definitions[$0].name) }.joined(separator: " -> ")
            throw reader(for: definitions[from], timeZone: timeZone).fail(path, "a cycle of SourceSegments: \(names)")
        }
        return order
    }

    /// A binary min-heap of indices.
    struct SmallestFirst {
        private var items: [Int] = []

        init(_ items: [Int]) { for item in items { push(item) } }

        mutating func push(_ item: Int) {
            items.append(item)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child] < items[parent] else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Int? {
            guard let first = items.first else { return nil }
            let last = items.removeLast()
            if items.isEmpty { return first }
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < items.count else { break }
                let child = left + 1 < items.count && items[left + 1] < items[left] ? left + 1 : left
                guard items[child] < items[parent] else { break }
                items.swapAt(child, parent)
                parent = child
            }
            return first
        }
    }

    /// A cycle of the base graph as segment indices, first and last the same and the first
    /// the smallest index on it; nil when there is none.
    static func firstCycle(_ bases: [[Int]]) -> [Int]? {
        enum Mark { case unvisited, onStack, finished }
        var marks = [Mark](repeating: .unvisited, count: bases.count)
        // The depth-first path with each node's next base to look at, kept on the heap: a
        // recursive walk overflowed the thread's stack on a chain of 10,000 segments (a
        // review, 2026-12-07).
        var path: [(node: Int, next: Int)] = []
        var cycle: [Int]?
        search: for root in bases.indices where marks[root] == .unvisited {
            marks[root] = .onStack
            path.append((root, 0))
            while let (node, next) = path.last {
                guard next < bases[node].count else {
                    path.removeLast()
                    marks[node] = .finished
                    continue
                }
                path[path.count - 1].next += 1
                let base = bases[node][next]
                switch marks[base] {
                case .onStack:
                    let start = path.lastIndex { $0.node == base }!
                    cycle = path[start...].map(\.node)
                    break search
                case .unvisited:
                    marks[base] = .onStack
                    path.append((base, 0))
                case .finished: break
                }
            }
        }
        guard let found = cycle else { return nil }
        // Rotate so the earliest-defined segment of the cycle comes first.
        let smallest = found.firstIndex(of: found.min()!)!
        let rotated = Array(found[smallest...] + found[..<smallest])
        return rotated + [rotated[0]]
    }
}
