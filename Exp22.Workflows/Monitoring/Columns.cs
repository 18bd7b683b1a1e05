using System.Text.Json;
using Exp22.Workflows.Storage;
using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>Column readers shared by the monitoring queries.</summary>
internal static class Columns
{
    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement? NullableJson(NpgsqlDataReader reader, int ordinal) =>
        reader.GetStringOrNull(ordinal) is { } json ? Json(json) : null;
}
