/// Undoes a stream's compression layers, one decoder per layer, and says what is inside.
///
/// gzip (ISA-L), xz, bzip2 and zstd are decoded here (every byte before damage is kept);
/// other compressions go through libarchive's filters. Layers stack (`.json.gz.gz`) up to
/// `maximumLayers`.
enum StreamOpener {
    static let maximumLayers = 8

    /// What a decoded stream holds: an archive, NUL padding (then records), or records.
    enum Content: Equatable { case tar, zip, nul, records }

    /// The decoded content of a stream.
    struct Opened {
        /// The decoded bytes, their start still to be looked at.
        let source: PeekableSource
        /// The compressions undone, outermost first (empty: none).
        let compression: [String]
        /// What the decoded bytes hold.
        let kind: Content

        /// `summary.json`'s `compression`: the layers joined by `+`, or `none`.
        var compressionName: String { compression.isEmpty ? "none" : compression.joined(separator: "+") }
    }

    static func open(_ raw: any ByteSource) throws(InputDamage) -> Opened {
        var source = PeekableSource(raw)
        var layers: [String] = []
        while true {
            let kind = ContentSniffer.kind(of: source.peek(ContentSniffer.headBytes))
            let decoded: any ByteSource
            switch kind {
            case .gzip:
                decoded = GzipDecoder(source)
                layers.append("gzip")
            case .xz:
                decoded = StreamDecoder(source, codec: try XzCodec())
                layers.append(XzCodec.name)
            case .bzip2:
                decoded = StreamDecoder(source, codec: try Bzip2Codec())
                layers.append(Bzip2Codec.name)
            case .zstd:
                decoded = StreamDecoder(source, codec: try ZstdCodec())
                layers.append(ZstdCodec.name)
            case .otherFilter(let name):
                let filter = try LibArchiveFilterSource(source)
                guard !filter.filters.isEmpty else {
                    // A compression this libarchive reads only through a program: never run.
                    guard LibArchive.builtInFilters.contains(name) else {
                        throw InputDamage(
                            message: "compressed with \(name), which authstats does not decode (libarchive reads it only by running "
                                + "the \(name) program, and authstats runs no program on its inputs): decompress it first")
                    }
                    // A binary magic number that libarchive declines is such a stream cut short
                    // (an lz4 file of under 11 bytes): failed, as a longer one cut is, not
                    // its bytes rejected as "not JSON".
                    if ContentSniffer.binaryFilters.contains(name) {
                        throw InputDamage(message: "truncated \(name) input: it starts with the \(name) magic number but is too short to be such a stream")
                    }
                    // libarchive declined (`begin ` text, `]` and two NULs): the bytes pass
                    // unchanged and are records.
                    return Opened(source: PeekableSource(filter), compression: layers, kind: .records)
                }
                decoded = filter
                layers += filter.filters
            case .unread(let message): throw InputDamage(message: message)
            case .tar: return Opened(source: source, compression: layers, kind: .tar)
            case .zip: return Opened(source: source, compression: layers, kind: .zip)
            case .nul: return Opened(source: source, compression: layers, kind: .nul)
            case .records: return Opened(source: source, compression: layers, kind: .records)
            }
            guard layers.count <= maximumLayers else {
                throw InputDamage(message: "more than \(maximumLayers) layers of compression (\(layers.joined(separator: "+"))); not read")
            }
            source = PeekableSource(decoded)
        }
    }
}

extension PeekableSource {
    /// Passes over the NUL bytes at the start; returns how many there were.
    func skipNULs() -> Int {
        var count = 0
        while true {
            let zeros = peek(1).prefix { $0 == 0 }.count
            if zeros == 0 { return count }
            consume(zeros)
            count += zeros
        }
    }
}
