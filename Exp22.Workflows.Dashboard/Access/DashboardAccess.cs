using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard.Access;

public enum DashboardOperation
{
    View,
    Act,
}

/// <param name="Status">200 when allowed; 401 when a credential may help; 403 when refused.</param>
public sealed record AccessDecision(int Status, string? Detail)
{
    public bool Allowed => Status == StatusCodes.Status200OK;
}

/// <summary>
/// Decides whether a request may read the dashboard or act through it: through the configured ASP.NET Core
/// authorization policy (evaluated as the authorization middleware would, with the policy's own
/// authentication schemes), or, when none is configured, the <see cref="LocalDevelopmentRule"/>.
/// </summary>
public sealed class DashboardAccess(
    IOptions<WorkflowsDashboardOptions> options,
    IAuthorizationPolicyProvider policies,
    IPolicyEvaluator evaluator,
    IHostEnvironment environment)
{
    private static readonly AccessDecision Allowed = new(StatusCodes.Status200OK, null);

    public async Task<AccessDecision> DecideAsync(HttpContext http, DashboardOperation operation)
    {
        var settings = options.Value;
        if (operation == DashboardOperation.View && settings.OpenViewing)
            return Allowed;

        var (policyName, key) = operation == DashboardOperation.View
            ? (settings.ViewPolicy, nameof(WorkflowsDashboardOptions.ViewPolicy))
            : (settings.ActionPolicy, nameof(WorkflowsDashboardOptions.ActionPolicy));
        var what = operation == DashboardOperation.View ? "reading the workflows dashboard" : "this action";
        if (policyName is null)
        {
            return LocalDevelopmentRule.WhyRefused(http, environment) is { } why
                ? new AccessDecision(StatusCodes.Status403Forbidden,
                    $"Without {WorkflowsDashboardOptions.SectionName}:{key}, {what} is allowed only from this machine in " +
                    $"Development; this request came {why}.")
                : Allowed;
        }

        var policy = await policies.GetPolicyAsync(policyName).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{WorkflowsDashboardOptions.SectionName}:{key} names no authorization policy: '{policyName}'.");
        var authentication = await evaluator.AuthenticateAsync(policy, http).ConfigureAwait(false);
        var result = await evaluator.AuthorizeAsync(policy, authentication, http, http).ConfigureAwait(false);
        if (result.Succeeded)
            return Allowed;
        var credential = settings.CredentialHeader is { } header ? $" (the {header} header)" : "";
        return result.Forbidden
            ? new AccessDecision(StatusCodes.Status403Forbidden, $"The policy '{policyName}' does not allow {what}.")
            : new AccessDecision(StatusCodes.Status401Unauthorized,
                $"{char.ToUpperInvariant(what[0])}{what[1..]} needs authorization by the policy '{policyName}'{credential}.");
    }
}
