using Exp22.ServiceDefaults.Shutdown;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class ShutdownExtensions
{
    private const string InnerServerKey = "Exp22.ServiceDefaults.Shutdown.InnerServer";

    public static TBuilder ConfigureShutdownTimeout<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<HostOptions>()
            .Bind(builder.Configuration.GetSection("HostOptions"))
            .ValidateOnStart();
        builder.Services.AddShutdownBudgetValidation();
        builder.Services.AddDrainDelay();
        builder.Services.AddRequestDrain();
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
        services.AddOptions<Dictionary<string, TimeSpan>>(ShutdownBudget.LinesName)
            .Configure<IServiceProvider>((lines, provider) => lines[key] = duration(provider));
        services.AddShutdownBudgetValidation();
        return services;
    }

    internal static IServiceCollection AddDrainSignal(this IServiceCollection services)
    {
        services.TryAddSingleton<DrainState>();
        services.AddHostedService<DrainOnStopping>();
        return services;
    }

    // Shutdown:DrainDelay, inside the shutdown budget; the delay runs in StoppingAsync, before the web
    // server stops accepting.
    private static void AddDrainDelay(this IServiceCollection services)
    {
        services.AddShutdownOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddDrainSignal();
        services.AddHostedService<DrainDelay>();
        services.AddTransient<IStartupFilter, ConnectionCloseWhileDraining>();
        services.AddShutdownBudget(ShutdownOptions.DrainDelayKey,
            provider => provider.GetRequiredService<IOptions<ShutdownOptions>>().Value.DrainDelay);
    }

    // Shutdown:RequestDrainTimeout, inside the shutdown budget: the web server gets a decorator whose stop
    // aborts the requests that outlast it. A host without a web server has no requests to drain.
    private static void AddRequestDrain(this IServiceCollection services)
    {
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IServer) && !d.IsKeyedService);
        if (server is null)
            return;

        services.AddShutdownOptions();
        services.TryAddSingleton<RequestsInFlight>();
        services.AddTransient<IStartupFilter>(provider => provider.GetRequiredService<RequestsInFlight>());
        services.Remove(server);
        services.Add(Keyed(server, InnerServerKey));
        services.AddSingleton<IServer>(provider => new RequestDrainingServer(
            provider.GetRequiredKeyedService<IServer>(InnerServerKey),
            provider.GetRequiredService<RequestsInFlight>(),
            provider.GetRequiredService<IOptions<ShutdownOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<RequestDrainingServer>>()));
        services.AddTransient<IStartupFilter, RequestDrainGuard>();
        services.AddShutdownBudget(ShutdownOptions.RequestDrainTimeoutKey,
            provider => provider.GetRequiredService<IOptions<ShutdownOptions>>().Value.RequestDrainTimeout);
    }

    private static ServiceDescriptor Keyed(ServiceDescriptor descriptor, string key) =>
        descriptor switch
        {
            { ImplementationInstance: { } instance } => new ServiceDescriptor(descriptor.ServiceType, key, instance),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(descriptor.ServiceType, key, (provider, _) => factory(provider), descriptor.Lifetime),
            _ => new ServiceDescriptor(descriptor.ServiceType, key, descriptor.ImplementationType!, descriptor.Lifetime),
        };

    private static void AddShutdownOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<ShutdownOptions>)))
            return;
        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    private static void AddShutdownBudgetValidation(this IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostOptions>, ShutdownBudgetValidator>());
}
