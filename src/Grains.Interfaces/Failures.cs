namespace CompreFace.Grains.Interfaces;

/// <summary>
/// The face store (the database) did not answer: connection refused or broken, the server shutting down or
/// starting up. Transient by nature; the HTTP tier answers 503 (docs/decisions/0014). Raised at the grain boundary
/// by the silo's store-failure filter, so callers on any silo see this one type instead of a driver exception that
/// the wire would turn into a type-less fallback. The message never names hosts or users.
/// </summary>
[GenerateSerializer, Alias("CompreFace.StoreUnavailableException")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
        : base("The database is unavailable")
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Marks a grain method that may run twice without a visible difference (a pure computation or a lookup), so the
/// HTTP tier may retry it after a transient cluster failure even when the first attempt may have reached the grain.
/// Methods marked <see cref="Orleans.Concurrency.ReadOnlyAttribute"/> are retried on the same grounds
/// (docs/decisions/0014).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RetrySafeAttribute : Attribute;
