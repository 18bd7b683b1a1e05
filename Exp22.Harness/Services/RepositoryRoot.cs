namespace Exp22.Harness.Services;

/// <summary>The folder that holds Exp22.sln, found upwards from the running program's output, and files in it read as a user would.</summary>
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
