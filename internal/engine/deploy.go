package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Resource is one file to deploy.
type Resource struct {
	Name    string
	Content []byte
}

// DeployedProcess is one process definition of a deployment.
type DeployedProcess struct {
	ProcessDefinitionKey int64
	ProcessID            string
	Version              int32
	ResourceName         string
	TenantID             string
}

// DeployResult describes a deployment.
type DeployResult struct {
	DeploymentKey int64
	TenantID      string
	Processes     []DeployedProcess
	Forms         []DeployedForm
	// DecisionRequirements and Decisions come from .dmn resources (decisions.go).
	DecisionRequirements []DeployedDecisionRequirements
	Decisions            []DeployedDecision
}

type parsedResource struct {
	Resource
	checksum string
	defs     *bpmn.Definitions
}

// Deploy validates and deploys BPMN files. Either every resource is valid
// and deployed, or nothing is and the error lists every problem. A process
// whose resource did not change since its latest version keeps that
// version, as in Zeebe.
func (e *Engine) Deploy(ctx context.Context, tenantID string, resources []Resource) (DeployResult, error) {
	if tenantID == "" {
		tenantID = DefaultTenant
	}
	if len(resources) == 0 {
		return DeployResult{}, errorf(CodeInvalidArgument, "Expected to deploy at least one resource, but none given")
	}
	var parsed []parsedResource
	var forms []parsedForm
	var drgs []parsedDRG
	var problems []string
	seen := map[string]string{}
	seenForms := map[string]string{}
	for _, r := range resources {
		ext := strings.ToLower(path.Ext(r.Name))
		if ext == ".form" {
			pf, err := parseForm(r)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if other, dup := seenForms[pf.id]; dup {
				problems = append(problems, fmt.Sprintf("Expected the form ids to be unique within a deployment but found a duplicated id '%s' in the resources '%s' and '%s'.", pf.id, other, r.Name))
			}
			seenForms[pf.id] = r.Name
			forms = append(forms, pf)
			continue
		}
		if ext == ".dmn" {
			pd, more := e.parseDRG(r)
			problems = append(problems, more...)
			drgs = append(drgs, pd)
			continue
		}
		if ext != ".bpmn" && ext != ".xml" {
			problems = append(problems, fmt.Sprintf("'%s': only BPMN (.bpmn, .xml), DMN (.dmn) and form (.form) resources can be deployed; %s files are not supported yet", r.Name, ext))
			continue
		}
		defs, err := bpmn.ParseWith(r.Name, r.Content, bpmn.Options{Now: e.Now})
		if err != nil {
			var ve *bpmn.ValidationError
			if errors.As(err, &ve) {
				problems = append(problems, ve.Error())
				continue
			}
			problems = append(problems, fmt.Sprintf("'%s': %v", r.Name, err))
			continue
		}
		for _, p := range defs.Processes {
			if other, dup := seen[p.ID]; dup {
				problems = append(problems, fmt.Sprintf("'%s': the process id '%s' is also in '%s'; a deployment may contain each process once", r.Name, p.ID, other))
			}
			seen[p.ID] = r.Name
		}
		sum := sha256.Sum256(r.Content)
		parsed = append(parsed, parsedResource{Resource: r, checksum: hex.EncodeToString(sum[:]), defs: defs})
	}
	problems = append(problems, checkDRGs(drgs)...)
	if len(problems) > 0 {
		return DeployResult{}, errorf(CodeInvalidArgument, "Expected to deploy new resources, but encountered the following errors:\n%s", strings.Join(problems, "\n"))
	}
	res, err := do(ctx, e, func(w *writer) (DeployResult, error) {
		res := DeployResult{DeploymentKey: w.st.newKey(), TenantID: tenantID}
		for _, pr := range parsed {
			var resRec *store.Resource
			for _, p := range pr.defs.Processes {
				latest := w.st.latest[latestKey(tenantID, p.ID)]
				if latest != nil && latest.rec.Checksum == pr.checksum && latest.rec.ResourceName == pr.Name {
					res.Processes = append(res.Processes, deployed(latest.rec))
					continue
				}
				if resRec == nil {
					resRec = &store.Resource{Key: w.st.newKey(), DeploymentKey: res.DeploymentKey, Name: pr.Name,
						Checksum: pr.checksum, Content: pr.Content, TenantID: tenantID, DeployTime: w.now}
					w.st.touch(resRec)
				}
				version := int32(1)
				if latest != nil {
					version = latest.rec.Version + 1
				}
				rec := &store.ProcessDefinition{
					Key: w.st.newKey(), ProcessID: p.ID, Name: p.Name, Version: version, VersionTag: p.VersionTag,
					ResourceKey: resRec.Key, ResourceName: pr.Name, DeploymentKey: res.DeploymentKey,
					Checksum: pr.checksum, TenantID: tenantID, DeployTime: w.now,
				}
				w.st.touch(rec)
				def := &definition{rec: rec, proc: p}
				w.st.defs[rec.Key] = def
				w.st.condStarts.replace(latest, def)
				w.st.latest[latestKey(tenantID, p.ID)] = def
				if latest != nil {
					w.cancelStartTimers(latest)
					w.closeStartSubscriptions(latest)
					w.closeStartSignals(latest)
				}
				w.scheduleStartTimers(def)
				w.openStartSubscriptions(def)
				w.openStartSignals(def)
				res.Processes = append(res.Processes, deployed(rec))
			}
		}
		for _, pf := range forms {
			res.Forms = append(res.Forms, w.deployForm(res.DeploymentKey, tenantID, pf))
		}
		for _, pd := range drgs {
			drg, decs := w.deployDRG(res.DeploymentKey, tenantID, pd)
			res.DecisionRequirements = append(res.DecisionRequirements, drg)
			res.Decisions = append(res.Decisions, decs...)
		}
		return res, nil
	})
	if err == nil {
		evs := make([]Event, 0, len(res.Processes))
		for _, p := range res.Processes {
			evs = append(evs, Event{Kind: EventDeployed, Key: p.ProcessDefinitionKey, ProcessID: p.ProcessID, Version: p.Version, Message: p.ResourceName})
		}
		e.emitCommitted(evs...)
	}
	return res, err
}

