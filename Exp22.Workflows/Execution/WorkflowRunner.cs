using Exp22.Workflows.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Exp22.Workflows.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    MessageStatements messages,
    WorkflowOutcomes outcomes,
    IOptions<WorkflowsOptions> options,
    TimeProvider time,
    ILogger<WorkflowRunner> logger)
{
    private readonly int _maxRecoveries = options.Value.MaxRecoveryAttempts;

    public async Task<ExecutionEnd> RunAsync(InFlightWorkflow flight)
    {
        var workflow = flight.Workflow;
        var cancellationToken = flight.Cancellation.Token;
        using var activity = WorkflowSpans.StartExecution(workflow);
        flight.Activity = activity;
        WorkflowSpans.CountClaim(workflow);
        var end = await RunTracedAsync(flight, workflow, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(WorkflowTelemetry.OutcomeTag, end.ToString());
        return end;
    }

    private async Task<ExecutionEnd> RunTracedAsync(
        InFlightWorkflow flight, ClaimedWorkflow workflow, CancellationToken cancellationToken)
    {
        try
        {
            if (workflow.Recoveries.WithoutProgress > _maxRecoveries)
            {
                await GiveUpAsync(flight, workflow, cancellationToken).ConfigureAwait(false);
                return ExecutionEnd.Finished;
            }

            if (!registry.TryFind(workflow.Name, out var registration))
            {
                await outcomes.FailAsync(workflow, new Failure($"No workflow named '{workflow.Name}' is registered.", null), cancellationToken).ConfigureAwait(false);
                WorkflowSpans.RecordFailure(flight.Activity, workflow, null);
                return ExecutionEnd.Finished;
            }

            // A first attempt has no history by construction: skip the round trip.
            var history = workflow.Attempt > 1
                ? await WorkflowHistory.LoadAsync(dataSource, workflow.Id, cancellationToken).ConfigureAwait(false)
                : WorkflowHistory.Empty();
            if (workflow.Attempt > 1)
                WorkflowSpans.MarkResumed(flight.Activity, workflow);

            var scope = scopes.CreateAsyncScope();
            await using var scopeDisposal = scope.ConfigureAwait(false);
            var context = new WorkflowContext(
                workflow, history, checkpoints, childStarts, messages, time, flight.Progress, cancellationToken);
            var execution = registration.Invoke(scope.ServiceProvider, context, workflow.Input);

            if (await Task.WhenAny(execution, context.Suspension.Requested).ConfigureAwait(false) != execution)
            {
                await ParkAsync(flight, context.Suspension, cancellationToken).ConfigureAwait(false);
                return ExecutionEnd.Parked;
            }

            string output;
            try
            {
                output = await execution.ConfigureAwait(false);
            }
            catch (Exception e) when (!IsLossOfOwnership(e, cancellationToken) && !IsInfrastructure(e))
            {
                logger.WorkflowFailed(e, workflow.Id, workflow.Name, workflow.RunId, e.Message);
                await outcomes.FailAsync(workflow, Failure.Of(e), cancellationToken).ConfigureAwait(false);
                WorkflowSpans.RecordFailure(flight.Activity, workflow, e);
                return ExecutionEnd.Finished;
            }

            await outcomes.SucceedAsync(workflow, output, cancellationToken).ConfigureAwait(false);
            WorkflowTelemetry.Completed.Add(1, WorkflowTelemetry.WorkflowTags(workflow.Name, workflow.Queue));
            return ExecutionEnd.Finished;
        }
        catch (Exception e) when (IsLossOfOwnership(e, cancellationToken))
        {
            logger.NoLongerOwned(workflow.Id, workflow.Name,
                e is WorkflowFencedException ? "another owner or a cancel took it" : "cancelled or handed over");
            return ExecutionEnd.NoLongerOwned;
        }
        catch (Exception e) when (IsInfrastructure(e))
        {
            logger.InterruptedByDatabase(e, workflow.Id, workflow.Name, e.Message);
            return ExecutionEnd.InfrastructureFailure;
        }
    }

    private async Task ParkAsync(InFlightWorkflow flight, Suspension suspension, CancellationToken cancellationToken)
    {
        var workflow = flight.Workflow;
        // Children first: a workflow that also waits for a time meets that wait again on the replay after them.
        if (suspension.WaitingFor.Length > 0 || suspension.WakeAt is not { } wakeAt)
        {
            var waiting = await outcomes.ParkAsync(workflow, suspension.WaitingFor, cancellationToken).ConfigureAwait(false);
            logger.Parked(workflow.Id,
                waiting ? "parked until its children finish" : "found its children done and went back to the queue");
            return;
        }

        flight.ParkedUntil = await outcomes.ParkUntilAsync(workflow, wakeAt, suspension.Topic, cancellationToken).ConfigureAwait(false);
        logger.ParkedUntil(workflow.Id, wakeAt, suspension.Topic ?? "none");
    }

    /// <summary>
    /// Its last executions each ended with their process, with no progress in between: running it again
    /// would most likely kill this process too, so it is not run; it ends in a status an operator can see and resume.
    /// </summary>
    private async Task GiveUpAsync(InFlightWorkflow flight, ClaimedWorkflow workflow, CancellationToken cancellationToken)
    {
        var recoveries = workflow.Recoveries;
        var error = $"Not run again: its executor died while running it {recoveries.WithoutProgress} times in a row without a new " +
            $"checkpoint ({recoveries.Total} crash recoveries in all), most recently {recoveries.LastExecutorId ?? "an unknown executor"} " +
            $"(recovered at {recoveries.LastAt:O}); Workflows:MaxRecoveryAttempts is {_maxRecoveries}. Fix the cause, then resume it.";
        logger.GaveUp(workflow.Id, workflow.Name, workflow.RunId, recoveries.WithoutProgress, recoveries.LastExecutorId, _maxRecoveries,
            WorkflowStatus.MaxRecoveryExceeded);
        await outcomes.GiveUpAsync(workflow, error, cancellationToken).ConfigureAwait(false);
        WorkflowSpans.RecordFailure(flight.Activity, workflow, null);
    }

    private static bool IsLossOfOwnership(Exception e, CancellationToken cancellationToken) =>
        e is WorkflowFencedException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    // Engine writes that fail because the database is unreachable (or failing over) say nothing about the workflow.
    private static bool IsInfrastructure(Exception e) => DatabaseOutage.Is(e);
}
