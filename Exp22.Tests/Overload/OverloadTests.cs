using Exp22.Tests.Faults;
using Exp22.Tests.Processes;
using Xunit.Abstractions;

namespace Exp22.Tests.Overload;

/// <summary>
/// The benchmark's overload scenario at CI size: starts pushed through an API whose limits are lowered so
/// far that any machine overflows them. The full size (100,000 runs, 512 clients, the default limits)
/// is the documented command in docs/reliability.md.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class OverloadTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_flood_of_starts_is_shed_with_429_and_retry_after_the_probes_keep_answering_and_every_run_completes()
    {
        var (figures, progress) = await BenchmarkCommand.RunAsync(TimeSpan.FromMinutes(5),
            "overload", "--overload-runs", "600", "--overload-clients", "128",
            "--api-env", "Api__Overload__MaxConcurrentRequests=2", "--api-env", "Api__Overload__QueueLimit=4");
        output.WriteLine(progress);
        long Figure(string name) => figures.GetProperty(name).GetInt64();

        Assert.Equal(600, Figure("overload_accepted"));
        Assert.True(Figure("overload_shed_429") > 0, "nothing was shed: the limits were not applied");
        Assert.Equal(0, Figure("overload_without_retry_after"));
        Assert.Equal(0, Figure("overload_other_statuses"));
        Assert.Equal(0, Figure("overload_dropped_or_timed_out"));
        Assert.Equal(0, Figure("overload_probe_failures"));
        Assert.True(Figure("overload_probes") > 0);
        Assert.Equal(600, Figure("overload_runs_succeeded"));
        Assert.Equal(0, Figure("overload_runs_lost"));
    }
}
