namespace Exp22.Api.Database;

/// <summary>Whether the engine's schema has been migrated since this process started; set once.</summary>
public sealed class SchemaState
{
    private int ready;

    public bool IsReady => Volatile.Read(ref ready) == 1;

    public void MarkReady() => Volatile.Write(ref ready, 1);
}
