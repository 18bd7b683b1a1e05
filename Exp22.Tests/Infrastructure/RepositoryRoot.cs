namespace Exp22.Tests.Infrastructure;

/// <summary>Files of the repository (deploy/, appsettings.json) that tests read as a user would.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Exp22.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException($"Exp22.sln not found above {AppContext.BaseDirectory}.");
    }
}
