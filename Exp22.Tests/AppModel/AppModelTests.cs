using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Exp22.AppHost.Model;
using Exp22.AppHost.Orchestration;
using Exp22.AppHost.Testing;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.AppModel;

/// <summary>The whole app model (PostgreSQL, api, two executors, dashboard) started through the testing harness.</summary>
public sealed class AppModelTests
{
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(120);

    /// <summary>The harness on a fresh database of the test run's server: quicker than a cluster per test.</summary>
    private static async Task<DistributedApplication> StartOnTestDatabaseAsync(string database)
    {
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync($"--ConnectionStrings:exp22db={database}");
        var app = await appHost.BuildAsync();
        await app.StartAsync();
        using var healthy = new CancellationTokenSource(Healthy);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", healthy.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("executor", healthy.Token);
        return app;
    }

    [Fact]
    public async Task The_whole_model_starts_healthy_and_a_seed_run_succeeds_through_the_api()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var app = await StartOnTestDatabaseAsync(database);

        Assert.All(app.ResourceNotifications.All, r => Assert.True(r.IsHealthy, $"{r.Name} is {r.State}/{r.Health}"));
        Assert.Equal(["postgres", "exp22db", "api", "executor-1", "executor-2"], app.ResourceNotifications.All.Select(r => r.Name));
        Assert.Equal(database, await app.GetConnectionStringAsync("exp22db"));
        Assert.NotEqual(8000, app.GetEndpoint("api").Port);

