import Foundation

/// Chunks of a FEC handed from the thread that encodes and writes them to the thread that checks
/// them, through a fixed number of buffers (``FECCheckedWriter/write(_:format:options:to:)``).
///
/// Why: encoding and writing a yearly FEC, then checking it, each take about as long (a million
/// lines: ~1.2 s and ~1.6 s); on two cores they overlap. The buffers bound what is held (a few
/// MiB, whatever the file); the producer waits when the checker is behind, the checker when the
/// producer is. Every byte is checked in the order it was written, from the very buffer the file
/// got it from (the producer writes a chunk to the file before it hands it over).
final class FECChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    /// Buffers ready to be filled.
    private var free: [ByteBuffer]
    /// Filled buffers, oldest first.
    private var filled: [ByteBuffer] = []
    private var closed = false
    private var failure: (any Error)?
    private var byteCount: Int64 = 0

    init(buffers: Int, capacity: Int) {
        free = (0..<buffers).map { _ in ByteBuffer(capacity: capacity) }
    }

    /// Producer: copies `bytes` into a free buffer (waiting for one) and hands it over.
    func push(_ bytes: UnsafeRawBufferPointer) {
        condition.lock()
        while free.isEmpty { condition.wait() }
        let buffer = free.removeLast()
        condition.unlock()
        buffer.removeAll()
        buffer.append(bytes)
        condition.lock()
        filled.append(buffer)
        byteCount += Int64(bytes.count)
        condition.signal()
        condition.unlock()
    }

    /// Producer: nothing more comes; `failure` is what stopped it, if anything.
    func close(failure: (any Error)?) {
        condition.lock()
        closed = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next filled buffer (give it back with ``recycle(_:)``), or nil once the
    /// producer closed the pipe and every buffer was taken.
    func next() -> ByteBuffer? {
        condition.lock()
        defer { condition.unlock() }
        while filled.isEmpty && !closed { condition.wait() }
        return filled.isEmpty ? nil : filled.removeFirst()
    }

    /// Consumer: the buffer can be filled again.
    func recycle(_ buffer: ByteBuffer) {
        condition.lock()
        free.append(buffer)
        condition.signal()
        condition.unlock()
    }

    /// Consumer, after ``next()`` returned nil: the bytes handed over, or the producer's failure.
    func outcome() throws -> Int64 {
        condition.lock()
        defer { condition.unlock() }
        precondition(closed, "outcome() before the producer closed the pipe")
        if let failure { throw failure }
        return byteCount
    }
}
