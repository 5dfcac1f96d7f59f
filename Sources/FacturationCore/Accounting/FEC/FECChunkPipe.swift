/// Chunks of a FEC handed from the thread that encodes and writes them to the thread that checks
/// them, through a fixed number of buffers (``FECCheckedWriter/write(_:format:options:to:)``),
/// over a ``HandOff``.
///
/// Why: encoding and writing a yearly FEC, then checking it, each take about as long (a million
/// lines: ~1.2 s and ~1.6 s); on two cores they overlap. The buffers bound what is held (a few
/// MiB, whatever the file); the producer waits when the checker is behind, the checker when the
/// producer is. Every byte is checked in the order it was written, from the very buffer the file
/// got it from (the producer writes a chunk to the file before it hands it over).
final class FECChunkPipe: @unchecked Sendable {
    private let handOff: HandOff<ByteBuffer>
    /// Written by the producer alone, read by the consumer only once ``next()`` returned nil: the
    /// hand-off's lock, taken by ``close(failure:)`` after the last write and by ``next()``
    /// before it returns nil, orders the two.
    private var byteCount: Int64 = 0

    init(buffers: Int, capacity: Int) {
        handOff = HandOff(items: (0..<buffers).map { _ in ByteBuffer(capacity: capacity) })
    }

    /// Producer: copies `bytes` into a free buffer (waiting for one) and hands it over.
    func push(_ bytes: UnsafeRawBufferPointer) {
        // Never cancelled: the checker reads every chunk.
        guard let buffer = handOff.freeItem() else { preconditionFailure("a FEC chunk pipe cancelled") }
        buffer.removeAll()
        buffer.append(bytes)
        byteCount += Int64(bytes.count)
        handOff.send(buffer)
    }

    /// Producer: nothing more comes; `failure` is what stopped it, if anything.
    func close(failure: (any Error)?) { handOff.finish(error: failure) }

    /// Consumer: the next filled buffer (give it back with ``recycle(_:)``), or nil once the
    /// producer closed the pipe and every buffer was taken.
    func next() -> ByteBuffer? { handOff.next() }

    /// Consumer: the buffer can be filled again.
    func recycle(_ buffer: ByteBuffer) { handOff.recycle(buffer) }

    /// Consumer, after ``next()`` returned nil: the bytes handed over, or the producer's failure.
    func outcome() throws -> Int64 {
        if let failure = handOff.producerError { throw failure }
        return byteCount
    }
}
