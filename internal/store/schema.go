package store

import "slices"

// tables lists each table's columns in the order of its record's Columns.
// The first column is the primary key.
var tables = map[string][]string{
	"resources": {"key", "deployment_key", "name", "checksum", "content", "tenant_id", "deploy_time"},
	"process_definitions": {"key", "process_id", "name", "version", "version_tag", "resource_key", "resource_name",
		"deployment_key", "checksum", "tenant_id", "deploy_time"},
	"process_instances": {"key", "process_definition_key", "process_id", "process_name", "version", "version_tag",
		"state", "start_date", "end_date", "has_incident", "tenant_id", "parent_process_instance_key",
		"parent_element_instance_key", "root_process_instance_key", "tags", "business_id", "taken_flows", "scope"},
	"element_instances": {"key", "process_instance_key", "root_process_instance_key", "process_definition_key",
		"process_id", "element_id", "element_name", "type", "state", "start_date", "end_date", "has_incident",
		"incident_key", "tenant_id", "flow_scope_key", "runtime"},
	"variables": {"key", "name", "value", "scope_key", "process_instance_key", "root_process_instance_key",
		"process_definition_key", "process_id", "tenant_id"},
	"jobs": {"key", "type", "worker", "state", "kind", "listener_event_type", "retries",
		"has_failed_with_retries_left", "error_code", "error_message", "custom_headers", "deadline", "retry_at",
		"end_time", "creation_time", "last_update_time", "element_id", "element_instance_key",
		"process_instance_key", "root_process_instance_key", "process_definition_key", "process_id",
		"process_version", "tenant_id", "activated", "is_denied", "denied_reason"},
	"user_tasks": {"key", "name", "state", "assignee", "element_id", "element_instance_key", "candidate_groups",
		"candidate_users", "process_id", "process_definition_key", "process_version", "process_name",
		"process_instance_key", "root_process_instance_key", "creation_date", "completion_date", "due_date",
		"follow_up_date", "form_key", "external_form_reference", "custom_headers", "priority", "tenant_id", "tags"},
	"incidents": {"key", "process_id", "process_definition_key", "process_instance_key", "root_process_instance_key",
		"element_id", "element_instance_key", "error_type", "error_message", "creation_time", "state", "job_key",
		"tenant_id"},
	"message_subscriptions": {"key", "process_id", "process_definition_key", "process_instance_key",
		"root_process_instance_key", "element_id", "element_instance_key", "state", "last_updated_date",
		"message_name", "correlation_key", "tenant_id", "process_definition_name", "process_definition_version", "type",
		"tool_name", "tool_properties", "inbound_connector_type"},
	"messages": {"key", "name", "correlation_key", "message_id", "variables", "publish_time", "expire_time", "state",
		"tenant_id", "correlated_processes"},
	"signal_subscriptions": {"key", "process_id", "process_definition_key", "process_instance_key",
		"element_instance_key", "element_id", "signal_name", "state", "tenant_id"},
	"forms": {"key", "form_id", "version", "version_tag", "resource_name", "deployment_key", "deployment_keys",
		"checksum", "schema", "tenant_id", "deploy_time"},
	"timers": {"key", "process_definition_key", "process_instance_key", "element_instance_key", "element_id",
		"due_date", "repetitions", "cycle", "state", "tenant_id"},
	// decisions.go
	"decision_requirements": {"key", "decision_requirements_id", "name", "version", "resource_key", "resource_name",
		"deployment_key", "deployment_keys", "checksum", "tenant_id", "deploy_time"},
	"decision_definitions": {"key", "decision_id", "name", "version", "version_tag", "decision_requirements_key",
		"decision_requirements_id", "decision_requirements_name", "decision_requirements_version", "deployment_key",
		"deployment_keys", "tenant_id", "deploy_time"},
	"decision_instances": {"key", "instance_key", "evaluation_key", "idx", "state", "evaluation_date",
		"evaluation_failure", "decision_definition_key", "decision_id", "decision_name", "decision_type",
		"decision_version", "decision_requirements_key", "root_decision_definition_key", "process_definition_key",
		"process_instance_key", "root_process_instance_key", "element_instance_key", "result", "evaluated_inputs",
		"matched_rules", "tenant_id"},
	// audit.go
	"audit_logs": {"key", "timestamp", "actor_id", "actor_type", "tenant_id", "result", "category", "entity_type",
		"entity_key", "operation_type", "process_definition_id", "process_definition_key", "process_instance_key",
		"element_instance_key", "user_task_key", "job_key", "inbound_channel_type", "inbound_channel_tool_name",
		"endpoint", "arguments_size", "error_message", "root_process_instance_key"},
	// agents.go
	"agent_instances": {"key", "element_instance_key", "element_instance_keys", "element_id", "process_instance_key",
		"root_process_instance_key", "process_definition_key", "process_id", "process_version", "process_version_tag",
		"tenant_id", "status", "definition", "limits", "tools", "input_tokens", "output_tokens", "model_calls",
		"tool_calls", "creation_date", "last_updated_date"},
	"agent_history": {"key", "agent_instance_key", "history_item_id", "element_instance_key", "job_key", "job_lease",
		"loop_iteration", "role", "produced_at", "body", "process_instance_key"},
}

