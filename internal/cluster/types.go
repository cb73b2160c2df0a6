package cluster

import (
	"encoding/json"
	"time"
)

// Cluster

// Topology describes the brokers and partitions of the cluster.
type Topology struct {
	Brokers               []BrokerInfo `json:"brokers"`
	ClusterID             *string      `json:"clusterId"`
	ClusterSize           int32        `json:"clusterSize"`
	PartitionsCount       int32        `json:"partitionsCount"`
	ReplicationFactor     int32        `json:"replicationFactor"`
	GatewayVersion        string       `json:"gatewayVersion"`
	LastCompletedChangeID string       `json:"lastCompletedChangeId"`
}

// BrokerInfo is one broker of the topology.
type BrokerInfo struct {
	NodeID     int32       `json:"nodeId"`
	Host       string      `json:"host"`
	Port       int32       `json:"port"`
	Partitions []Partition `json:"partitions"`
	Version    string      `json:"version"`
}

// Partition is one partition a broker holds: role leader, follower or
// inactive; health healthy, unhealthy or dead.
type Partition struct {
	PartitionID int32  `json:"partitionId"`
	Role        string `json:"role"`
	Health      string `json:"health"`
}

// ClockPinRequest pins the cluster clock at Timestamp (epoch milliseconds).
type ClockPinRequest struct {
	Timestamp *int64 `json:"timestamp"`
}

// Deployments and process definitions

// DeploymentRequest deploys resources (multipart on the wire).
type DeploymentRequest struct {
	Resources []Resource
	TenantID  string
}

// Resource is one file to deploy.
type Resource struct {
	Name    string
	Content []byte
}

// DeploymentResult describes a deployment.
type DeploymentResult struct {
	DeploymentKey Key                  `json:"deploymentKey"`
	TenantID      string               `json:"tenantId"`
	Deployments   []DeploymentMetadata `json:"deployments"`
}

// DeploymentMetadata is one deployed artefact; exactly one field is set.
type DeploymentMetadata struct {
	ProcessDefinition    *DeploymentProcess              `json:"processDefinition"`
	DecisionDefinition   *DeploymentDecision             `json:"decisionDefinition"`
	DecisionRequirements *DeploymentDecisionRequirements `json:"decisionRequirements"`
	Form                 *DeploymentForm                 `json:"form"`
	Resource             *json.RawMessage                `json:"resource"`
}

// DeploymentProcess is a deployed process definition.
type DeploymentProcess struct {
	ProcessDefinitionID      string `json:"processDefinitionId"`
	ProcessDefinitionVersion int32  `json:"processDefinitionVersion"`
	ResourceName             string `json:"resourceName"`
	TenantID                 string `json:"tenantId"`
	ProcessDefinitionKey     Key    `json:"processDefinitionKey"`
}

// ProcessDefinition is one version of a deployed process.
type ProcessDefinition struct {
	Name                 *string `json:"name"`
	ResourceName         string  `json:"resourceName"`
	Version              int32   `json:"version"`
	VersionTag           *string `json:"versionTag"`
	ProcessDefinitionID  string  `json:"processDefinitionId"`
	TenantID             string  `json:"tenantId"`
	ProcessDefinitionKey Key     `json:"processDefinitionKey"`
	HasStartForm         bool    `json:"hasStartForm"`
	State                string  `json:"state"`
}

// ProcessDefinitionFilter selects process definitions.
type ProcessDefinitionFilter struct {
	Name                 *StringFilter `json:"name,omitempty"`
	IsLatestVersion      *bool         `json:"isLatestVersion,omitempty"`
	ResourceName         *string       `json:"resourceName,omitempty"`
	Version              *int32        `json:"version,omitempty"`
	VersionTag           *string       `json:"versionTag,omitempty"`
	ProcessDefinitionID  *StringFilter `json:"processDefinitionId,omitempty"`
	TenantID             *string       `json:"tenantId,omitempty"`
	ProcessDefinitionKey *Key          `json:"processDefinitionKey,omitempty"`
	HasStartForm         *bool         `json:"hasStartForm,omitempty"`
	State                *string       `json:"state,omitempty"`
}

// Process instances

