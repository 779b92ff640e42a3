module github.com/sieve-llm/sieve

go 1.26.0

require (
	github.com/klauspost/cpuid/v2 v2.4.2
	github.com/ollama/ollama v0.17.4
	golang.org/x/sys v0.50.0
	gonum.org/v1/gonum v0.17.0
)

require golang.org/x/sync v0.17.0 // indirect
