using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.Tests.Monitoring;

namespace Exp22.Tests.ApiContract;

/// <summary><c>GET /queues</c> over HTTP: open like <c>GET /schedules</c>, documented, and the figures of <see cref="QueueScenario"/>.</summary>
public sealed class QueuesEndpointTests(SweepApi api) : IClassFixture<SweepApi>
{
    [Fact]
    public async Task Queues_are_listed_with_limits_depth_and_partitions_without_a_key_and_a_bad_count_is_a_400()
    {
        await QueueScenario.SeedAsync(api.ConnectionString);
        using var http = new HttpClient { BaseAddress = api.Process.BaseAddress };

        var listed = await http.GetFromJsonAsync<JsonElement>("/queues?partitions=1");
        using var tooMany = await http.GetAsync("/queues?partitions=101");
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var queues = listed.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        var limited = queues[QueueScenario.Limited];
        var limits = limited.GetProperty("limits");
        Assert.Equal((2, 3, 5, 60.0, false), (limits.GetProperty("globalConcurrency").GetInt32(), limits.GetProperty("executorConcurrency").GetInt32(),
            limits.GetProperty("rateLimit").GetInt32(), limits.GetProperty("ratePeriodSeconds").GetDouble(), limits.GetProperty("partitioned").GetBoolean()));
        Assert.Equal((2, 1, 2, 2), (limited.GetProperty("enqueued").GetInt32(), limited.GetProperty("delayed").GetInt32(),
            limited.GetProperty("running").GetInt32(), limited.GetProperty("startsInRatePeriod").GetInt32()));

        var partitioned = queues[QueueScenario.Partitioned];
        Assert.Equal(3, partitioned.GetProperty("partitions").GetInt32());
        var top = Assert.Single(partitioned.GetProperty("topPartitions").EnumerateArray());
        Assert.Equal(("a", 2, 1), (top.GetProperty("partitionKey").GetString(), top.GetProperty("enqueued").GetInt32(), top.GetProperty("running").GetInt32()));

        var unlimited = queues[QueueScenario.Unlimited];
        Assert.Equal(JsonValueKind.Null, unlimited.GetProperty("limits").ValueKind);
        Assert.Equal(JsonValueKind.Null, unlimited.GetProperty("startsInRatePeriod").ValueKind);
        Assert.True(unlimited.GetProperty("oldestDueAgeSeconds").GetDouble() >= QueueScenario.OldestUnlimitedAge.TotalSeconds);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.True((await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("partitions", out _));

        var operation = new OpenApiOperations(document).All().Single(o => o.ToString() == "GET /queues");
        Assert.Equal("ListQueues", operation.OperationId);
        Assert.Empty(operation.ApiKeys);
        Assert.Contains("200", operation.Statuses);
        Assert.Contains("400", operation.Statuses);
        var partitions = Assert.Single(operation.Parameters);
        Assert.Equal(("partitions", "query", "integer"), (partitions.Name, partitions.In, partitions.Schema.GetProperty("type").GetString()));
    }
}
