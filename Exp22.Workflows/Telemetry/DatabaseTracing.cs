using System.Diagnostics;
using Npgsql;

namespace Exp22.Workflows.Telemetry;

public static class DatabaseTracing
{
    /// <summary>
    /// Traces a database command only inside a recorded span. An executor's claim polls, heartbeats and
    /// queue samples run outside any request or workflow, and a health probe's query inside a request the
    /// tracing filters out; each would otherwise be a one-span trace of its own, thousands an hour, burying
    /// the traces of runs.
    /// </summary>
    public static NpgsqlDataSourceBuilder TraceCommandsOnlyWithinSpans(this NpgsqlDataSourceBuilder builder) =>
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => WithinRecordedSpan())
            .ConfigureBatchFilter(_ => WithinRecordedSpan()));

    private static bool WithinRecordedSpan() => Activity.Current is { Recorded: true };
}
