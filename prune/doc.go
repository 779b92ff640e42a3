// Package prune implements the weight-pruning algorithms sieve applies to a
// model in-process.
package prune
