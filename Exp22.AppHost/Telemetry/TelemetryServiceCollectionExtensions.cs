using Exp22.AppHost.Telemetry.Otlp;
using Exp22.AppHost.Telemetry.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Exp22.AppHost.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// The in-memory store behind the OTLP receiver and the telemetry pages, bounded by
    /// <see cref="TelemetryStoreOptions"/> (section <c>Dashboard:Telemetry</c>), validated at start.
    /// </summary>
    public static IServiceCollection AddTelemetryStore(this IServiceCollection services)
    {
        services.AddOptions<TelemetryStoreOptions>()
            .BindConfiguration(TelemetryStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ResourceCatalog>();
        services.AddSingleton<SpanStore>();
        services.AddSingleton<LogStore>();
        services.AddSingleton<MetricStore>();
        services.AddSingleton<OtlpTranslation>();
        return services;
    }
}
