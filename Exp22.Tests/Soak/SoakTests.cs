using Exp22.Tests.Faults;
using Exp22.Tests.Processes;
using Xunit.Abstractions;

namespace Exp22.Tests.Soak;

/// <summary>
/// The benchmark's soak scenario at CI size (20 s, an executor stopped every 5 s); the full hour is the
/// documented command in docs/reliability.md.
/// </summary>
[Collection(FaultTests.Collection)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_short_soak_loses_no_run_and_repeats_only_steps_a_stop_cut_off()
    {
        var (figures, progress) = await BenchmarkCommand.RunAsync(TimeSpan.FromMinutes(5),
            "soak", "--duration", "00:00:20", "--stop-every", "00:00:05");
        output.WriteLine(progress);
        long Figure(string name) => figures.GetProperty(name).GetInt64();

        Assert.True(Figure("soak_runs_started") > 0);
        Assert.Equal(Figure("soak_runs_started"), Figure("soak_runs_completed"));
        Assert.Equal(0, Figure("soak_runs_lost"));
        Assert.True(Figure("soak_stops_sigterm") + Figure("soak_stops_sigkill") >= 3, "fewer than three stops");
        Assert.Equal(0, Figure("soak_drains_not_exit_0"));
        Assert.Equal(0, Figure("soak_repeats_not_cut_off_by_a_stop"));
        Assert.Equal(0, Figure("soak_steps_executed_never_checkpointed"));
        Assert.Equal(Figure("soak_step_executions") - Figure("soak_repeated_step_executions"), Figure("soak_steps_checkpointed"));
        Assert.True(figures.TryGetProperty("soak_executor1_rss_slope_second_half_mb_per_min", out _));
        Assert.True(figures.TryGetProperty("soak_table_workflows_mb", out _));
    }
}
