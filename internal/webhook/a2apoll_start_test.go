package webhook_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/orcabpm/orca/internal/a2a/a2atest"
	"github.com/orcabpm/orca/internal/cluster"
)

// clusterReads is the embedded cluster, counting the process XML and the
// message subscription searches the webhooks read.
type clusterReads struct {
	*cluster.Embedded
	xml, subs atomic.Int64
}

func (c *clusterReads) GetProcessDefinitionXML(ctx context.Context, key cluster.Key) ([]byte, error) {
	c.xml.Add(1)
	return c.Embedded.GetProcessDefinitionXML(ctx, key)
}

func (c *clusterReads) SearchMessageSubscriptions(ctx context.Context, q *cluster.MessageSubscriptionSearchQuery) (*cluster.SearchResult[cluster.MessageSubscription], error) {
	c.subs.Add(1)
	return c.Embedded.SearchMessageSubscriptions(ctx, q)
}

// The A2A poller reads none of the processes deployed before a start
// while no instance waits for a message (orca start used to parse every
// deployed BPMN at start); an instance that reaches a polling event later
// is polled, and after a restart with the instance still waiting the
// polling goes on and continues it.
func TestA2APollerReadsProcessesOnlyWhenSomethingWaits(t *testing.T) {
	remote := a2atest.New(t, "Weather agent", "Knows the weather")
	remote.WorkingPolls = 1 << 30
	o := newOrca(t)
	o.deploy(a2aPollModel())
	o.deploy(a2aPushModel(o.url + "/inbound/a2a-push"))
	o.stop()
	o.start()
	// The first round has looked: nothing waits, nothing was read.
	waitFor(t, func() bool { return o.reads.subs.Load() >= 1 })
	if n := o.reads.xml.Load(); n != 0 {
		t.Fatalf("the poller read %d process definitions while no instance waited", n)
	}

	pi := o.startProcess("a2a-poll", map[string]any{"a2aUrl": remote.URL, "question": "Weather in Rome?"})
	o.waitAt(pi, "wait")
	id := remote.Tasks()[0]
	waitFor(t, func() bool { return remote.Polls(id) >= 1 })
	if o.reads.xml.Load() == 0 {
		t.Fatal("polled without reading the process")
	}

	o.stop()
	o.start()
	n := remote.Polls(id)
	waitFor(t, func() bool { return remote.Polls(id) > n })
	remote.Complete(id)
	o.waitAt(pi, "review")
}
