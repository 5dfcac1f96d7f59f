/// Amounts and durations too large to be computed exactly in 64-bit integers.
///
/// Import bounds (``ImportBounds``) keep every value read from a file far from the limits, but a
/// product or a sum of many of them (a configured rate times a month of hours) could still pass
/// them: it is computed with ``Checked`` and this error is reported for the one document it
/// concerns, never a crash of the run.
package struct ArithmeticOverflow: Error, Sendable, CustomStringConvertible {
    /// What was being computed, in words.
    package let operation: String

    package var description: String {
        "the amounts are too large to be computed exactly (\(operation)); check the rates in the pipeline file "
            + "and the time entries or amounts of this document"
    }
}

/// Checked integer arithmetic for money (minor units) and durations: an overflow throws
/// ``ArithmeticOverflow`` instead of trapping.
package enum Checked {
    package static func add(
        _ lhs: Int64, _ rhs: Int64, _ operation: @autoclosure () -> String
    ) throws(ArithmeticOverflow)
        -> Int64
    {
        let (result, overflow) = lhs.addingReportingOverflow(rhs)
        if overflow { throw ArithmeticOverflow(operation: operation()) }
        return result
    }

    package static func subtract(
        _ lhs: Int64, _ rhs: Int64, _ operation: @autoclosure () -> String
    )
        throws(ArithmeticOverflow) -> Int64
    {
        let (result, overflow) = lhs.subtractingReportingOverflow(rhs)
        if overflow { throw ArithmeticOverflow(operation: operation()) }
        return result
    }

    package static func multiply(
        _ lhs: Int64, _ rhs: Int64, _ operation: @autoclosure () -> String
    )
        throws(ArithmeticOverflow) -> Int64
    {
        let (result, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        if overflow { throw ArithmeticOverflow(operation: operation()) }
        return result
    }

    /// The sum of `values`.
    package static func sum(
        _ values: some Sequence<Int64>, _ operation: @autoclosure () -> String
    )
        throws(ArithmeticOverflow) -> Int64
    {
        var total: Int64 = 0
        for value in values { total = try add(total, value, operation()) }
        return total
    }
}
