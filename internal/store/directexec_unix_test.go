//go:build unix

package store

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// A text longer than SQLite takes fails its write with SQLite's "too big"
// before it is copied, and nothing of it is stored: not the text cut to
// what a 32-bit length keeps. The text, 2 GiB and one byte of zeros, is a
// mapping of pages never touched (no memory is used for it unless the
// write copies it, as it did: 2 GiB copied, the length passed as
// -2147483647, and SQLite, reading up to the first NUL byte, stored "").
func TestDirectWriteRefusesTooLongText(t *testing.T) {
	const n = 1<<31 + 1
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		t.Skipf("no 2 GiB mapping of untouched pages here: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	s := openTest(t)
	huge := unsafe.String(&mem[0], n)
	v := &Variable{Key: 100, Name: "huge", Value: huge, ScopeKey: 7, ProcessInstanceKey: 7, RootProcessInstanceKey: 7,
		ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	direct := s.binder.execs
	err = writeRecords(t, s, 1, v)
	if err == nil || !strings.Contains(err.Error(), "too big") {
		t.Errorf("writing a text of %d bytes: %v, want SQLite's too big", n, err)
	}
	if _, ok, gerr := Get(t.Context(), s, func() *Variable { return new(Variable) }, 100); ok || gerr != nil {
		t.Errorf("the variable whose text is too long was stored (%v)", gerr)
	}
	if s.binder.execs != direct {
		t.Errorf("the refused write stepped a statement")
	}
	// The store writes on.
	v.Value = `"small"`
	if err := writeRecords(t, s, 1, v); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := Get(t.Context(), s, func() *Variable { return new(Variable) }, 100); !ok || err != nil || got.Value != v.Value {
		t.Errorf("after the refusal: %+v %v %v", got, ok, err)
	}
}