// ProcessInstanceCreationInstruction starts a process instance, by
// ProcessDefinitionKey or by ProcessDefinitionID (and version, -1: latest).
type ProcessInstanceCreationInstruction struct {
	ProcessDefinitionKey     *Key                 `json:"processDefinitionKey,omitempty"`
	ProcessDefinitionID      string               `json:"processDefinitionId,omitempty"`
	ProcessDefinitionVersion *int32               `json:"processDefinitionVersion,omitempty"`
	Variables                map[string]any       `json:"variables,omitempty"`
	StartInstructions        []StartInstruction   `json:"startInstructions,omitempty"`
	RuntimeInstructions      []RuntimeInstruction `json:"runtimeInstructions,omitempty"`
	TenantID                 string               `json:"tenantId,omitempty"`
	OperationReference       *int64               `json:"operationReference,omitempty"`
	AwaitCompletion          bool                 `json:"awaitCompletion,omitempty"`
	FetchVariables           []string             `json:"fetchVariables,omitempty"`
	RequestTimeout           int64                `json:"requestTimeout,omitempty"` // ms; 0: default
	Tags                     []string             `json:"tags,omitempty"`
	BusinessID               string               `json:"businessId,omitempty"`
}

// StartInstruction starts the instance at an element.
type StartInstruction struct {
	ElementID string `json:"elementId"`
}

// RuntimeInstruction changes how the instance runs.
type RuntimeInstruction struct {
	Type           string `json:"type"`
	AfterElementID string `json:"afterElementId"`
}

// CreateProcessInstanceResult describes a new process instance.
type CreateProcessInstanceResult struct {
	ProcessDefinitionID      string                     `json:"processDefinitionId"`
	ProcessDefinitionVersion int32                      `json:"processDefinitionVersion"`
	TenantID                 string                     `json:"tenantId"`
	Variables                map[string]json.RawMessage `json:"variables"`
	ProcessDefinitionKey     Key                        `json:"processDefinitionKey"`
	ProcessInstanceKey       Key                        `json:"processInstanceKey"`
	Tags                     []string                   `json:"tags"`
	BusinessID               *string                    `json:"businessId"`
}

// ProcessInstance is a process instance as searches return it.
type ProcessInstance struct {
	ProcessDefinitionID         string     `json:"processDefinitionId"`
	ProcessDefinitionName       *string    `json:"processDefinitionName"`
	ProcessDefinitionVersion    int32      `json:"processDefinitionVersion"`
	ProcessDefinitionVersionTag *string    `json:"processDefinitionVersionTag"`
	StartDate                   time.Time  `json:"startDate"`
	EndDate                     *time.Time `json:"endDate"`
	State                       string     `json:"state"`
	HasIncident                 bool       `json:"hasIncident"`
	TenantID                    string     `json:"tenantId"`
	ProcessInstanceKey          Key        `json:"processInstanceKey"`
	ProcessDefinitionKey        Key        `json:"processDefinitionKey"`
	ParentProcessInstanceKey    *Key       `json:"parentProcessInstanceKey"`
	ParentElementInstanceKey    *Key       `json:"parentElementInstanceKey"`
	RootProcessInstanceKey      *Key       `json:"rootProcessInstanceKey"`
	Tags                        []string   `json:"tags"`
	BusinessID                  *string    `json:"businessId"`
}

