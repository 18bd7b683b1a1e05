using Exp22.Api.Runs;

namespace Exp22.Api.Security;

public static class SecuritySetup
{
    /// <summary>The admin key (validated at start, and as an authorization policy) and Kestrel's request limits.</summary>
    public static WebApplicationBuilder AddApiSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AdminKey>();
        builder.Services.AddAdminKeyPolicy();

        // The only body the API reads is a run request; Kestrel refuses anything larger before the
        // endpoint buffers it (413), instead of its 30 MB default.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RunLimits.MaxRequestBodyBytes);
        return builder;
    }
}
