using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.AppHost.Telemetry.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Exp22.Tests.Telemetry;

/// <summary>The dashboard's OTLP receiver fed by the OpenTelemetry SDK's own OTLP/HTTP protobuf exporters.</summary>
public sealed class OtlpReceiverTests
{
    private static ResourceBuilder Resource(string service, string instance) =>
        ResourceBuilder.CreateEmpty().AddService(service, serviceInstanceId: instance);

    private static Action<OtlpExporterOptions> ExportTo(ReceiverHost receiver, string signal) => options =>
    {
        // Set in code, the endpoint is the full URL of the signal's path (from the environment it is the base).
        options.Endpoint = new Uri(receiver.BaseAddress, signal);
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.ExportProcessorType = ExportProcessorType.Simple;
    };

    [Fact]
    public async Task Spans_from_two_processes_arrive_as_one_trace_with_parents_attributes_events_and_status()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        var sourceName = $"test.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using (var api = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource("api", "api"))
                   .AddSource(sourceName).AddOtlpExporter(ExportTo(receiver, "v1/traces")).Build())
        using (var executor = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource("executor", "exp22-executor-1"))
                   .AddSource(sourceName).AddOtlpExporter(ExportTo(receiver, "v1/traces")).Build())
        {
            // Both providers listen to the same source here, so each span is sent twice; the store keeps
            // one copy per resource, which is what two real processes would send.
            using var request = source.StartActivity("GET /", ActivityKind.Server)!;
            request.SetTag("http.request.method", "GET");
            using (var step = source.StartActivity("step step-1")!)
            {
                step.SetTag("exp22.step.index", 3);
                step.AddEvent(new ActivityEvent("exp22.workflow.resumed"));
                step.SetStatus(ActivityStatusCode.Error, "boom");
            }

            request.Stop();
            api.ForceFlush();
            executor.ForceFlush();
        }

        using var http = new HttpClient { BaseAddress = receiver.BaseAddress };
        var traces = await http.GetFromJsonAsync<JsonElement>("api/telemetry/traces");
        var summary = Assert.Single(traces.EnumerateArray());
        Assert.Equal("GET /", summary.GetProperty("rootName").GetString());
        Assert.True(summary.GetProperty("hasError").GetBoolean());
        Assert.Equal(["api", "executor/exp22-executor-1"], summary.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));

        var trace = await http.GetFromJsonAsync<JsonElement>($"api/telemetry/traces/{summary.GetProperty("traceId").GetString()}");
        var spans = trace.GetProperty("spans").EnumerateArray().Where(s => s.GetProperty("resource").GetString() == "api").ToArray();
        var root = Assert.Single(spans, s => s.GetProperty("name").GetString() == "GET /");
        var child = Assert.Single(spans, s => s.GetProperty("name").GetString() == "step step-1");
        Assert.Equal(JsonValueKind.Null, root.GetProperty("parentSpanId").ValueKind);
        Assert.Equal("Server", root.GetProperty("kind").GetString());
        Assert.Equal("GET", root.GetProperty("attributes").GetProperty("http.request.method").GetString());
        Assert.Equal(root.GetProperty("spanId").GetString(), child.GetProperty("parentSpanId").GetString());
        Assert.Equal("3", child.GetProperty("attributes").GetProperty("exp22.step.index").GetString());
        Assert.Equal("exp22.workflow.resumed", Assert.Single(child.GetProperty("events").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("Error", child.GetProperty("status").GetString());
        Assert.Equal("boom", child.GetProperty("statusMessage").GetString());
        Assert.True(child.GetProperty("endMs").GetDouble() >= child.GetProperty("startMs").GetDouble());
    }

    [Fact]
    public async Task Structured_logs_keep_level_attributes_and_trace_and_filter_by_resource_level_and_run()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        var runId = Guid.NewGuid().ToString();
        string traceId;
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
               {
                   options.SetResourceBuilder(Resource("executor", "exp22-executor-2"));
                   options.IncludeFormattedMessage = true;
                   options.AddOtlpExporter(ExportTo(receiver, "v1/logs"));
               })))
        {
            var logger = factory.CreateLogger("Exp22.Executor.Demo.DemoSubWorkflow");
            using var activity = new Activity("step").Start();
            traceId = activity.TraceId.ToHexString();
            logger.LogInformation("Executing step {Step}/{Steps} of sub-workflow {Index} (run {RunId})", 1, 3, 2, runId);
            logger.LogWarning("Something odd about run {RunId}", runId);
            logger.LogInformation("Unrelated line");
        }

        using var http = new HttpClient { BaseAddress = receiver.BaseAddress };
        var ofRun = await http.GetFromJsonAsync<JsonElement[]>($"api/telemetry/logs?runId={runId}");
        Assert.Equal(2, ofRun!.Length);
        var step = Assert.Single(ofRun, l => l.GetProperty("level").GetString() == "Information");
        Assert.Equal($"Executing step 1/3 of sub-workflow 2 (run {runId})", step.GetProperty("message").GetString());
        Assert.Equal("Exp22.Executor.Demo.DemoSubWorkflow", step.GetProperty("category").GetString());
        Assert.Equal("executor/exp22-executor-2", step.GetProperty("resource").GetString());
        Assert.Equal(runId, step.GetProperty("attributes").GetProperty("RunId").GetString());
        Assert.Equal(traceId, step.GetProperty("traceId").GetString());

        var warnings = await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/logs?level=Warning");
        Assert.Equal("Warning", Assert.Single(warnings!).GetProperty("level").GetString());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/logs?resource=api"))!);
        Assert.Equal(3, (await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/logs?resource=executor/exp22-executor-2"))!.Length);
        Assert.Equal(3, (await http.GetFromJsonAsync<JsonElement[]>($"api/telemetry/logs?traceId={traceId}"))!.Length);
    }

    [Fact]
    public async Task Counters_histograms_and_gauges_arrive_as_series_of_points()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        var meterName = $"test.{Guid.NewGuid():N}";
        using (var meter = new Meter(meterName))
        using (var provider = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(Resource("executor", "exp22-executor-1"))
                   .AddMeter(meterName)
                   .AddOtlpExporter((exporter, _) => ExportTo(receiver, "v1/metrics")(exporter))
                   .Build())
        {
            var completed = meter.CreateCounter<long>("exp22.workflows.completed");
            var duration = meter.CreateHistogram<double>("exp22.workflows.step.duration", "s");
            meter.CreateObservableGauge("exp22.queue.depth", () => new Measurement<long>(7, new KeyValuePair<string, object?>("exp22.queue", "default")));

            completed.Add(2, new KeyValuePair<string, object?>("exp22.workflow.name", "demo-sub"));
            duration.Record(0.5);
            duration.Record(1.5);
            provider.ForceFlush();
            completed.Add(3, new KeyValuePair<string, object?>("exp22.workflow.name", "demo-sub"));
            provider.ForceFlush();
        }

        using var http = new HttpClient { BaseAddress = receiver.BaseAddress };
        var instruments = await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/metrics");
        Assert.Equal("Counter", Assert.Single(instruments!, i => i.GetProperty("name").GetString() == "exp22.workflows.completed").GetProperty("type").GetString());
        Assert.Equal("Histogram", Assert.Single(instruments!, i => i.GetProperty("name").GetString() == "exp22.workflows.step.duration").GetProperty("type").GetString());

        var completedSeries = Assert.Single((await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/metrics/exp22.workflows.completed"))!);
        Assert.Equal("demo-sub", completedSeries.GetProperty("attributes").GetProperty("exp22.workflow.name").GetString());
        // Cumulative, as the .NET SDK exports by default: the second point holds both additions.
        Assert.Equal([2.0, 5.0], completedSeries.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).Take(2));

        var histogram = Assert.Single((await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/metrics/exp22.workflows.step.duration"))!);
        var first = histogram.GetProperty("points")[0];
        Assert.Equal(2, first.GetProperty("count").GetInt64());
        Assert.Equal(2.0, first.GetProperty("sum").GetDouble());
        Assert.Equal("s", histogram.GetProperty("unit").GetString());

        var depth = Assert.Single((await http.GetFromJsonAsync<JsonElement[]>("api/telemetry/metrics/exp22.queue.depth"))!);
        Assert.Equal(7.0, depth.GetProperty("points")[0].GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Other_encodings_are_415_and_a_broken_body_is_400()
    {
        await using var receiver = await ReceiverHost.StartAsync();
        using var http = new HttpClient { BaseAddress = receiver.BaseAddress };

        var json = await http.PostAsync("v1/traces", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        var broken = await http.PostAsync("v1/logs", new ByteArrayContent([0x0a, 0xff, 0xff, 0xff])
        {
            Headers = { ContentType = new("application/x-protobuf") },
        });
        var badLevel = await http.GetAsync("api/telemetry/logs?level=loud");
        var badLimit = await http.GetAsync("api/telemetry/traces?limit=0");
        var unknownTrace = await http.GetAsync($"api/telemetry/traces/{new string('a', 32)}");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLevel.StatusCode);
        Assert.Contains("level", await badLevel.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("limit", await badLimit.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknownTrace.StatusCode);
    }

    [Fact]
    public async Task The_store_keeps_only_the_newest_spans_of_a_resource_and_forgets_their_traces()
    {
        await using var receiver = await ReceiverHost.StartAsync(new Dictionary<string, string?>
        {
            ["Dashboard:Telemetry:MaxSpansPerResource"] = "100",
        });
        var sourceName = $"test.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using (var provider = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource("api", "api"))
                   .AddSource(sourceName).AddOtlpExporter(ExportTo(receiver, "v1/traces")).Build())
        {
            for (var i = 0; i < 150; i++)
                source.StartActivity($"request {i}")!.Stop();
            provider.ForceFlush();
        }

        var spans = receiver.Services.GetRequiredService<SpanStore>();
        var traces = spans.ListTraces(null, null, 1000);
        Assert.Equal(100, spans.CountOf("api"));
        Assert.Equal(100, traces.Count);
        Assert.Equal("request 149", traces[0].RootName);
        Assert.DoesNotContain(traces, t => t.RootName == "request 49");
    }
}
