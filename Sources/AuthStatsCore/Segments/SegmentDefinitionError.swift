/// A segment definition file that authstats refuses; `description` is the whole message.
///
/// It names the file, the segment (by `Name`, else by its 1-based position in the file) and
/// the JSON path from the document root, then says what is wrong:
///
///     segments.json: segment "pro-android": SegmentsResponse.Item[2].SegmentGroups.Groups[0].Dimensions[1].Behavior.Recency.Duration: "DAY_90" is not one of HR_24, DAY_7, DAY_14, DAY_30
///
/// A file of several documents also names the document (`segments.json: document 2: …`).
public struct SegmentDefinitionError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(description: String) { self.description = description }
}
