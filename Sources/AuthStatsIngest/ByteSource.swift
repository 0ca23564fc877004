/// A stream of bytes read front to back: a file, a decoder over another source, or an
/// archive member (stage 1's building block).
///
/// Sources are chained: `FileSource` → a decoder per compression layer (`GzipDecoder`,
/// `XzDecoder`, …) → the records. Nothing needs to seek, so a FIFO, `/dev/stdin` or a process
/// substitution is read the same way as a regular file, start to end.
protocol ByteSource: AnyObject {
    /// Reads up to `space.count` bytes into `space`; 0 at the end of the stream.
    ///
    /// Bytes produced before damage are returned first; the damage is thrown by the next call.
    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int
}

/// Why a stream could not be read on: truncated, corrupt, or an OS error (with its errno text).
struct InputDamage: Error, Equatable {
    var message: String
    /// Bytes at the end of what was already handed out that the damage shows were never
    /// decoded (ISA-L may count a few at a broken gzip stream): the reader drops them.
    var retract = 0
}

extension ByteSource {
    /// Reads until `space` is full or the stream ends; returns the count.
    func readFully(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        var done = 0
        while done < space.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: space[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }
}

extension ByteSource {
    /// Fills `space` as far as the stream goes: the decoders read their input in whole
    /// chunks this way, so where chunks end depends only on the stream, never on how a pipe
    /// or a file handed its bytes out (what a decoder keeps at damage may depend on it). The
    /// damage met after some bytes is returned beside them; with none, it is thrown.
    func fill(_ space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> (count: Int, damage: InputDamage?) {
        var done = 0
        while done < space.count {
            let n: Int
            do throws(InputDamage) {
                n = try read(into: UnsafeMutableRawBufferPointer(rebasing: space[done...]))
            } catch {
                if done == 0 { throw error }
                return (done, error)
            }
            if n == 0 { break }
            done += n
        }
        return (done, nil)
    }
}

/// A damage found after some bytes were produced: handed out on the next call, so those bytes
/// are delivered first (a decoder's `read(into:)` keeps one of these).
struct DeferredDamage {
    private var damage: InputDamage?

    /// Throws the damage held back, if any.
    mutating func rethrow() throws(InputDamage) {
        if let damage {
            self.damage = nil
            throw damage
        }
    }

    /// Returns `produced`, holding `damage` back for the next call; throws it when nothing was
    /// produced.
    mutating func deliver(_ produced: Int, before damage: InputDamage) throws(InputDamage) -> Int {
        guard produced > 0 else { throw damage }
        self.damage = damage
        return produced
    }
}
