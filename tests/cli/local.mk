# tests/cli: shell tests of the command-line tools