// fixedColumns are, per table, indexed columns that never change once a
// row is inserted: updating a stored row leaves them (and so the index
// entries made of them alone) as they are (updateSQL). A column listed
// here that an engine change starts to change after the insert would
// keep its first value: list only what is set once at creation.
var fixedColumns = map[string][]string{
	"process_instances": {"process_definition_key", "start_date", "root_process_instance_key",
		"parent_process_instance_key"},
	"element_instances":     {"process_instance_key"},
	"variables":             {"name", "scope_key", "process_instance_key"},
	"jobs":                  {"process_instance_key"},
	"user_tasks":            {"process_instance_key"},
	"incidents":             {"process_instance_key"},
	"message_subscriptions": {"process_instance_key"},
	"timers":                {"process_instance_key"},
	"signal_subscriptions":  {"process_instance_key"},
}

// mutableColumns are, for the tables the engine updates most, the only
// columns an update of a stored row writes (updateSQL): the others are set
// once, when the row is inserted, and an update neither binds them (the
// driver copies every text it binds) nor rewrites their index entries.
// Options.CheckUpdates holds the engine's tests to it: a column left out
// here that the engine changes after the insert fails them loudly.
var mutableColumns = map[string][]string{
	"process_instances": {"state", "end_date", "has_incident", "tags", "business_id", "taken_flows", "scope"},
	"element_instances": {"state", "end_date", "has_incident", "incident_key", "runtime"},
	"jobs": {"worker", "state", "retries", "has_failed_with_retries_left", "error_code", "error_message",
		"custom_headers", "deadline", "retry_at", "end_time", "last_update_time", "activated", "is_denied", "denied_reason"},
	"variables": {"value"},
}

// indexedState is, for tables of mutableColumns, the mutable column an
// index holds that an update often leaves as it was (a job's state when
// the job is activated, an element instance's when its incident is
// raised): an update leaves it out when it is unchanged since the row was
// last written (stateSealer), since SQLite rewrites the entries of every
// index whose columns an UPDATE sets, whatever their values.
var indexedState = map[string]string{"jobs": "state", "element_instances": "state"}

// setColumns are the columns an update of a table's row sets: its
// mutableColumns, without its indexedState column when keepState.
func setColumns(table string, keepState bool) []string {
	mut := mutableColumns[table]
	if c, ok := indexedState[table]; ok && keepState {
		return slices.DeleteFunc(slices.Clone(mut), func(m string) bool { return m == c })
	}
	return mut
}

type updateShape struct {
	table     string
	keepState bool
}

