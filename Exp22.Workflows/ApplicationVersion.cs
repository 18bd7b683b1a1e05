using System.Buffers;
using System.Reflection;

namespace Exp22.Workflows;

/// <summary>
/// The version of the application code that must run a workflow (docs/queues-and-schedules.md#application-versions).
/// An executor claims only workflows stamped with its own version, so a rolling deploy never replays an
/// old workflow's history on new code.
/// </summary>
public static class ApplicationVersion
{
    public const int MaxLength = 128;

    /// <summary>What a version may hold: a SemVer with build metadata (<c>1.4.0+3f2a9c1</c>) fits.</summary>
    public const string Pattern = "^[A-Za-z0-9._+:-]{1,128}$";

    public static string Rule(string field) =>
        $"{field} must be 1-{MaxLength} characters of letters, digits, '.', '_', '+', ':' or '-'";

    // A set rather than the pattern as a regex: one pass, and no '$' that lets a trailing newline through.
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+:-");

    public static bool IsValid(string? version) =>
        version is { Length: > 0 and <= MaxLength } && !version.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>
    /// The entry assembly's informational version. The .NET SDK appends the commit it was built from
    /// (<c>1.0.0+&lt;sha&gt;</c>), so a build of another commit is another version with no setting; a build
    /// outside git carries no commit, and then the entry assembly's module id stands in for it, which a
    /// deterministic compilation changes exactly when the code changes.
    /// </summary>
    public static string OfEntryAssembly() => Of(Assembly.GetEntryAssembly() ?? typeof(ApplicationVersion).Assembly);

    internal static string Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        var version = informational.Contains('+', StringComparison.Ordinal)
            ? informational
            : $"{informational}+{assembly.ManifestModule.ModuleVersionId:N}";
        // An informational version is free text: what the pattern does not allow becomes '-'.
        var allowed = string.Create(version.Length, version, static (chars, text) =>
        {
            for (var i = 0; i < text.Length; i++)
                chars[i] = Allowed.Contains(text[i]) ? text[i] : '-';
        });
        return allowed.Length <= MaxLength ? allowed : allowed[..MaxLength];
    }
}
