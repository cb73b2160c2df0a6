package store

import "time"

// Form is one version of a deployed Camunda Form (a .form resource).
type Form struct {
	Key          int64
	FormID       string
	Version      int32
	VersionTag   string
	ResourceName string
	// DeploymentKey is the deployment that created this version;
	// DeploymentKeys are every deployment that contained it (a resource
	// deployed again unchanged keeps its version), for bindingType
	// "deployment".
	DeploymentKey  int64
	DeploymentKeys []int64
	Checksum       string
	Schema         string // the form's JSON
	TenantID       string
	DeployTime     time.Time
}

func (*Form) Table() string { return "forms" }
func (r *Form) Columns() []any {
	return []any{&r.Key, &r.FormID, &r.Version, &r.VersionTag, &r.ResourceName, &r.DeploymentKey,
		jsonCol{&r.DeploymentKeys}, &r.Checksum, &r.Schema, &r.TenantID, timeCol{&r.DeployTime}}
}
