namespace Exp22.Api.Validation;

/// <summary>Run ids in paths are GUIDs; anything else is a 400 naming <c>id</c>, not a 404.</summary>
public static class RunIds
{
    public const string Field = "id";

    public static bool TryParse(string raw, FieldErrors errors, out Guid runId)
    {
        if (Guid.TryParse(raw, out runId))
            return true;

        errors.Add(Field, $"{Field} must be a run id, a GUID such as 0199b5a4-3c1e-7d2a-9f10-2b3c4d5e6f70; got {Shown.Text(raw)}.");
        return false;
    }
}
