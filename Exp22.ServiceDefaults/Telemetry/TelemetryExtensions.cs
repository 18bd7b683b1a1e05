using Exp22.ServiceDefaults.Health;
using Exp22.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static class TelemetryExtensions
{
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(TelemetryNames.Workflows))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryNames.Workflows)
                // Probes and the dashboard's status polls hit these every second or so; their spans would
                // drown the real ones.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsPolled(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // The SDK reads the endpoint, service name and resource attributes from the same OTEL_* settings.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsPolled(PathString path) =>
        path.StartsWithSegments(HealthPaths.Health) || path.StartsWithSegments(HealthPaths.Alive)
        || path.StartsWithSegments(StatusPath);

    // The executor's /status, which the AppHost's dashboard polls to show drains live.
    private const string StatusPath = "/status";
}
