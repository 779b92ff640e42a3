package main

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"

	"github.com/sieve-llm/sieve/prune"
)

// defaultCalib is the calibration text prune uses without --calib: the
// 2000 C4 validation documents of testdata/eval/c4_validation_2k.jsonl
// (see testdata/PROVENANCE.md), gzipped. The pruning papers calibrate on
// C4, so the default follows them; a model's own domain text usually
// does better for a small model (--calib FILE).
//
//go:embed calib/c4_validation_2k.jsonl.gz
var defaultCalib []byte

// defaultCalibName labels the embedded text in messages and metadata.
const defaultCalibName = "embedded C4 sample (2000 validation documents)"

// calibDocuments reads --calib, or the embedded sample when it is empty,
// and returns the documents and a name for them.
func calibDocuments(path string) ([]string, string, error) {
	if path != "" {
		docs, err := prune.ReadDocuments(path)
		return docs, path, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(defaultCalib))
	if err != nil {
		return nil, "", fmt.Errorf("embedded calibration text: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, "", fmt.Errorf("embedded calibration text: %w", err)
	}
	docs, err := prune.ParseDocuments(defaultCalibName, data)
	return docs, defaultCalibName, err
}
