using Exp22.Api.Validation;

namespace Exp22.Api.Runs;

/// <summary>The API's accepted ranges and defaults (docs/design.md#http-endpoints); every validation message quotes them.</summary>
public static class RunLimits
{
    public const int MinSubWorkflows = 1;
    public const int MaxSubWorkflows = 100;
    public const int DefaultSubWorkflows = 6;

    public const int MinStepsPerWorkflow = 1;
    public const int MaxStepsPerWorkflow = 100;
    public const int DefaultStepsPerWorkflow = 5;

    public const int MinStepDelayMs = 0;
    public const int MaxStepDelayMs = 60_000;

    public const int MinListLimit = 1;
    public const int MaxListLimit = 500;
    public const int DefaultListLimit = 50;

    public const int MaxIdempotencyKeyLength = 200;

    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MinPriority = -1000;
    public const int MaxPriority = 1000;
    public const int MaxQueueNameLength = 100;
    public const int MaxPartitionKeyLength = 200;

    /// <summary>How far ahead notBefore may be: further is more likely a mistake than a plan.</summary>
    public static readonly TimeSpan MaxNotBeforeAhead = TimeSpan.FromDays(366);

    /// <summary>A run request is a few dozen bytes; anything near this is not one.</summary>
    public const int MaxRequestBodyBytes = 16 * 1024;

    public const int MaxOrderIdLength = 100;
    public const int MinApprovalTimeoutSeconds = 1;
    public const int MaxApprovalTimeoutSeconds = 7 * 24 * 3600;
    public const int DefaultApprovalTimeoutSeconds = 3600;
    public const int MinShipAfterSeconds = 0;
    public const int MaxShipAfterSeconds = 24 * 3600;
    public const int DefaultShipAfterSeconds = 10;
    public const int MaxTopicLength = 100;
    public const int MinEventTimeoutMs = 0;
    public const int MaxEventTimeoutMs = 30_000;

    public static readonly IntegerRange SubWorkflows = new(MinSubWorkflows, MaxSubWorkflows);
    public static readonly IntegerRange StepsPerWorkflow = new(MinStepsPerWorkflow, MaxStepsPerWorkflow);
    public static readonly IntegerRange StepDelayMs = new(MinStepDelayMs, MaxStepDelayMs);
    public static readonly IntegerRange TimeoutSeconds = new(MinTimeoutSeconds, MaxTimeoutSeconds);
    public static readonly IntegerRange ListLimit = new(MinListLimit, MaxListLimit);
    public static readonly IntegerRange Priority = new(MinPriority, MaxPriority);
    public static readonly IntegerRange ApprovalTimeoutSeconds = new(MinApprovalTimeoutSeconds, MaxApprovalTimeoutSeconds);
    public static readonly IntegerRange ShipAfterSeconds = new(MinShipAfterSeconds, MaxShipAfterSeconds);
    public static readonly IntegerRange EventTimeoutMs = new(MinEventTimeoutMs, MaxEventTimeoutMs);
}
