package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/cluster"
)

// clientFlags are those of orca deploy and orca run: the cluster and its
// credentials as orca worker and orca gateway take them (CAMUNDA_REST_ADDRESS,
// CAMUNDA_AUTH_STRATEGY, ...), --address as a short name for --cluster-url,
// and how long to wait.
type clientFlags struct {
	remoteFlags
	wait time.Duration
}

func addClientFlags(f *pflag.FlagSet, cf *clientFlags) {
	addRemoteFlags(f, &cf.remoteFlags)
	f.StringVar(&cf.url, "address", cf.url, "the cluster's REST API address, as orca start prints it (the same as --cluster-url; env CAMUNDA_REST_ADDRESS)")
	f.DurationVar(&cf.wait, "timeout", time.Minute, "how long to wait for the cluster's answer (with orca run --wait: for the instance to complete)")
}

func (cf clientFlags) client() (*cluster.Remote, error) {
	return cf.remote(slog.New(slog.DiscardHandler))
}

// explain makes a client error readable: a problem detail as the cluster
// wrote it, and a hint when nothing answers at the address.
func (cf clientFlags) explain(err error) error {
	var ce *cluster.Error
	if errors.As(err, &ce) {
		if ce.Code == cluster.CodeUnavailable && strings.Contains(ce.Detail, "connection refused") {
			return fmt.Errorf("%s\n  is orca start running at %s? (--address, env CAMUNDA_REST_ADDRESS)", ce.Detail, cf.url)
		}
		return fmt.Errorf("%s: %s", ce.Code, ce.Detail)
	}
	return err
}

func newDeployCmd() *cobra.Command {
	var rf clientFlags
	cmd := &cobra.Command{
		Use:   "deploy FILE...",
		Short: "Deploy BPMN, DMN and form files to a running cluster",
		Long: `Deploy BPMN processes, DMN decisions and Camunda forms to a running cluster (orca start,
or any Camunda 8 REST API v2) in one deployment, and print what was deployed: each process's id,
version and key. A file the cluster refuses fails the whole deployment and prints the cluster's
problem detail.`,
		Example: `  orca deploy examples/hello.bpmn
  orca deploy --address http://localhost:8080 order.bpmn order-form.form`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			c, err := rf.client()
			if err != nil {
				return err
			}
			req := &cluster.DeploymentRequest{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				req.Resources = append(req.Resources, cluster.Resource{Name: filepath.Base(f), Content: b})
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), rf.wait)
			defer cancel()
			res, err := c.CreateDeployment(ctx, req)
			if err != nil {
				return fmt.Errorf("deploy: %w", rf.explain(err))
			}
			printDeployment(cmd.OutOrStdout(), res)
			return nil
		},
	}
	addClientFlags(cmd.Flags(), &rf)
	return cmd
}

func printDeployment(w io.Writer, res *cluster.DeploymentResult) {
	fmt.Fprintf(w, "deployment %s\n", res.DeploymentKey)
	for _, d := range res.Deployments {
		switch {
		case d.ProcessDefinition != nil:
			p := d.ProcessDefinition
			fmt.Fprintf(w, "  process %s version %d (key %s) from %s\n", p.ProcessDefinitionID, p.ProcessDefinitionVersion, p.ProcessDefinitionKey, p.ResourceName)
		case d.Form != nil:
			f := d.Form
			fmt.Fprintf(w, "  form %s version %d (key %s) from %s\n", f.FormID, f.Version, f.FormKey, f.ResourceName)
		case d.DecisionDefinition != nil:
			dd := d.DecisionDefinition
			fmt.Fprintf(w, "  decision %s version %d (key %s)\n", dd.DecisionDefinitionID, dd.Version, dd.DecisionDefinitionKey)
		case d.DecisionRequirements != nil:
			dr := d.DecisionRequirements
			fmt.Fprintf(w, "  decision requirements %s version %d (key %s) from %s\n", dr.DecisionRequirementsID, dr.Version, dr.DecisionRequirementsKey, dr.ResourceName)
		case d.Resource != nil:
			fmt.Fprintf(w, "  resource %s\n", *d.Resource)
		}
	}
}

func newRunCmd() *cobra.Command {
	var (
		rf        clientFlags
		variables string
		version   int32
		wait      bool
	)
	cmd := &cobra.Command{
		Use:   "run PROCESS_ID",
		Short: "Start an instance of a deployed process on a running cluster",
		Long: `Start an instance of the latest version (or --version) of a deployed process and print its
process instance key. --variables gives its variables as a JSON object. With --wait, the
answer comes when the instance has completed (Camunda's awaitCompletion), with its variables
printed as JSON; --timeout bounds the wait.`,
		Example: `  orca run hello
  orca run hello --variables '{"name": "Ada"}' --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := rf.client()
			if err != nil {
				return err
			}
			req := &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: args[0], AwaitCompletion: wait}
			if cmd.Flags().Changed("version") {
				req.ProcessDefinitionVersion = &version
			}
			if strings.TrimSpace(variables) != "" {
				dec := json.NewDecoder(strings.NewReader(variables))
				dec.UseNumber()
				if err := dec.Decode(&req.Variables); err != nil || req.Variables == nil {
					return fmt.Errorf("--variables: want a JSON object such as {\"name\": \"Ada\"}: %v", errOr(err, "got null"))
				}
			}
			if wait {
				req.RequestTimeout = rf.wait.Milliseconds()
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), rf.wait+30*time.Second)
			defer cancel()
			res, err := c.CreateProcessInstance(ctx, req)
			if err != nil {
				return fmt.Errorf("run %s: %w", args[0], rf.explain(err))
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "process instance %s of %s version %d\n", res.ProcessInstanceKey, res.ProcessDefinitionID, res.ProcessDefinitionVersion)
			if wait {
				fmt.Fprint(out, "completed with variables ")
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res.Variables); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "see it in the console: %s/#/instances/%s\n", strings.TrimSuffix(strings.TrimSuffix(rf.url, "/"), "/v2"), res.ProcessInstanceKey)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&variables, "variables", "", "the instance's variables, a JSON object")
	f.Int32Var(&version, "version", -1, "the process version to start (default: the latest)")
	f.BoolVar(&wait, "wait", false, "wait until the instance completes and print its variables")
	addClientFlags(f, &rf)
	return cmd
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}
