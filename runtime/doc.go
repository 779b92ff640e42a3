// Package runtime runs GGUF language models on the CPU: architectures
// registered by their GGUF name, the forward pass (batched prefill and
// single-token decode) over a KV cache, sampling, generation and perplexity,
// plus the hooks pruning needs (per-block forward with observers of every
// linear layer's input, and replaceable weights).
//
// Every matrix multiplication goes through Linear, whose weight is a
// sparse.Matrix: dense formats today, sparse formats later, behind one
// interface. Work is split by output rows over a persistent worker pool, so
// results do not depend on the thread count.
package runtime
