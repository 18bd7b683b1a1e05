using Npgsql;

namespace Exp22.Workflows.Storage;

/// <summary>The one way the engine reads a column that may be NULL.</summary>
internal static class NullableReads
{
    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static T? GetValueOrNull<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
