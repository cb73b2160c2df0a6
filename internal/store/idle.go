package store

// ReleaseIdle closes the read pool's idle connections and gives their
// memory back: each holds SQLite's C memory (its page caches, up to
// readCacheKiB for the file and SQLite's default for temporary tables and
// sorts, its prepared statements, schema and lookaside buffer), and the
// driver's C allocator returns memory to the operating system only when a
// whole 64 KiB page of it is free, which closing the connection achieves
// and shrinking its caches does not. Readers that had served the metrics'
// counts over 15,000 active instances held about 8 MiB; after orca bench's
// runs alone, about 1 MiB. Connections in use are left alone and pooled
// again when they are returned; the next reads open new ones (under a
// millisecond each) as they need them. Meant for a server gone quiet after
// a burst of work; safe at any time.
func (s *Store) ReleaseIdle() {
	s.read.SetMaxIdleConns(0) // closes the idle ones
	s.read.SetMaxIdleConns(s.readConns)
}
