package cluster

import (
	"context"
	"log/slog"
	"time"
)

var _ DeploymentWatcher = (*Remote)(nil)

// OnDeployment registers f to run after the remote cluster's deployed
// process definitions change. A remote cluster does not push its
// deployments, so the first registration starts a poll (every
// RemoteOptions.DeploymentPoll) of the newest process definition and their
// count; it stops with Close.
func (r *Remote) OnDeployment(f func()) {
	r.deployed.add(f)
	r.pollOnce.Do(func() { go r.pollDeployments() })
}

// Close stops the deployment poll.
func (r *Remote) Close() error {
	r.stop()
	return nil
}

func (r *Remote) pollDeployments() {
	limit := int32(1)
	q := &ProcessDefinitionSearchQuery{Sort: []SortRequest{{Field: "processDefinitionKey", Order: "DESC"}}, Page: &PageRequest{Limit: &limit}}
	type mark struct {
		newest Key
		total  int64
	}
	read := func() (mark, bool) {
		ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
		defer cancel()
		res, err := r.SearchProcessDefinitions(ctx, q)
		if err != nil {
			if r.ctx.Err() == nil {
				r.log.Debug("deployment poll failed", "err", err)
			}
			return mark{}, false
		}
		m := mark{total: res.Page.TotalItems}
		if len(res.Items) > 0 {
			m.newest = res.Items[0].ProcessDefinitionKey
		}
		return m, true
	}
	// The baseline is "nothing deployed", not a first read: a first read
	// racing a deployment made meanwhile would hide it. A cluster with
	// deployments therefore tells the watchers once at the first poll,
	// which costs them one needless refresh.
	var last mark
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		m, ok := read()
		if !ok {
			continue // the cluster is away: compare again when it answers
		}
		if m != last {
			r.deployed.notify()
		}
		last = m
	}
}

// remoteLogger is the logger a Remote writes its background work to.
func remoteLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
