using Exp22.ServiceDefaults.Shutdown;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class ShutdownExtensions
{
    public static TBuilder ConfigureShutdownTimeout<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<HostOptions>()
            .Bind(builder.Configuration.GetSection("HostOptions"))
            .ValidateOnStart();
        builder.Services.AddShutdownBudgetValidation();
        builder.Services.AddDrainDelay();
        return builder;
    }

    // Declares a wait the host's ShutdownTimeout must contain; key names the setting it comes from,
    // e.g. services.AddShutdownBudget("Shutdown:DrainDelay", options.DrainDelay).
    public static IServiceCollection AddShutdownBudget(this IServiceCollection services, string key, TimeSpan duration) =>
        services.AddShutdownBudget(key, _ => duration);

    // For a duration that lives in the service's own options, read when the host starts.
    public static IServiceCollection AddShutdownBudget(this IServiceCollection services, string key, Func<IServiceProvider, TimeSpan> duration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(duration);
        services.AddSingleton(provider => new ShutdownDrain(key, duration(provider)));
        services.AddShutdownBudgetValidation();
        return services;
    }

    internal static IServiceCollection AddDrainSignal(this IServiceCollection services)
    {
        services.TryAddSingleton<DrainState>();
        services.AddHostedService<DrainOnStopping>();
        return services;
    }

    // Shutdown:DrainDelay and Shutdown:RequestDrainTimeout, both inside the shutdown budget; the delay runs
    // in StoppingAsync, before the web server stops accepting.
    private static void AddDrainDelay(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddDrainSignal();
        services.AddHostedService<DrainDelay>();
        services.AddTransient<IStartupFilter, ConnectionCloseWhileDraining>();
        services.AddShutdownBudget(ShutdownOptions.DrainDelayKey,
            provider => provider.GetRequiredService<IOptions<ShutdownOptions>>().Value.DrainDelay);
        services.AddShutdownBudget(ShutdownOptions.RequestDrainTimeoutKey,
            provider => provider.GetRequiredService<IOptions<ShutdownOptions>>().Value.RequestDrainTimeout);
    }

    private static void AddShutdownBudgetValidation(this IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostOptions>, ShutdownBudgetValidator>());
}