// ProcessInstanceFilterFields are the conditions on process instances.
type ProcessInstanceFilterFields struct {
	StartDate                   *DateFilter           `json:"startDate,omitempty"`
	EndDate                     *DateFilter           `json:"endDate,omitempty"`
	State                       *EnumFilter           `json:"state,omitempty"`
	HasIncident                 *bool                 `json:"hasIncident,omitempty"`
	TenantID                    *StringFilter         `json:"tenantId,omitempty"`
	Variables                   []VariableValueFilter `json:"variables,omitempty"`
	ProcessInstanceKey          *KeyFilter            `json:"processInstanceKey,omitempty"`
	ParentProcessInstanceKey    *KeyFilter            `json:"parentProcessInstanceKey,omitempty"`
	ParentElementInstanceKey    *KeyFilter            `json:"parentElementInstanceKey,omitempty"`
	BatchOperationID            *StringFilter         `json:"batchOperationId,omitempty"`
	BatchOperationKey           *StringFilter         `json:"batchOperationKey,omitempty"`
	ErrorMessage                *StringFilter         `json:"errorMessage,omitempty"`
	HasRetriesLeft              *bool                 `json:"hasRetriesLeft,omitempty"`
	ElementInstanceState        *EnumFilter           `json:"elementInstanceState,omitempty"`
	ElementID                   *StringFilter         `json:"elementId,omitempty"`
	HasElementInstanceIncident  *bool                 `json:"hasElementInstanceIncident,omitempty"`
	IncidentErrorHashCode       *IntFilter            `json:"incidentErrorHashCode,omitempty"`
	Tags                        []string              `json:"tags,omitempty"`
	BusinessID                  *StringFilter         `json:"businessId,omitempty"`
	ProcessDefinitionID         *StringFilter         `json:"processDefinitionId,omitempty"`
	ProcessDefinitionName       *StringFilter         `json:"processDefinitionName,omitempty"`
	ProcessDefinitionVersion    *IntFilter            `json:"processDefinitionVersion,omitempty"`
	ProcessDefinitionVersionTag *StringFilter         `json:"processDefinitionVersionTag,omitempty"`
	ProcessDefinitionKey        *KeyFilter            `json:"processDefinitionKey,omitempty"`
}

// ProcessInstanceFilter selects process instances: all fields hold, and
// at least one group of Or (when given).
type ProcessInstanceFilter struct {
	ProcessInstanceFilterFields
	Or []ProcessInstanceFilterFields `json:"$or,omitempty"`
}

// CancelProcessInstanceRequest is the optional body of a cancellation.
type CancelProcessInstanceRequest struct {
	OperationReference *int64 `json:"operationReference,omitempty"`
}

// Element instances

// ElementInstance is one activation of a flow node.
type ElementInstance struct {
	ProcessDefinitionID    string     `json:"processDefinitionId"`
	StartDate              time.Time  `json:"startDate"`
	EndDate                *time.Time `json:"endDate"`
	ElementID              string     `json:"elementId"`
	ElementName            string     `json:"elementName"`
	Type                   string     `json:"type"`
	State                  string     `json:"state"`
	HasIncident            bool       `json:"hasIncident"`
	TenantID               string     `json:"tenantId"`
	ElementInstanceKey     Key        `json:"elementInstanceKey"`
	ProcessInstanceKey     Key        `json:"processInstanceKey"`
	RootProcessInstanceKey *Key       `json:"rootProcessInstanceKey"`
	ProcessDefinitionKey   Key        `json:"processDefinitionKey"`
	IncidentKey            *Key       `json:"incidentKey"`
}

// ElementInstanceFilter selects element instances.
type ElementInstanceFilter struct {
	ProcessDefinitionID     *string     `json:"processDefinitionId,omitempty"`
	State                   *EnumFilter `json:"state,omitempty"`
	Type                    *string     `json:"type,omitempty"`
	ElementID               *string     `json:"elementId,omitempty"`
	ElementName             *string     `json:"elementName,omitempty"`
	HasIncident             *bool       `json:"hasIncident,omitempty"`
	TenantID                *string     `json:"tenantId,omitempty"`
	ElementInstanceKey      *Key        `json:"elementInstanceKey,omitempty"`
	ProcessInstanceKey      *Key        `json:"processInstanceKey,omitempty"`
	ProcessDefinitionKey    *Key        `json:"processDefinitionKey,omitempty"`
	IncidentKey             *Key        `json:"incidentKey,omitempty"`
	StartDate               *DateFilter `json:"startDate,omitempty"`
	EndDate                 *DateFilter `json:"endDate,omitempty"`
	ElementInstanceScopeKey *Key        `json:"elementInstanceScopeKey,omitempty"`
}

// SetVariableRequest sets variables on an element or process instance.
type SetVariableRequest struct {
	Variables          map[string]any `json:"variables"`
	Local              bool           `json:"local,omitempty"`
	OperationReference *int64         `json:"operationReference,omitempty"`
}

// User tasks

