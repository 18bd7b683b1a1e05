namespace Exp22.Api.Runs;

public static class RunUrls
{
    /// <summary>Relative, so it stays right behind a proxy or load balancer that rewrites the host.</summary>
    public static string Status(Guid runId) => $"/runs/{runId}";
}
