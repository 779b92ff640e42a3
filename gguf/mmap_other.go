//go:build !unix

package gguf

import "os"

func mmapFile(fh *os.File, size int64) ([]byte, func() error, error) { return nil, nil, nil }

func anonHuge(size int64) ([]byte, func() error) { return nil, nil }

func dropPages(b []byte) {}