// UserTask is a task for a person.
type UserTask struct {
	Name                     *string           `json:"name"`
	State                    string            `json:"state"`
	Assignee                 *string           `json:"assignee"`
	ElementID                string            `json:"elementId"`
	CandidateGroups          []string          `json:"candidateGroups"`
	CandidateUsers           []string          `json:"candidateUsers"`
	ProcessDefinitionID      string            `json:"processDefinitionId"`
	CreationDate             time.Time         `json:"creationDate"`
	CompletionDate           *time.Time        `json:"completionDate"`
	FollowUpDate             *time.Time        `json:"followUpDate"`
	DueDate                  *time.Time        `json:"dueDate"`
	TenantID                 string            `json:"tenantId"`
	ExternalFormReference    *string           `json:"externalFormReference"`
	ProcessDefinitionVersion int32             `json:"processDefinitionVersion"`
	CustomHeaders            map[string]string `json:"customHeaders"`
	Priority                 int32             `json:"priority"`
	UserTaskKey              Key               `json:"userTaskKey"`
	ElementInstanceKey       Key               `json:"elementInstanceKey"`
	ProcessName              *string           `json:"processName"`
	ProcessDefinitionKey     Key               `json:"processDefinitionKey"`
	ProcessInstanceKey       Key               `json:"processInstanceKey"`
	RootProcessInstanceKey   *Key              `json:"rootProcessInstanceKey"`
	FormKey                  *Key              `json:"formKey"`
	Tags                     []string          `json:"tags"`
}

