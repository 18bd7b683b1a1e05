using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Exp22.Workflows.Dashboard;

/// <summary>A bad setting stops the host at start with a message naming the key.</summary>
internal sealed class WorkflowsDashboardOptionsValidator(IAuthorizationPolicyProvider policies) : IValidateOptions<WorkflowsDashboardOptions>
{
    private const string Section = WorkflowsDashboardOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, WorkflowsDashboardOptions options)
    {
        var failures = new List<string>();
        if (options.TraceUrlTemplate is { } template
            && (!template.Contains(WorkflowsDashboardOptions.TraceIdPlaceholder, StringComparison.Ordinal)
                || !Uri.TryCreate(template.Replace(WorkflowsDashboardOptions.TraceIdPlaceholder, "0", StringComparison.Ordinal), UriKind.Absolute, out var url)
                || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"{Section}:{nameof(options.TraceUrlTemplate)} must be an absolute http(s) URL containing " +
                         $"{WorkflowsDashboardOptions.TraceIdPlaceholder}; got '{template}'.");
        }

        foreach (var (key, policy) in new[] { (nameof(options.ViewPolicy), options.ViewPolicy), (nameof(options.ActionPolicy), options.ActionPolicy) })
        {
            // The default provider answers synchronously; a custom one is consulted once, at start.
            if (policy is not null && policies.GetPolicyAsync(policy).GetAwaiter().GetResult() is null)
                failures.Add($"{Section}:{key} names no registered authorization policy: '{policy}'.");
        }

        if (options.CredentialHeader is { } header && (header.Length == 0 || !header.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            failures.Add($"{Section}:{nameof(options.CredentialHeader)} must be a header name (letters, digits and '-'); got '{header}'.");

        if (options.StartForm is { } form && form.Fields.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != form.Fields.Count)
            failures.Add("The dashboard's start form names a field twice.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
