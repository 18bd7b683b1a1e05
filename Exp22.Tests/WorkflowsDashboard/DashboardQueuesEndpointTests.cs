using System.Net;
using System.Text.Json;

namespace Exp22.Tests.WorkflowsDashboard;

/// <summary><c>api/queues</c> as the API mounts it, with a real executor process claiming the default queue.</summary>
public sealed class DashboardQueuesEndpointTests(DashboardServices services) : IClassFixture<DashboardServices>
{
    [Fact]
    public async Task The_queue_a_live_executor_claims_is_listed_unlimited_and_a_bad_partition_count_is_a_400()
    {
        using var client = new DashboardClient(services.Api.BaseAddress);

        JsonElement queue = default;
        await Engine.Eventually.TrueAsync(async () =>
            (await client.GetJsonAsync("api/queues")).GetProperty("queues").EnumerateArray()
                .Where(q => q.GetProperty("queue").GetString() == "default")
                .Select(q => queue = q).Any(q => q.GetProperty("claimedByLiveExecutor").GetBoolean()),
            TimeSpan.FromSeconds(30), "the executor's default queue, claimed by a live executor");
        using var bad = await client.GetAsync("api/queues?partitions=0");

        Assert.Equal(JsonValueKind.Null, queue.GetProperty("limits").ValueKind);
        Assert.Equal(0, queue.GetProperty("topPartitions").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("partitions", await bad.Content.ReadAsStringAsync());
    }
}
