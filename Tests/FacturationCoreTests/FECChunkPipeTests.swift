import Foundation
import Testing

@testable import FacturationCore

/// ``FECChunkPipe`` (fenced: the FEC is checked on one thread while it is encoded on another):
/// every byte comes out once, in order, through fewer buffers than chunks, and a producer's
/// failure reaches the consumer after the chunks pushed before it.
@Suite("FEC chunk pipe")
struct FECChunkPipeTests {
    /// Pushes `count` chunks of different sizes (chunk n holds n % 251 repeated), then closes.
    static func produce(_ pipe: FECChunkPipe, count: Int, failure: (any Error)?) -> [UInt8] {
        var expected: [UInt8] = []
        let chunks = (0..<count).map { n in [UInt8](repeating: UInt8(n % 251), count: 1 + n * 37 % 5_000) }
        for chunk in chunks { expected += chunk }
        let work = UncheckedBox(chunks)
        Thread {
            for chunk in work.value { chunk.withUnsafeBytes { pipe.push($0) } }
            pipe.close(failure: failure)
        }.start()
        return expected
    }

    @Test func everyByteComesOutOnceInOrder() throws {
        let pipe = FECChunkPipe(buffers: 2, capacity: 64)
        let expected = Self.produce(pipe, count: 500, failure: nil)
        var received: [UInt8] = []
        while let buffer = pipe.next() {
            received += Array(buffer.bytes)
            pipe.recycle(buffer)
        }
        #expect(received == expected)
        #expect(try pipe.outcome() == Int64(expected.count))
    }

    struct Stop: Error {}

    @Test func aFailureComesAfterTheChunksBeforeIt() {
        let pipe = FECChunkPipe(buffers: 3, capacity: 16)
        let expected = Self.produce(pipe, count: 40, failure: Stop())
        var received: [UInt8] = []
        while let buffer = pipe.next() {
            received += Array(buffer.bytes)
            pipe.recycle(buffer)
        }
        #expect(received == expected)
        #expect(throws: Stop.self) { try pipe.outcome() }
    }
}
