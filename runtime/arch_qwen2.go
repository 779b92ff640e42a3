package runtime

// qwen2 (Qwen1.5, Qwen2, Qwen2.5): biases on the q, k and v projections and
// NeoX-style rotary pairs.
func init() { Register(&Arch{Name: "qwen2", Rope: RopeNeox, QKVBias: true}) }
