using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Exp22.Workflows.Dashboard.Problems;

/// <summary>
/// A dashboard request that finds the database unreachable, or its schema not migrated yet, answers 503
/// problem details with Retry-After instead of a 500: the page says so and keeps polling.
/// </summary>
internal sealed class DatabaseUnavailableFilter : IEndpointFilter
{
    private const int RetryAfterSeconds = 2;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e) && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(
                title: "Workflow database unavailable",
                detail: $"The dashboard could not read the workflow database ({e.Message}); retry in {RetryAfterSeconds} s.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08: connection exception; 57P: shutting down or starting; 42P01, 42703, 3F000: the schema is not
                // (fully) migrated yet, as while the API migrates it in the background.
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                            || pg.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn
                                                       or PostgresErrorCodes.InvalidSchemaName:
                case NpgsqlException { IsTransient: true }:
                case TimeoutException or SocketException:
                    return true;
            }
        }

        return false;
    }
}
