/// Items taken one at a time, in the order given, each with a value read for it in batches; the
/// next batch's values are read in the background (``Pending``) while the caller takes the current
/// batch's items.
///
/// Why: the FEC posts its bank lines on one core, and reading their match files (a batch at a
/// time, on every core) left that core waiting, then the other idle while the batch was posted
/// (about a fifth of the `fec` command's time for 1,000,000 lines). Here the two overlap.
///
/// Safe because `read` gets its batch as its own array (moved, never shared with the caller) and
/// must only read shared state; every read is waited for before a value is taken, and before an
/// error leaves (``finish(_:)`` or ``append(_:_:)`` throwing). What the caller sees is what a
/// pass in order gives: items in order, each with its value, and the first error in that order
/// (`read` throws its batch's first error; a batch's error is seen once every item before it was
/// taken). At most three batches are held: the one filling, the one being read, the one taken.
struct ReadAhead<Item, Value> {
    private let size: Int
    private let read: ([Item]) throws -> [Value]
    private var filling: [Item] = []
    /// The batch whose values are being read, taken next.
    private var reading: (items: [Item], values: Pending<Result<[Value], any Error>>)?

    /// `read` gives one value per item of a batch of at most `size` items, in their order.
    init(size: Int, read: @escaping ([Item]) throws -> [Value]) {
        precondition(size > 0)
        self.size = size
        self.read = read
        filling.reserveCapacity(size)
    }

    /// Adds `item`; when its batch is full, starts reading it and takes the batch read before it.
    mutating func append(_ item: Item, _ take: (Item, Value) throws -> Void) throws {
        filling.append(item)
        if filling.count == size { try advance(take) }
    }

    /// Takes every item left (call once, after the last ``append(_:_:)``).
    mutating func finish(_ take: (Item, Value) throws -> Void) throws {
        if !filling.isEmpty { try advance(take) }
        if let last = reading {
            reading = nil
            try Self.take(last.items, try last.values.wait().get(), take)
        }
    }

    private mutating func advance(_ take: (Item, Value) throws -> Void) throws {
        let batch = filling
        filling = []
        filling.reserveCapacity(size)
        let read = self.read
        let started = Pending { Result { try read(batch) } }
        let previous = reading
        reading = (batch, started)
        guard let previous else { return }
        do {
            try Self.take(previous.items, try previous.values.wait().get(), take)
        } catch {
            // Nothing runs in the background once an error leaves.
            _ = started.wait()
            reading = nil
            throw error
        }
    }

    private static func take(_ items: [Item], _ values: [Value], _ take: (Item, Value) throws -> Void) throws {
        precondition(items.count == values.count, "one value per item")
        for (item, value) in zip(items, values) { try take(item, value) }
    }
}
