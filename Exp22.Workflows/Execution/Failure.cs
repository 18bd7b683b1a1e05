namespace Exp22.Workflows.Execution;

/// <summary>
/// How a failure is stored: a one-line summary (<c>error</c>: what the API serves and replay rethrows)
/// and the whole exception text (<c>error_detail</c>: type, message, stack trace, inner exceptions).
/// </summary>
internal readonly record struct Failure(string Summary, string? Detail)
{
    public static Failure Of(Exception exception) =>
        new($"{exception.GetType().Name}: {exception.Message}", exception.ToString());
}
