package mcpgw

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// Process definitions' BPMN XML as MCP resources: a template for any
// definition key, and resources/list naming the latest version of every
// deployed process.

const (
	definitionURIPrefix = "orca://process-definitions/"
	definitionURISuffix = "/xml"
	bpmnMIMEType        = "application/xml"
	// listedDefinitions caps the definitions resources/list names.
	listedDefinitions = 500
)

func definitionURI(key cluster.Key) string {
	return fmt.Sprintf("%s%d%s", definitionURIPrefix, key, definitionURISuffix)
}

func (g *Gateway) addResources() {
	g.server.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: definitionURIPrefix + "{processDefinitionKey}" + definitionURISuffix,
		Name:        "process-definition-xml",
		Title:       "BPMN XML of a process definition",
		Description: "The BPMN 2.0 XML of the process definition with this key (see searchProcessDefinitions): its elements, flows and task types.",
		MIMEType:    bpmnMIMEType,
	}, g.readDefinition)
}

func (g *Gateway) readDefinition(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	raw, ok := strings.CutPrefix(uri, definitionURIPrefix)
	if raw, ok2 := strings.CutSuffix(raw, definitionURISuffix); ok && ok2 {
		if key, err := cluster.ParseKey(raw); err == nil {
			xml, err := g.api.GetProcessDefinitionXML(ctx, key)
			if cluster.CodeOf(err) == cluster.CodeNotFound {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", uri, err)
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: bpmnMIMEType, Text: string(xml)}}}, nil
		}
	}
	return nil, mcp.ResourceNotFoundError(uri)
}

// listDefinitionResources adds the latest process definitions to the first
// page of resources/list.
func (g *Gateway) listDefinitionResources(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		lr, ok := res.(*mcp.ListResourcesResult)
		if err != nil || !ok || method != "resources/list" {
			return res, err
		}
		if p, _ := req.GetParams().(*mcp.ListResourcesParams); p != nil && p.Cursor != "" {
			return res, nil
		}
		latest, limit := true, int32(listedDefinitions)
		defs, err := g.api.SearchProcessDefinitions(ctx, &cluster.ProcessDefinitionSearchQuery{
			Filter: &cluster.ProcessDefinitionFilter{IsLatestVersion: &latest},
			Sort:   []cluster.SortRequest{{Field: "processDefinitionId"}},
			Page:   &cluster.PageRequest{Limit: &limit},
		})
		if err != nil {
			var ce *cluster.Error
			if errors.As(err, &ce) {
				return nil, fmt.Errorf("list process definitions: %s", ce.Detail)
			}
			return nil, fmt.Errorf("list process definitions: %w", err)
		}
		for _, d := range defs.Items {
			title := d.ProcessDefinitionID
			if d.Name != nil && *d.Name != "" {
				title = *d.Name
			}
			lr.Resources = append(lr.Resources, &mcp.Resource{
				URI:         definitionURI(d.ProcessDefinitionKey),
				Name:        d.ProcessDefinitionID,
				Title:       title,
				Description: fmt.Sprintf("BPMN XML of process %s, version %d (process definition key %d, resource %s).", d.ProcessDefinitionID, d.Version, d.ProcessDefinitionKey, d.ResourceName),
				MIMEType:    bpmnMIMEType,
			})
		}
		return lr, nil
	}
}
