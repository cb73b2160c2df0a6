package mcpgw

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/orcabpm/orca/internal/auth"
)

// Task ids are bound to the principal that created them: with
// authentication on, a task id carries a MAC over what it names and the
// caller's principal, keyed by a secret of the gateway. A task id presented
// by anyone else (or forged) is an unknown task, so one user cannot read,
// answer or cancel another's task even where both may read the instance.
// Without authentication (anonymous callers) ids carry no MAC, as before.

// TaskSecretFile is the file of the data directory that holds the secret
// task ids are bound with (TaskSecret).
const TaskSecretFile = "mcp-task-secret"

// taskSecretSize is the size of a task secret in bytes.
const taskSecretSize = 32

// TaskSecret reads the secret task ids are bound with from dir, creating
// it (random, readable by the owner only) on first use, so that task ids
// stay valid across restarts of the gateway.
func TaskSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, TaskSecretFile)
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			if len(b) < taskSecretSize {
				return nil, fmt.Errorf("task secret %s: %d bytes, want %d (delete it to make a new one; task ids of authenticated users then become unknown)", path, len(b), taskSecretSize)
			}
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("task secret: %w", err)
		}
		secret := make([]byte, taskSecretSize)
		rand.Read(secret)
		// Written aside and linked into place: a crash leaves no short
		// file, and of two gateways starting at once one secret wins.
		tmp, err := os.CreateTemp(dir, TaskSecretFile+".*")
		if err != nil {
			return nil, fmt.Errorf("task secret: %w", err)
		}
		_, werr := tmp.Write(secret)
		if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("task secret: %w", err)
		}
		err = os.Link(tmp.Name(), path)
		os.Remove(tmp.Name())
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("task secret: %w", err)
		}
	}
	return nil, fmt.Errorf("task secret %s cannot be read back", path)
}

// bindTask is the MAC binding ref (its M unset) to the caller of ctx; empty
// for an anonymous caller.
func (g *Gateway) bindTask(ctx context.Context, ref taskRef) string {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || p.Name == "" || p.Method == auth.MethodNone {
		return ""
	}
	ref.M = ""
	b, _ := json.Marshal(ref)
	m := hmac.New(sha256.New, g.taskSecret)
	m.Write([]byte("orca-mcp-task\x00" + p.Method + "\x00" + p.Name + "\x00"))
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// ownsTask tells whether the caller of ctx created the task of ref.
func (g *Gateway) ownsTask(ctx context.Context, ref taskRef) bool {
	return hmac.Equal([]byte(g.bindTask(ctx, ref)), []byte(ref.M))
}
