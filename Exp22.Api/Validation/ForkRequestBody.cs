using Exp22.Api.Runs;

namespace Exp22.Api.Validation;

/// <summary>Reads and checks the body of <c>POST /runs/{id}/fork</c>: <c>{"fromStep": 3}</c>, 1-based as in <c>GET /runs/{id}/steps</c>.</summary>
public static class ForkRequestBody
{
    public const string FromStepField = "fromStep";

    public static readonly IntegerRange FromStep = new(1, RunLimits.StepsPerWorkflow.Max + 1);

    private const string Example = """{"fromStep": 3}""";

    /// <returns>The step to fork from (1-based), or null when <paramref name="errors"/> says why not.</returns>
    public static async Task<int?> ReadAsync(HttpRequest request, FieldErrors errors, CancellationToken cancellationToken)
    {
        using var document = await JsonBody.ReadObjectAsync(request, Example, errors, cancellationToken);
        return document is null ? null : JsonBody.RequiredInteger(document.RootElement, FromStepField, FromStepField, FromStep, errors);
    }
}
