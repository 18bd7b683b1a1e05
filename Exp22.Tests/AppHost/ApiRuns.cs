using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Exp22.Tests.AppHost;

/// <summary>Starts and follows demo runs through the API's HTTP contract, as a user of the app would.</summary>
internal static class ApiRuns
{
    private static readonly string[] Finished = ["SUCCESS", "ERROR", "CANCELLED"];

    public static async Task<Guid> StartAsync(HttpClient api, int subWorkflows, int steps, int minDelayMs, int maxDelayMs)
    {
        using var response = await api.PostAsJsonAsync("/runs", new
        {
            subWorkflows,
            stepsPerWorkflow = steps,
            stepDelayMs = new { min = minDelayMs, max = maxDelayMs },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        return accepted.GetProperty("runId").GetGuid();
    }

    public static async Task<JsonElement> GetAsync(HttpClient api, Guid runId) =>
        await api.GetFromJsonAsync<JsonElement>($"/runs/{runId}");

    /// <summary>Polls <c>GET /runs/{id}</c> until the run has finished; the timeout is generous: the machine may be loaded.</summary>
    public static async Task<JsonElement> WaitUntilFinishedAsync(HttpClient api, Guid runId, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var run = await GetAsync(api, runId);
            if (Finished.Contains(run.GetProperty("status").GetString()))
                return run;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
            catch (OperationCanceledException e)
            {
                throw new TimeoutException($"Run {runId} did not finish within {timeout}: {run}", e);
            }
        }
    }
}
