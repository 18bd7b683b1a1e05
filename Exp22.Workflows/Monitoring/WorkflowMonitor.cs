using Npgsql;

namespace Exp22.Workflows.Monitoring;

/// <summary>
/// Read models for operators: the fleet's counts and throughput, runs with their progress, a run's whole
/// tree with its handovers, the executors with their drains, and the queues with their limits and depth.
/// Everything comes from the database (executors write what they are doing with each heartbeat), so any
/// process can serve it and no executor is ever asked.
/// </summary>
public sealed class WorkflowMonitor(NpgsqlDataSource dataSource)
{
    private readonly OverviewReader _overview = new(dataSource);
    private readonly RunListReader _runs = new(dataSource);
    private readonly RunTreeReader _tree = new(dataSource);
    private readonly ExecutorReader _executors = new(dataSource);
    private readonly VersionReader _versions = new(dataSource);
    private readonly QueueReader _queues = new(dataSource);

    /// <param name="window">How far back the throughput series and the finished counts reach.</param>
    /// <param name="bucket">The width of one point of the series.</param>
    public Task<FleetOverview> GetOverviewAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken) =>
        _overview.ReadAsync(window, bucket, cancellationToken);

    public Task<RunListing> ListRunsAsync(RunFilter filter, CancellationToken cancellationToken) =>
        _runs.ReadAsync(filter, cancellationToken);

    /// <returns>The run's tree from its root, or null when no run (root workflow) has this id.</returns>
    public Task<RunTree?> GetRunAsync(Guid runId, CancellationToken cancellationToken) =>
        _tree.ReadAsync(runId, cancellationToken);

    public Task<FleetExecutors> ListExecutorsAsync(CancellationToken cancellationToken) =>
        _executors.ReadAsync(cancellationToken);

    /// <summary>Each application version with its live executors and unfinished work, and whether that work is stranded.</summary>
    public Task<FleetVersions> ListVersionsAsync(CancellationToken cancellationToken) =>
        _versions.ReadAsync(cancellationToken);

    /// <param name="topPartitions">How many partitions of each partitioned queue to list, deepest first (at least 1).</param>
    public Task<QueueOverview> ListQueuesAsync(int topPartitions, CancellationToken cancellationToken) =>
        _queues.ReadAsync(topPartitions, cancellationToken);
}
