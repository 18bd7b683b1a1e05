using Exp22.Harness.Services;
using Exp22.Tests.Infrastructure;

namespace Exp22.Tests.ApiContract;

/// <summary>One API process (with an admin key and its own database) shared by the tests of a class.</summary>
public sealed class SweepApi : IAsyncLifetime
{
    public const string AdminKey = "sweep-admin-key-0123456789";

    private ServiceProcess? _api;

    public ServiceProcess Process => _api ?? throw new InvalidOperationException("The API is not started.");

    /// <summary>The API's database, for tests that set up rows the API has no endpoint to create.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("sweep");
        _api = ServiceProcess.Start("Exp22.Api", "api", new Dictionary<string, string>
        {
            ["ConnectionStrings__exp22db"] = ConnectionString,
            ["Api__AdminKey"] = AdminKey,
        });
        await _api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
            await _api.DisposeAsync();
    }
}
