using Exp22.Workflows;
using Exp22.Workflows.Client;

namespace Exp22.Tests.Engine;

public static class RunWaits
{
    public static async Task<WorkflowNode> UntilFinishedAsync(this WorkflowClient client, Guid runId, TimeSpan? timeout = null)
    {
        WorkflowNode? run = null;
        await Eventually.TrueAsync(async () =>
        {
            run = await client.GetRunAsync(runId, CancellationToken.None);
            return run is not null && WorkflowStatus.IsTerminal(run.Status);
        }, timeout ?? TimeSpan.FromSeconds(30), $"run {runId} to finish");
        return run!;
    }
}

public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);
}
