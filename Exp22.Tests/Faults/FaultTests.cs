namespace Exp22.Tests.Faults;

/// <summary>
/// The fault tests run one after another (while other test classes run beside them): each starts
/// several service processes and some a PostgreSQL of their own, and together they would starve a
/// small machine enough to make live executors look dead.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class FaultTests
{
    public const string Collection = "Faults";
}
