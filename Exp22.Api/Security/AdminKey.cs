using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Exp22.Api.Security;

/// <summary>
/// The configured <c>Api:AdminKey</c> and the one way to check a request against it: both keys are hashed
/// first and the hashes compared in constant time, so neither the key's content nor its length leaks
/// through the response time.
/// </summary>
public sealed class AdminKey(IOptions<AdminOptions> options)
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[]? _expectedHash = options.Value.AdminKey is { } key ? Hash(key) : null;

    public bool IsConfigured => _expectedHash is not null;

    /// <summary>Exactly one header value, equal to the key.</summary>
    public bool Matches(StringValues given) =>
        _expectedHash is not null && given.Count == 1 && CryptographicOperations.FixedTimeEquals(Hash(given[0] ?? ""), _expectedHash);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
