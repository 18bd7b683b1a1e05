namespace Exp22.Api.Hosting;

public static class DefaultUrls
{
    /// <summary>docs/design.md#configuration-keys: where the API listens unless told otherwise.</summary>
    public const string Api = "http://localhost:8000";

    /// <summary>
    /// Listens on <see cref="Api"/> unless ASPNETCORE_URLS / --urls, ASPNETCORE_HTTP(S)_PORTS or
    /// Kestrel:Endpoints chooses. (A "urls" in appsettings.json would instead override ASPNETCORE_URLS,
    /// which the AppHost sets: WebApplicationBuilder reads appsettings after the ASPNETCORE_ variables.)
    /// </summary>
    public static WebApplicationBuilder ListenOnDefaultUrlUnlessConfigured(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured =
            !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (!configured)
            builder.WebHost.UseUrls(Api);
        return builder;
    }
}
