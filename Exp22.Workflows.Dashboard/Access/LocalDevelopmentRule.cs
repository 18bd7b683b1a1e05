using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Exp22.Workflows.Dashboard.Access;

/// <summary>
/// What the dashboard allows when no policy is configured: a developer on the same machine. The request
/// must come from a loopback address and name a loopback host (so that a page whose DNS name was rebound
/// to 127.0.0.1 cannot use the developer's browser), in the Development environment.
/// </summary>
public static class LocalDevelopmentRule
{
    /// <returns>Null when allowed; otherwise why not, for the refusal's detail.</returns>
    public static string? WhyRefused(HttpContext http, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
            return $"outside the Development environment (here: {environment.EnvironmentName})";

        var remote = http.Connection.RemoteIpAddress;
        if (remote is { IsIPv4MappedToIPv6: true })
            remote = remote.MapToIPv4();
        if (remote is null || !IPAddress.IsLoopback(remote))
            return $"from {remote?.ToString() ?? "an unknown address"}, which is not a loopback address";

        var host = http.Request.Host.Host;
        if (!IsLoopbackName(host))
            return $"for host '{host}', which is not a loopback name";
        return null;
    }

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
