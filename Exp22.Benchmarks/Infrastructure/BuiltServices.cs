namespace Exp22.Benchmarks.Infrastructure;

/// <summary>
/// Finds a service's build output: the benchmark references the services (without their assemblies), so
/// <c>dotnet run -c Release</c> builds them in Release next to their own project folders.
/// </summary>
public static class BuiltServices
{
    public const string Executor = "Exp22.Executor";
    public const string Api = "Exp22.Api";

    public static string DllOf(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory); // .../Exp22.Benchmarks/bin/<Configuration>/<tfm>/
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Exp22.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Exp22.sln not found above {AppContext.BaseDirectory}.");

        var dll = Path.Combine(root.FullName, project, "bin", configuration, framework, $"{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built: {dll} is missing.", dll);
    }
}
