// Thin entry point: everything lives in BenchCommand (ArgumentParser).
BenchCommand.main()
