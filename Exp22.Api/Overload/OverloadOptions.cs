using System.ComponentModel.DataAnnotations;

namespace Exp22.Api.Overload;

/// <summary>
/// The <c>Api:Overload</c> section: how much work the API takes on at once before it sheds the rest
/// with 429 and <c>Retry-After</c>, instead of queueing it until clients and probes time out.
/// Health endpoints are never limited.
/// </summary>
public sealed class OverloadOptions
{
    public const string SectionName = "Api:Overload";

    /// <summary>Requests served at once. Below the connection pool's size (Npgsql: 100), so requests never wait for a connection.</summary>
    [Range(1, 10_000, ErrorMessage = "Api:Overload:MaxConcurrentRequests must be between 1 and 10000.")]
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that may wait (oldest first) for one of those; one more is answered 429 at once.</summary>
    [Range(0, 100_000, ErrorMessage = "Api:Overload:QueueLimit must be between 0 and 100000.")]
    public int QueueLimit { get; set; } = 128;

    /// <summary>The <c>Retry-After</c> of a 429, in seconds.</summary>
    [Range(1, 3600, ErrorMessage = "Api:Overload:RetryAfterSeconds must be between 1 and 3600.")]
    public int RetryAfterSeconds { get; set; } = 1;
}
