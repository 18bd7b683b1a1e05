namespace Exp22.Tests.AppHost;

/// <summary>
/// One start of the app model, with the real dashboard, for every test of the "Aspire app" collection: a start
/// costs the orchestrator, a PostgreSQL initdb and three services. The collection runs its tests
/// one after another; a test that drains an executor starts it again before it ends.
/// </summary>
public sealed class AspireAppFixture : IAsyncLifetime
{
    private AspireApp? _app;

    public AspireApp App => _app ?? throw new InvalidOperationException("The app model has not started.");

    public async Task InitializeAsync() => _app = await AspireApp.StartAsync(withDashboard: true);

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AspireAppCollection : ICollectionFixture<AspireAppFixture>
{
    public const string Name = "Aspire app";
}
