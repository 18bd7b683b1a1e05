using Npgsql;

namespace Exp22.Workflows.Hosting;

public static class WorkflowsDataSourceDefaults
{
    /// <summary>
    /// Lets Npgsql prepare the engine's statements on each pooled connection after their second use,
    /// so the server parses and plans a checkpoint, claim or enqueue once per connection rather than on
    /// every call. The engine runs about twenty distinct statements; a connection string that sets
    /// <c>Max Auto Prepare</c> itself keeps its own value.
    /// </summary>
    public static NpgsqlDataSourceBuilder UseWorkflowsDefaults(this NpgsqlDataSourceBuilder builder)
    {
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        return builder;
    }
}
