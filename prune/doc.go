// Package prune implements the weight-pruning algorithms sieve applies to a
// model in-process — magnitude, Wanda and SparseGPT — as the reference
// Python code runs them (locuslab/wanda lib/prune.py, lib/layerwrapper.py,
// lib/sparsegpt.py; IST-DASLab/sparsegpt sparsegpt.py), plus a port of
// Python's random module for drawing the same calibration windows.
//
// # Conventions
//
// A weight matrix is a row-major []float32 of rows×cols, rows = output
// features, cols = input features (HF and GGUF both store linear weights as
// [out][in]). A [Target] is either an unstructured ratio or an N:M pattern
// in the reference's meaning (N weights ZEROED in every aligned group of M
// consecutive input columns of a row).
//
// Every method has a pure XxxMask function that returns a [Mask] (true =
// pruned) and leaves w alone, and an in-place Xxx function that writes
// exact +0 into the pruned positions and returns the same mask. SparseGPT is
// in-place only: it also rewrites the weights it keeps.
//
// # What the caller passes
//
//   - Wanda: scalerRow[j] = Σ_t x_tj² / n over every calibration token t of
//     the layer's INPUT, n = number of calibration SEQUENCES (the
//     reference's running mean counts forward calls of batch 1, not
//     tokens). Rounded to float32 before use, like the reference's tensor.
//   - SparseGPT: H = (2/n)·Σ_t x_t x_tᵀ (cols×cols, float64, symmetric),
//     same n. Layers with the same input (q/k/v; gate/up) can share the
//     O(cols³) part through [SparseGPTFactor].
//
// # Exactness and ties
//
// Counts are computed like Python's int(n·p) (float64 product, truncated).
// Sorting follows torch: ascending, NaN last, -0 == +0.
//
//   - Magnitude, unstructured: one threshold per MATRIX, τ = the
//     int(rows·cols·p)-th smallest |w|, prune |w| ≤ τ — ties with τ are
//     pruned too, so the sparsity can exceed p.
//   - Wanda and per-row magnitude, unstructured: per row, a STABLE ascending
//     sort (ties → lower column index), exactly int(cols·p) pruned per row.
//     Wanda's score is computed in float32 exactly as torch computes
//     |W|·sqrt(scaler_row), so for fp16-representable weights and the same
//     float32 statistic the masks are bit-identical to the reference's.
//   - N:M (all three methods): torch.topk(largest=False) on the group. Its
//     CPU tie choice is libstdc++'s std::nth_element (or partial_sort when
//     k·64 ≤ M), transcribed exactly; for example, in an all-equal group of
//     4 the 2:4 pattern prunes columns 2 and 3, not 0 and 1. The reference
//     ran on CUDA, whose topk may break ties differently.
//   - SparseGPT: float64 throughout (the reference is float32), so the
//     result differs from the reference only by float rounding and
//     summation order; the mask scores are formed in float32 like the
//     reference's. Results do not depend on GOMAXPROCS or the worker count.
//
// Package prune is the only sieve package allowed to import gonum; it uses
// gonum's LAPACK/BLAS for SparseGPT's Cholesky work and block updates.
package prune
