namespace Exp22.Harness.Services;

/// <summary>
/// Finds a service's build output next to the caller's own: the tests and the benchmarks reference the
/// services (without their assemblies), so building either builds the services in the same configuration.
/// </summary>
public static class BuiltProjects
{
    public const string Api = "Exp22.Api";
    public const string Executor = "Exp22.Executor";

    public static string DllOf(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory); // .../<caller>/bin/<Configuration>/<tfm>/
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var dll = RepositoryRoot.File(Path.Combine(project, "bin", configuration, framework, $"{project}.dll"));
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built: {dll} is missing.", dll);
    }
}