// updateArgs are, per table of mutableColumns (and keepState), the
// positions in a row's columns of the arguments of its update: the
// columns it sets (setColumns) in their order, then the key.
var updateArgs = func() map[updateShape][]int {
	m := map[updateShape][]int{}
	for table := range mutableColumns {
		for _, keep := range []bool{false, true} {
			var idx []int
			for _, c := range setColumns(table, keep) {
				i := slices.Index(tables[table], c)
				if i < 1 {
					panic("mutableColumns: no column " + table + "." + c)
				}
				idx = append(idx, i)
			}
			m[updateShape{table, keep}] = append(idx, 0)
		}
	}
	for table, c := range indexedState {
		if !slices.Contains(mutableColumns[table], c) {
			panic("indexedState: " + table + "." + c + " is not in mutableColumns")
		}
	}
	return m
}()

// schema creates the tables. Times are Unix milliseconds (NULL when unset);
// keys are integers; JSON columns are text.
const schema = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resources (
  key INTEGER PRIMARY KEY, deployment_key INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
  content BLOB NOT NULL, tenant_id TEXT NOT NULL, deploy_time INTEGER);
CREATE TABLE IF NOT EXISTS process_definitions (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  version_tag TEXT NOT NULL, resource_key INTEGER NOT NULL, resource_name TEXT NOT NULL,
  deployment_key INTEGER NOT NULL, checksum TEXT NOT NULL, tenant_id TEXT NOT NULL, deploy_time INTEGER);
CREATE INDEX IF NOT EXISTS process_definitions_id ON process_definitions (process_id, version);
CREATE TABLE IF NOT EXISTS process_instances (
  key INTEGER PRIMARY KEY, process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL,
  process_name TEXT NOT NULL, version INTEGER NOT NULL, version_tag TEXT NOT NULL, state TEXT NOT NULL,
  start_date INTEGER, end_date INTEGER, has_incident INTEGER NOT NULL, tenant_id TEXT NOT NULL,
  parent_process_instance_key INTEGER, parent_element_instance_key INTEGER,
  root_process_instance_key INTEGER NOT NULL, tags TEXT, business_id TEXT NOT NULL, taken_flows TEXT,
  scope TEXT);