func deployed(r *store.ProcessDefinition) DeployedProcess {
	return DeployedProcess{ProcessDefinitionKey: r.Key, ProcessID: r.ProcessID, Version: r.Version,
		ResourceName: r.ResourceName, TenantID: r.TenantID}
}

// openStartSubscriptions registers the message start events of a new latest
// version.
func (w *writer) openStartSubscriptions(def *definition) {
	for _, el := range def.proc.MessageStarts {
		name, err := w.evalString(el.Message.Name, scopeView{st: w.st}, false)
		if err != nil {
			w.e.log.Warn("message start event not subscribed", "process", def.rec.ProcessID, "element", el.ID, "err", err)
			continue
		}
		sub := &store.MessageSubscription{
			Key:                  w.st.newKey(),
			ProcessID:            def.rec.ProcessID,
			ProcessDefinitionKey: def.rec.Key,
			ElementID:            el.ID,
			State:                store.SubscriptionCreated,
			LastUpdatedDate:      w.now,
			MessageName:          name,
			TenantID:             def.rec.TenantID,
			// Camunda 8.10's fields: the definition and the tool it offers.
			ProcessDefinitionName:    def.rec.Name,
			ProcessDefinitionVersion: def.rec.Version,
			ToolProperties:           el.ToolProperties(),
		}
		sub.ToolName, _ = el.Property(bpmn.ToolNameProperty)
		sub.InboundConnectorType, _ = el.Property(bpmn.InboundTypeProperty)
		w.st.addSub(sub)
		w.st.touch(sub)
	}
}

func (w *writer) closeStartSubscriptions(def *definition) {
	for _, sub := range w.st.subs {
		if sub.ElementInstanceKey == 0 && sub.ProcessDefinitionKey == def.rec.Key {
			sub.State = store.SubscriptionDeleted
			sub.LastUpdatedDate = w.now
			w.st.removeSub(sub)
			w.st.touch(sub)
		}
	}
}