// UserTaskFilter selects user tasks.
type UserTaskFilter struct {
	State                    *EnumFilter           `json:"state,omitempty"`
	Assignee                 *StringFilter         `json:"assignee,omitempty"`
	Priority                 *IntFilter            `json:"priority,omitempty"`
	ElementID                *string               `json:"elementId,omitempty"`
	Name                     *StringFilter         `json:"name,omitempty"`
	CandidateGroup           *StringFilter         `json:"candidateGroup,omitempty"`
	CandidateUser            *StringFilter         `json:"candidateUser,omitempty"`
	TenantID                 *StringFilter         `json:"tenantId,omitempty"`
	ProcessDefinitionID      *string               `json:"processDefinitionId,omitempty"`
	CreationDate             *DateFilter           `json:"creationDate,omitempty"`
	CompletionDate           *DateFilter           `json:"completionDate,omitempty"`
	FollowUpDate             *DateFilter           `json:"followUpDate,omitempty"`
	DueDate                  *DateFilter           `json:"dueDate,omitempty"`
	ProcessInstanceVariables []VariableValueFilter `json:"processInstanceVariables,omitempty"`
	LocalVariables           []VariableValueFilter `json:"localVariables,omitempty"`
	UserTaskKey              *Key                  `json:"userTaskKey,omitempty"`
	ProcessDefinitionKey     *Key                  `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey       *Key                  `json:"processInstanceKey,omitempty"`
	ElementInstanceKey       *Key                  `json:"elementInstanceKey,omitempty"`
	Tags                     []string              `json:"tags,omitempty"`
}

// UserTaskUpdateRequest changes a user task's attributes.
type UserTaskUpdateRequest struct {
	Changeset *UserTaskChangeset `json:"changeset,omitempty"`
	Action    *string            `json:"action,omitempty"`
}

// UserTaskChangeset holds the attributes to change; absent ones stay. An
// empty date string clears the date.
type UserTaskChangeset struct {
	DueDate         *string   `json:"dueDate,omitempty"`
	FollowUpDate    *string   `json:"followUpDate,omitempty"`
	CandidateUsers  *[]string `json:"candidateUsers,omitempty"`
	CandidateGroups *[]string `json:"candidateGroups,omitempty"`
	Priority        *int32    `json:"priority,omitempty"`
}

// UserTaskAssignmentRequest assigns a user task.
type UserTaskAssignmentRequest struct {
	Assignee      *string `json:"assignee,omitempty"`
	AllowOverride *bool   `json:"allowOverride,omitempty"`
	Action        *string `json:"action,omitempty"`
}

// UserTaskCompletionRequest completes a user task.
type UserTaskCompletionRequest struct {
	Variables map[string]any `json:"variables,omitempty"`
	Action    *string        `json:"action,omitempty"`
}

// UserTaskVariableFilter selects the variables of a user task.
type UserTaskVariableFilter struct {
	Name *StringFilter `json:"name,omitempty"`
}

// Jobs

// JobActivationRequest asks for jobs of one type (long polling).
type JobActivationRequest struct {
	Type              string   `json:"type"`
	Worker            string   `json:"worker,omitempty"`
	Timeout           int64    `json:"timeout"` // ms
	MaxJobsToActivate int32    `json:"maxJobsToActivate"`
	FetchVariable     []string `json:"fetchVariable,omitempty"`
	RequestTimeout    int64    `json:"requestTimeout,omitempty"` // ms; 0: default; < 0: no long polling
	TenantIDs         []string `json:"tenantIds,omitempty"`
	TenantFilter      string   `json:"tenantFilter,omitempty"`
}

// JobActivationResult holds the activated jobs.
type JobActivationResult struct {
	Jobs []ActivatedJob `json:"jobs"`
}

// ActivatedJob is a job handed to a worker.
type ActivatedJob struct {
	Type                     string                     `json:"type"`
	ProcessDefinitionID      string                     `json:"processDefinitionId"`
	ProcessDefinitionVersion int32                      `json:"processDefinitionVersion"`
	ElementID                string                     `json:"elementId"`
	CustomHeaders            map[string]string          `json:"customHeaders"`
	Worker                   string                     `json:"worker"`
	Retries                  int32                      `json:"retries"`
	Deadline                 int64                      `json:"deadline"` // epoch ms
	Variables                map[string]json.RawMessage `json:"variables"`
	TenantID                 string                     `json:"tenantId"`
	JobKey                   Key                        `json:"jobKey"`
	ProcessInstanceKey       Key                        `json:"processInstanceKey"`
	ProcessDefinitionKey     Key                        `json:"processDefinitionKey"`
	ElementInstanceKey       Key                        `json:"elementInstanceKey"`
	Kind                     string                     `json:"kind"`
	ListenerEventType        string                     `json:"listenerEventType"`
	UserTask                 *json.RawMessage           `json:"userTask"`
	Tags                     []string                   `json:"tags"`
	RootProcessInstanceKey   *Key                       `json:"rootProcessInstanceKey"`
}

// Job is a job as searches return it.
type Job struct {
	CustomHeaders            map[string]string `json:"customHeaders"`
	Deadline                 *time.Time        `json:"deadline"`
	DeniedReason             *string           `json:"deniedReason"`
	ElementID                *string           `json:"elementId"`
	ElementInstanceKey       Key               `json:"elementInstanceKey"`
	EndTime                  *time.Time        `json:"endTime"`
	ErrorCode                *string           `json:"errorCode"`
	ErrorMessage             *string           `json:"errorMessage"`
	HasFailedWithRetriesLeft bool              `json:"hasFailedWithRetriesLeft"`
	IsDenied                 *bool             `json:"isDenied"`
	JobKey                   Key               `json:"jobKey"`
	Kind                     string            `json:"kind"`
	ListenerEventType        string            `json:"listenerEventType"`
	ProcessDefinitionID      string            `json:"processDefinitionId"`
	ProcessDefinitionKey     Key               `json:"processDefinitionKey"`
	ProcessInstanceKey       Key               `json:"processInstanceKey"`
	RootProcessInstanceKey   *Key              `json:"rootProcessInstanceKey"`
	Retries                  int32             `json:"retries"`
	State                    string            `json:"state"`
	TenantID                 string            `json:"tenantId"`
	Type                     string            `json:"type"`
	Worker                   string            `json:"worker"`
	CreationTime             *time.Time        `json:"creationTime"`
	LastUpdateTime           *time.Time        `json:"lastUpdateTime"`
}

// JobFilter selects jobs.
type JobFilter struct {
	Deadline                 *DateFilter   `json:"deadline,omitempty"`
	DeniedReason             *StringFilter `json:"deniedReason,omitempty"`
	ElementID                *StringFilter `json:"elementId,omitempty"`
	ElementInstanceKey       *KeyFilter    `json:"elementInstanceKey,omitempty"`
	EndTime                  *DateFilter   `json:"endTime,omitempty"`
	ErrorCode                *StringFilter `json:"errorCode,omitempty"`
	ErrorMessage             *StringFilter `json:"errorMessage,omitempty"`
	HasFailedWithRetriesLeft *bool         `json:"hasFailedWithRetriesLeft,omitempty"`
	IsDenied                 *bool         `json:"isDenied,omitempty"`
	JobKey                   *KeyFilter    `json:"jobKey,omitempty"`
	Kind                     *EnumFilter   `json:"kind,omitempty"`
	ListenerEventType        *EnumFilter   `json:"listenerEventType,omitempty"`
	ProcessDefinitionID      *StringFilter `json:"processDefinitionId,omitempty"`
	ProcessDefinitionKey     *KeyFilter    `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey       *KeyFilter    `json:"processInstanceKey,omitempty"`
	Retries                  *IntFilter    `json:"retries,omitempty"`
	State                    *EnumFilter   `json:"state,omitempty"`
	TenantID                 *StringFilter `json:"tenantId,omitempty"`
	Type                     *StringFilter `json:"type,omitempty"`
	Worker                   *StringFilter `json:"worker,omitempty"`
	CreationTime             *DateFilter   `json:"creationTime,omitempty"`
	LastUpdateTime           *DateFilter   `json:"lastUpdateTime,omitempty"`
}

