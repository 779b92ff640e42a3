package prune

import (
	"fmt"
	"path/filepath"

	"github.com/sieve-llm/sieve/gguf"
)

// Provenance records how a model was pruned, in its metadata.
type Provenance struct {
	Config
	CalibFile  string
	Calib      CalibOptions
	SourceFile string
}

// fileTypes maps weight types to llama.cpp's general.file_type.
var fileTypes = map[gguf.Type]uint32{gguf.F32: 0, gguf.F16: 1, gguf.Q4_0: 2, gguf.Q8_0: 7, gguf.BF16: 32}

// Output builds the pruned model's GGUF: the source file's metadata and
// tensors, with the pruned matrices replaced and sieve.prune.* keys recording
// the method, its parameters, and the target and achieved sparsity of every
// pruned tensor. llama.cpp ignores keys it does not know.
func Output(src *gguf.File, res *Result, p Provenance) (*gguf.Metadata, []gguf.WriteTensor, error) {
	md := src.Metadata.Clone()
	pruned := map[string]*TensorResult{}
	for i := range res.Tensors {
		pruned[res.Tensors[i].Name] = &res.Tensors[i]
	}
	ts := src.Copy()
	var names []string
	var achieved []float32
	var zeros, total int64
	for i := range ts {
		tr, ok := pruned[ts[i].Name]
		if !ok {
			continue
		}
		ts[i].Type, ts[i].Data = tr.Type, tr.Data
		names = append(names, tr.Name)
		n := int64(tr.Rows) * int64(tr.Cols)
		achieved = append(achieved, float32(float64(tr.Zeros)/float64(n)))
		zeros += tr.Zeros
		total += n
	}
	if len(names) != len(res.Tensors) {
		return nil, nil, fmt.Errorf("%d pruned tensors, %d found in %s", len(res.Tensors), len(names), src.Path)
	}
	// N:M as the pruning papers' code writes it: N zeros in every aligned
	// group of M weights along a row.
	pattern := "unstructured"
	if p.Target.Structured() {
		pattern = fmt.Sprintf("%d:%d", p.Target.N, p.Target.M)
	}
	kv := []gguf.KV{
		{Key: "sieve.prune.method", Value: string(p.Method)},
		{Key: "sieve.prune.pattern", Value: pattern},
		{Key: "sieve.prune.target_sparsity", Value: float32(p.Target.Sparsity())},
		{Key: "sieve.prune.achieved_sparsity", Value: float32(float64(zeros) / float64(max(total, 1)))},
		{Key: "sieve.prune.weight_type", Value: p.Type.String()},
		{Key: "sieve.prune.source", Value: filepath.Base(p.SourceFile)},
		{Key: "sieve.prune.tensors", Value: names},
		{Key: "sieve.prune.tensor_sparsity", Value: achieved},
	}
	if p.Method.needsCalibration() {
		kv = append(kv,
			gguf.KV{Key: "sieve.prune.calibration.file", Value: filepath.Base(p.CalibFile)},
			gguf.KV{Key: "sieve.prune.calibration.nsamples", Value: uint32(p.Calib.NSamples)},
			gguf.KV{Key: "sieve.prune.calibration.seqlen", Value: uint32(p.Calib.SeqLen)},
			gguf.KV{Key: "sieve.prune.calibration.seed", Value: int64(p.Calib.Seed)},
			gguf.KV{Key: "sieve.prune.calibration.order", Value: string(p.Calib.Order)},
		)
	}
	if p.Method == MethodSparseGPT {
		kv = append(kv,
			gguf.KV{Key: "sieve.prune.sparsegpt.blocksize", Value: uint32(p.SparseGPT.BlockSize)},
			gguf.KV{Key: "sieve.prune.sparsegpt.percdamp", Value: float32(p.SparseGPT.PercDamp)},
		)
	}
	if ft, ok := fileTypes[p.Type]; ok {
		kv = append(kv, gguf.KV{Key: "general.file_type", Value: ft})
	}
	for _, e := range kv {
		if err := md.Set(e.Key, e.Value); err != nil {
			return nil, nil, err
		}
	}
	return md, ts, nil
}
