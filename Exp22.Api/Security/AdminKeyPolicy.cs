using Microsoft.AspNetCore.Authorization;

namespace Exp22.Api.Security;

/// <summary>
/// The admin key as an ASP.NET Core authorization policy, for what authorizes through policies (the
/// workflows dashboard): met when the request's <c>X-Api-Key</c> matches <c>Api:AdminKey</c>.
/// </summary>
public static class AdminKeyPolicy
{
    public const string Name = "Exp22.AdminKey";

    public static IServiceCollection AddAdminKeyPolicy(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, Handler>();
        services.AddAuthorizationBuilder().AddPolicy(Name, policy => policy.AddRequirements(new Requirement()));
        return services;
    }

    private sealed class Requirement : IAuthorizationRequirement;

    /// <summary>The resource is the request itself (endpoint authorization passes its HttpContext).</summary>
    private sealed class Handler(AdminKey adminKey) : AuthorizationHandler<Requirement, HttpContext>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement, HttpContext http)
        {
            if (adminKey.Matches(http.Request.Headers[AdminKey.HeaderName]))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }
}