// JobUpdateRequest changes a job's retries and/or timeout.
type JobUpdateRequest struct {
	Changeset          *JobChangeset `json:"changeset"`
	OperationReference *int64        `json:"operationReference,omitempty"`
}

// JobChangeset holds the job attributes to change.
type JobChangeset struct {
	Retries *int32 `json:"retries,omitempty"`
	Timeout *int64 `json:"timeout,omitempty"` // ms
}

// JobCompletionRequest completes a job.
type JobCompletionRequest struct {
	Variables map[string]any  `json:"variables,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
}

// JobFailRequest reports a failed job.
type JobFailRequest struct {
	Retries      int32          `json:"retries,omitempty"`
	ErrorMessage string         `json:"errorMessage,omitempty"`
	RetryBackOff int64          `json:"retryBackOff,omitempty"` // ms
	Variables    map[string]any `json:"variables,omitempty"`
}

// JobErrorRequest throws a business error for a job.
type JobErrorRequest struct {
	ErrorCode    string         `json:"errorCode"`
	ErrorMessage *string        `json:"errorMessage,omitempty"`
	Variables    map[string]any `json:"variables,omitempty"`
}

// Messages

// MessagePublicationRequest publishes a message.
type MessagePublicationRequest struct {
	Name           string         `json:"name"`
	CorrelationKey string         `json:"correlationKey,omitempty"`
	TimeToLive     int64          `json:"timeToLive,omitempty"` // ms
	MessageID      string         `json:"messageId,omitempty"`
	Variables      map[string]any `json:"variables,omitempty"`
	TenantID       string         `json:"tenantId,omitempty"`
}

// MessagePublicationResult describes a published message.
type MessagePublicationResult struct {
	TenantID   string `json:"tenantId"`
	MessageKey Key    `json:"messageKey"`
}

// MessageCorrelationRequest correlates a message at once.
type MessageCorrelationRequest struct {
	Name           string         `json:"name"`
	CorrelationKey string         `json:"correlationKey,omitempty"`
	Variables      map[string]any `json:"variables,omitempty"`
	TenantID       string         `json:"tenantId,omitempty"`
	// BusinessID is given to an instance a message start event creates (8.10).
	BusinessID string `json:"businessId,omitempty"`
}

// SignalBroadcastRequest broadcasts a signal.
type SignalBroadcastRequest struct {
	SignalName string         `json:"signalName"`
	Variables  map[string]any `json:"variables,omitempty"`
	TenantID   string         `json:"tenantId,omitempty"`
}

// SignalBroadcastResult describes a broadcast signal.
type SignalBroadcastResult struct {
	TenantID  string `json:"tenantId"`
	SignalKey Key    `json:"signalKey"`
}

// AdHocActivityActivationRequest activates activities of an ad-hoc sub-process.
type AdHocActivityActivationRequest struct {
	Elements                 []AdHocActivityActivation `json:"elements"`
	CancelRemainingInstances bool                      `json:"cancelRemainingInstances,omitempty"`
}

// AdHocActivityActivation is one activity to activate, with the variables
// of its inner instance.
type AdHocActivityActivation struct {
	ElementID string         `json:"elementId"`
	Variables map[string]any `json:"variables,omitempty"`
}

// JobResult is the result of a job completion (Camunda's JobResult, with
// the discriminator "type").
type JobResult struct {
	Type string `json:"type"`
	// adHocSubProcess
	ActivateElements               []AdHocActivityActivation `json:"activateElements,omitempty"`
	IsCompletionConditionFulfilled bool                      `json:"isCompletionConditionFulfilled,omitempty"`
	IsCancelRemainingInstances     bool                      `json:"isCancelRemainingInstances,omitempty"`
	// userTask
	Denied       *bool           `json:"denied,omitempty"`
	DeniedReason *string         `json:"deniedReason,omitempty"`
	Corrections  json.RawMessage `json:"corrections,omitempty"`
}

// MessageCorrelationResult describes a correlated message.
type MessageCorrelationResult struct {
	TenantID           string `json:"tenantId"`
	MessageKey         Key    `json:"messageKey"`
	ProcessInstanceKey Key    `json:"processInstanceKey"`
}

// MessageSubscription is an element instance (or a message start event)
// waiting for a message.
type MessageSubscription struct {
	MessageSubscriptionKey   Key       `json:"messageSubscriptionKey"`
	ProcessDefinitionID      string    `json:"processDefinitionId"`
	ProcessDefinitionKey     *Key      `json:"processDefinitionKey"`
	ProcessInstanceKey       *Key      `json:"processInstanceKey"`
	RootProcessInstanceKey   *Key      `json:"rootProcessInstanceKey"`
	ElementID                string    `json:"elementId"`
	ElementInstanceKey       *Key      `json:"elementInstanceKey"`
	MessageSubscriptionState string    `json:"messageSubscriptionState"`
	LastUpdatedDate          time.Time `json:"lastUpdatedDate"`
	MessageName              string    `json:"messageName"`
	CorrelationKey           *string   `json:"correlationKey"`
	TenantID                 string    `json:"tenantId"`
	// Camunda 8.10's fields. MessageSubscriptionType is START_EVENT (a
	// message start event of a process definition) or PROCESS_EVENT (an
	// element instance waiting); ToolProperties are the element's
	// io.camunda.tool:* properties (empty when none), ToolName its
	// io.camunda.tool:name, InboundConnectorType its inbound.type.
	MessageSubscriptionType  string            `json:"messageSubscriptionType"`
	ProcessDefinitionName    *string           `json:"processDefinitionName"`
	ProcessDefinitionVersion *int32            `json:"processDefinitionVersion"`
	ToolName                 *string           `json:"toolName"`
	ToolProperties           map[string]string `json:"toolProperties"`
	InboundConnectorType     *string           `json:"inboundConnectorType"`
}

// Message subscription types.
const (
	SubscriptionStartEvent   = "START_EVENT"
	SubscriptionProcessEvent = "PROCESS_EVENT"
)

// MessageSubscriptionFilter selects message subscriptions.
type MessageSubscriptionFilter struct {
	MessageSubscriptionKey   *KeyFilter    `json:"messageSubscriptionKey,omitempty"`
	ProcessDefinitionKey     *KeyFilter    `json:"processDefinitionKey,omitempty"`
	ProcessDefinitionID      *StringFilter `json:"processDefinitionId,omitempty"`
	ProcessInstanceKey       *KeyFilter    `json:"processInstanceKey,omitempty"`
	ElementID                *StringFilter `json:"elementId,omitempty"`
	ElementInstanceKey       *KeyFilter    `json:"elementInstanceKey,omitempty"`
	MessageSubscriptionState *EnumFilter   `json:"messageSubscriptionState,omitempty"`
	LastUpdatedDate          *DateFilter   `json:"lastUpdatedDate,omitempty"`
	MessageName              *StringFilter `json:"messageName,omitempty"`
	CorrelationKey           *StringFilter `json:"correlationKey,omitempty"`
	TenantID                 *StringFilter `json:"tenantId,omitempty"`
	// Camunda 8.10's filters.
	MessageSubscriptionType  *EnumFilter   `json:"messageSubscriptionType,omitempty"`
	ProcessDefinitionName    *StringFilter `json:"processDefinitionName,omitempty"`
	ProcessDefinitionVersion *IntFilter    `json:"processDefinitionVersion,omitempty"`
	ToolName                 *StringFilter `json:"toolName,omitempty"`
	InboundConnectorType     *StringFilter `json:"inboundConnectorType,omitempty"`
}

// Incidents

// Incident is a problem that stops an element instance until resolved.
type Incident struct {
	ProcessDefinitionID    string    `json:"processDefinitionId"`
	ErrorType              string    `json:"errorType"`
	ErrorMessage           string    `json:"errorMessage"`
	ElementID              string    `json:"elementId"`
	CreationTime           time.Time `json:"creationTime"`
	State                  string    `json:"state"`
	TenantID               string    `json:"tenantId"`
	IncidentKey            Key       `json:"incidentKey"`
	ProcessDefinitionKey   Key       `json:"processDefinitionKey"`
	ProcessInstanceKey     Key       `json:"processInstanceKey"`
	RootProcessInstanceKey *Key      `json:"rootProcessInstanceKey"`
	ElementInstanceKey     Key       `json:"elementInstanceKey"`
	JobKey                 *Key      `json:"jobKey"`
}

// IncidentFilter selects incidents.
type IncidentFilter struct {
	ProcessDefinitionID  *StringFilter `json:"processDefinitionId,omitempty"`
	ErrorType            *EnumFilter   `json:"errorType,omitempty"`
	ErrorMessage         *StringFilter `json:"errorMessage,omitempty"`
	ElementID            *StringFilter `json:"elementId,omitempty"`
	CreationTime         *DateFilter   `json:"creationTime,omitempty"`
	State                *EnumFilter   `json:"state,omitempty"`
	TenantID             *StringFilter `json:"tenantId,omitempty"`
	IncidentKey          *KeyFilter    `json:"incidentKey,omitempty"`
	ProcessDefinitionKey *KeyFilter    `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey   *KeyFilter    `json:"processInstanceKey,omitempty"`
	ElementInstanceKey   *KeyFilter    `json:"elementInstanceKey,omitempty"`
	JobKey               *KeyFilter    `json:"jobKey,omitempty"`
}

