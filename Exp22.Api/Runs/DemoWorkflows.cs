namespace Exp22.Api.Runs;

/// <summary>The stored names of the seed's workflows, which the executor registers.</summary>
public static class DemoWorkflows
{
    public const string Run = "demo-run";
    public const string Sub = "demo-sub";
    public const string Order = "demo-order";
}
