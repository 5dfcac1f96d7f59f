#if canImport(Glibc)
import Glibc
#endif

// Thin entry point: everything lives in BenchCommand.
exit(BenchCommand.main(arguments: Array(CommandLine.arguments.dropFirst())))
