using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class LoggingExtensions
{
    // Per-request framework lines (several a second from health probes alone) bury the service's own.
    private static readonly Dictionary<string, string?> QuietFrameworkCategories = new()
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };

    public static TBuilder ConfigureLogging<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // First source = lowest precedence: appsettings and environment can still turn them back up.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietFrameworkCategories });

        // One line per entry with the seed's time-only stamp, so interleaved replica logs stay scannable.
        builder.Logging.AddSimpleConsole(options =>
        {
            options.TimestampFormat = "HH:mm:ss ";
            options.SingleLine = true;
            options.IncludeScopes = false;
        });
        return builder;
    }
}
