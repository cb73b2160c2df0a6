package mcpgw

// LeanCalls is the number of calls the lean path answered.
func LeanCalls(g *Gateway) int64 { return g.leanCalls.Load() }
