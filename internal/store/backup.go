package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the store in dir to the file dest,
// while the store may be open and written by its owner: SQLite's VACUUM
// INTO reads one snapshot in a read transaction, which takes no lock that
// stops the writer; it does not need the directory's lock. dest must not
// exist; it appears complete or not at all.
func Backup(ctx context.Context, dir, dest string) error {
	src := filepath.Join(dir, FileName)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no Orca data in %s: %w", dir, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists already; a backup never overwrites a file", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tmp := dest + ".partial"
	_ = os.Remove(tmp)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(dest))
}

// Restore makes the backup file src the store of dir, which no process
// may own meanwhile (it takes the directory's lock). An existing store is
// replaced only with replace set.
func Restore(ctx context.Context, src, dir string, replace bool) error {
	if err := checkBackup(ctx, src); err != nil {
		return err
	}
	lock, err := LockDir(dir)
	if err != nil {
		return err
	}
	defer lock.Release()
	db := filepath.Join(dir, FileName)
	if _, err := os.Stat(db); err == nil && !replace {
		return fmt.Errorf("%s holds Orca data already; restore into an empty directory, or replace it with --force", dir)
	}
	tmp := db + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// checkBackup checks that src is an intact Orca store.
func checkBackup(ctx context.Context, src string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("%s is not an Orca backup: %w", src, err)
	}
	if !strings.EqualFold(res, "ok") {
		return fmt.Errorf("%s is damaged: %s", src, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name IN ('meta', 'process_instances')").Scan(&n); err != nil || n != 2 {
		return fmt.Errorf("%s is not an Orca backup (no Orca tables)", src)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every file system syncs directories
	return nil
}
