package runtime

// qwen3: no projection biases; an RMSNorm over each head of q and k before
// the rotary embedding; NeoX-style rotary pairs.
func init() { Register(&Arch{Name: "qwen3", Rope: RopeNeox, QKNorm: true}) }
