package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// usageError is a mistake in the command line: it exits with status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// newFlags returns a FlagSet whose errors are returned, not printed-and-exit.
func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sieve %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after the positional
// arguments (`sieve convert in.bin -o out.gguf`), and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// positional checks the count of positional arguments.
func positional(fs *flag.FlagSet, pos []string, want int, what string) error {
	if len(pos) != want {
		fs.Usage()
		if len(pos) < want {
			return usagef("%s: missing %s", fs.Name(), what)
		}
		return usagef("%s: unexpected argument %q", fs.Name(), pos[want])
	}
	return nil
}
