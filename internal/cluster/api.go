package cluster

import "context"

// API is an orchestration cluster: the operations of Camunda's REST API v2
// that Orca serves. Errors are *Error values whose Code says what went
// wrong; searches and gets read state that may lag commands slightly
// (eventual consistency), commands are acknowledged once durable.
type API interface {
	// Cluster
	Topology(ctx context.Context) (*Topology, error)
	PinClock(ctx context.Context, req *ClockPinRequest) error
	ResetClock(ctx context.Context) error

	// Deployments and process definitions
	CreateDeployment(ctx context.Context, req *DeploymentRequest) (*DeploymentResult, error)
	SearchProcessDefinitions(ctx context.Context, q *ProcessDefinitionSearchQuery) (*SearchResult[ProcessDefinition], error)
	GetProcessDefinition(ctx context.Context, key Key) (*ProcessDefinition, error)
	GetProcessDefinitionXML(ctx context.Context, key Key) ([]byte, error)
	// GetProcessDefinitionElementStatistics counts the element instances of
	// a definition per element (statistics.go).
	GetProcessDefinitionElementStatistics(ctx context.Context, key Key, q *ProcessDefinitionElementStatisticsQuery) (*ProcessDefinitionElementStatisticsResult, error)

	// Forms (a nil form and no error: the task or process has none)
	GetForm(ctx context.Context, key Key) (*Form, error)
	GetUserTaskForm(ctx context.Context, userTaskKey Key) (*Form, error)
	GetStartProcessForm(ctx context.Context, processDefinitionKey Key) (*Form, error)

	// Decisions (decisions.go)
	DecisionAPI

	// Agent instances (agents.go)
	AgentInstanceAPI

	// Process instances
	CreateProcessInstance(ctx context.Context, req *ProcessInstanceCreationInstruction) (*CreateProcessInstanceResult, error)
	SearchProcessInstances(ctx context.Context, q *ProcessInstanceSearchQuery) (*SearchResult[ProcessInstance], error)
	GetProcessInstance(ctx context.Context, key Key) (*ProcessInstance, error)
	CancelProcessInstance(ctx context.Context, key Key, req *CancelProcessInstanceRequest) error
	SearchProcessInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error)
	// GetProcessInstanceSequenceFlows lists the sequence flows an instance
	// took, each once (sequenceflows.go).
	GetProcessInstanceSequenceFlows(ctx context.Context, key Key) (*ProcessInstanceSequenceFlowsResult, error)
	// GetProcessInstanceCallHierarchy lists the instances from the root of
	// the call tree down to this one (inspect.go).
	GetProcessInstanceCallHierarchy(ctx context.Context, key Key) ([]ProcessInstanceCallHierarchyEntry, error)
	// GetProcessInstanceElementStatistics counts the element instances of
	// one instance per element (inspect.go).
	GetProcessInstanceElementStatistics(ctx context.Context, key Key) (*ProcessInstanceElementStatisticsResult, error)

	// Element instances
	SearchElementInstances(ctx context.Context, q *ElementInstanceSearchQuery) (*SearchResult[ElementInstance], error)
	GetElementInstance(ctx context.Context, key Key) (*ElementInstance, error)
	SetVariables(ctx context.Context, key Key, req *SetVariableRequest) error
	// SearchElementInstanceIncidents searches the incidents on an element
	// instance and below it (inspect.go).
	SearchElementInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error)

	// Expressions: EvaluateExpression evaluates a FEEL expression (inspect.go).
	EvaluateExpression(ctx context.Context, req *ExpressionEvaluationRequest) (*ExpressionEvaluationResult, error)

	// User tasks
	SearchUserTasks(ctx context.Context, q *UserTaskSearchQuery) (*SearchResult[UserTask], error)
	GetUserTask(ctx context.Context, key Key) (*UserTask, error)
	UpdateUserTask(ctx context.Context, key Key, req *UserTaskUpdateRequest) error
	AssignUserTask(ctx context.Context, key Key, req *UserTaskAssignmentRequest) error
	UnassignUserTask(ctx context.Context, key Key) error
	CompleteUserTask(ctx context.Context, key Key, req *UserTaskCompletionRequest) error
	// SearchUserTaskVariables lists every variable the task sees: its own and
	// those of each enclosing scope, one item per scope (a name may repeat).
	SearchUserTaskVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error)
	// SearchUserTaskEffectiveVariables lists the values the task sees: one per
	// name, the innermost scope's winning.
	SearchUserTaskEffectiveVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error)
	// ScopeKeys lists the variable scopes an element instance sees: itself,
	// then each enclosing flow scope, up to its process instance.
	ScopeKeys(ctx context.Context, elementInstanceKey Key) ([]Key, error)

	// Jobs
	ActivateJobs(ctx context.Context, req *JobActivationRequest) (*JobActivationResult, error)
	SearchJobs(ctx context.Context, q *JobSearchQuery) (*SearchResult[Job], error)
	UpdateJob(ctx context.Context, key Key, req *JobUpdateRequest) error
	CompleteJob(ctx context.Context, key Key, req *JobCompletionRequest) error
	FailJob(ctx context.Context, key Key, req *JobFailRequest) error
	ThrowJobError(ctx context.Context, key Key, req *JobErrorRequest) error

	// Messages
	PublishMessage(ctx context.Context, req *MessagePublicationRequest) (*MessagePublicationResult, error)
	CorrelateMessage(ctx context.Context, req *MessageCorrelationRequest) (*MessageCorrelationResult, error)
	SearchMessageSubscriptions(ctx context.Context, q *MessageSubscriptionSearchQuery) (*SearchResult[MessageSubscription], error)

	// Incidents
	SearchIncidents(ctx context.Context, q *IncidentSearchQuery) (*SearchResult[Incident], error)
	GetIncident(ctx context.Context, key Key) (*Incident, error)
	ResolveIncident(ctx context.Context, key Key, req *IncidentResolutionRequest) error

	// Signals
	BroadcastSignal(ctx context.Context, req *SignalBroadcastRequest) (*SignalBroadcastResult, error)

	// Conditionals: root-level conditional start events
	EvaluateConditionals(ctx context.Context, req *ConditionalEvaluationInstruction) (*EvaluateConditionalResult, error)

	// Ad-hoc sub-processes
	ActivateAdHocActivities(ctx context.Context, key Key, req *AdHocActivityActivationRequest) error

	// Variables
	SearchVariables(ctx context.Context, q *VariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error)
	GetVariable(ctx context.Context, key Key) (*Variable, error)

	// Audit log (audit.go)
	SearchAuditLogs(ctx context.Context, q *AuditLogSearchQuery) (*SearchResult[AuditLog], error)
	GetAuditLog(ctx context.Context, key Key) (*AuditLog, error)
}

// Version is the Camunda version whose API Orca serves.
const Version = "8.9.0"
