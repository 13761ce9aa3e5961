using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CompreFace.Testing;

/// <summary>
/// The password hashing of in-process test nodes: the product's PBKDF2 at 1,000 iterations instead of 210,000. Every
/// sign-up and login hashes once, and at the product's count that is 0.2 s of CPU on a slow core: a third of the admin
/// suite's CPU went to it (a sampled trace of Admin.Tests), for tests that are about sessions, roles and collections,
/// not about the cost of a hash. The hash format, the verification and the rehash-on-login path stay the product's;
/// <c>SessionTests.Login_HashWithFewerIterations_IsUpgradedToTheCurrentCount</c> checks the product's count on a node
/// that keeps it.
/// </summary>
public static class TestPasswordHashing
{
    public const int Iterations = 1_000;

    /// <summary>Registers after the node's own configuration, so this count is the one the node's hasher reads.</summary>
    public static void Use(IServiceCollection services) =>
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = Iterations);
}
