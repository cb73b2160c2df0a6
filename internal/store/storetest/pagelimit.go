package storetest

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// PageLimit is a store.Options.WrapWriter under which the database file
// cannot grow past its size at the write connection's opening plus pages
// pages: SQLite's own size limit (max_page_count), which fails the write
// that needs one more page with SQLITE_FULL, "database or disk is full",
// as a full disk does. Unlike Faults it leaves the connection the driver's,
// unwrapped, so that the store's writes take the path they take in
// production (its statements bound through SQLite's C API:
// store/directexec.go), and the failure comes from SQLite's step, not from
// a commit refused around it. The limit lasts as long as the connection.
func PageLimit(pages int) func(driver.Connector) driver.Connector {
	return func(c driver.Connector) driver.Connector { return pageLimited{c, pages} }
}

type pageLimited struct {
	driver.Connector
	pages int
}

func (c pageLimited) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := limitPages(ctx, conn, c.pages); err != nil {
		conn.Close()
		return nil, fmt.Errorf("limit the database's pages: %w", err)
	}
	return conn, nil
}

func limitPages(ctx context.Context, conn driver.Conn, pages int) error {
	q, ok1 := conn.(driver.QueryerContext)
	x, ok2 := conn.(driver.ExecerContext)
	if !ok1 || !ok2 {
		return errors.New("the driver's connection runs no statements of its own")
	}
	rows, err := q.QueryContext(ctx, "PRAGMA page_count", nil)
	if err != nil {
		return err
	}
	v := make([]driver.Value, 1)
	err = rows.Next(v)
	rows.Close()
	if err == io.EOF {
		err = errors.New("PRAGMA page_count returned nothing")
	}
	if err != nil {
		return err
	}
	n, ok := v[0].(int64)
	if !ok {
		return fmt.Errorf("PRAGMA page_count returned %T", v[0])
	}
	_, err = x.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n+int64(pages)), nil)
	return err
}
