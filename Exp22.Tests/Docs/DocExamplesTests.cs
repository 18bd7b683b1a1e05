using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Exp22.Harness.Os;
using Exp22.Harness.Services;
using Xunit.Abstractions;

namespace Exp22.Tests.Docs;

/// <summary>
/// The C# examples of the README's "Writing a workflow" and of docs/workflows.md, exactly as printed,
/// compiled against the real engine and demo: an example that drifts from the API fails here.
/// </summary>
public sealed partial class DocExamplesTests(ITestOutputHelper output)
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Every_csharp_example_of_the_workflow_guides_compiles_against_the_real_api()
    {
        var readme = await File.ReadAllTextAsync(RepositoryRoot.File("README.md"));
        var guide = readme[readme.IndexOf("## Writing a workflow", StringComparison.Ordinal)..];
        guide = guide[..guide.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var blocks = CSharpBlocks(guide).Concat(CSharpBlocks(await File.ReadAllTextAsync(RepositoryRoot.File("docs/workflows.md")))).ToList();
        Assert.True(blocks.Count >= 8, $"found only {blocks.Count} C# examples");

        var project = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, ".artifacts", "doc-examples"));
        await File.WriteAllTextAsync(Path.Combine(project.FullName, "DocExamples.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <OutputType>Library</OutputType>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <NoWarn>$(NoWarn);CS0168;CS0219;CS1998;CS8321;CS9113;CA1822;CA1849;CA2007;CA2016</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Npgsql.DependencyInjection" />
                <ProjectReference Include="{RepositoryRoot.File("Exp22.Workflows/Exp22.Workflows.csproj")}" />
                <ProjectReference Include="{RepositoryRoot.File("Exp22.Executor/Exp22.Executor.csproj")}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project.FullName, "Examples.cs"), Source(blocks));

        var (exitCode, printed) = await ProcessRunner.RunAsync(
            ProcessRunner.StartInfo("dotnet", ["build", project.FullName, "-nologo", "-v", "q", "-p:BuildProjectReferences=false"]),
            CancellationToken.None);
        output.WriteLine($"{blocks.Count} examples; dotnet build: {exitCode}\n{printed}");
        Assert.True(exitCode == 0, $"the examples do not compile:\n{printed}");
    }

    /// <summary>
    /// Declarations go in as they are; a block of statements is split at its "// Anywhere" comment into
    /// the workflow's part (a method with <c>context</c> and the order's <c>input</c>) or the host's part
    /// (<c>builder</c>), and the caller's part (<c>client</c>, <c>runId</c>, <c>ct</c>).
    /// </summary>
    private static string Source(List<string> blocks)
    {
        var types = new StringBuilder();
        var methods = new StringBuilder();
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            if (block.Contains("class ", StringComparison.Ordinal))
            {
                types.AppendLine(block);
                continue;
            }

            var split = AnywhereComment().Match(block);
            var (own, outside) = split.Success ? (block[..split.Index], block[split.Index..]) : (block, "");
            if (own.Contains("context.", StringComparison.Ordinal))
                methods.AppendLine(CultureInfo.InvariantCulture, $"static async Task<DemoOrderResult> Workflow{i}(WorkflowContext context, DemoOrderInput input) {{\n{own}\nreturn null!; }}");
            else if (own.Contains("builder.", StringComparison.Ordinal))
                methods.AppendLine(CultureInfo.InvariantCulture, $"static async Task Host{i}(WebApplicationBuilder builder, string connectionString) {{\n{own}\nawait Task.CompletedTask; }}");
            else
                outside = own + outside;
            if (outside.Trim().Length > 0)
                methods.AppendLine(CultureInfo.InvariantCulture, $"static async Task Client{i}(WorkflowClient client, Guid runId, Guid workflowId, DemoRunInput input, CancellationToken ct) {{\n{outside}\n}}");
        }

        return $$"""
            using Exp22.Executor.Demo;
            using Exp22.Workflows;
            using Exp22.Workflows.Client;
            using Exp22.Workflows.Hosting;

            namespace DocExamples;

            // The engine tests' workflow that docs/workflows.md starts as a child.
            public sealed record StepsInput(int Steps);

            [WorkflowName("steps")]
            public sealed class StepsWorkflow : Workflow<StepsInput, int>
            {
                public override Task<int> RunAsync(WorkflowContext context, StepsInput input) => Task.FromResult(input.Steps);
            }

            {{types}}

            public static class Statements
            {
            {{methods}}
            }
            """;
    }

    private static IEnumerable<string> CSharpBlocks(string markdown) =>
        CSharpBlock().Matches(markdown).Select(m => m.Groups["code"].Value);

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^\s*// Anywhere", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex AnywhereComment();
}
