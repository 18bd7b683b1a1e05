using System.Runtime.CompilerServices;

namespace Exp22.Tests.Infrastructure;

/// <summary>A fresh database on the test run's shared server, named after the calling test.</summary>
public static class TestPostgres
{
    private static readonly PostgresFixture Fixture = new();

    public static Task<string> CreateDatabaseAsync([CallerMemberName] string test = "") =>
        Fixture.CreateDatabaseAsync(test);
}
