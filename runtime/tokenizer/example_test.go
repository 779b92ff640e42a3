package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
	"github.com/sieve-llm/sieve/runtime/tokenizer"
)

func Example() {
	f, err := gguf.Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(&f.Metadata)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.Encode("Once upon a time", true, false)
	fmt.Println(ids)

	// Stream the ids back as a model would produce them.
	s := tok.NewStreamer()
	for _, id := range ids {
		fmt.Print(s.Add(id))
	}
	fmt.Println(s.Flush())
	fmt.Println(tok.Decode(ids), tok.IsEOG(tok.EOS()))
	// Output:
	// [1 403 407 261 378]
	// Once upon a time
	// Once upon a time true
}