DROP INDEX IF EXISTS process_instances_state;
CREATE INDEX IF NOT EXISTS process_instances_state_start ON process_instances (state, start_date);
-- Finished instances by state and end date: only they have an end date,
-- so an instance enters this index when it ends, and leaves no entry to
-- rewrite while it runs. A search must say end_date IS NOT NULL for SQLite
-- to use it (the cluster's state filter does, for a finished state).
DROP INDEX IF EXISTS process_instances_state_end;
CREATE INDEX IF NOT EXISTS process_instances_state_ended ON process_instances (state, end_date) WHERE end_date IS NOT NULL;
CREATE INDEX IF NOT EXISTS process_instances_definition ON process_instances (process_definition_key);
CREATE INDEX IF NOT EXISTS process_instances_start ON process_instances (start_date);
CREATE TABLE IF NOT EXISTS element_instances (
  key INTEGER PRIMARY KEY, process_instance_key INTEGER NOT NULL, root_process_instance_key INTEGER NOT NULL,
  process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL, element_id TEXT NOT NULL,
  element_name TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL, start_date INTEGER, end_date INTEGER,
  has_incident INTEGER NOT NULL, incident_key INTEGER, tenant_id TEXT NOT NULL, flow_scope_key INTEGER NOT NULL,
  runtime TEXT);
CREATE INDEX IF NOT EXISTS element_instances_pi ON element_instances (process_instance_key);
-- Active element instances are found through the active process instances
-- (an active element instance belongs to one): an index of their own cost
-- two entries per element instance that is ever active.
DROP INDEX IF EXISTS element_instances_active;
CREATE TABLE IF NOT EXISTS variables (
  key INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL, scope_key INTEGER NOT NULL,
  process_instance_key INTEGER NOT NULL, root_process_instance_key INTEGER NOT NULL,
  process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL, tenant_id TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS variables_scope ON variables (scope_key, name);
-- An instance's variables are found through its element instances, their
-- scopes (every scope is one, the process instance's own included).
DROP INDEX IF EXISTS variables_pi;
DROP INDEX IF EXISTS variables_name_value;
CREATE INDEX IF NOT EXISTS variables_name_prefix ON variables (name, substr(value, 1, 64));
CREATE TABLE IF NOT EXISTS jobs (
  key INTEGER PRIMARY KEY, type TEXT NOT NULL, worker TEXT NOT NULL, state TEXT NOT NULL, kind TEXT NOT NULL,
  listener_event_type TEXT NOT NULL, retries INTEGER NOT NULL, has_failed_with_retries_left INTEGER NOT NULL,
  error_code TEXT NOT NULL, error_message TEXT NOT NULL, custom_headers TEXT, deadline INTEGER, retry_at INTEGER,
  end_time INTEGER, creation_time INTEGER, last_update_time INTEGER, element_id TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL, process_instance_key INTEGER NOT NULL,
  root_process_instance_key INTEGER NOT NULL, process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL,
  process_version INTEGER NOT NULL, tenant_id TEXT NOT NULL, activated INTEGER NOT NULL,
  is_denied INTEGER NOT NULL DEFAULT 0, denied_reason TEXT);
CREATE INDEX IF NOT EXISTS jobs_pi ON jobs (process_instance_key);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
CREATE TABLE IF NOT EXISTS user_tasks (
  key INTEGER PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL, assignee TEXT NOT NULL,
  element_id TEXT NOT NULL, element_instance_key INTEGER NOT NULL, candidate_groups TEXT, candidate_users TEXT,
  process_id TEXT NOT NULL, process_definition_key INTEGER NOT NULL, process_version INTEGER NOT NULL,
  process_name TEXT NOT NULL, process_instance_key INTEGER NOT NULL, root_process_instance_key INTEGER NOT NULL,
  creation_date INTEGER, completion_date INTEGER, due_date INTEGER, follow_up_date INTEGER, form_key INTEGER,
  external_form_reference TEXT NOT NULL, custom_headers TEXT, priority INTEGER NOT NULL, tenant_id TEXT NOT NULL, tags TEXT);
CREATE INDEX IF NOT EXISTS user_tasks_pi ON user_tasks (process_instance_key);
-- Task lists filter by state and sort by creation date: one index walk
-- instead of sorting every open task.
DROP INDEX IF EXISTS user_tasks_state;
CREATE INDEX IF NOT EXISTS user_tasks_state_creation ON user_tasks (state, creation_date);
CREATE TABLE IF NOT EXISTS incidents (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, process_definition_key INTEGER NOT NULL,
  process_instance_key INTEGER NOT NULL, root_process_instance_key INTEGER NOT NULL, element_id TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL, error_type TEXT NOT NULL, error_message TEXT NOT NULL,
  creation_time INTEGER, state TEXT NOT NULL, job_key INTEGER, tenant_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_pi ON incidents (process_instance_key);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents (state);
CREATE TABLE IF NOT EXISTS message_subscriptions (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, process_definition_key INTEGER NOT NULL,
  process_instance_key INTEGER, root_process_instance_key INTEGER, element_id TEXT NOT NULL,
  element_instance_key INTEGER, state TEXT NOT NULL, last_updated_date INTEGER, message_name TEXT NOT NULL,
  correlation_key TEXT NOT NULL, tenant_id TEXT NOT NULL, process_definition_name TEXT NOT NULL DEFAULT '',
  process_definition_version INTEGER NOT NULL DEFAULT 0, type TEXT NOT NULL DEFAULT 'PROCESS_EVENT', tool_name TEXT,
  tool_properties TEXT, inbound_connector_type TEXT);
CREATE INDEX IF NOT EXISTS message_subscriptions_state ON message_subscriptions (state);
CREATE TABLE IF NOT EXISTS messages (
  key INTEGER PRIMARY KEY, name TEXT NOT NULL, correlation_key TEXT NOT NULL, message_id TEXT NOT NULL,
  variables TEXT NOT NULL, publish_time INTEGER, expire_time INTEGER, state TEXT NOT NULL, tenant_id TEXT NOT NULL,
  correlated_processes TEXT);
CREATE INDEX IF NOT EXISTS messages_state ON messages (state);
CREATE TABLE IF NOT EXISTS forms (
  key INTEGER PRIMARY KEY, form_id TEXT NOT NULL, version INTEGER NOT NULL, version_tag TEXT NOT NULL,
  resource_name TEXT NOT NULL, deployment_key INTEGER NOT NULL, deployment_keys TEXT, checksum TEXT NOT NULL,
  schema TEXT NOT NULL, tenant_id TEXT NOT NULL, deploy_time INTEGER);
CREATE INDEX IF NOT EXISTS forms_id ON forms (form_id, version);
CREATE TABLE IF NOT EXISTS timers (
  key INTEGER PRIMARY KEY, process_definition_key INTEGER NOT NULL, process_instance_key INTEGER,
  element_instance_key INTEGER, element_id TEXT NOT NULL, due_date INTEGER, repetitions INTEGER NOT NULL,
  cycle TEXT NOT NULL, state TEXT NOT NULL, tenant_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS timers_state ON timers (state);
CREATE TABLE IF NOT EXISTS signal_subscriptions (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, process_definition_key INTEGER NOT NULL,
  process_instance_key INTEGER, element_instance_key INTEGER, element_id TEXT NOT NULL, signal_name TEXT NOT NULL,
  state TEXT NOT NULL, tenant_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS signal_subscriptions_state ON signal_subscriptions (state);
CREATE TABLE IF NOT EXISTS decision_requirements (
  key INTEGER PRIMARY KEY, decision_requirements_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  resource_key INTEGER NOT NULL, resource_name TEXT NOT NULL, deployment_key INTEGER NOT NULL, deployment_keys TEXT,
  checksum TEXT NOT NULL, tenant_id TEXT NOT NULL, deploy_time INTEGER);
CREATE INDEX IF NOT EXISTS decision_requirements_id ON decision_requirements (decision_requirements_id, version);
CREATE TABLE IF NOT EXISTS decision_definitions (
  key INTEGER PRIMARY KEY, decision_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  version_tag TEXT NOT NULL, decision_requirements_key INTEGER NOT NULL, decision_requirements_id TEXT NOT NULL,
  decision_requirements_name TEXT NOT NULL, decision_requirements_version INTEGER NOT NULL,
  deployment_key INTEGER NOT NULL, deployment_keys TEXT, tenant_id TEXT NOT NULL, deploy_time INTEGER);
CREATE INDEX IF NOT EXISTS decision_definitions_id ON decision_definitions (decision_id, version);
CREATE TABLE IF NOT EXISTS decision_instances (
  key INTEGER PRIMARY KEY, instance_key TEXT NOT NULL, evaluation_key INTEGER NOT NULL, idx INTEGER NOT NULL,
  state TEXT NOT NULL, evaluation_date INTEGER, evaluation_failure TEXT NOT NULL,
  decision_definition_key INTEGER NOT NULL, decision_id TEXT NOT NULL, decision_name TEXT NOT NULL,
  decision_type TEXT NOT NULL, decision_version INTEGER NOT NULL, decision_requirements_key INTEGER NOT NULL,
  root_decision_definition_key INTEGER NOT NULL, process_definition_key INTEGER, process_instance_key INTEGER,
  root_process_instance_key INTEGER, element_instance_key INTEGER, result TEXT NOT NULL, evaluated_inputs TEXT,
  matched_rules TEXT, tenant_id TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS decision_instances_instance ON decision_instances (instance_key);
CREATE INDEX IF NOT EXISTS decision_instances_pi ON decision_instances (process_instance_key);
CREATE TABLE IF NOT EXISTS audit_logs (
  key INTEGER PRIMARY KEY, timestamp INTEGER, actor_id TEXT, actor_type TEXT NOT NULL, tenant_id TEXT,
  result TEXT NOT NULL, category TEXT NOT NULL, entity_type TEXT NOT NULL, entity_key TEXT NOT NULL,
  operation_type TEXT NOT NULL, process_definition_id TEXT, process_definition_key INTEGER,
  process_instance_key INTEGER, element_instance_key INTEGER, user_task_key INTEGER, job_key INTEGER,
  inbound_channel_type TEXT, inbound_channel_tool_name TEXT, endpoint TEXT NOT NULL, arguments_size INTEGER NOT NULL,
  error_message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_logs_pi ON audit_logs (process_instance_key);
CREATE INDEX IF NOT EXISTS audit_logs_timestamp ON audit_logs (timestamp);
-- History retention (retention.go): finished root instances by end date, an
-- instance's tree by its root, and each instance table by its instance
-- (variables by their scopes, the tree's element instances). A tree is its
-- root (found by its key) and the instances called below it: only those
-- have a parent, and only they are indexed by their root (treeKeys), so
-- that an instance that calls nothing, most of them, costs no entry here.
DROP INDEX IF EXISTS process_instances_root;
CREATE INDEX IF NOT EXISTS process_instances_root_called ON process_instances (root_process_instance_key) WHERE parent_process_instance_key IS NOT NULL;
DROP INDEX IF EXISTS process_instances_root_end;
CREATE INDEX IF NOT EXISTS process_instances_root_ended ON process_instances (end_date) WHERE parent_process_instance_key IS NULL AND end_date IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_subscriptions_pi ON message_subscriptions (process_instance_key);
CREATE INDEX IF NOT EXISTS timers_pi ON timers (process_instance_key);
CREATE INDEX IF NOT EXISTS signal_subscriptions_pi ON signal_subscriptions (process_instance_key);
CREATE INDEX IF NOT EXISTS decision_instances_standalone ON decision_instances (evaluation_date) WHERE process_instance_key IS NULL;
CREATE TABLE IF NOT EXISTS agent_instances (
  key INTEGER PRIMARY KEY, element_instance_key INTEGER NOT NULL, element_instance_keys TEXT, element_id TEXT NOT NULL,
  process_instance_key INTEGER NOT NULL, root_process_instance_key INTEGER NOT NULL,
  process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL, process_version INTEGER NOT NULL,
  process_version_tag TEXT NOT NULL, tenant_id TEXT NOT NULL, status TEXT NOT NULL, definition TEXT, limits TEXT,
  tools TEXT, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, model_calls INTEGER NOT NULL,
  tool_calls INTEGER NOT NULL, creation_date INTEGER, last_updated_date INTEGER);
CREATE INDEX IF NOT EXISTS agent_instances_ei ON agent_instances (element_instance_key);
CREATE INDEX IF NOT EXISTS agent_instances_pi ON agent_instances (process_instance_key);
CREATE TABLE IF NOT EXISTS agent_history (
  key INTEGER PRIMARY KEY, agent_instance_key INTEGER NOT NULL, history_item_id TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL, job_key INTEGER NOT NULL, job_lease TEXT NOT NULL,
  loop_iteration INTEGER NOT NULL, role TEXT NOT NULL, produced_at INTEGER, body TEXT, process_instance_key INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS agent_history_agent ON agent_history (agent_instance_key, history_item_id);
CREATE INDEX IF NOT EXISTS agent_history_pi ON agent_history (process_instance_key);
-- History retention of rows that belong to no process instance: the
-- fired or withdrawn timers of timer start events.
CREATE INDEX IF NOT EXISTS timers_start_done ON timers (due_date) WHERE process_instance_key IS NULL AND state <> 'CREATED';
`
