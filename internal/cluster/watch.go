package cluster

import "sync"

// DeploymentWatcher is implemented by back ends that tell when a
// deployment changes what is deployed (the embedded engine). Without it
// a client sees new deployments only when it asks again.
type DeploymentWatcher interface {
	// OnDeployment registers f to run after each successful deployment,
	// before the deployment is answered (so a request that follows the
	// answer sees what f did): f must not block, and starts a goroutine for
	// any longer work.
	OnDeployment(f func())
}

// deployWatchers are the functions OnDeployment registered.
type deployWatchers struct {
	mu sync.Mutex
	fs []func()
}

func (w *deployWatchers) add(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fs = append(w.fs, f)
}

func (w *deployWatchers) notify() {
	w.mu.Lock()
	fs := w.fs
	w.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

var _ DeploymentWatcher = (*Embedded)(nil)

// OnDeployment registers f to run after each successful deployment.
func (m *Embedded) OnDeployment(f func()) { m.deployed.add(f) }
