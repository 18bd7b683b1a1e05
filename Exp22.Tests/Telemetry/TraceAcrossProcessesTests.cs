using System.Net.Http.Json;
using System.Text.Json;
using Exp22.AppHost.Telemetry.Storage;
using Exp22.Harness.Services;
using Exp22.Tests.Engine;
using Exp22.Tests.Infrastructure;
using Exp22.Workflows;
using Exp22.Workflows.Client;
using Exp22.Workflows.Schema;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Exp22.Tests.Telemetry;

/// <summary>
/// The API and two executors as real processes exporting OTLP, as the AppHost configures them, to the
/// dashboard's receiver hosted in the test: a run's telemetry read back from what they sent.
/// </summary>
public sealed class TraceAcrossProcessesTests
{
    private static Dictionary<string, string> Otlp(ReceiverHost receiver, string service, string instance) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseAddress.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance}",
        // Short export delays so the test reads what was sent without waiting the default 5 s.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    private static ServiceProcess StartExecutor(ReceiverHost receiver, string database, string id, string completionTimeout = "00:00:10")
    {
        var environment = Otlp(receiver, "executor", id);
        environment["ConnectionStrings__exp22db"] = database;
        environment["Workflows__ExecutorId"] = id;
        environment["Workflows__WorkflowCompletionTimeout"] = completionTimeout;
        environment["Workflows__HeartbeatInterval"] = "00:00:00.500";
        environment["Workflows__HeartbeatTimeout"] = "00:00:03";
        return ServiceProcess.Start("Exp22.Executor", id, environment);
    }

    private static async Task<WorkflowNode> UntilFinishedAsync(string database, Guid runId)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return await new WorkflowClient(dataSource).UntilFinishedAsync(runId, TimeSpan.FromSeconds(90));
    }

    private static async Task<Guid> StartRunAsync(ServiceProcess api, string body)
    {
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var response = await http.PostAsync("/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
    }

    /// <summary>Waits until the run's trace holds everything <paramref name="complete"/> asks for.</summary>
    private static async Task<IReadOnlyList<StoredSpan>> TraceOfRunAsync(
        ReceiverHost receiver, Guid runId, Func<IReadOnlyList<StoredSpan>, bool> complete)
    {
        var store = receiver.Services.GetRequiredService<SpanStore>();
        IReadOnlyList<StoredSpan> spans = [];
        var traceCount = 0;
        try
        {
            // Processes export in batches and a child span ends before its parent, so a parent may
            // arrive after its children: wait for the trace to be connected as well as complete.
            await Eventually.TrueAsync(() =>
            {
                var traces = store.ListTraces(null, runId.ToString(), 10);
                traceCount = traces.Count;
                spans = traces.Count == 1 ? store.GetTrace(traces[0].TraceId) ?? [] : [];
                return Task.FromResult(traces.Count == 1 && IsConnected(spans) && complete(spans));
            }, TimeSpan.FromSeconds(30), $"the trace of run {runId} to arrive complete");
        }
        catch (TimeoutException e)
        {
            var seen = string.Join(", ", spans.GroupBy(s => (s.Resource, s.Name)).Select(g => $"{g.Key.Resource} {g.Key.Name} x{g.Count()}"));
            throw new TimeoutException($"{e.Message} Traces of the run: {traceCount}; connected: {IsConnected(spans)}; spans seen: {seen}", e);
        }

        return spans;
    }

    private static bool IsConnected(IReadOnlyList<StoredSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        return spans.Count(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)) == 1;
    }

    private static IEnumerable<StoredSpan> Executions(IEnumerable<StoredSpan> spans, Guid workflowId) =>
        spans.Where(s => s.Name.StartsWith("workflow ", StringComparison.Ordinal)
                         && s.Attributes.GetValueOrDefault("exp22.workflow.id") == workflowId.ToString());

    private static IEnumerable<StoredSpan> Steps(IEnumerable<StoredSpan> spans, Guid workflowId) =>
        spans.Where(s => s.Name.StartsWith("step ", StringComparison.Ordinal)
                         && s.Attributes.GetValueOrDefault("exp22.workflow.id") == workflowId.ToString());

    [Fact]
    public async Task One_trace_holds_the_api_request_the_run_every_sub_workflow_and_every_step_across_processes()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        var database = await TestPostgres.CreateDatabaseAsync();
        var apiEnvironment = Otlp(receiver, "api", "api");
        apiEnvironment["ConnectionStrings__exp22db"] = database;
        await using var api = ServiceProcess.Start("Exp22.Api", "api", apiEnvironment);
        await using var one = StartExecutor(receiver, database, "exp22-executor-1");
        await using var two = StartExecutor(receiver, database, "exp22-executor-2");
        await Task.WhenAll(
            api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)),
            one.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)),
            two.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));

        var runId = await StartRunAsync(api, """{"subWorkflows":4,"stepsPerWorkflow":3,"stepDelayMs":{"min":20,"max":80}}""");
        var run = await UntilFinishedAsync(database, runId);
        Assert.Equal(WorkflowStatus.Success, run.Status);
        var subs = run.Children;
        Assert.Equal(4, subs.Count);

        var trace = await TraceOfRunAsync(receiver, runId, spans =>
            spans.Any(s => s.Resource == "api" && s.Kind == "Server")
            && subs.All(sub => Steps(spans, sub.Id).Select(s => s.Attributes["exp22.step.name"]).Distinct().Count() == 3)
            && Executions(spans, runId).Any(s => s.Attributes.ContainsKey("exp22.outcome")));

        // The API's request is the trace's root; everything else hangs from a span of the same trace.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        var root = Assert.Single(trace, s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId));
        Assert.Equal("api", root.Resource);
        Assert.Equal("Server", root.Kind);
        Assert.Contains("/runs", root.Name);

        var enqueue = Assert.Single(trace, s => s.Name == "enqueue demo-run");
        Assert.Equal(("api", "Producer", runId.ToString()), (enqueue.Resource, enqueue.Kind, enqueue.Attributes["exp22.run.id"]));

        // The run's executions (it parks while its children run, then resumes) continue the enqueue span.
        var runExecutions = Executions(trace, runId).ToArray();
        Assert.NotEmpty(runExecutions);
        Assert.All(runExecutions, e =>
        {
            Assert.Equal(enqueue.SpanId, e.ParentSpanId);
            Assert.StartsWith("executor/exp22-executor-", e.Resource);
            Assert.Equal(e.Attributes["exp22.executor.id"], e.Resource["executor/".Length..]);
        });

        foreach (var sub in subs)
        {
            var execution = Assert.Single(Executions(trace, sub.Id));
            Assert.Contains(execution.ParentSpanId, runExecutions.Select(e => e.SpanId));
            Assert.Equal(("demo-sub", runId.ToString(), "1"), (execution.Attributes["exp22.workflow.name"],
                execution.Attributes["exp22.run.id"], execution.Attributes["exp22.workflow.attempt"]));
            Assert.Equal(sub.ExecutorId, execution.Attributes["exp22.executor.id"]);

            var steps = Steps(trace, sub.Id).OrderBy(s => s.StartMs).ToArray();
            Assert.Equal(["step-1", "step-2", "step-3"], steps.Select(s => s.Attributes["exp22.step.name"]));
            Assert.All(steps, s => Assert.Equal(execution.SpanId, s.ParentSpanId));
            Assert.Equal(["0", "1", "2"], steps.Select(s => s.Attributes["exp22.step.index"]));
        }

        // Logs written while a step ran carry its trace, so the run's logs lead to this trace.
        using var http = new HttpClient { BaseAddress = receiver.BaseAddress };
        await Eventually.TrueAsync(async () =>
        {
            var logs = await http.GetFromJsonAsync<JsonElement[]>($"api/telemetry/logs?runId={runId}&limit=1000");
            return logs!.Count(l => l.GetProperty("message").GetString()!.StartsWith("Executing step", StringComparison.Ordinal)
                                    && l.GetProperty("traceId").GetString() == root.TraceId) >= 12;
        }, TimeSpan.FromSeconds(30), "the run's step logs, with its trace id");

        // The engine's counters reached the receiver from the executors.
        await Eventually.TrueAsync(async () =>
        {
            var response = await http.GetAsync("api/telemetry/metrics/exp22.workflows.completed");
            if (!response.IsSuccessStatusCode)
                return false;
            var series = await response.Content.ReadFromJsonAsync<JsonElement[]>();
            var completedSubs = series!
                .Where(s => s.GetProperty("attributes").GetProperty("exp22.workflow.name").GetString() == "demo-sub")
                .Sum(s => s.GetProperty("points").EnumerateArray().Last().GetProperty("value").GetDouble());
            return completedSubs == 4;
        }, TimeSpan.FromSeconds(30), "exp22.workflows.completed to count the 4 sub-workflows");
    }

    [Fact]
    public async Task A_workflow_handed_over_by_a_drain_continues_the_same_trace_and_marks_both_ends()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        var database = await TestPostgres.CreateDatabaseAsync();
        var apiEnvironment = Otlp(receiver, "api", "api");
        apiEnvironment["ConnectionStrings__exp22db"] = database;
        await using var api = ServiceProcess.Start("Exp22.Api", "api", apiEnvironment);
        // Only the first executor runs at first, with a completion timeout shorter than the steps.
        await using var one = StartExecutor(receiver, database, "exp22-executor-1", completionTimeout: "00:00:01");
        await Task.WhenAll(api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), one.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));

        var runId = await StartRunAsync(api, """{"subWorkflows":2,"stepsPerWorkflow":2,"stepDelayMs":{"min":3000,"max":3000}}""");
        await one.WaitForLineAsync(l => l.Contains("Executing step 1/2") && l.Contains(runId.ToString()), TimeSpan.FromSeconds(30));
        await using var two = StartExecutor(receiver, database, "exp22-executor-2");
        await two.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        one.Terminate();
        Assert.Equal(0, await one.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var run = await UntilFinishedAsync(database, runId);
        Assert.Equal(WorkflowStatus.Success, run.Status);

        var trace = await TraceOfRunAsync(receiver, runId, spans =>
            run.Children.All(sub => Executions(spans, sub.Id).Count() >= 2 && Steps(spans, sub.Id).Count(s => s.Attributes.ContainsKey("exp22.outcome")) >= 2));

        foreach (var sub in run.Children)
        {
            var executions = Executions(trace, sub.Id).OrderBy(s => s.StartMs).ToArray();
            var handedOver = executions[0];
            var resumed = executions[^1];
            Assert.Equal(("executor/exp22-executor-1", "1"), (handedOver.Resource, handedOver.Attributes["exp22.workflow.attempt"]));
            Assert.Contains(handedOver.Events, e => e.Name == "exp22.workflow.handed_over");
            Assert.Equal("executor/exp22-executor-2", resumed.Resource);
            Assert.Contains(resumed.Events, e => e.Name == "exp22.workflow.resumed");
            // Both executions hang from the same parent span: the resumption continues the same trace.
            Assert.Equal(handedOver.ParentSpanId, resumed.ParentSpanId);
        }
    }
}
