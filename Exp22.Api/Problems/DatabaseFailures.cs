using Exp22.Api.Database;
using Exp22.Workflows.Storage;

namespace Exp22.Api.Problems;

/// <summary>Tells "the database is unreachable, overloaded or failing over, retry" apart from a bug.</summary>
public static class DatabaseFailures
{
    public static bool IsUnavailable(Exception exception) =>
        exception is SchemaNotReadyException || DatabaseOutage.Is(exception);
}
