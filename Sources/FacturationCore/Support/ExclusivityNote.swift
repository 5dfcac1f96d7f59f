/// Why a few stored properties of the import path are declared `@exclusivity(unchecked)`, and
/// why that is safe. (A namespace for the documentation only.)
///
/// Swift checks at run time that no two accesses to a class's stored property overlap when one
/// of them writes. The import path touches a handful of class properties for every field of
/// every row (the CSV reader's batch and line counters, the byte buffers, the line builders of the
/// scratch files, the converter's per-file state): measured with `facturation-bench --scenario
/// clockify-normalize` (100 MB, release), the checks took 1.34–1.39 s → 2.23–2.63 s of CPU, about
/// 30 % of the samples in `swift_beginAccess`. Rather than turning the checks off for the whole
/// module in release builds (the former `-enforce-exclusivity=unchecked` in Package.swift, which
/// also made release builds behave differently from the debug builds the tests run), only these
/// properties opt out, in every build, and everything else keeps the checks. The properties the
/// 1 GB Clockify `run` (issue #9) touches for every row on its other threads (the pieces' rows, the
/// zone converter's day cache, the month sorters and their counters, the classifier's cache) opted
/// out later: their checks were 2.95 % of that run's samples, 0.28 % after (docs/benchmark-history.md,
/// 7 December 2026).
///
/// Each such property belongs to an object used by one thread at a time (the CSV reader's
/// batches change hands through ``BatchPipe``, under its lock), and no access to it is held
/// across a call that could reach the same property again (no `inout` of the property is passed
/// to a closure that touches its owner). A new `@exclusivity(unchecked)` must meet both rules
/// and be justified the same way, with a benchmark.
enum ExclusivityNote {}
