/*
 Segments (`docs/segments.md`, `docs/metrics.md` "Segments"): Amazon Pinpoint segment
 definitions, evaluated on each user's profile.

 - `SegmentSet.load` reads the definition files (`get-segments` / `get-segment` output or a
   list of `CreateSegment` bodies), checks everything and refuses the whole set at the first
   problem (`SegmentDefinitionError`), before any input is read.
 - `SegmentSet.evaluate` tells which segments one `UserProfile` is a member of
   (`SegmentMembership`), every base segment before the segments built on it.
 - `SegmentFileName` names each segment's report file.
 */

/// The segment definitions of one run, parsed and checked, in definition order (file by file,
/// in each file in document and list order).
public struct SegmentSet: Sendable {
    let definitions: [SegmentDefinition]
    /// Definition indices with every `SourceSegments` base before the segments that use it,
    /// otherwise in definition order.
    var evaluationOrder: [Int] { ordered.map(\.index) }
    /// The definitions in `evaluationOrder`, each behind one reference: evaluating a user
    /// then retains one object per segment, not every array inside a definition (a measured
    /// tenth of the segment pass).
    let ordered: [(index: Int, definition: Shared)]

    final class Shared: Sendable {
        let definition: SegmentDefinition
        init(_ definition: SegmentDefinition) { self.definition = definition }
    }

    /// Every attribute name a definition looks at (`Attributes` and `UserAttributes`, in
    /// their own dimensions and in their groups').
    var attributeNames: Set<String> {
        var names = Set<String>()
        for definition in definitions {
            for dimensions in [definition.dimensions].compactMap({ $0 }) + (definition.groups?.groups.flatMap(\.dimensions) ?? []) {
                for attribute in dimensions.attributes { names.insert(attribute.name) }
            }
        }
        return names
    }

    init(definitions: [SegmentDefinition], evaluationOrder: [Int]) {
        self.definitions = definitions
        ordered = evaluationOrder.map { ($0, Shared(definitions[$0])) }
    }

    /// A set without segments.
    public init() { self.init(definitions: [], evaluationOrder: []) }

    /// The segments' names, in definition order; a membership's indices index this list.
    public var names: [String] { definitions.map(\.name) }

    public var count: Int { definitions.count }
}
