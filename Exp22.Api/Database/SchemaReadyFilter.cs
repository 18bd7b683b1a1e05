namespace Exp22.Api.Database;

/// <summary>Runs endpoints answer 503 (through the database-unavailable handler) until the schema exists.</summary>
public sealed class SchemaReadyFilter(SchemaState state) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        state.IsReady ? next(context) : throw new SchemaNotReadyException();
}
