namespace Exp22.Tests.Processes;

/// <summary>
/// Finds a service's build output next to the tests' own: the test project references the services
/// (without their assemblies), so building the tests builds them in the same configuration.
/// </summary>
public static class BuiltProjects
{
    public static string DllOf(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory); // .../Exp22.Tests/bin/<Configuration>/<tfm>/
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Exp22.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Exp22.sln not found above {AppContext.BaseDirectory}.");

        var dll = Path.Combine(root.FullName, project, "bin", configuration, framework, $"{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built: {dll} is missing.", dll);
    }
}
