package main

import (
	"io"
	"text/tabwriter"
)

// newTable is the tabwriter every table is printed with. Its lines carry
// no trailing blanks: an empty last column (ls's PROBLEM, remote's note)
// would otherwise end most lines in padding.
func newTable(w io.Writer, flags uint) *tabwriter.Writer {
	return tabwriter.NewWriter(&trimWriter{w: w}, 0, 0, 2, ' ', flags)
}

// trimWriter drops spaces that end a line. tabwriter writes padding and
// cells in separate calls, so spaces are held back until it is known
// whether text or a newline follows them.
type trimWriter struct {
	w      io.Writer
	spaces int
	buf    []byte
}

func (t *trimWriter) Write(p []byte) (int, error) {
	t.buf = t.buf[:0]
	for _, c := range p {
		switch c {
		case ' ':
			t.spaces++
			continue
		case '\n':
			t.spaces = 0
		default:
			for ; t.spaces > 0; t.spaces-- {
				t.buf = append(t.buf, ' ')
			}
		}
		t.buf = append(t.buf, c)
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
