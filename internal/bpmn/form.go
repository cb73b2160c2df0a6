package bpmn

import "strings"

// Form binding types of zeebe:formDefinition (and zeebe:calledElement).
const (
	BindingLatest     = "latest"
	BindingDeployment = "deployment"
	BindingVersionTag = "versionTag"
)

// EmbeddedFormPrefix starts the formKey of a form embedded in the process
// as a zeebe:userTaskForm: "camunda-forms:bpmn:<userTaskForm id>".
const EmbeddedFormPrefix = "camunda-forms:bpmn:"

// FormLink is a zeebe:formDefinition: exactly one of a linked form (FormID,
// resolved by BindingType when the task is created), a form key (custom, or
// an embedded form), or an external reference.
type FormLink struct {
	FormKey           string
	FormID            Expression
	BindingType       string // latest (the default), deployment or versionTag
	VersionTag        string
	ExternalReference Expression
}

// IsZero reports a missing form definition.
func (f FormLink) IsZero() bool {
	return f.FormKey == "" && f.FormID.IsZero() && f.ExternalReference.IsZero()
}

// EmbeddedFormID is the zeebe:userTaskForm id an embedded form key names,
// or "" when the key is not of an embedded form.
func (f FormLink) EmbeddedFormID() string {
	id, ok := strings.CutPrefix(f.FormKey, EmbeddedFormPrefix)
	if !ok {
		return ""
	}
	return id
}

// formLink reads zeebe:formDefinition and checks it as Zeebe does.
func (b *builder) formLink(e *Element, f *node) FormLink {
	l := FormLink{
		FormKey:     f.attr("formKey"),
		FormID:      b.expr(e.ID, f.Line, "formId", f.attr("formId")),
		BindingType: f.attr("bindingType"),
		VersionTag:  f.attr("versionTag"),
	}
	if f.attr("externalReference") != "" {
		l.ExternalReference = b.expr(e.ID, f.Line, "externalReference", f.attr("externalReference"))
	}
	set := 0
	for _, v := range []string{l.FormKey, f.attr("formId"), f.attr("externalReference")} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		b.problem(e.ID, f.Line, "Exactly one of the attributes 'formId, formKey, externalReference' must be present and not empty")
	}
	switch l.BindingType {
	case "", BindingLatest, BindingDeployment:
	case BindingVersionTag:
		if l.VersionTag == "" {
			b.problem(e.ID, f.Line, "Attribute 'versionTag' must be present and not empty if 'bindingType=versionTag'")
		}
	default:
		b.problem(e.ID, f.Line, "the form's bindingType '%s' is not one of latest, deployment, versionTag", l.BindingType)
	}
	if l.BindingType == "" {
		l.BindingType = BindingLatest
	}
	return l
}

// userTaskForms reads the embedded forms (zeebe:userTaskForm) of a process.
func userTaskForms(ext *node) map[string]string {
	var forms map[string]string
	for _, f := range ext.children(NSZeebe, "userTaskForm") {
		if forms == nil {
			forms = map[string]string{}
		}
		forms[f.attr("id")] = strings.TrimSpace(f.Text)
	}
	return forms
}
