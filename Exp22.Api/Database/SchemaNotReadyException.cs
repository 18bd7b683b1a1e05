namespace Exp22.Api.Database;

/// <summary>A request arrived before the schema could be migrated; answered like a database outage (503).</summary>
public sealed class SchemaNotReadyException()
    : Exception("The workflow schema is not migrated yet: the database has not answered since the API started.");
