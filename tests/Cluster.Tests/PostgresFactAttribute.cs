namespace CompreFace.Cluster.Tests;

/// <summary>
/// A test that needs PostgreSQL: skipped with the reason when <c>COMPREFACE_TEST_POSTGRES</c> is absent, unless
/// <c>CI=true</c>, where it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
