import FacturationCommands

FacturationCommand.main()