        using var api = app.CreateHttpClient("api");
        using var seed = await api.GetAsync("/?n_sub_workflows=2&n_steps_per_workflow=3");
        Assert.Equal(HttpStatusCode.Accepted, seed.StatusCode);
        var runId = (await seed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, TimeSpan.FromSeconds(90));

        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
        Assert.Equal(2, run.GetProperty("subWorkflows").GetArrayLength());
        Assert.Equal(6, run.GetProperty("progress").GetProperty("stepsDone").GetInt32());
        // Each replica got its own executor id from the model.
        var executors = app.Orchestrator.Instances.Where(i => i.Snapshot.Resource == "executor").ToList();
        Assert.Contains(executors[0].Log.After(0), l => l.Text.Contains("exp22-executor-1"));
        Assert.Contains(executors[1].Log.After(0), l => l.Text.Contains("exp22-executor-2"));
    }

    [Fact]
    public async Task The_dashboard_serves_its_page_and_answers_bad_commands_and_runs_with_problem_details()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var app = await StartOnTestDatabaseAsync(database);
        using var dashboard = new HttpClient { BaseAddress = app.DashboardUrl };

        Assert.Contains("<nav id=\"tabs\">", await dashboard.GetStringAsync("/"));
        var resources = await dashboard.GetFromJsonAsync<JsonElement>("/api/resources");
        Assert.Equal(5, resources.GetArrayLength());

        using var badCommand = await dashboard.PostAsync("/api/resources/api/commands/explode", null);
        Assert.Equal(HttpStatusCode.BadRequest, badCommand.StatusCode);
        Assert.True((await badCommand.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("command", out _));
        using var unknown = await dashboard.PostAsync("/api/resources/nobody/commands/stop", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The run form's errors are the API's own, field by field.
        using var badRun = await dashboard.PostAsJsonAsync("/api/runs", new { subWorkflows = 0, stepsPerWorkflow = 3 });
        Assert.Equal(HttpStatusCode.BadRequest, badRun.StatusCode);
        Assert.True((await badRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("subWorkflows", out _));
    }

    [Fact]
    public async Task Stopping_an_executor_drains_it_to_exit_code_zero_and_the_run_still_completes()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var app = await StartOnTestDatabaseAsync(database);
        using var api = app.CreateHttpClient("api");

        var runId = await ApiRuns.StartAsync(api, subWorkflows: 4, steps: 4, minDelayMs: 600, maxDelayMs: 1200);
        var busy = await ExecutorWithWorkAsync(app, TimeSpan.FromSeconds(60));
        await app.StopResourceAsync(busy);

        var stopped = (await app.ResourceNotifications.WaitForResourceAsync(busy, ResourceState.Exited)).Single();
        Assert.Equal(ResourceState.Exited, stopped.State);
        Assert.Equal(0, stopped.ExitCode);
        var log = app.Orchestrator.Find(busy)!.Log.After(0).Select(l => l.Text).ToList();
        Assert.Contains(log, l => l.Contains("Drain started"));
        Assert.Contains(log, l => l.Contains("Drain complete"));

        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, TimeSpan.FromSeconds(90));
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());

        await app.StartResourceAsync(busy);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(busy, new CancellationTokenSource(Healthy).Token);
    }

    [Fact]
    public async Task A_stop_that_outlasts_the_stop_grace_ends_in_sigkill_and_the_survivor_recovers_the_run()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync($"--ConnectionStrings:exp22db={database}");
        // Shorter than the drain a 3 s step needs: the stop must not wait for it.
        appHost.Resources.OfType<ProjectResource>().Single(r => r.Name == "executor").StopGrace = TimeSpan.FromSeconds(1);
        await using var app = await appHost.BuildAsync();
        await app.StartAsync();
        await app.ResourceNotifications.WaitForResourceHealthyAsync("executor", new CancellationTokenSource(Healthy).Token);
        using var api = app.CreateHttpClient("api");

        var runId = await ApiRuns.StartAsync(api, subWorkflows: 2, steps: 3, minDelayMs: 3000, maxDelayMs: 3000);
        var busy = await ExecutorWithWorkAsync(app, TimeSpan.FromSeconds(60));
        // Bounded: a SIGKILL that does not land would leave the stop waiting for an exit that never comes.
        await app.StopResourceAsync(busy).WaitAsync(TimeSpan.FromSeconds(30));

        var stopped = (await app.ResourceNotifications.WaitForResourceAsync(busy, ResourceState.Exited)).Single();
        Assert.Equal(128 + 9, stopped.ExitCode);
        Assert.Contains(app.Orchestrator.Find(busy)!.Log.After(0), l => l.Text.Contains("did not exit within its stop grace"));
        var run = await ApiRuns.WaitUntilFinishedAsync(api, runId, TimeSpan.FromSeconds(90));
        Assert.Equal("SUCCESS", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Disposing_the_app_stops_every_process_postgres_included()
    {
        // No external server: the harness's own throwaway cluster, so PostgreSQL is one of the processes.
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync("--ConnectionStrings:exp22db=");
        var app = await appHost.BuildAsync();
        IReadOnlyList<int> pids;
        try
        {
            await app.StartAsync();
            await app.ResourceNotifications.WaitForResourceHealthyAsync("executor", new CancellationTokenSource(Healthy).Token);
            pids = app.ResourceNotifications.All.Where(r => r.Pid is not null).Select(r => r.Pid!.Value).ToList();
            Assert.Equal(4, pids.Count); // postgres, api, executor-1, executor-2
            Assert.All(pids, pid => Assert.True(ProcFs.IsRunning(pid)));
        }
        finally
        {
            await app.DisposeAsync();
        }

        var postgresChildren = ProcFs.ChildrenOf(pids[0]);
        var left = await ProcFs.WaitUntilGoneAsync([.. pids, .. postgresChildren], TimeSpan.FromSeconds(10));
        Assert.Empty(left);
    }

    [Fact]
    public async Task A_taken_port_stops_the_start_with_one_message_naming_it()
    {
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var builder = DistributedApplication.CreateBuilder(["--AppHost:TemporaryData=true"]);
        builder.AddDashboard(port);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<StartFailedException>(() => app.StartAsync());
        Assert.Contains($"Port {port} already in use", error.Message);
    }

    /// <summary>The executor replica whose /status shows a workflow of ours in flight.</summary>
    private static async Task<string> ExecutorWithWorkAsync(DistributedApplication app, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            foreach (var executor in app.ResourceNotifications.Matching("executor"))
            {
                using var http = new HttpClient { BaseAddress = new Uri(executor.Endpoints[0]) };
                var status = await http.GetFromJsonAsync<JsonElement>("/status", deadline.Token);
                if (status.GetProperty("inFlight").EnumerateArray().Any(w => w.GetProperty("stepsDone").GetInt32() > 0))
                    return executor.Name;
            }

            await Task.Delay(200, deadline.Token);
        }
    }
}
