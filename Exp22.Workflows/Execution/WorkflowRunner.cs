using Exp22.Workflows.Hosting;
using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Exp22.Workflows.Execution;

/// <summary>The outcome of one execution, as far as the executor needs to know.</summary>
internal enum ExecutionEnd
{
    Finished,
    Parked,
    NoLongerOwned,
    InfrastructureFailure,
}

/// <summary>Runs one claimed workflow from its history to its next resting point.</summary>
internal sealed class WorkflowRunner(
    NpgsqlDataSource dataSource,
    WorkflowRegistry registry,
    IServiceScopeFactory scopes,
    StepCheckpoints checkpoints,
    ChildWorkflowStarts childStarts,
    WorkflowOutcomes outcomes,
    TimeProvider time,
    ILogger<WorkflowRunner> logger)
{
    public async Task<ExecutionEnd> RunAsync(InFlightWorkflow flight)
    {
        var workflow = flight.Workflow;
        var cancellationToken = flight.Cancellation.Token;
        using var activity = WorkflowSpans.StartExecution(workflow);
        flight.Activity = activity;
        WorkflowSpans.CountClaim(workflow);
        var end = await RunTracedAsync(flight, workflow, cancellationToken);
        activity?.SetTag(WorkflowTelemetry.OutcomeTag, end.ToString());
        return end;
    }

    private async Task<ExecutionEnd> RunTracedAsync(
        InFlightWorkflow flight, ClaimedWorkflow workflow, CancellationToken cancellationToken)
    {
        try
        {
            if (!registry.TryFind(workflow.Name, out var registration))
            {
                await outcomes.FailAsync(workflow, new Failure($"No workflow named '{workflow.Name}' is registered.", null), cancellationToken);
                WorkflowSpans.RecordFailure(flight.Activity, workflow, null);
                return ExecutionEnd.Finished;
            }

            // A first attempt has no history by construction: skip the round trip.
            var history = workflow.Attempt > 1
                ? await WorkflowHistory.LoadAsync(dataSource, workflow.Id, cancellationToken)
                : WorkflowHistory.Empty();
            if (workflow.Attempt > 1)
                WorkflowSpans.MarkResumed(flight.Activity, workflow);

            await using var scope = scopes.CreateAsyncScope();
            var context = new WorkflowContext(
                workflow, history, checkpoints, childStarts, time, flight.Progress, cancellationToken);
            var execution = registration.Invoke(scope.ServiceProvider, context, workflow.Input);

            if (await Task.WhenAny(execution, context.Suspension.Requested) != execution)
            {
                var waiting = await outcomes.ParkAsync(workflow, context.Suspension.WaitingFor, cancellationToken);
                logger.LogDebug("Workflow {WorkflowId} {Outcome}", workflow.Id,
                    waiting ? "parked until its children finish" : "found its children done and went back to the queue");
                return ExecutionEnd.Parked;
            }

            string output;
            try
            {
                output = await execution;
            }
            catch (Exception e) when (!IsLossOfOwnership(e, cancellationToken) && !IsInfrastructure(e))
            {
                logger.LogWarning("Workflow {WorkflowId} ({WorkflowName}) of run {RunId} failed: {Error}",
                    workflow.Id, workflow.Name, workflow.RunId, e.Message);
                await outcomes.FailAsync(workflow, Failure.Of(e), cancellationToken);
                WorkflowSpans.RecordFailure(flight.Activity, workflow, e);
                return ExecutionEnd.Finished;
            }

            await outcomes.SucceedAsync(workflow, output, cancellationToken);
            WorkflowTelemetry.Completed.Add(1, WorkflowTelemetry.WorkflowTags(workflow.Name, workflow.Queue));
            return ExecutionEnd.Finished;
        }
        catch (Exception e) when (IsLossOfOwnership(e, cancellationToken))
        {
            logger.LogInformation("Workflow {WorkflowId} ({WorkflowName}) stopped here: {Reason}",
                workflow.Id, workflow.Name,
                e is WorkflowFencedException ? "another owner or a cancel took it" : "cancelled or handed over");
            return ExecutionEnd.NoLongerOwned;
        }
        catch (Exception e) when (IsInfrastructure(e))
        {
            logger.LogWarning("Workflow {WorkflowId} ({WorkflowName}) interrupted by the database: {Error}; it will be released",
                workflow.Id, workflow.Name, e.Message);
            return ExecutionEnd.InfrastructureFailure;
        }
    }

    private static bool IsLossOfOwnership(Exception e, CancellationToken cancellationToken) =>
        e is WorkflowFencedException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    // Engine writes that fail because the database is unreachable say nothing about the workflow.
    private static bool IsInfrastructure(Exception e) => e is NpgsqlException { IsTransient: true } or TimeoutException;
}