// IncidentResolutionRequest is the optional body of a resolution.
type IncidentResolutionRequest struct {
	OperationReference *int64 `json:"operationReference,omitempty"`
}

// Variables

// Variable is one variable of one scope; Value is its JSON text.
type Variable struct {
	Name                   string `json:"name"`
	Value                  string `json:"value"`
	TenantID               string `json:"tenantId"`
	VariableKey            Key    `json:"variableKey"`
	ScopeKey               Key    `json:"scopeKey"`
	ProcessInstanceKey     Key    `json:"processInstanceKey"`
	RootProcessInstanceKey *Key   `json:"rootProcessInstanceKey"`
}

// VariableSearchResult is a variable as searches return it: values longer
// than the truncation threshold are cut when the search asks for it.
type VariableSearchResult struct {
	Variable
	IsTruncated bool `json:"isTruncated"`
}

// VariableFilter selects variables.
type VariableFilter struct {
	Name               *StringFilter `json:"name,omitempty"`
	Value              *StringFilter `json:"value,omitempty"`
	TenantID           *string       `json:"tenantId,omitempty"`
	IsTruncated        *bool         `json:"isTruncated,omitempty"`
	VariableKey        *KeyFilter    `json:"variableKey,omitempty"`
	ScopeKey           *KeyFilter    `json:"scopeKey,omitempty"`
	ProcessInstanceKey *KeyFilter    `json:"processInstanceKey,omitempty"`
}

// Search queries of each resource.
type (
	ProcessDefinitionSearchQuery   = SearchQuery[ProcessDefinitionFilter]
	ProcessInstanceSearchQuery     = SearchQuery[ProcessInstanceFilter]
	ElementInstanceSearchQuery     = SearchQuery[ElementInstanceFilter]
	UserTaskSearchQuery            = SearchQuery[UserTaskFilter]
	UserTaskVariableSearchQuery    = SearchQuery[UserTaskVariableFilter]
	JobSearchQuery                 = SearchQuery[JobFilter]
	MessageSubscriptionSearchQuery = SearchQuery[MessageSubscriptionFilter]
	IncidentSearchQuery            = SearchQuery[IncidentFilter]
	VariableSearchQuery            = SearchQuery[VariableFilter]
)
