package mcpgw

import "time"

// LeanCalls is the number of calls the lean path answered.
func LeanCalls(g *Gateway) int64 { return g.leanCalls.Load() }

// AuditLossBound is the most read entries a crash can lose: a full queue
// and a group in flight.
const AuditLossBound = auditQueueSize + auditFlushMax

// AuditCorrected is the number of writes' entries that rode their command
// and were rewritten after the call's answer.
func AuditCorrected(g *Gateway) int64 { return g.audit.corrected.Load() }

// AuditLost is the number of reads' entries the engine refused.
func AuditLost(g *Gateway) int64 { return g.audit.lost.Load() }

// ProcessTimes is the user and system CPU time this process has used (0
// where it is not measured).
func ProcessTimes() (user, sys time.Duration) { return processTimes() }
