package mcpgw

// instructions tell an agent how the tools relate (sent in initialize).
const instructions = `This server exposes the APIs of a Camunda 8 Orchestration Cluster (Orca). All operations are
scoped to the permissions of the authenticated user.

Most tools return eventually consistent data. Recently written data may not appear
immediately in subsequent reads: after a change, read again after a moment.

Keys identify everything: processDefinitionKey (a deployed version of a process, whose BPMN
process id is processDefinitionId), processInstanceKey, userTaskKey, incidentKey, variableKey,
elementInstanceKey, jobKey. Keys are strings of digits in results; pass them as numbers or
strings. Process instances, incidents, user tasks, jobs and variables are related through the
process instance key: use it to correlate across domains. To understand the structure of a
process, retrieve its BPMN XML (getProcessDefinitionXml, or the resource
orca://process-definitions/{processDefinitionKey}/xml). Variable values are serialized JSON,
in results and in filters (the string myValue is "\"myValue\"").

When starting a process instance with awaitCompletion, a timeout does NOT mean the process
failed: the instance was created and continues running. Tag each instance (e.g.
"mcp-tool:<operation>-<timestamp>") so you can find it later with searchProcessInstances
(filter.tags). Poll the instance state: if COMPLETED, retrieve result variables; if it has an
incident, investigate using the process instance key. Variables can be retrieved at any time,
including while the instance is still running.

Beyond Camunda's tools, Orca offers deployResource, cancelProcessInstance, publishMessage,
correlateMessage, broadcastSignal, setVariables, searchElementInstances and searchJobs; for DMN
decisions evaluateDecision, searchDecisionDefinitions, searchDecisionInstances and
getDecisionInstance; and the prompts triageIncidents and workUserTaskInbox.`
