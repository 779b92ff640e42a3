// Package gguf reads and writes GGUF model files.
//
// It is the only package of the module that imports ollama's fs/ggml; nothing
// outside it sees ollama's types. Open validates the whole header with bounds
// checks of its own before any parser or tensor touches it, so a corrupt or
// hostile file yields an error naming the file and the field, never a panic or
// an allocation driven by a header field. Tensor data is memory-mapped.
//
// Shapes follow ggml: Shape[0] is the innermost (contiguous) dimension, so a
// weight matrix with r output rows and c input columns has Shape {c, r}.
package gguf
