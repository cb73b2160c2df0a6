package cluster

import (
	"context"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Form is a deployed Camunda Form (FormResult).
type Form struct {
	TenantID string `json:"tenantId"`
	FormID   string `json:"formId"`
	// Schema is the form's JSON document as a string.
	Schema  string `json:"schema"`
	Version int64  `json:"version"`
	FormKey Key    `json:"formKey"`
}

// DeploymentForm is a form of a deployment (DeploymentFormResult).
type DeploymentForm struct {
	FormID       string `json:"formId"`
	Version      int32  `json:"version"`
	ResourceName string `json:"resourceName"`
	TenantID     string `json:"tenantId"`
	FormKey      Key    `json:"formKey"`
}

func form(r *store.Form) *Form {
	return &Form{TenantID: r.TenantID, FormID: r.FormID, Schema: r.Schema, Version: int64(r.Version), FormKey: Key(r.Key)}
}

func (m *Embedded) GetForm(ctx context.Context, key Key) (*Form, error) {
	r, err := get(ctx, m.store, key, "Form", func() *store.Form { return new(store.Form) })
	if err != nil {
		return nil, err
	}
	return form(r), nil
}

// GetUserTaskForm returns the form of a user task: a linked form resolved
// when the task was created, or a form embedded in the process
// (zeebe:userTaskForm). A task without a form gives nil and no error.
func (m *Embedded) GetUserTaskForm(ctx context.Context, key Key) (*Form, error) {
	ut, err := get(ctx, m.store, key, "User task", func() *store.UserTask { return new(store.UserTask) })
	if err != nil {
		return nil, err
	}
	if ut.FormKey != 0 {
		return m.GetForm(ctx, Key(ut.FormKey))
	}
	pd, proc, err := m.parsedProcess(ctx, Key(ut.ProcessDefinitionKey))
	if err != nil {
		return nil, err
	}
	el := proc.ElementByID(ut.ElementID)
	if el == nil || el.UserTask == nil {
		return nil, nil
	}
	return embeddedForm(pd, proc, el.UserTask.FormLink), nil
}

// embeddedForm is a form embedded in the process, keyed by its process
// definition (embedded forms have no key of their own).
func embeddedForm(pd *store.ProcessDefinition, proc *bpmn.Process, l bpmn.FormLink) *Form {
	id := l.EmbeddedFormID()
	schema, ok := proc.UserTaskForms[id]
	if id == "" || !ok {
		return nil
	}
	return &Form{TenantID: pd.TenantID, FormID: id, Schema: schema, Version: int64(pd.Version), FormKey: Key(pd.Key)}
}

// GetStartProcessForm returns the form of a process definition's none start
// event, resolved now by its binding type; nil when it has none (or the
// linked form is not deployed).
func (m *Embedded) GetStartProcessForm(ctx context.Context, key Key) (*Form, error) {
	pd, proc, err := m.parsedProcess(ctx, key)
	if err != nil {
		return nil, err
	}
	l := proc.StartForm
	if l == nil {
		return nil, nil
	}
	if l.FormID.IsZero() {
		return embeddedForm(pd, proc, *l), nil
	}
	if l.FormID.IsFEEL() {
		return nil, nil // no variables to evaluate against before the instance exists
	}
	id := l.FormID.Raw
	var where string
	args := []any{pd.TenantID, id}
	switch l.BindingType {
	case bpmn.BindingDeployment:
		where = " AND EXISTS (SELECT 1 FROM json_each(deployment_keys) WHERE value = ?)"
		args = append(args, pd.DeploymentKey)
	case bpmn.BindingVersionTag:
		where = " AND version_tag = ?"
		args = append(args, l.VersionTag)
	}
	fs, err := store.Select(ctx, m.store, func() *store.Form { return new(store.Form) },
		"tenant_id = ? AND form_id = ?"+where+" ORDER BY version DESC LIMIT 1", args...)
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	return form(fs[0]), nil
}

// parsedProcess reads a process definition with its parsed model.
func (m *Embedded) parsedProcess(ctx context.Context, key Key) (*store.ProcessDefinition, *bpmn.Process, error) {
	pd, err := get(ctx, m.store, key, "Process definition", func() *store.ProcessDefinition { return new(store.ProcessDefinition) })
	if err != nil {
		return nil, nil, err
	}
	if p, ok := m.models.Load(pd.Key); ok {
		return pd, p.(*bpmn.Process), nil
	}
	r, err := get(ctx, m.store, Key(pd.ResourceKey), "Resource", func() *store.Resource { return new(store.Resource) })
	if err != nil {
		return nil, nil, err
	}
	d, err := bpmn.Parse(r.Name, r.Content)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range d.Processes {
		if p.ID == pd.ProcessID {
			m.models.Store(pd.Key, p)
			return pd, p, nil
		}
	}
	return nil, nil, Errorf(CodeNotFound, "Process definition with key '%d' not found", key)
}

// hasStartForm reports whether a definition's none start event has a form.
func (m *Embedded) hasStartForm(ctx context.Context, key Key) bool {
	_, p, err := m.parsedProcess(ctx, key)
	return err == nil && p.StartForm != nil
}
