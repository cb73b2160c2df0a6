package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// incFormNotFound is Zeebe's incident type for a linked form that cannot be
// resolved when a user task is created.
const incFormNotFound = "FORM_NOT_FOUND"

// DeployedForm is one form (a .form resource) of a deployment.
type DeployedForm struct {
	FormKey      int64
	FormID       string
	Version      int32
	ResourceName string
	TenantID     string
}

type parsedForm struct {
	Resource
	checksum   string
	id         string
	versionTag string
}

// parseForm reads the id and version tag of a Camunda Forms JSON document.
func parseForm(r Resource) (parsedForm, error) {
	var f struct {
		ID         *string         `json:"id"`
		VersionTag json.RawMessage `json:"versionTag"`
	}
	d := json.NewDecoder(bytes.NewReader(r.Content))
	if err := d.Decode(&f); err != nil {
		return parsedForm{}, fmt.Errorf("'%s': the form is not a JSON object: %v", r.Name, err)
	}
	if d.More() {
		return parsedForm{}, fmt.Errorf("'%s': the form is not a JSON object: data after the object", r.Name)
	}
	if f.ID == nil || strings.TrimSpace(*f.ID) == "" {
		return parsedForm{}, fmt.Errorf("'%s': Expected the form id to be filled, but it is empty", r.Name)
	}
	pf := parsedForm{Resource: r, id: *f.ID}
	// Camunda Modeler writes "versionTag": "v1"; older exports {"value": "v1"}.
	if len(f.VersionTag) > 0 && string(f.VersionTag) != "null" {
		var s string
		var o struct {
			Value string `json:"value"`
		}
		switch {
		case json.Unmarshal(f.VersionTag, &s) == nil:
			pf.versionTag = s
		case json.Unmarshal(f.VersionTag, &o) == nil:
			pf.versionTag = o.Value
		default:
			return parsedForm{}, fmt.Errorf("'%s': the form's versionTag must be a string", r.Name)
		}
	}
	sum := sha256.Sum256(r.Content)
	pf.checksum = hex.EncodeToString(sum[:])
	return pf, nil
}

// formIndex holds the deployed form versions by tenant and form id, oldest
// first.
type formIndex map[string][]*store.Form

func formIndexKey(tenant, formID string) string { return tenant + "\x00" + formID }

func (fi formIndex) versions(tenant, formID string) []*store.Form {
	return fi[formIndexKey(tenant, formID)]
}

func (st *state) addForm(f *store.Form) {
	if st.forms == nil {
		st.forms = formIndex{}
	}
	k := formIndexKey(f.TenantID, f.FormID)
	st.forms[k] = append(st.forms[k], f)
}

// loadForms restores the deployed forms.
func (st *state) loadForms(ctx context.Context, s *store.Store) error {
	forms, err := store.LoadAll(ctx, s, func() *store.Form { return new(store.Form) }, "1 ORDER BY version")
	if err != nil {
		return err
	}
	for _, f := range forms {
		st.addForm(f)
	}
	return nil
}

// deployForm records a form version; a form deployed again unchanged keeps
// its version (as in Zeebe) and remembers the new deployment.
func (w *writer) deployForm(deploymentKey int64, tenant string, pf parsedForm) DeployedForm {
	vs := w.st.forms.versions(tenant, pf.id)
	version := int32(1)
	if len(vs) > 0 {
		latest := vs[len(vs)-1]
		if latest.Checksum == pf.checksum && latest.ResourceName == pf.Name {
			if !slices.Contains(latest.DeploymentKeys, deploymentKey) {
				latest.DeploymentKeys = append(latest.DeploymentKeys, deploymentKey)
				w.st.touch(latest)
			}
			return deployedForm(latest)
		}
		version = latest.Version + 1
	}
	f := &store.Form{Key: w.st.newKey(), FormID: pf.id, Version: version, VersionTag: pf.versionTag,
		ResourceName: pf.Name, DeploymentKey: deploymentKey, DeploymentKeys: []int64{deploymentKey},
		Checksum: pf.checksum, Schema: string(pf.Content), TenantID: tenant, DeployTime: w.now}
	w.st.addForm(f)
	w.st.touch(f)
	return deployedForm(f)
}

func deployedForm(f *store.Form) DeployedForm {
	return DeployedForm{FormKey: f.Key, FormID: f.FormID, Version: f.Version, ResourceName: f.ResourceName, TenantID: f.TenantID}
}

// linkedForm resolves the form a user task links to (zeebe:formDefinition
// formId) as Zeebe does when it creates the task. It returns the form key,
// or the incident type and message when the form cannot be found.
func (w *writer) linkedForm(in *inst, l bpmn.FormLink) (key int64, incType, msg string) {
	id, err := w.evalString(l.FormID, scopeView{st: w.st, scope: in}, false)
	if err != nil {
		return 0, incExtractValue, err.Error()
	}
	vs := w.st.forms.versions(in.rec.TenantID, id)
	switch l.BindingType {
	case bpmn.BindingDeployment:
		dk := in.def.rec.DeploymentKey
		for i := len(vs) - 1; i >= 0; i-- {
			if slices.Contains(vs[i].DeploymentKeys, dk) {
				return vs[i].Key, "", ""
			}
		}
		return 0, incFormNotFound, fmt.Sprintf("Expected to use a form with id '%s' with binding type 'deployment', "+
			"but no such form found in the deployment with key %d which contained the current process. "+
			"To resolve this incident, migrate the process instance to a process definition "+
			"that is deployed together with the intended form to use.", id, dk)
	case bpmn.BindingVersionTag:
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].VersionTag == l.VersionTag {
				return vs[i].Key, "", ""
			}
		}
		return 0, incFormNotFound, fmt.Sprintf("Expected to use a form with id '%s' and version tag '%s', but no such form found. "+
			"To resolve the incident, deploy a form with the given id and version tag.", id, l.VersionTag)
	default:
		if len(vs) > 0 {
			return vs[len(vs)-1].Key, "", ""
		}
		return 0, incFormNotFound, fmt.Sprintf("Expected to find a form with id '%s', but no form with this id is found, "+
			"at least a form with this id should be available. To resolve the Incident please deploy a form with the same id", id)
	}
}
