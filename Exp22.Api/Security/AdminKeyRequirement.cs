namespace Exp22.Api.Security;

/// <summary>
/// Endpoint metadata: the endpoint changes runs others started, so it needs <c>Api:AdminKey</c> (when
/// set) in <see cref="AdminKeyFilter.HeaderName"/>. The OpenAPI document declares it from this marker.
/// </summary>
public sealed class AdminKeyRequirement
{
    public static readonly AdminKeyRequirement Instance = new();

    private AdminKeyRequirement()
    {
    }
}

public static class AdminKeyEndpoints
{
    /// <summary>Guards the endpoint with the admin key and says so in its metadata (and its 401).</summary>
    public static RouteHandlerBuilder RequireAdminKey(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<AdminKeyFilter>()
            .WithMetadata(AdminKeyRequirement.Instance)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
