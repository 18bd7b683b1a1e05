using System.ComponentModel.DataAnnotations;

namespace Exp22.Api.Security;

/// <summary>The <c>Api</c> section: who may change runs that others started.</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string SectionName = "Api";
    public const string AdminKeyKey = $"{SectionName}:{nameof(AdminKey)}";
    public const int MinAdminKeyLength = 16;

    /// <summary>
    /// Unset: cancelling is open, as on a developer's machine. Set: <c>POST /runs/{id}/cancel</c> needs it in
    /// the <see cref="AdminKeyFilter.HeaderName"/> header.
    /// </summary>
    public string? AdminKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdminKey is not null && (AdminKey.Trim().Length < MinAdminKeyLength || AdminKey != AdminKey.Trim()))
        {
            yield return new ValidationResult(
                $"{AdminKeyKey} must be at least {MinAdminKeyLength} characters without surrounding spaces when set " +
                "(leave it unset to allow cancelling without a key).", [nameof(AdminKey)]);
        }
    }
}
