namespace Exp22.Workflows.Execution;

/// <summary>What an executor writes about itself with each heartbeat: enough for any process to show it.</summary>
/// <param name="Starting">The first beat of this process: its start time is now, and a previous exit is forgotten.</param>
/// <param name="DrainStartedAgo">
/// How long ago the drain began on the executor's own clock (null while not draining); the row stores the
/// drain's start and deadline on the database's clock, so readers need only compare them with its now().
/// </param>
/// <param name="AfterFailedBeat">
/// This executor's previous beats failed: its run of heartbeats starts over, and this batch recovers nothing.
/// </param>
/// <param name="InFlightJson">The first <see cref="ExecutorHeartbeat.InFlightShown"/> workflows in flight, as JSON.</param>
internal sealed record ExecutorBeat(
    string ExecutorId,
    string ApplicationVersion,
    string State,
    int Concurrency,
    string[] Queues,
    TimeSpan HeartbeatTimeout,
    TimeSpan CompletionTimeout,
    TimeSpan? DrainStartedAgo,
    string InFlightJson,
    int InFlightCount,
    bool Starting = false,
    bool AfterFailedBeat = false);
