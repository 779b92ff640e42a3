package runtime

// llama covers Llama 1/2/3, Mistral and TinyLlama. llama.cpp's converter
// permutes the Q and K rows so that adjacent pairs rotate together; Llama-3.1
// frequency scaling arrives as the rope_freqs.weight tensor.
func init() { Register(&Arch{Name: "llama", Rope: RopeNorm}) }
